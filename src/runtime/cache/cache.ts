/**
 * The cache contract (Django's `django.core.cache.backends.base.BaseCache`), async-only, with
 * Django's timeout and key semantics, shared by every backend (`locmem.ts`, `redis.ts`, `dummy.ts`).
 *
 * See https://docs.djangoproject.com/en/stable/topics/cache/#the-low-level-cache-api
 */
import { ImproperlyConfigured } from '../conf/errors.js';
import type { CacheSettings } from '../conf/settings.js';

/**
 * A cache. `timeout` is in seconds: omitted (`undefined`) means the alias's `TIMEOUT`
 * (Django's default 300), `null` means never expire, `0` or less means expire immediately.
 * Stored values are copies: mutating an object after `set()` or after `get()` never changes
 * what the cache holds.
 *
 * @example
 * const cache = getCache(settings);
 * await cache.set('greeting', { text: 'hi' }, 60);
 * await cache.get<{ text: string }>('greeting'); // { text: 'hi' }
 * await cache.add('greeting', 'other'); // false: already there
 */
export interface Cache {
  /** The value, or `undefined` when missing or expired. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores `value`, replacing any previous one. */
  set(key: string, value: unknown, timeout?: number | null): Promise<void>;
  /** Stores `value` only if `key` is absent (atomically); true when it stored it. */
  add(key: string, value: unknown, timeout?: number | null): Promise<boolean>;
  /** Removes `key`; true when something was removed. */
  delete(key: string): Promise<boolean>;
  /** True when `key` holds a live value (Django's `has_key` / `in`). */
  has(key: string): Promise<boolean>;
  /** Removes everything (for this backend's storage, whatever the key prefix). */
  clear(): Promise<void>;
  /**
   * The value with its version, an opaque token that changes on every write of the key
   * (Redis: the stored text; locmem: the entry), or `undefined` when missing: the read half of
   * a compare-and-swap (`setIfVersion`, `deleteIfVersion`). Optional: `locmem` and `redis`
   * have it; the session engines fall back to a plain set without it.
   */
  getVersioned?<T = unknown>(key: string): Promise<VersionedValue<T> | undefined>;
  /**
   * Stores `value` only if `key` still holds `version` (atomically: Redis runs it as one Lua
   * script); true when it stored it, false when the key changed or vanished meanwhile.
   */
  setIfVersion?(
    key: string,
    version: CacheVersion,
    value: unknown,
    timeout?: number | null,
  ): Promise<boolean>;
  /** Removes `key` only if it still holds `version` (atomically); true when it removed it. */
  deleteIfVersion?(key: string, version: CacheVersion): Promise<boolean>;
  /**
   * One step of a walk over the live keys that start with `prefix` (a key as the caller names
   * it, before `KEY_PREFIX` and `VERSION`), with their values and the time they have left:
   * start with no cursor, pass each step's `cursor` to the next, stop at `null`. A key live
   * for the whole walk is returned at least once (Redis's `SCAN` may return one twice); keys
   * written or removed meanwhile may or may not be. `count` is a hint of keys looked at per
   * step (default 1000). Optional: `locmem` and `redis` have it (the sessions of the `cache`
   * engine are listed with it).
   *
   * @example
   * let cursor: string | null = null;
   * do {
   *   const step = await cache.scan!('django.contrib.sessions.cache', { cursor });
   *   for (const { key, value, ttl } of step.entries) ...
   *   cursor = step.cursor;
   * } while (cursor !== null);
   */
  scan?<T = unknown>(prefix: string, options?: CacheScanOptions): Promise<CacheScanStep<T>>;
  /** Releases connections; the data of an in-process cache survives. */
  close(): Promise<void>;
  /**
   * Connects now and checks that the server answers (network backends): the start-up check,
   * rejecting with `ImproperlyConfigured` that names the server and alias.
   */
  connect?(): Promise<void>;
}

/**
 * Options of `Cache.scan`.
 *
 * @example
 * await cache.scan!('prefix', { cursor: step.cursor, count: 500 });
 */
export interface CacheScanOptions {
  /** Where the previous step ended; omitted or `null`: the start. */
  cursor?: string | null;
  /** Keys to look at in this step (a hint; Redis's `COUNT`). Default 1000. */
  count?: number;
}

/**
 * One step of `Cache.scan`: live entries (`key` as the caller names it, `ttl` the
 * milliseconds left, `null` for no expiry) and the cursor of the next step (`null`: done).
 *
 * @example
 * const { entries, cursor }: CacheScanStep<number> = await cache.scan!<number>('hits.');
 */
export interface CacheScanStep<T = unknown> {
  entries: { key: string; value: T; ttl: number | null }[];
  cursor: string | null;
}

/** Keys a `Cache.scan` step looks at when the caller gives no `count`. */
export const DEFAULT_SCAN_COUNT = 1000;

/**
 * Refuses a `Cache.scan` count that is not a positive integer (up to 100000).
 *
 * @example
 * checkScanCount(0); // TypeError: cache scan count must be an integer from 1 to 100000, got 0
 */
export function checkScanCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > 100_000) {
    throw new TypeError(
      `cache scan count must be an integer from 1 to 100000, got ${String(count)}`,
    );
  }
}

/**
 * A version token of `Cache.getVersioned`: opaque, compared only by the cache that gave it.
 *
 * @example
 * const found = await cache.getVersioned!('k');
 * if (found) await cache.setIfVersion!('k', found.version, next(found.value));
 */
export type CacheVersion = unknown;

/**
 * What `Cache.getVersioned` returns: the value and the version it was read at.
 *
 * @example
 * const { value, version }: VersionedValue<number> = (await cache.getVersioned!<number>('hits'))!;
 */
export interface VersionedValue<T = unknown> {
  value: T;
  version: CacheVersion;
}

/**
 * Raised for an unknown cache alias or backend (Django's `InvalidCacheBackendError`, which is
 * an `ImproperlyConfigured` too).
 *
 * @example
 * // InvalidCacheBackendError: The cache alias 'sessions' is not defined in CACHES.
 */
export class InvalidCacheBackendError extends ImproperlyConfigured {
  override name = 'InvalidCacheBackendError';
}

/** Django's default `TIMEOUT`: 300 seconds. */
export const DEFAULT_TIMEOUT = 300;

/** The settings every backend shares, resolved with Django's defaults. */
export interface CacheOptions {
  /** Default timeout in seconds; `null` = forever. Default 300. */
  timeout: number | null;
  /** Prepended to every key. Default `''`. */
  keyPrefix: string;
  /** Key version. Default 1. */
  version: number;
}

/**
 * Resolves the options of a `CACHES` entry, validating them once (a wrong type names the
 * setting).
 *
 * @example
 * cacheOptions('default', { BACKEND: 'locmem', TIMEOUT: 60 }); // { timeout: 60, keyPrefix: '', version: 1 }
 */
export function cacheOptions(alias: string, config: CacheSettings): CacheOptions {
  const timeout = config.TIMEOUT === undefined ? DEFAULT_TIMEOUT : config.TIMEOUT;
  if (timeout !== null && (typeof timeout !== 'number' || Number.isNaN(timeout))) {
    throw new ImproperlyConfigured(
      `CACHES['${alias}'].TIMEOUT must be a number of seconds or null, got ${JSON.stringify(timeout)}.`,
    );
  }
  const keyPrefix = config.KEY_PREFIX ?? '';
  if (typeof keyPrefix !== 'string') {
    throw new ImproperlyConfigured(`CACHES['${alias}'].KEY_PREFIX must be a string.`);
  }
  const version = config.VERSION ?? 1;
  if (!Number.isInteger(version)) {
    throw new ImproperlyConfigured(
      `CACHES['${alias}'].VERSION must be an integer, got ${JSON.stringify(version)}.`,
    );
  }
  return { timeout, keyPrefix, version };
}

/**
 * Django's `default_key_func`: `'%s:%s:%s' % (key_prefix, version, key)`, so with the default
 * settings `'k'` is stored as `':1:k'`, exactly the key Django would use in a shared cache.
 *
 * @example
 * makeKey('k', { keyPrefix: 'site', version: 2 }); // 'site:2:k'
 */
export function makeKey(key: string, options: Pick<CacheOptions, 'keyPrefix' | 'version'>): string {
  return `${options.keyPrefix}:${options.version}:${key}`;
}

/**
 * Refuses a timeout that is not a finite number of seconds (`null`, forever, is checked by the
 * caller): a NaN expiry never compares as expired, so such an entry would never leave.
 *
 * @example
 * checkTimeout(NaN); // TypeError: cache timeout must be a finite number of seconds or null ...
 */
export function checkTimeout(seconds: number): void {
  // NaN never compares as expired and Infinity never expires: neither may be stored.
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
    throw new TypeError(
      `cache timeout must be a finite number of seconds or null (forever), got ${String(seconds)}`,
    );
  }
}

/**
 * Django's `get_backend_timeout`: the absolute expiry in milliseconds since the epoch for a
 * timeout argument, `null` for never; a timeout of 0 or less gives `now` (already expired).
 *
 * @example
 * expiryTime(undefined, { timeout: 300 }, 0); // 300000
 */
export function expiryTime(
  timeout: number | null | undefined,
  options: Pick<CacheOptions, 'timeout'>,
  now: number,
): number | null {
  const seconds = timeout === undefined ? options.timeout : timeout;
  if (seconds === null) return null;
  checkTimeout(seconds);
  return seconds <= 0 ? now : now + seconds * 1000;
}
