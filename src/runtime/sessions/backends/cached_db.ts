/**
 * The `cached_db` engine (Django's `django.contrib.sessions.backends.cached_db`, whose
 * `SessionStore` extends the db engine's, as this class does): the database is the truth, the
 * cache a write-through copy. Every write goes to the database, then to the cache under
 * `django.contrib.sessions.cached_db<key>`; reads try the cache first and refill it from the
 * database (checklist #114, #115, in docs/django-sessions-checklist.md). `clearExpired()` is
 * the database's.
 *
 * Cache failures never lose data: a failed cache read falls back to the database, and a
 * failed cache write after a successful database write is logged and ignored (Django 5.1+
 * logs "Error saving to cache" the same way). A failed cache *delete* rejects, because the
 * stale copy would otherwise resurrect a deleted (logged-out) session.
 *
 * The cached copy is the row's `session_data` itself (Django's signed encoding, in Python's
 * dict order), not a data object as in Django (whose cache pickles, so the two never shared
 * cached sessions anyway): a save's compare-and-swap against the row (`update`, the db
 * engine's) then works from a cached load too, in one statement. A copy that lags behind the
 * row (two writers' cache writes crossing) costs the next save one re-read, never an update;
 * a plain object or entries, as earlier versions cached, is still read. Locks are the db
 * engine's (`tango_session_lock`), and so are sessions per user (`listSessions` reads the
 * database; `deleteSessions` also drops the cached copies).
 *
 * See https://docs.djangoproject.com/en/stable/topics/http/sessions/#using-cached-sessions
 */
import type { Cache } from '../../cache/cache.js';
import { getCache } from '../../cache/caches.js';
import type { Settings } from '../../conf/settings.js';
import { getLogger } from '../../core/log.js';
import type { Connection } from '../../db/connection.js';
import { getConnection } from '../../db/connections.js';
import { decodeSessionData, type SessionSigningKeys } from '../encoding.js';
import type { SessionChanges, SessionData } from '../store.js';
import { fromCachedEntries, secondsUntil } from './cache.js';
import { DatabaseStore, type DatabaseStoreOptions } from './db.js';

/**
 * Django's `KEY_PREFIX` of the cached_db engine (`'django.contrib.sessions.cached_db'`).
 *
 * @example
 * await cache.get(CACHED_DB_KEY_PREFIX + key); // the cached copy of the session's data
 */
export const CACHED_DB_KEY_PREFIX = 'django.contrib.sessions.cached_db';

const logger = getLogger('tango.sessions');

/**
 * Options of `CachedDatabaseStore`: the database store's (signing keys, and the clock, which
 * also sets the cache timeout of each write).
 *
 * @example
 * new CachedDatabaseStore(connection, cache, { keys: { key: SECRET_KEY }, now: () => clock.now });
 */
export type CachedDatabaseStoreOptions = DatabaseStoreOptions;

/**
 * A `DatabaseStore` with a write-through cache in front.
 *
 * @example
 * const store = await CachedDatabaseStore.fromSettings(settings);
 * await store.load(key); // from the cache, or the database (then cached)
 */
export class CachedDatabaseStore extends DatabaseStore {
  readonly #keys: SessionSigningKeys;

  constructor(
    db: Connection,
    readonly cache: Cache,
    options: CachedDatabaseStoreOptions = {},
  ) {
    super(db, options);
    this.#keys = options.keys ?? {};
  }

  /** `DATABASES['default']` plus `CACHES[SESSION_CACHE_ALIAS]`. */
  static override async fromSettings(settings: Readonly<Settings>): Promise<CachedDatabaseStore> {
    const cache = getCache(settings, settings.SESSION_CACHE_ALIAS);
    const db = getConnection(settings);
    await db.connect?.(); // an unreachable PostgreSQL stops start-up, naming it
    await cache.connect?.(); // an unreachable Redis stops start-up, naming it
    return new CachedDatabaseStore(db, cache, {
      keys: { key: settings.SECRET_KEY, fallbackKeys: settings.SECRET_KEY_FALLBACKS },
    });
  }

  /**
   * Writes the cached copy (the row's encoded data); a cache failure is logged, since the
   * database already has the data.
   */
  async #cacheSet(key: string, encoded: string | undefined, expiresAt: Date): Promise<void> {
    if (encoded === undefined) return;
    try {
      await this.cache.set(
        CACHED_DB_KEY_PREFIX + key,
        encoded,
        secondsUntil(expiresAt, this.now()),
      );
    } catch (error) {
      logger.error(
        `Error saving to cache (${this.cache.constructor.name}): ${(error as Error).message}`,
      );
    }
  }

  protected override async loadChecked(key: string): Promise<SessionData | null> {
    let cached: unknown;
    try {
      cached = await this.cache.get(CACHED_DB_KEY_PREFIX + key);
    } catch (error) {
      logger.error(
        `Error reading from cache (${this.cache.constructor.name}): ${(error as Error).message}`,
      );
    }
    if (typeof cached === 'string') {
      // A copy that does not decode (another SECRET_KEY) falls back to the row.
      const data = decodeSessionData(cached, this.#keys);
      if (data !== null) {
        this.rememberEncoded(data, cached);
        return data;
      }
    } else if (cached !== undefined && cached !== null) {
      const data = fromCachedEntries(cached);
      if (data !== null) return data;
    }
    const record = await this.loadRecord(key);
    if (!record) return null;
    await this.#cacheSet(key, record.encoded, record.expiresAt);
    return record.data;
  }

  override async create(data: SessionData, expiresAt: Date): Promise<string> {
    const key = await super.create(data, expiresAt);
    await this.#cacheSet(key, this.encodedOf(data), expiresAt);
    return key;
  }

  protected override async saveChecked(
    key: string,
    data: SessionData,
    expiresAt: Date,
  ): Promise<string> {
    await super.saveChecked(key, data, expiresAt);
    await this.#cacheSet(key, this.encodedOf(data), expiresAt);
    return key;
  }

  /** The db engine's merge, then the merged row's copy into the cache. */
  protected override async updateChecked(
    key: string,
    changes: SessionChanges,
  ): Promise<SessionData> {
    const record = await this.updateRecord(key, changes);
    await this.#cacheSet(key, record.encoded, record.expiresAt);
    return record.data;
  }

  protected override async deleteChecked(key: string): Promise<void> {
    await super.deleteChecked(key);
    await this.cache.delete(CACHED_DB_KEY_PREFIX + key);
  }

  /**
   * The db engine's bulk delete (`deleteSessions`: the database is the truth, so the user's
   * sessions are found there), then each cached copy, which would otherwise keep serving a
   * session that was ended. A failed cache delete rejects, as in `delete`.
   */
  protected override async deleteKeys(keys: readonly string[]): Promise<number> {
    const deleted = await super.deleteKeys(keys);
    for (const key of keys) await this.cache.delete(CACHED_DB_KEY_PREFIX + key);
    return deleted;
  }

  /** Django: the cache first (no query when cached), then the database. */
  protected override async existsChecked(key: string): Promise<boolean> {
    try {
      if (await this.cache.has(CACHED_DB_KEY_PREFIX + key)) return true;
    } catch {
      // The database answers below.
    }
    return super.existsChecked(key);
  }

  override async close(): Promise<void> {
    await Promise.all([super.close(), this.cache.close()]);
  }
}
