/**
 * The `db` engine (Django's `django.contrib.sessions.backends.db`), the default: one row per
 * session in Django's own `django_session` table, created by `migrate`. The row holds exactly
 * what Django writes (`encodeSessionData`; `expire_date` as Django stores it), so Tango and
 * Django can share the table and the cookie, given the same `SECRET_KEY`.
 *
 * See https://docs.djangoproject.com/en/stable/topics/http/sessions/#using-database-backed-sessions
 */
import type { Settings } from '../../conf/settings.js';
import type { Connection } from '../../db/connection.js';
import { getConnection } from '../../db/connections.js';
import { type Dialect, getDialect } from '../../db/dialect.js';
import { isMissingTable, ProgrammingError } from '../../db/errors.js';
import { decodeSessionData, encodeSessionData, type SessionSigningKeys } from '../encoding.js';
import { UpdateError } from '../exceptions.js';
import { createWithFreshKey } from '../keys.js';
import {
  checkExpiresAt,
  type SessionData,
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
const DELETE = `DELETE FROM ${SESSION_TABLE} WHERE session_key = ?`;
const EXISTS = `SELECT 1 AS found FROM ${SESSION_TABLE} WHERE session_key = ? AND expire_date > ?`;
const CLEAR_EXPIRED = `DELETE FROM ${SESSION_TABLE} WHERE expire_date < ?`;

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
    return data && expiresAt ? { data, expiresAt } : null;
  }

  protected async loadChecked(key: string): Promise<SessionData | null> {
    return (await this.loadRecord(key))?.data ?? null;
  }

  async create(data: SessionData, expiresAt: Date): Promise<string> {
    checkExpiresAt(expiresAt);
    const encoded = encodeSessionData(data, this.#keys);
    const expires = this.#dialect.datetime(expiresAt);
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
    return key;
  }

  protected async deleteChecked(key: string): Promise<void> {
    await this.#query(() => this.db.run(DELETE, [key]));
  }

  protected async existsChecked(key: string): Promise<boolean> {
    return (await this.#query(() => this.db.get(EXISTS, [key, this.#nowValue()]))) !== undefined;
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
