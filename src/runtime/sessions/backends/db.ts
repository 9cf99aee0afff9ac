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
 * Sessions per user (`listSessions`, `deleteSessions`): Django's table has no user column and
 * stays Django's, so a side table, `tango_session_user (session_key, user_id, stamp)`, says
 * whose each session is. It is derived data, rebuilt from `django_session` whenever it is
 * missing, so it is created on first use like the lock table (`USER_INDEX_TABLE_SQL`). A save
 * that sets `_auth_user_id` (a login) writes its row; before a user's sessions are read, one
 * query finds the live rows it has not seen in their current content (rows another program,
 * such as Django, wrote; anonymous rows changed since), which are decoded once and recorded
 * (`stamp`: their signature). Listing then reads the user's rows by index and checks each
 * decoded session's `_auth_user_id`. Measured against decoding every row in
 * docs/session-store-contract.md.
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
  type SessionInfo,
  type SessionLock,
  type SessionLockOptions,
  type SessionPage,
  type SessionQuery,
  type SessionStoreOptions,
  ServerSideStoreBase,
  type UserSessionsDeletion,
} from '../store.js';
import {
  MAX_SESSION_PAGE_SIZE,
  resolveDeletion,
  resolveSessionQuery,
  sessionUserId,
  USER_ID_SESSION_KEY,
} from '../users.js';

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
 * // ProgrammingError: no such table: django_session — run 'npm run migrate'
 * if (error instanceof ProgrammingError && error.message === MISSING_TABLE_MESSAGE) ...
 */
export const MISSING_TABLE_MESSAGE = `no such table: ${SESSION_TABLE} — run 'npm run migrate'`;

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
 * The side table saying whose each session is (sessions per user): `session_key`, the
 * `user_id` its data held when Tango last looked (`NULL`: nobody's), and `stamp`, the
 * signature of that content (the last 43 characters of `session_data`), so a row changed
 * since (by Django, or an anonymous session saved again) is looked at again. Created on the
 * first listing (`USER_INDEX_TABLE_SQL`; no migration: every row can be rebuilt from
 * `django_session`, and is when missing); `django_session` itself stays Django's.
 *
 * @example
 * await db.all(`SELECT session_key FROM ${USER_INDEX_TABLE} WHERE user_id = ?`, ['42']);
 */
export const USER_INDEX_TABLE = 'tango_session_user';

/**
 * The `CREATE TABLE IF NOT EXISTS` of `USER_INDEX_TABLE` and its index on
 * `(user_id, session_key)` (a user's page in key order, from the index alone), partial:
 * anonymous sessions (`NULL`) are most rows and never looked up by user.
 *
 * @example
 * await db.exec(USER_INDEX_TABLE_SQL);
 */
export const USER_INDEX_TABLE_SQL =
  `CREATE TABLE IF NOT EXISTS "${USER_INDEX_TABLE}" ("session_key" varchar(40) NOT NULL PRIMARY KEY, ` +
  `"user_id" text NULL, "stamp" varchar(64) NOT NULL);\n` +
  `CREATE INDEX IF NOT EXISTS "${USER_INDEX_TABLE}_user_id" ON "${USER_INDEX_TABLE}" ("user_id", "session_key") ` +
  'WHERE "user_id" IS NOT NULL;';

/** The length of a signature (base64url of an HMAC-SHA256), the end of every session_data. */
const STAMP_LENGTH = 43;

/** The stamp of a session_data: what `substr(session_data, length(session_data) - 42)` gives. */
function stampOf(encoded: string): string {
  return encoded.slice(-STAMP_LENGTH);
}

/** A login (or any save that sets `_auth_user_id`): this row is this user's, whatever it was. */
const INDEX_USER =
  `INSERT INTO ${USER_INDEX_TABLE} (session_key, user_id, stamp) VALUES (?, ?, ?) ` +
  'ON CONFLICT (session_key) DO UPDATE SET user_id = excluded.user_id, stamp = excluded.stamp';
/**
 * What a sweep saw in rows (`rows` of them); a row a save meanwhile marked as a user's is left
 * alone (the sweep may have read the content from before that save).
 */
function indexSeen(rows: number): string {
  return (
    `INSERT INTO ${USER_INDEX_TABLE} (session_key, user_id, stamp) VALUES ` +
    Array.from({ length: rows }, () => '(?, ?, ?)').join(', ') +
    ' ON CONFLICT (session_key) DO UPDATE SET user_id = excluded.user_id, stamp = excluded.stamp ' +
    `WHERE ${USER_INDEX_TABLE}.user_id IS NULL`
  );
}
/**
 * The live rows not seen in their current content: not in the index, or in it as nobody's
 * with another signature. A row in it as a user's is not looked at again: only a login (a
 * new key, in Django and Tango) gives a session a user, and listing checks the data anyway.
 */
const UNSEEN =
  `SELECT s.session_key FROM ${SESSION_TABLE} s LEFT JOIN ${USER_INDEX_TABLE} u ` +
  'ON u.session_key = s.session_key WHERE s.expire_date > ? AND (u.session_key IS NULL OR ' +
  `(u.user_id IS NULL AND u.stamp <> substr(s.session_data, length(s.session_data) - ${STAMP_LENGTH - 1})))`;
/** `IN (?, ?, ...)` with `n` placeholders. */
function inList(n: number): string {
  return `IN (${Array.from({ length: n }, () => '?').join(', ')})`;
}
/** Keys deleted per statement; shorter lists are padded with '' (no key is ''). */
const CHUNK = 100;
/** Rows a sweep reads and records per statement (the first sweep of a big table reads all). */
const SWEEP_CHUNK = 500;
const LOAD_CHUNK = `SELECT session_key, session_data FROM ${SESSION_TABLE} WHERE session_key ${inList(SWEEP_CHUNK)}`;
const DELETE_CHUNK = `DELETE FROM ${SESSION_TABLE} WHERE session_key ${inList(CHUNK)}`;
const UNINDEX_CHUNK = `DELETE FROM ${USER_INDEX_TABLE} WHERE session_key ${inList(CHUNK)}`;
/** A full chunk of what a sweep saw, in one statement; the rest go one row at a time. */
const INDEX_SEEN_CHUNK = indexSeen(SWEEP_CHUNK);
const INDEX_SEEN_ONE = indexSeen(1);
/** A page of one user's live sessions, in key order. */
const USER_PAGE =
  `SELECT s.session_key, s.session_data, s.expire_date FROM ${USER_INDEX_TABLE} u ` +
  `JOIN ${SESSION_TABLE} s ON s.session_key = u.session_key ` +
  'WHERE u.user_id = ? AND s.expire_date > ? AND u.session_key > ? ORDER BY u.session_key LIMIT ?';
/** A page of every live session, in key order. */
const ALL_PAGE =
  `SELECT session_key, session_data, expire_date FROM ${SESSION_TABLE} ` +
  'WHERE expire_date > ? AND session_key > ? ORDER BY session_key LIMIT ?';
/** Index rows whose session is gone (deleted, expired and cleared): `clearExpired()`. */
const CLEAR_ORPHANS =
  `DELETE FROM ${USER_INDEX_TABLE} WHERE NOT EXISTS ` +
  `(SELECT 1 FROM ${SESSION_TABLE} s WHERE s.session_key = ${USER_INDEX_TABLE}.session_key)`;

/** `keys` padded to `size` with '' (one prepared statement for every chunk). */
function padded(keys: readonly string[], size: number): string[] {
  const params = [...keys];
  while (params.length < size) params.push('');
  return params;
}

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
  /** `tango_session_user`'s creation, once per store (the first listing). */
  #userIndex: Promise<void> | undefined;
  /**
   * A save found no `tango_session_user`: saves stop trying to write it until this store
   * creates it (the listing's sweep records what they skipped).
   */
  #noUserIndex = false;

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
    const key = await createWithFreshKey(async (key) => {
      const { changes } = await this.#query(() => this.db.run(INSERT, [key, encoded, expires]));
      return changes === 1;
    });
    await this.#indexUser(key, data, encoded);
    return key;
  }

  protected async saveChecked(key: string, data: SessionData, expiresAt: Date): Promise<string> {
    const encoded = encodeSessionData(data, this.#keys);
    const { changes } = await this.#query(() =>
      this.db.run(UPDATE, [encoded, this.#dialect.datetime(expiresAt), key]),
    );
    // Django: save(force_update=True) updating no row raises UpdateError.
    if (changes === 0) throw new UpdateError();
    this.#encoded.set(data, encoded);
    await this.#indexUser(key, data, encoded);
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
    const record = await this.#updateRow(key, changes);
    // A login: record whose the session is now (a logout deletes the row; a user id removed
    // otherwise leaves a row that listing's check of the data skips).
    if (changes.set.has(USER_ID_SESSION_KEY))
      await this.#indexUser(key, record.data, record.encoded);
    return record;
  }

  async #updateRow(key: string, changes: SessionChanges): Promise<SessionRecord> {
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

  /**
   * Django's `clear_expired`: deletes rows with `expire_date < now`, returns how many. Then
   * the `tango_session_user` rows of sessions that are gone (expired, or deleted one by one:
   * a logout leaves its row to this), if the table exists.
   */
  async clearExpired(): Promise<number> {
    const { changes } = await this.#query(() => this.db.run(CLEAR_EXPIRED, [this.#nowValue()]));
    try {
      await this.db.run(CLEAR_ORPHANS);
    } catch (error) {
      if (!isMissingTable(error, USER_INDEX_TABLE)) throw error;
    }
    return changes;
  }

  /**
   * Records that the session under `key`, just written as `encoded`, is its user's, when its
   * data names one. A shortcut only: before the table exists (no listing yet) it records
   * nothing, and the next listing's sweep finds the session anyway.
   */
  async #indexUser(key: string, data: SessionData, encoded: string): Promise<void> {
    if (this.#noUserIndex) return;
    const userId = sessionUserId(data);
    if (userId === null) return;
    try {
      await this.db.run(INDEX_USER, [key, userId, stampOf(encoded)]);
    } catch (error) {
      if (!isMissingTable(error, USER_INDEX_TABLE)) throw error;
      this.#noUserIndex = true;
    }
  }

  /** Creates `tango_session_user` if needed, once per store; a concurrent creator's win is fine. */
  async #ensureUserIndex(): Promise<void> {
    await (this.#userIndex ??= this.#query(() => this.db.exec(USER_INDEX_TABLE_SQL)).then(
      () => {
        this.#noUserIndex = false;
      },
      async (error: unknown) => {
        this.#userIndex = undefined;
        // PostgreSQL: two processes creating it at once, one of them fails on the catalog.
        if (!(error instanceof IntegrityError || error instanceof ProgrammingError)) throw error;
        await this.db.get(`SELECT 1 AS found FROM ${USER_INDEX_TABLE} WHERE 1 = 0`);
      },
    ));
  }

  /**
   * Runs a query on `tango_session_user` (created first if needed); a table dropped while
   * running is created again, and the query run once more.
   */
  async #userQuery<T>(run: () => Promise<T>): Promise<T> {
    await this.#ensureUserIndex();
    try {
      return await this.#query(run);
    } catch (error) {
      if (!isMissingTable(error, USER_INDEX_TABLE)) throw error;
      this.#userIndex = undefined;
      await this.#ensureUserIndex();
      return this.#query(run);
    }
  }

  /**
   * Brings `tango_session_user` up to date with the live rows: every row it has not seen in
   * its current content (written by another program, such as Django, or an anonymous session
   * saved since) is decoded and recorded as its user's or nobody's. One query finds them (an
   * anti-join on the primary key: no decoding); only those are read and decoded, a chunk at
   * a time (500 rows per statement).
   */
  async #sweep(): Promise<void> {
    const unseen = await this.#userQuery(() =>
      this.db.all<{ session_key: string }>(UNSEEN, [this.#nowValue()]),
    );
    for (let i = 0; i < unseen.length; i += SWEEP_CHUNK) {
      const keys = unseen.slice(i, i + SWEEP_CHUNK).map((row) => row.session_key);
      const rows = await this.#query(() =>
        this.db.all<{ session_key: string; session_data: string }>(
          LOAD_CHUNK,
          padded(keys, SWEEP_CHUNK),
        ),
      );
      const seen = rows.map((row) => {
        const data = decodeSessionData(row.session_data, this.#keys);
        return [row.session_key, data && sessionUserId(data), stampOf(row.session_data)];
      });
      await this.#userQuery(async () => {
        if (seen.length === SWEEP_CHUNK) await this.db.run(INDEX_SEEN_CHUNK, seen.flat());
        else
          await this.db.transaction(async (tx) => {
            for (const params of seen) await tx.run(INDEX_SEEN_ONE, params);
          });
      });
    }
  }

  /** The live session of a listed row, or `null` when its data does not decode. */
  #info(row: {
    session_key: string;
    session_data: string;
    expire_date: unknown;
  }): SessionInfo | null {
    const data = decodeSessionData(row.session_data, this.#keys);
    const expiresAt = this.#dialect.parseDatetime(row.expire_date);
    if (!data || !expiresAt) return null;
    return { key: row.session_key, expiresAt, userId: sessionUserId(data), data };
  }

  /**
   * A page of the live sessions in key order: every one, or `query.userId`'s (found through
   * `tango_session_user`, brought up to date first when the page is the first, and each
   * checked against its decoded `_auth_user_id`). Rows that do not decode are skipped, as
   * `load` finds nothing in them. The cursor is the last key looked at.
   *
   * @example
   * const { sessions, cursor } = await store.listSessions({ userId: '42' });
   */
  async listSessions(query?: SessionQuery): Promise<SessionPage> {
    const { userId, limit, cursor } = resolveSessionQuery(query);
    if (userId !== null && cursor === null) await this.#sweep();
    return this.#page(userId, limit, cursor);
  }

  async #page(userId: string | null, limit: number, from: string | null): Promise<SessionPage> {
    const sessions: SessionInfo[] = [];
    let cursor = from ?? '';
    for (;;) {
      const want = limit - sessions.length;
      type Row = { session_key: string; session_data: string; expire_date: unknown };
      const rows =
        userId === null
          ? await this.#query(() => this.db.all<Row>(ALL_PAGE, [this.#nowValue(), cursor, want]))
          : await this.#userQuery(() =>
              this.db.all<Row>(USER_PAGE, [userId, this.#nowValue(), cursor, want]),
            );
      for (const row of rows) {
        const info = this.#info(row);
        if (info && (userId === null || info.userId === userId)) sessions.push(info);
      }
      if (rows.length < want) return { sessions, cursor: null };
      cursor = rows[rows.length - 1]!.session_key;
      if (sessions.length >= limit) return { sessions, cursor };
    }
  }

  /**
   * Deletes every live session of `query.userId` but `query.exceptKey` (found as
   * `listSessions` finds them), a hundred keys per statement, with their
   * `tango_session_user` rows; resolves to how many rows it deleted.
   *
   * @example
   * await store.deleteSessions({ userId: '42', exceptKey: request.session.sessionKey });
   */
  async deleteSessions(query: UserSessionsDeletion): Promise<number> {
    const { userId, exceptKey } = resolveDeletion(query);
    await this.#sweep();
    const keys: string[] = [];
    let cursor: string | null = null;
    do {
      const page: SessionPage = await this.#page(userId, MAX_SESSION_PAGE_SIZE, cursor);
      for (const session of page.sessions) if (session.key !== exceptKey) keys.push(session.key);
      cursor = page.cursor;
    } while (cursor !== null);
    return this.deleteKeys(keys);
  }

  /**
   * Deletes the sessions under `keys` (checked ones), with their `tango_session_user` rows,
   * and resolves to how many sessions were there; `cached_db` also drops its cached copies.
   */
  protected async deleteKeys(keys: readonly string[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < keys.length; i += CHUNK) {
      const params = padded(keys.slice(i, i + CHUNK), CHUNK);
      deleted += (await this.#query(() => this.db.run(DELETE_CHUNK, params))).changes;
      await this.#userQuery(() => this.db.run(UNINDEX_CHUNK, params));
    }
    return deleted;
  }

  /** Closes the connection (it reopens lazily if someone else still uses it). */
  override async close(): Promise<void> {
    await this.db.close();
  }
}
