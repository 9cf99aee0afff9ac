/**
 * PostgreSQL through node-postgres (`pg`), pooled (Django's
 * `django.db.backends.postgresql` with a connection pool). The driver was chosen by
 * measurement against `postgres` (docs/scale-out.md, bench/drivers.mjs).
 *
 * Statements are written with `?` placeholders like every Tango SQL string; the dialect
 * rewrites them to `$1, $2, ...` once per SQL string, and each pooled connection prepares a
 * statement once (named statements) and reuses it.
 *
 * Failure behaviour (DESIGN.md §7): a refused or dropped connection rejects at once with
 * `DatabaseUnavailable` naming the server (`Cannot connect to PostgreSQL at
 * postgres://app@db:5432/site (DATABASES['default']): ECONNREFUSED`), which the session layer
 * answers with a 503; broken connections are discarded, and the next request connects afresh,
 * so service resumes as soon as the server is back. Nothing waits in an offline queue.
 *
 * A server that stops answering (hung host, frozen process, lost packets) never answers and
 * never closes, so every wait has a client-side deadline: opening a connection or waiting for
 * a free pooled one at most `connect_timeout` (pg-pool's `connectionTimeoutMillis`), each
 * statement at most `query_timeout` (pg's `query_timeout`: one timer per statement, under a
 * microsecond against tens of microseconds of CPU per statement). A statement that times out
 * discards its connection, whose late reply would otherwise answer the next statement.
 */
import type { DatabaseSettings } from '../conf/settings.js';
import type { Pool, PoolClient, QueryResult } from 'pg';
import { ImproperlyConfigured } from '../conf/errors.js';
import type { Connection, RunResult, SqlValue } from './connection.js';
import { numberedPlaceholders } from './dialect.js';
import {
  DatabaseError,
  DatabaseUnavailable,
  IntegrityError,
  OperationalError,
  ProgrammingError,
} from './errors.js';

/** Options of `PostgresConnection`; every field has a default. */
export interface PostgresOptions {
  /** `postgres://user:password@host:port/name?sslmode=...`; overrides the separate fields. */
  url?: string;
  host?: string;
  port?: number;
  database?: string;
  user?: string;
  password?: string;
  /** Largest number of pooled connections per process (`OPTIONS.pool.max_size`). Default 10. */
  maxConnections?: number;
  /**
   * Seconds to wait for a connection, including for a free one from a busy pool, before
   * failing with `DatabaseUnavailable` (libpq's `OPTIONS.connect_timeout`). Default 2.
   */
  connectTimeout?: number;
  /** Seconds an idle pooled connection stays open (`OPTIONS.pool.idle_timeout`). Default 30. */
  idleTimeout?: number;
  /**
   * Client-side limit in seconds for one statement, after which it fails with
   * `DatabaseUnavailable` and its connection is discarded (pg's `OPTIONS.query_timeout`).
   * Default 5.
   */
  queryTimeout?: number;
  /** Named in error messages, e.g. `DATABASES['default']`. Default `'PostgreSQL'`. */
  label?: string;
  /** Prepared statements kept per SQL text (names are shared by the pool). Default 256. */
  statementCacheSize?: number;
}

/** SQLSTATE classes that mean "the server cannot serve us now", not "your SQL is wrong". */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-4]|58)/;
/** Node socket errors and pg's own connection messages. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Connection ended|Client was closed|Cannot use a pool after calling end|Query read timeout/i;
const SQLSTATE = /^[0-9A-Z]{5}$/;

type Phase = 'connect' | 'query';

/** Default `connect_timeout` and `query_timeout`, in seconds (docs/scale-out.md). */
const DEFAULT_CONNECT_TIMEOUT = 2;
const DEFAULT_QUERY_TIMEOUT = 5;
/** pg-pool's and pg's messages when `connectionTimeoutMillis` expires. */
const CONNECT_TIMED_OUT = /timeout exceeded when trying to connect|due to connection timeout/i;
/** pg's message when `query_timeout` expires. */
const QUERY_TIMED_OUT = 'Query read timeout';

/**
 * Formats a URL for messages without its password.
 *
 * @example
 * redactUrl('postgres://app:secret@db:5432/site'); // 'postgres://app@db:5432/site'
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/:[^:@/]*@/, '@');
  }
}

/** The reason part of a connection error: the errno code (`ECONNREFUSED`) or the message. */
function reason(error: Error): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  if (error instanceof AggregateError && error.errors[0] instanceof Error)
    return reason(error.errors[0]);
  return error.message || String(code ?? error.name);
}

/**
 * A pool of PostgreSQL connections behind the async `Connection` contract, opened lazily on
 * the first query (or by `connect()`, the start-up check).
 *
 * Unlike SQLite's single handle, statements of different callers run on different pooled
 * connections, so callers never wait for someone else's transaction; a transaction holds one
 * connection from `BEGIN` to `COMMIT`.
 *
 * @example
 * const db = new PostgresConnection({ url: 'postgres://app@127.0.0.1:5432/site', label: "DATABASES['default']" });
 * await db.connect(); // ImproperlyConfigured if unreachable
 * await db.get('SELECT session_data FROM django_session WHERE session_key = ?', [key]);
 */
export class PostgresConnection implements Connection {
  readonly dialect = 'postgresql' as const;
  /** Where the server is, for messages (no password). */
  readonly address: string;
  readonly #options: PostgresOptions;
  readonly #label: string;
  readonly #connectTimeout: number;
  readonly #queryTimeout: number;
  #pool: Pool | undefined;
  #opening: Promise<Pool> | undefined;
  /** SQL text → [numbered SQL, prepared statement name or undefined]. */
  readonly #statements = new Map<string, [string, string | undefined]>();
  #names = 0;
  /** Checked-out connections that broke; discarded instead of returned to the pool. */
  readonly #broken = new WeakSet<PoolClient>();

  constructor(options: PostgresOptions = {}) {
    this.#options = options;
    this.#label = options.label ?? 'PostgreSQL';
    // 0 means "no deadline" to pg: every wait must have one, so 0 takes the default too.
    this.#connectTimeout = options.connectTimeout || DEFAULT_CONNECT_TIMEOUT;
    this.#queryTimeout = options.queryTimeout || DEFAULT_QUERY_TIMEOUT;
    this.address = options.url
      ? redactUrl(options.url)
      : `postgres://${options.user ? `${options.user}@` : ''}${options.host ?? 'localhost'}:${options.port ?? 5432}/${options.database ?? ''}`;
  }

  /** The pool, created on first use (`pg` is imported only by projects that use PostgreSQL). */
  async #getPool(): Promise<Pool> {
    if (this.#pool) return this.#pool;
    this.#opening ??= (async () => {
      const { default: pg } = await import('pg');
      const o = this.#options;
      const pool = new pg.Pool({
        ...(o.url ? { connectionString: o.url } : {}),
        ...(o.host !== undefined ? { host: o.host } : {}),
        ...(o.port !== undefined ? { port: o.port } : {}),
        ...(o.database !== undefined ? { database: o.database } : {}),
        ...(o.user !== undefined ? { user: o.user } : {}),
        ...(o.password !== undefined ? { password: o.password } : {}),
        max: o.maxConnections ?? 10,
        connectionTimeoutMillis: Math.max(1, Math.round(this.#connectTimeout * 1000)),
        idleTimeoutMillis: Math.round((o.idleTimeout ?? 30) * 1000),
        query_timeout: Math.max(1, Math.round(this.#queryTimeout * 1000)),
        keepAlive: true,
        application_name: 'tango',
        types: {
          // int8 (count(*), bigint ids) as a number when it fits, as SQLite gives it.
          getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
            oid === 20
              ? (text: string) => {
                  const n = Number(text);
                  return Number.isSafeInteger(n) ? n : BigInt(text);
                }
              : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
        },
      });
      // An idle pooled connection that the server closes (restart, failover) emits 'error'
      // on the pool; pg has already discarded it, and the next query connects afresh.
      // Without a listener the process would crash.
      pool.on('error', () => undefined);
      // A checked-out connection can break between two statements (a transaction waiting on
      // other work); pg then emits 'error' on the client, which would crash the process
      // without a listener. The next statement on it fails and it is discarded on release.
      pool.on('connect', (client) => {
        client.on('error', () => this.#broken.add(client));
      });
      this.#pool = pool;
      return pool;
    })();
    try {
      return await this.#opening;
    } finally {
      this.#opening = undefined;
    }
  }

  /** Converts a driver error into the `DatabaseError` family, naming the server when unavailable. */
  #convert(error: unknown, phase: Phase): unknown {
    if (
      error instanceof DatabaseError ||
      error instanceof DatabaseUnavailable ||
      !(error instanceof Error)
    ) {
      return error;
    }
    const code = (error as { code?: unknown }).code;
    const sqlstate = typeof code === 'string' && SQLSTATE.test(code) ? code : undefined;
    const where = `PostgreSQL at ${this.address} (${this.#label})`;
    if (sqlstate === '08P01')
      return new ProgrammingError(error.message, { cause: error, code: sqlstate });
    if (phase === 'connect' && !sqlstate?.startsWith('28') && sqlstate !== '3D000') {
      const why = CONNECT_TIMED_OUT.test(error.message)
        ? `no answer within ${this.#connectTimeout} s (OPTIONS.connect_timeout)`
        : reason(error);
      return new DatabaseUnavailable(`Cannot connect to ${where}: ${why}`, {
        cause: error,
        code: sqlstate ?? (code as string | undefined),
      });
    }
    if (error.message === QUERY_TIMED_OUT) {
      return new DatabaseUnavailable(
        `${where} did not answer within ${this.#queryTimeout} s (OPTIONS.query_timeout)`,
        { cause: error },
      );
    }
    if (sqlstate?.startsWith('28') || sqlstate === '3D000') {
      // Wrong password or a database that does not exist: configuration, not an outage.
      return new OperationalError(`Cannot connect to ${where}: ${error.message}`, {
        cause: error,
        code: sqlstate,
      });
    }
    if (
      (sqlstate && UNAVAILABLE_SQLSTATE.test(sqlstate)) ||
      (!sqlstate &&
        ((typeof code === 'string' && /^E[A-Z]+$/.test(code)) ||
          UNAVAILABLE_MESSAGE.test(error.message)))
    ) {
      return new DatabaseUnavailable(`Lost the connection to ${where}: ${reason(error)}`, {
        cause: error,
        code: sqlstate ?? (code as string | undefined),
      });
    }
    const options = { cause: error, code: sqlstate };
    if (sqlstate?.startsWith('23')) return new IntegrityError(error.message, options);
    if (sqlstate === '42P01') {
      const table = /relation "(?:[^"]+\.)?([^"]+)" does not exist/.exec(error.message)?.[1];
      return new ProgrammingError(error.message, { ...options, table });
    }
    if (sqlstate?.startsWith('42')) return new ProgrammingError(error.message, options);
    if (sqlstate) return new OperationalError(error.message, options);
    return new DatabaseError(error.message, options);
  }

  /** Checks out a pooled connection. */
  async #acquire(): Promise<PoolClient> {
    let pool: Pool;
    try {
      pool = await this.#getPool();
      return await pool.connect();
    } catch (error) {
      throw this.#convert(error, 'connect');
    }
  }

  /** The numbered SQL and the prepared statement name for a `?` SQL string. */
  #statement(sql: string): [string, string | undefined] {
    let entry = this.#statements.get(sql);
    if (!entry) {
      const limit = this.#options.statementCacheSize ?? 256;
      // Past the limit, statements run unnamed (parsed each time) rather than piling up
      // prepared statements on every server connection.
      entry = [
        numberedPlaceholders(sql),
        this.#statements.size < limit ? `tango_${++this.#names}` : undefined,
      ];
      this.#statements.set(sql, entry);
    }
    return entry;
  }

  /** Runs one statement on `client`, converting errors. */
  async #query(client: PoolClient, sql: string, params: readonly SqlValue[]): Promise<QueryResult> {
    const [text, name] = this.#statement(sql);
    const values = params.map((v) => (typeof v === 'bigint' ? v.toString() : v));
    try {
      return await client.query(name ? { name, text, values } : { text, values });
    } catch (error) {
      throw this.#convert(error, 'query');
    }
  }

  /** Runs `fn` on a pooled connection, discarding the connection if it broke. */
  async #with<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#acquire();
    try {
      const result = await fn(client);
      client.release(this.#broken.has(client) || undefined);
      return result;
    } catch (error) {
      client.release(error instanceof DatabaseUnavailable || this.#broken.has(client) || undefined);
      throw error;
    }
  }

  /**
   * Opens the pool and checks that the server answers: the start-up check, so a server that
   * is down or misaddressed stops start-up with one clear line instead of failing requests.
   * Rejects with `ImproperlyConfigured`: `Cannot connect to PostgreSQL at postgres://app@db:5432/site
   * (DATABASES['default']): ECONNREFUSED`.
   *
   * @example
   * await getConnection(settings).connect?.();
   */
  async connect(): Promise<void> {
    try {
      await this.#with((client) => this.#query(client, 'SELECT 1', []));
    } catch (error) {
      if (error instanceof DatabaseUnavailable || error instanceof OperationalError) {
        throw new ImproperlyConfigured(error.message, { cause: error });
      }
      throw error;
    }
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<RunResult> {
    return this.#with(async (client) => ({
      changes: (await this.#query(client, sql, params)).rowCount ?? 0,
    }));
  }

  async get<T = Record<string, unknown>>(
    sql: string,
    params: readonly SqlValue[] = [],
  ): Promise<T | undefined> {
    return this.#with(
      async (client) => (await this.#query(client, sql, params)).rows[0] as T | undefined,
    );
  }

  async all<T = Record<string, unknown>>(
    sql: string,
    params: readonly SqlValue[] = [],
  ): Promise<T[]> {
    return this.#with(async (client) => (await this.#query(client, sql, params)).rows as T[]);
  }

  async exec(sqlScript: string): Promise<void> {
    await this.#with((client) => this.#exec(client, sqlScript));
  }

  /** A parameterless script, sent with the simple protocol so it may hold several statements. */
  async #exec(client: PoolClient, script: string): Promise<void> {
    try {
      await client.query(script);
    } catch (error) {
      throw this.#convert(error, 'query');
    }
  }

  async transaction<T>(fn: (db: Connection) => Promise<T>): Promise<T> {
    return this.#with(async (client) => {
      await this.#exec(client, 'BEGIN');
      const scope = this.#scope(client);
      try {
        const result = await fn(scope);
        scope.end();
        await this.#exec(client, 'COMMIT');
        return result;
      } catch (error) {
        scope.end();
        if (!(error instanceof DatabaseUnavailable)) {
          await this.#exec(client, 'ROLLBACK').catch(() => undefined);
        }
        throw error;
      }
    });
  }

  /**
   * The connection handed to a transaction's callback: statements run on the transaction's
   * pooled connection; nested `transaction()` calls are savepoints. It refuses to work once
   * the transaction is over.
   */
  #scope(client: PoolClient): Connection & { end(): void } {
    let open = true;
    let savepoints = 0;
    const check = (): void => {
      if (!open)
        throw new DatabaseError(
          'This transaction has already ended; use the connection, not the transaction handle.',
        );
    };
    const scope: Connection & { end(): void } = {
      dialect: 'postgresql',
      end: () => {
        open = false;
      },
      run: async (sql, params = []) => {
        check();
        return { changes: (await this.#query(client, sql, params)).rowCount ?? 0 };
      },
      get: async <R>(sql: string, params: readonly SqlValue[] = []) => {
        check();
        return (await this.#query(client, sql, params)).rows[0] as R | undefined;
      },
      all: async <R>(sql: string, params: readonly SqlValue[] = []) => {
        check();
        return (await this.#query(client, sql, params)).rows as R[];
      },
      exec: async (script) => {
        check();
        await this.#exec(client, script);
      },
      transaction: async (fn) => {
        check();
        const name = `tango_sp_${++savepoints}`;
        await this.#exec(client, `SAVEPOINT ${name}`);
        try {
          const result = await fn(scope);
          await this.#exec(client, `RELEASE SAVEPOINT ${name}`);
          return result;
        } catch (error) {
          if (!(error instanceof DatabaseUnavailable)) {
            await this.#exec(client, `ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
            await this.#exec(client, `RELEASE SAVEPOINT ${name}`).catch(() => undefined);
          }
          throw error;
        }
      },
      close: async () => {
        throw new DatabaseError('Cannot close the connection inside a transaction.');
      },
    };
    return scope;
  }

  /** Closes every pooled connection (waiting for checked-out ones); a later query reopens. */
  async close(): Promise<void> {
    const pool =
      this.#pool ?? (this.#opening ? await this.#opening.catch(() => undefined) : undefined);
    this.#pool = undefined;
    await pool?.end();
  }
}

/**
 * Builds the options of a `PostgresConnection` from a `DATABASES` entry: `URL`, or
 * `HOST`/`PORT`/`NAME`/`USER`/`PASSWORD` (Django's names), plus `OPTIONS.connect_timeout`
 * (seconds, default 2), `OPTIONS.query_timeout` (seconds, default 5) and
 * `OPTIONS.pool = { max_size, idle_timeout }` (default 10 connections, 30 s). Every value is
 * validated once, and a mistake names the setting.
 *
 * @example
 * postgresOptions({ ENGINE: 'postgresql', URL: 'postgres://app@127.0.0.1/site' }, 'default');
 */
export function postgresOptions(
  config: Omit<Extract<DatabaseSettings, { ENGINE: 'postgresql' }>, 'ENGINE'>,
  alias: string,
): PostgresOptions {
  const where = `DATABASES['${alias}']`;
  const fail = (message: string): never => {
    throw new ImproperlyConfigured(`${where}${message}`);
  };
  const string = (name: 'URL' | 'NAME' | 'HOST' | 'USER' | 'PASSWORD'): string | undefined => {
    const value = config[name];
    if (value !== undefined && (typeof value !== 'string' || value === ''))
      fail(`.${name} must be a non-empty string.`);
    return value;
  };
  const url = string('URL');
  const name = string('NAME');
  if (url !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (
      !parsed ||
      !['postgres:', 'postgresql:'].includes(parsed.protocol) ||
      (!parsed.hostname && !parsed.searchParams.has('host'))
    ) {
      fail(`.URL must look like postgres://user:password@host:5432/name, got '${redactUrl(url)}'.`);
    }
    if (name !== undefined || config.HOST !== undefined || config.PORT !== undefined) {
      fail('.URL cannot be combined with NAME, HOST or PORT; put everything in the URL.');
    }
  } else if (name === undefined) {
    fail(
      " is improperly configured. Please supply the NAME value (or a URL such as 'postgres://user@127.0.0.1:5432/mysite').",
    );
  }
  let port: number | undefined;
  if (config.PORT !== undefined && config.PORT !== '') {
    port = Number(config.PORT);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      fail(`.PORT must be a port number, got ${JSON.stringify(config.PORT)}.`);
  }
  const options = config.OPTIONS ?? {};
  const seconds = (value: unknown, setting: string, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
      fail(`.OPTIONS.${setting} must be a number of seconds, got ${JSON.stringify(value)}.`);
    }
    return value as number;
  };
  /** A deadline: 0 would mean "wait forever" to pg (and libpq), which a store must never do. */
  const deadline = (name: 'connect_timeout' | 'query_timeout', fallback: number): number => {
    const value = options[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
      fail(`.OPTIONS.${name} must be a positive number of seconds, got ${JSON.stringify(value)}.`);
    }
    return value as number;
  };
  const pool = options['pool'];
  if (pool !== undefined && (typeof pool !== 'object' || pool === null || Array.isArray(pool))) {
    fail(`.OPTIONS.pool must be an object such as { max_size: 10 }, got ${JSON.stringify(pool)}.`);
  }
  const poolOptions = (pool ?? {}) as Record<string, unknown>;
  const maxSize = poolOptions['max_size'];
  if (maxSize !== undefined && (!Number.isInteger(maxSize) || (maxSize as number) < 1)) {
    fail(`.OPTIONS.pool.max_size must be a positive integer, got ${JSON.stringify(maxSize)}.`);
  }
  return {
    ...(url !== undefined ? { url } : {}),
    ...(config.HOST ? { host: string('HOST') } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(name !== undefined ? { database: name } : {}),
    ...(config.USER !== undefined ? { user: string('USER') } : {}),
    ...(config.PASSWORD !== undefined ? { password: config.PASSWORD } : {}),
    connectTimeout: deadline('connect_timeout', DEFAULT_CONNECT_TIMEOUT),
    queryTimeout: deadline('query_timeout', DEFAULT_QUERY_TIMEOUT),
    idleTimeout: seconds(poolOptions['idle_timeout'], 'pool.idle_timeout', 30),
    maxConnections: (maxSize as number | undefined) ?? 10,
    label: where,
  };
}
