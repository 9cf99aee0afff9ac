/**
 * The `cache` engine (Django's `django.contrib.sessions.backends.cache`): the session's data
 * object itself (not the signed string) under `django.contrib.sessions.cache<key>` in the
 * `SESSION_CACHE_ALIAS` cache, with the cache's own expiry. Fast and non-persistent: with the
 * default `locmem` cache it is single-process only (spec 117); use Redis across processes.
 *
 * See https://docs.djangoproject.com/en/stable/topics/http/sessions/#using-cached-sessions
 */
import type { Cache } from '../../cache/cache.js';
import { getCache } from '../../cache/caches.js';
import type { Settings } from '../../conf/settings.js';
import { isSessionData } from '../encoding.js';
import { createWithFreshKey, isWellFormedSessionKey } from '../keys.js';
import { type SessionData, type SessionStore, UpdateError } from '../store.js';

/** Django's `KEY_PREFIX` of the cache engine (`'django.contrib.sessions.cache'`). */
export const CACHE_KEY_PREFIX = 'django.contrib.sessions.cache';

/**
 * Seconds from `now` until `expiresAt`, rounded up so a record never expires before its
 * session; 0 or less (already expired) makes the cache drop it at once. Django passes
 * `get_expiry_age()`, the same number.
 *
 * @example
 * secondsUntil(new Date(Date.now() + 1500), Date.now()); // 2
 */
export function secondsUntil(expiresAt: Date, now: number): number {
  return Math.max(0, Math.ceil((expiresAt.getTime() - now) / 1000));
}

/** Options of `CacheStore`. */
export interface CacheStoreOptions {
  /** The clock in milliseconds, for timeouts (tests). Default `Date.now`. */
  now?: () => number;
}

/**
 * Sessions in a `tango/cache` cache.
 *
 * Unlike Django, a cache error while loading is not swallowed into an empty session: it
 * rejects, and the request gets a 503 (DESIGN.md §7), instead of silently logging the user out
 * and then failing to save anyway.
 *
 * @example
 * const store = await CacheStore.fromSettings(settings); // CACHES[SESSION_CACHE_ALIAS]
 * const key = await store.create({ hit: 1 }, new Date(Date.now() + 3600_000));
 */
export class CacheStore implements SessionStore {
  readonly stateless = false;
  readonly #now: () => number;

  constructor(
    readonly cache: Cache,
    options: CacheStoreOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * Uses `CACHES[SESSION_CACHE_ALIAS]`; an alias missing from `CACHES` is a start-up error
   * (`InvalidCacheBackendError`, as Django's test_non_default_cache expects).
   */
  static async fromSettings(settings: Readonly<Settings>): Promise<CacheStore> {
    const cache = getCache(settings, settings.SESSION_CACHE_ALIAS);
    await cache.connect?.(); // an unreachable Redis stops start-up, naming it
    return new CacheStore(cache);
  }

  #timeout(expiresAt: Date): number {
    return secondsUntil(expiresAt, this.#now());
  }

  async load(key: string): Promise<SessionData | null> {
    if (!isWellFormedSessionKey(key)) return null;
    const data = await this.cache.get(CACHE_KEY_PREFIX + key);
    return isSessionData(data) ? data : null;
  }

  /** Inserts with the cache's atomic `add`, so two requests can never share a fresh key. */
  async create(data: SessionData, expiresAt: Date): Promise<string> {
    return createWithFreshKey((key) =>
      this.cache.add(CACHE_KEY_PREFIX + key, data, this.#timeout(expiresAt)),
    );
  }

  /**
   * Overwrites a record that still exists; otherwise `UpdateError`. As in Django this is a
   * check-then-set, best effort: a cache has no conditional update.
   */
  async save(key: string, data: SessionData, expiresAt: Date): Promise<string> {
    if (!isWellFormedSessionKey(key) || !(await this.cache.has(CACHE_KEY_PREFIX + key))) {
      throw new UpdateError('The session was deleted before it could be saved.');
    }
    await this.cache.set(CACHE_KEY_PREFIX + key, data, this.#timeout(expiresAt));
    return key;
  }

  async delete(key: string): Promise<void> {
    if (!isWellFormedSessionKey(key)) return;
    await this.cache.delete(CACHE_KEY_PREFIX + key);
  }

  async exists(key: string): Promise<boolean> {
    return isWellFormedSessionKey(key) && (await this.cache.has(CACHE_KEY_PREFIX + key));
  }

  /** The cache expires records itself: nothing to clear (Django's no-op `clear_expired`). */
  async clearExpired(): Promise<null> {
    return null;
  }

  async close(): Promise<void> {
    await this.cache.close();
  }
}
