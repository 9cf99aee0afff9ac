/**
 * The `cached_db` engine (Django's `django.contrib.sessions.backends.cached_db`): the database
 * is the truth, the cache a write-through copy. Every write goes to the database, then to the
 * cache under `django.contrib.sessions.cached_db<key>`; reads try the cache first and refill it
 * from the database (spec 114, 115). `clearExpired()` is the database's.
 *
 * Cache failures never lose data: a failed cache read falls back to the database, and a
 * failed cache write after a successful database write is logged and ignored (Django 5.1+
 * logs "Error saving to cache" the same way). A failed cache *delete* rejects, because the
 * stale copy would otherwise resurrect a deleted (logged-out) session.
 *
 * See https://docs.djangoproject.com/en/stable/topics/http/sessions/#using-cached-sessions
 */
import type { Cache } from '../../cache/cache.js';
import { getCache } from '../../cache/caches.js';
import type { Settings } from '../../conf/settings.js';
import { getLogger } from '../../core/log.js';
import { isSessionData } from '../encoding.js';
import { isWellFormedSessionKey } from '../keys.js';
import type { SessionData, SessionStore } from '../store.js';
import { secondsUntil } from './cache.js';
import { DatabaseStore } from './db.js';

/** Django's `KEY_PREFIX` of the cached_db engine (`'django.contrib.sessions.cached_db'`). */
export const CACHED_DB_KEY_PREFIX = 'django.contrib.sessions.cached_db';

const logger = getLogger('tango.sessions');

/** Options of `CachedDatabaseStore`. */
export interface CachedDatabaseStoreOptions {
  /** The clock in milliseconds, for cache timeouts (tests). Default `Date.now`. */
  now?: () => number;
}

/**
 * A `DatabaseStore` with a write-through cache in front.
 *
 * @example
 * const store = await CachedDatabaseStore.fromSettings(settings);
 * await store.load(key); // from the cache, or the database (then cached)
 */
export class CachedDatabaseStore implements SessionStore {
  readonly stateless = false;
  readonly #now: () => number;

  constructor(
    readonly db: DatabaseStore,
    readonly cache: Cache,
    options: CachedDatabaseStoreOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
  }

  /** `DATABASES['default']` plus `CACHES[SESSION_CACHE_ALIAS]`. */
  static async fromSettings(settings: Readonly<Settings>): Promise<CachedDatabaseStore> {
    const cache = getCache(settings, settings.SESSION_CACHE_ALIAS);
    const db = await DatabaseStore.fromSettings(settings);
    await cache.connect?.(); // an unreachable Redis stops start-up, naming it
    return new CachedDatabaseStore(db, cache);
  }

  /** Writes the cached copy; a cache failure is logged, since the database already has the data. */
  async #cacheSet(key: string, data: SessionData, expiresAt: Date): Promise<void> {
    try {
      await this.cache.set(CACHED_DB_KEY_PREFIX + key, data, secondsUntil(expiresAt, this.#now()));
    } catch (error) {
      logger.error(
        `Error saving to cache (${this.cache.constructor.name}): ${(error as Error).message}`,
      );
    }
  }

  async load(key: string): Promise<SessionData | null> {
    if (!isWellFormedSessionKey(key)) return null;
    let cached: unknown;
    try {
      cached = await this.cache.get(CACHED_DB_KEY_PREFIX + key);
    } catch (error) {
      logger.error(
        `Error reading from cache (${this.cache.constructor.name}): ${(error as Error).message}`,
      );
    }
    if (isSessionData(cached)) return cached;
    const record = await this.db.loadRecord(key);
    if (!record) return null;
    await this.#cacheSet(key, record.data, record.expiresAt);
    return record.data;
  }

  async create(data: SessionData, expiresAt: Date): Promise<string> {
    const key = await this.db.create(data, expiresAt);
    await this.#cacheSet(key, data, expiresAt);
    return key;
  }

  async save(key: string, data: SessionData, expiresAt: Date): Promise<string> {
    await this.db.save(key, data, expiresAt);
    await this.#cacheSet(key, data, expiresAt);
    return key;
  }

  async delete(key: string): Promise<void> {
    if (!isWellFormedSessionKey(key)) return;
    await this.db.delete(key);
    await this.cache.delete(CACHED_DB_KEY_PREFIX + key);
  }

  /** Django: the cache first (no query when cached), then the database. */
  async exists(key: string): Promise<boolean> {
    if (!isWellFormedSessionKey(key)) return false;
    try {
      if (await this.cache.has(CACHED_DB_KEY_PREFIX + key)) return true;
    } catch {
      // The database answers below.
    }
    return this.db.exists(key);
  }

  /** The database's: expired rows go; cached copies expire on their own. */
  async clearExpired(): Promise<number> {
    return this.db.clearExpired();
  }

  async close(): Promise<void> {
    await Promise.all([this.db.close(), this.cache.close()]);
  }
}
