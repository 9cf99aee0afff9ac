/**
 * `tango/cache`: Django's low-level cache API (`django.core.cache`), async. Backends: `locmem`
 * (bounded in-process LRU, single process only), `redis` (shared by every process, native
 * expiry) and `dummy`.
 *
 * @example
 * import { getCache } from 'tango/cache';
 * const cache = getCache(settings);
 * if (await cache.add('lock:report', 1, 30)) { ... }
 */
export {
  cacheOptions,
  DEFAULT_TIMEOUT,
  expiryTime,
  InvalidCacheBackendError,
  makeKey,
  type Cache,
  type CacheOptions,
  type CacheScanOptions,
  type CacheScanStep,
  type CacheVersion,
  type VersionedValue,
} from './cache.js';
export { closeCaches, getCache } from './caches.js';
export { DummyCache } from './dummy.js';
export { LocMemCache, type LocMemOptions } from './locmem.js';
export {
  CacheUnavailable,
  RedisCache,
  redactRedisUrl,
  redisCacheFromSettings,
  redisCacheOptions,
  type RedisCacheOptions,
} from './redis.js';
