/**
 * `CACHES` aliases → cache instances, one per alias per process (Django's
 * `django.core.cache.caches`). A new backend is one file plus one entry in `BACKENDS`.
 */
import { ImproperlyConfigured } from '../conf/errors.js';
import {
  CACHE_BACKENDS,
  type CacheBackendName,
  type CacheSettings,
  formatChoices,
  type Settings,
} from '../conf/settings.js';
import { type Cache, cacheOptions, InvalidCacheBackendError } from './cache.js';
import { DummyCache } from './dummy.js';
import { LocMemCache } from './locmem.js';
import { redisCacheFromSettings } from './redis.js';

type Backend = (config: CacheSettings, alias: string) => Cache;

function positiveInteger(
  alias: string,
  name: string,
  value: unknown,
  fallback: number,
  allowZero = false,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < (allowZero ? 0 : 1)) {
    throw new ImproperlyConfigured(
      `CACHES['${alias}'].OPTIONS.${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(value)}.`,
    );
  }
  return value as number;
}

/** One backend per `CACHE_BACKENDS` name (the `Record` keeps the two lists in step). */
const BACKENDS: Record<CacheBackendName, Backend> = {
  locmem(config, alias) {
    return new LocMemCache({
      ...cacheOptions(alias, config),
      location: config.LOCATION ?? '',
      maxEntries: positiveInteger(alias, 'MAX_ENTRIES', config.OPTIONS?.MAX_ENTRIES, 300),
      cullFrequency: positiveInteger(
        alias,
        'CULL_FREQUENCY',
        config.OPTIONS?.CULL_FREQUENCY,
        3,
        true,
      ),
    });
  },
  dummy(config, alias) {
    cacheOptions(alias, config);
    return new DummyCache();
  },
  redis: redisCacheFromSettings,
};

const caches = new Map<string, Cache>();

/**
 * The cache for a `CACHES` alias, created once and shared by the whole process. An alias that
 * is not in `CACHES` throws `InvalidCacheBackendError`.
 *
 * @example
 * const cache = getCache(settings); // CACHES['default']
 * const sessions = getCache(settings, settings.SESSION_CACHE_ALIAS);
 */
export function getCache(settings: Readonly<Settings>, alias = 'default'): Cache {
  const config = Object.hasOwn(settings.CACHES, alias) ? settings.CACHES[alias] : undefined;
  if (!config)
    throw new InvalidCacheBackendError(`The cache alias '${alias}' is not defined in CACHES.`);
  const id = `${alias}\0${JSON.stringify(config)}`;
  let cache = caches.get(id);
  if (!cache) {
    const backend = Object.hasOwn(BACKENDS, config.BACKEND) ? BACKENDS[config.BACKEND] : undefined;
    if (!backend) {
      throw new InvalidCacheBackendError(
        `CACHES['${alias}'].BACKEND must be ${formatChoices(CACHE_BACKENDS)}, got '${String(config.BACKEND)}'.`,
      );
    }
    cache = backend(config, alias);
    caches.set(id, cache);
  }
  return cache;
}

/**
 * Closes every cache opened by `getCache` (at shutdown, between tests). In-process data
 * survives, as with Django's locmem; network connections close.
 *
 * @example
 * await closeCaches();
 */
export async function closeCaches(): Promise<void> {
  const all = [...caches.values()];
  caches.clear();
  await Promise.all(all.map((c) => c.close()));
}
