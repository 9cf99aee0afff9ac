/**
 * The `cache` engine (Django's `django.contrib.sessions.backends.cache`): the session's data
 * object itself (not the signed string) under `django.contrib.sessions.cache<key>` in the
 * `SESSION_CACHE_ALIAS` cache, with the cache's own expiry. Fast and non-persistent: with the
 * default `locmem` cache it is single-process only (checklist #117, in
 * docs/django-sessions-checklist.md); use Redis across processes.
 *
 * See https://docs.djangoproject.com/en/stable/topics/http/sessions/#using-cached-sessions
 */
import type { Cache } from '../../cache/cache.js';
import { getCache } from '../../cache/caches.js';
import type { Settings } from '../../conf/settings.js';
import { isSessionData } from '../encoding.js';
import { UpdateError } from '../exceptions.js';
import { createWithFreshKey } from '../keys.js';
import {
  checkExpiresAt,
  type SessionData,
  type SessionStoreOptions,
  ServerSideStoreBase,
} from '../store.js';

/**
 * Django's `KEY_PREFIX` of the cache engine (`'django.contrib.sessions.cache'`).
 *
 * @example
 * await cache.get(CACHE_KEY_PREFIX + key); // the session's data object
 */
export const CACHE_KEY_PREFIX = 'django.contrib.sessions.cache';

/**
 * Seconds from `now` until `expiresAt`, rounded up so a record never expires before its
 * session; 0 or less (already expired) makes the cache drop it at once. Django passes
 * `get_expiry_age()`, the same number. Never NaN: an invalid date is a `TypeError`
 * (a cache given a NaN timeout would keep the record forever).
 *
 * @example
 * secondsUntil(new Date(Date.now() + 1500), Date.now()); // 2
 */
export function secondsUntil(expiresAt: Date, now: number): number {
  const seconds = Math.ceil((expiresAt.getTime() - now) / 1000);
  if (Number.isNaN(seconds)) {
    checkExpiresAt(expiresAt);
    throw new TypeError(`The session store's clock returned ${now}, not milliseconds.`);
  }
  return Math.max(0, seconds);
}

/**
 * Options of `CacheStore`: the clock, which sets the cache timeout of each write.
 *
 * @example
 * new CacheStore(cache, { now: () => clock.now });
 */
export type CacheStoreOptions = SessionStoreOptions;

/**
 * Sessions in a `tango/cache` cache. Cache failures are the cache's own (`CacheUnavailable`
 * from Redis: 503).
 *
 * Unlike Django, a cache error while loading is not swallowed into an empty session: it
 * rejects, and the request gets a 503 (DESIGN.md §7), instead of silently logging the user out
 * and then failing to save anyway.
 *
 * @example
 * const store = await CacheStore.fromSettings(settings); // CACHES[SESSION_CACHE_ALIAS]
 * const key = await store.create({ hit: 1 }, new Date(Date.now() + 3600_000));
 */
export class CacheStore extends ServerSideStoreBase {
  constructor(
    readonly cache: Cache,
    options: CacheStoreOptions = {},
  ) {
    super(options);
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
    return secondsUntil(expiresAt, this.now());
  }

  protected async loadChecked(key: string): Promise<SessionData | null> {
    const data = await this.cache.get(CACHE_KEY_PREFIX + key);
    return isSessionData(data) ? data : null;
  }

  /** Inserts with the cache's atomic `add`, so two requests can never share a fresh key. */
  async create(data: SessionData, expiresAt: Date): Promise<string> {
    checkExpiresAt(expiresAt);
    return createWithFreshKey((key) =>
      this.cache.add(CACHE_KEY_PREFIX + key, data, this.#timeout(expiresAt)),
    );
  }

  /**
   * Overwrites a record that still exists; otherwise `UpdateError`. As in Django this is a
   * check-then-set, best effort: a cache has no conditional update.
   */
  protected async saveChecked(key: string, data: SessionData, expiresAt: Date): Promise<string> {
    if (!(await this.cache.has(CACHE_KEY_PREFIX + key))) throw new UpdateError();
    await this.cache.set(CACHE_KEY_PREFIX + key, data, this.#timeout(expiresAt));
    return key;
  }

  protected async deleteChecked(key: string): Promise<void> {
    await this.cache.delete(CACHE_KEY_PREFIX + key);
  }

  protected existsChecked(key: string): Promise<boolean> {
    return this.cache.has(CACHE_KEY_PREFIX + key);
  }

  /** The cache expires records itself: nothing to clear (Django's no-op `clear_expired`). */
  async clearExpired(): Promise<null> {
    return null;
  }

  override async close(): Promise<void> {
    await this.cache.close();
  }
}
