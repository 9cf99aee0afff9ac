/**
 * The connection contract every database backend implements (SQLite now, PostgreSQL next).
 * SQL is written once with `?` placeholders; a backend rewrites them for its driver, and the
 * few real dialect differences live in `dialect.ts`.
 */
import type { DialectName } from './dialect.js';

/** A value bound to a `?` placeholder. Dates go through `dialect.datetime()` first. */
export type SqlValue = string | number | bigint | Buffer | null;

/** What `run()` reports. */
export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

/**
 * One database connection (Django's `connections[alias]`). All methods are async so a
 * synchronous driver (better-sqlite3) and a network driver (PostgreSQL) share one contract.
 * Statements are prepared once per SQL string and reused.
 *
 * @example
 * const db = getConnection(settings);
 * await db.run('DELETE FROM django_session WHERE expire_date < ?', [getDialect(db.dialect).datetime(new Date())]);
 * const row = await db.get<{ n: number }>('SELECT count(*) AS n FROM django_session');
 */
export interface Connection {
  /** The SQL dialect, for the few statements that differ (see `dialect.ts`). */
  readonly dialect: DialectName;
  /** Runs a statement that returns no rows. */
  run(sql: string, params?: readonly SqlValue[]): Promise<RunResult>;
  /** The first row, or `undefined`. */
  get<T = Record<string, unknown>>(
    sql: string,
    params?: readonly SqlValue[],
  ): Promise<T | undefined>;
  /** Every row. */
  all<T = Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a script of `;`-separated statements without parameters (migrations). */
  exec(sqlScript: string): Promise<void>;
  /**
   * Runs `fn` in a transaction: committed when it resolves, rolled back when it rejects.
   * `fn` must use the connection it is given; other callers of this connection wait until
   * the transaction ends. Nested calls use savepoints.
   */
  transaction<T>(fn: (db: Connection) => Promise<T>): Promise<T>;
  /** Closes the connection; a later call reopens it. */
  close(): Promise<void>;
  /**
   * Opens the connection now and checks that the server answers (network backends): the
   * start-up check, rejecting with `ImproperlyConfigured` that names the server and alias.
   */
  connect?(): Promise<void>;
}
