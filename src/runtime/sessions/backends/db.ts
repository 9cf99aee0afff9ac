/**
 * The `db` engine (Django's `django.contrib.sessions.backends.db`), the default: one row per
 * session in Django's own `django_session` table, created by `migrate`. The row holds exactly
 * what Django writes (`encodeSessionData`; `expire_date` as Django stores it), so Tango and
 * Django can share the table and the cookie, given the same `SECRET_KEY`.
 *
 * A save merges (`update`): one `UPDATE ... WHERE session_data = <what this request loaded>`
 * (a compare-and-swap, group-committed on SQLite like any write); when another request wrote
 * the row since, a transaction re-reads it (`FOR UPDATE` on PostgreSQL; SQLite's
 * `BEGIN IMMEDIATE` holds the database's write lock), applies this request's changes and
 * writes it back. Locks (`SESSION_LOCKING`, `blockingSession`) are rows of a table of their
 * own, `tango_session_lock`, created on first use (`LOCK_TABLE_SQL`): a row per locked
 * session with its holder's token and an expiry, taken with one upsert and released with one
 * delete, so no connection is held while a view runs and every process sharing the database
 * sees them.
 *
 * See https://docs.djangoproject.com/en/stable/topics/http/sessions/#using-database-backed-sessions
 */
import type { Settings } from '../../conf/settings.js';
import type { Connection } from '../../db/connection.js';
import { getConnection } from '../../db/connections.js';
import { type Dialect, getDialect } from '../../db/dialect.js';
import { randomBytes } from 'node:crypto';
import { IntegrityError, isMissingTable, ProgrammingError } from '../../db/errors.js';
import { decodeSessionData, encodeSessionData, type SessionSigningKeys } from '../encoding.js';
import { UpdateError } from '../exceptions.js';
import { createWithFreshKey } from '../keys.js';
import { pollForLock } from '../locking.js';
import {
  applyChanges,
  checkExpiresAt,
  type SessionChanges,
  type SessionData,
  type SessionLock,
  type SessionLockOptions,
  type SessionStoreOptions,
  ServerSideStoreBase,
} from '../store.js';

/**
 * Django's table name (`Session._meta.db_table`).
 *
 * @example
 * await db.get(`SELECT count(*) AS n FROM ${SESSION_TABLE}`);
 */
export const SESSION_TABLE = 'django_session';

/**
 * What a store error says when `migrate` has not created the table yet.
 *
 * @example
 * // ProgrammingError: no such table: django_session — run 'npm run migrate' (npx tsx manage.ts migrate)
 * if (error instanceof ProgrammingError && error.message === MISSING_TABLE_MESSAGE) ...
 */
export const MISSING_TABLE_MESSAGE = `no such table: ${SESSION_TABLE} — run 'npm run migrate' (npx tsx manage.ts migrate)`;

// Written once with `?` placeholders; each connection rewrites them for its driver and keeps
// the prepared statement, so the hot path never parses SQL twice.
const LOAD = `SELECT session_data, expire_date FROM ${SESSION_TABLE} WHERE session_key = ? AND expire_date > ?`;
const INSERT =
  `INSERT INTO ${SESSION_TABLE} (session_key, session_data, expire_date) VALUES (?, ?, ?) ` +
  'ON CONFLICT (session_key) DO NOTHING';
const UPDATE = `UPDATE ${SESSION_TABLE} SET session_data = ?, expire_date = ? WHERE session_key = ?`;
// The compare-and-swap of `update`: only if the row still holds what this request loaded.
const UPDATE_IF_UNCHANGED = `${UPDATE} AND session_data = ?`;
// The re-read of `update`'s transaction; PostgreSQL locks the row until COMMIT (SQLite's
// BEGIN IMMEDIATE already holds the database's write lock).
const RELOAD = `SELECT session_data FROM ${SESSION_TABLE} WHERE session_key = ?`;
const RELOAD_FOR_UPDATE = `${RELOAD} FOR UPDATE`;
const DELETE = `DELETE FROM ${SESSION_TABLE} WHERE session_key = ?`;
const EXISTS = `SELECT 1 AS found FROM ${SESSION_TABLE} WHERE session_key = ? AND expire_date > ?`;
const CLEAR_EXPIRED = `DELETE FROM ${SESSION_TABLE} WHERE expire_date < ?`;
const COUNT_EXPIRED = `SELECT count(*) AS n FROM ${SESSION_TABLE} WHERE expire_date < ?`;

/**
 * The table of session locks (`SESSION_LOCKING`, `blockingSession`): Tango's own, created on
 * the first lock by `LOCK_TABLE_SQL` (no migration: it only ever holds the locks of requests
 * in flight). A database user without CREATE rights needs it created once by hand.
 *
 * @example
 * await db.exec(LOCK_TABLE_SQL('sqlite'));
 */
export const LOCK_TABLE = 'tango_session_lock';

/**
 * The `CREATE TABLE IF NOT EXISTS` of `LOCK_TABLE` for a dialect.
 *
 * @example
 * LOCK_TABLE_SQL('postgresql'); // 'CREATE TABLE IF NOT EXISTS "tango_session_lock" (...)'
 */
export function LOCK_TABLE_SQL(dialect: Connection['dialect']): string {
  return (
    `CREATE TABLE IF NOT EXISTS "${LOCK_TABLE}" ("session_key" varchar(64) NOT NULL PRIMARY KEY, ` +
    `"token" varchar(64) NOT NULL, "expires_at" ${getDialect(dialect).types.datetime} NOT NULL)`
  );
}

// Inserts the lock, or takes over one whose holder let it lapse; 0 rows: someone holds it.
const TAKE_LOCK =
  `INSERT INTO ${LOCK_TABLE} (session_key, token, expires_at) VALUES (?, ?, ?) ` +
  'ON CONFLICT (session_key) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at ' +
  `WHERE ${LOCK_TABLE}.expires_at < ?`;
const RELEASE_LOCK = `DELETE FROM ${LOCK_TABLE} WHERE session_key = ? AND token = ?`;

/**
 * Options of `DatabaseStore` (and `CachedDatabaseStore`).
 *
 * @example
 * new DatabaseStore(connection, { keys: { key: SECRET_KEY }, now: () => clock.now });
 */
export interface DatabaseStoreOptions extends SessionStoreOptions {
  /** Signing keys for the data (`SECRET_KEY`, `SECRET_KEY_FALLBACKS`); default: the settings'. */
  keys?: SessionSigningKeys;
}

/**
 * A loaded row: the data and its absolute expiry (what `cached_db` needs to refill its cache).
 *
 * @example
 * const record: SessionRecord = { data: { hit: 1 }, expiresAt: new Date('2026-12-20T07:10:15Z') };
 */
export interface SessionRecord {
  data: SessionData;
  expiresAt: Date;
  /** The row's `session_data`, as stored (the encoded, signed data). */
  encoded: string;
}

/**
 * Sessions in the `django_session` table through a `tango/db` connection. Connection failures
 * are the connection's `DatabaseUnavailable` (503); a missing table is a `ProgrammingError`
 * (500) that says to run `migrate`.
 *
 * @example
 * const store = await DatabaseStore.fromSettings(settings); // DATABASES['default']
 * const key = await store.create({ hit: 1 }, new Date(Date.now() + 1209600_000));
 */
export class DatabaseStore extends ServerSideStoreBase {
  readonly #dialect: Dialect;
  readonly #keys: SessionSigningKeys;
  /**
   * The `session_data` each data object was loaded from or stored as: what `update`'s
   * compare-and-swap expects the row to still hold.
   */
  readonly #encoded = new WeakMap<SessionData, string>();
  /** The lock table's creation, once per store. */
  #lockTable: Promise<void> | undefined;

  constructor(
    readonly db: Connection,
    options: DatabaseStoreOptions = {},
  ) {
    super(options);
    this.#dialect = getDialect(db.dialect);
    this.#keys = options.keys ?? {};
  }

  /** Uses `DATABASES['default']`, shared with the rest of the process (Django's default router). */
  static async fromSettings(settings: Readonly<Settings>): Promise<DatabaseStore> {
    const db = getConnection(settings);
    await db.connect?.(); // an unreachable PostgreSQL stops start-up, naming it
    return new DatabaseStore(db, {
      keys: { key: settings.SECRET_KEY, fallbackKeys: settings.SECRET_KEY_FALLBACKS },
    });
  }

  #nowValue(): ReturnType<Dialect['datetime']> {
    return this.#dialect.datetime(new Date(this.now()));
  }

  /**
   * Runs a query, turning "no such table: django_session" into a `ProgrammingError` that says
   * exactly what to run (Django answers the same mistake with a bare OperationalError).
   */
  async #query<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isMissingTable(error, SESSION_TABLE)) {
        throw new ProgrammingError(MISSING_TABLE_MESSAGE, { cause: error, table: SESSION_TABLE });
      }
      throw error;
    }
  }

  /** The live row's data and expiry under a checked key, or `null` (missing, expired, undecodable). */
  protected async loadRecord(key: string): Promise<SessionRecord | null> {
    const row = await this.#query(() =>
      this.db.get<{ session_data: string; expire_date: unknown }>(LOAD, [key, this.#nowValue()]),
    );
    if (!row) return null;
    const data = decodeSessionData(row.session_data, this.#keys);
    const expiresAt = this.#dialect.parseDatetime(row.expire_date);
    if (!data || !expiresAt) return null;
    this.#encoded.set(data, row.session_data);
    return { data, expiresAt, encoded: row.session_data };
  }

  /**
   * Notes that `data` is what `encoded` holds (a cached copy, `cached_db`), so that `update`
   * can compare-and-swap against it.
   */
  protected rememberEncoded(data: SessionData, encoded: string): void {
    this.#encoded.set(data, encoded);
  }

  /** The encoded form `data` was loaded from or stored as, if this store knows it. */
  protected encodedOf(data: SessionData): string | undefined {
    return this.#encoded.get(data);
  }

  protected async loadChecked(key: string): Promise<SessionData | null> {
    return (await this.loadRecord(key))?.data ?? null;
  }

  async create(data: SessionData, expiresAt: Date): Promise<string> {
    checkExpiresAt(expiresAt);
    const encoded = encodeSessionData(data, this.#keys);
    const expires = this.#dialect.datetime(expiresAt);
    this.#encoded.set(data, encoded);
    // ON CONFLICT DO NOTHING: a taken key (even an expired row's) inserts nothing, and we retry.
    return createWithFreshKey(async (key) => {
      const { changes } = await this.#query(() => this.db.run(INSERT, [key, encoded, expires]));
      return changes === 1;
    });
  }

  protected async saveChecked(key: string, data: SessionData, expiresAt: Date): Promise<string> {
    const encoded = encodeSessionData(data, this.#keys);
    const { changes } = await this.#query(() =>
      this.db.run(UPDATE, [encoded, this.#dialect.datetime(expiresAt), key]),
    );
    // Django: save(force_update=True) updating no row raises UpdateError.
    if (changes === 0) throw new UpdateError();
    this.#encoded.set(data, encoded);
    return key;
  }

  protected override async updateChecked(
    key: string,
    changes: SessionChanges,
  ): Promise<SessionData> {
    return (await this.updateRecord(key, changes)).data;
  }

  /**
   * `update` with what it stored: the merged data, its encoded form and its expiry. First a
   * compare-and-swap against the row this request loaded (one statement, as a plain save);
   * when another request changed the row meanwhile, a transaction that re-reads it (locking
   * it), merges and writes. `UpdateError` when the row is gone.
   */
  protected async updateRecord(key: string, changes: SessionChanges): Promise<SessionRecord> {
    const loaded = this.#encoded.get(changes.base);
    if (loaded !== undefined) {
      const record = this.#merge(changes.base, changes);
      const { changes: written } = await this.#query(() =>
        this.db.run(UPDATE_IF_UNCHANGED, [
          record.encoded,
          this.#dialect.datetime(record.expiresAt),
          key,
          loaded,
        ]),
      );
      if (written === 1) return record;
    }
    const reload = this.db.dialect === 'postgresql' ? RELOAD_FOR_UPDATE : RELOAD;
    return this.#query(() =>
      this.db.transaction(async (tx) => {
        const row = await tx.get<{ session_data: string }>(reload, [key]);
        if (!row) throw new UpdateError();
        // Undecodable data counts as empty, as in load.
        const current = decodeSessionData(row.session_data, this.#keys) ?? new Map();
        const record = this.#merge(current, changes);
        await tx.run(UPDATE, [record.encoded, this.#dialect.datetime(record.expiresAt), key]);
        return record;
      }),
    );
  }

  /** `changes` applied to `data`, encoded, with the merged data's expiry. */
  #merge(data: SessionData, changes: SessionChanges): SessionRecord {
    const merged = applyChanges(data, changes);
    const expiresAt = changes.expiresAt(merged);
    checkExpiresAt(expiresAt);
    const encoded = encodeSessionData(merged, this.#keys);
    this.#encoded.set(merged, encoded);
    return { data: merged, expiresAt, encoded };
  }

  /**
   * Locks the session with a row of `tango_session_lock` (created on first use): one upsert
   * that inserts it or takes over a lapsed one, retried while another process holds it, until
   * `options.timeout` (`SessionLockTimeout`). Its expiry is the wall clock plus
   * `options.expiry`. `release()` deletes the row if it is still this holder's.
   */
  lock(key: string, options: SessionLockOptions): Promise<SessionLock> {
    return this.lockWith(key, async () => {
      await (this.#lockTable ??= this.#createLockTable());
      const token = randomBytes(16).toString('hex');
      await pollForLock(async () => {
        const now = new Date();
        const expires = new Date(now.getTime() + options.expiry * 1000);
        const { changes } = await this.db.run(TAKE_LOCK, [
          key,
          token,
          this.#dialect.datetime(expires),
          this.#dialect.datetime(now),
        ]);
        return changes === 1;
      }, options.timeout);
      return {
        release: async () => {
          await this.db.run(RELEASE_LOCK, [key, token]);
        },
      };
    });
  }

  /** `CREATE TABLE IF NOT EXISTS tango_session_lock`; a concurrent creator's win is fine. */
  async #createLockTable(): Promise<void> {
    try {
      await this.db.exec(LOCK_TABLE_SQL(this.db.dialect));
    } catch (error) {
      this.#lockTable = undefined;
      // PostgreSQL: two processes creating it at once, one of them fails on the catalog.
      if (!(error instanceof IntegrityError || error instanceof ProgrammingError)) throw error;
      if ((await this.db.get(`SELECT 1 AS found FROM ${LOCK_TABLE} WHERE 1 = 0`)) !== undefined)
        return;
    }
  }

  protected async deleteChecked(key: string): Promise<void> {
    await this.#query(() => this.db.run(DELETE, [key]));
  }

  protected async existsChecked(key: string): Promise<boolean> {
    return (await this.#query(() => this.db.get(EXISTS, [key, this.#nowValue()]))) !== undefined;
  }

  /** The rows `clearExpired()` would delete now (`clearsessions --dry-run`). */
  async countExpired(): Promise<number> {
    const row = await this.#query(() =>
      this.db.get<{ n: number | string }>(COUNT_EXPIRED, [this.#nowValue()]),
    );
    return Number(row?.n ?? 0);
  }

  /** Django's `clear_expired`: deletes rows with `expire_date < now`, returns how many. */
  async clearExpired(): Promise<number> {
    const { changes } = await this.#query(() => this.db.run(CLEAR_EXPIRED, [this.#nowValue()]));
    return changes;
  }

  /** Closes the connection (it reopens lazily if someone else still uses it). */
  override async close(): Promise<void> {
    await this.db.close();
  }
}
