import { afterEach, describe, expect, it } from 'vitest';
import {
  closeCaches,
  DummyCache,
  getCache,
  InvalidCacheBackendError,
  LocMemCache,
  RedisCache,
} from '../../../src/runtime/cache/index.js';
import { defineSettings, ImproperlyConfigured } from '../../../src/runtime/conf/index.js';

const settings = (caches: Record<string, unknown>) =>
  defineSettings({ BASE_DIR: '/srv/site', SECRET_KEY: 'x', CACHES: caches as never });

afterEach(async () => {
  await closeCaches();
});

describe('getCache', () => {
  it("defaults to Django's locmem 'default' alias and shares one instance per alias", async () => {
    const s = defineSettings({ BASE_DIR: '/srv/site', SECRET_KEY: 'x' });
    const cache = getCache(s);
    expect(cache).toBeInstanceOf(LocMemCache);
    expect(getCache(s, 'default')).toBe(cache);
    await cache.set('k', 1);
    await closeCaches();
    const again = getCache(s);
    expect(again).not.toBe(cache);
    // In-process data survives close(), as Django's locmem.
    expect(await again.get('k')).toBe(1);
    await again.clear();
  });

  it('raises InvalidCacheBackendError for an undefined alias (Django test_non_default_cache)', () => {
    const s = settings({ default: { BACKEND: 'locmem' } });
    expect(() => getCache(s, 'sessions')).toThrow(InvalidCacheBackendError);
    expect(() => getCache(s, 'sessions')).toThrow(
      "The cache alias 'sessions' is not defined in CACHES.",
    );
    expect(new InvalidCacheBackendError('x')).toBeInstanceOf(ImproperlyConfigured);
  });

  it('applies TIMEOUT, KEY_PREFIX, VERSION and OPTIONS from settings', async () => {
    const s = settings({
      default: {
        BACKEND: 'locmem',
        LOCATION: 'caches-test',
        TIMEOUT: 0,
        OPTIONS: { MAX_ENTRIES: 2 },
      },
      prefixed: { BACKEND: 'locmem', LOCATION: 'caches-test', KEY_PREFIX: 'p', TIMEOUT: null },
    });
    const cache = getCache(s);
    await cache.set('k', 1);
    expect(await cache.get('k')).toBeUndefined(); // TIMEOUT 0: expires at once
    await cache.set('k', 1, 60);
    expect(await cache.get('k')).toBe(1);
    const prefixed = getCache(s, 'prefixed');
    expect(await prefixed.get('k')).toBeUndefined();
    await prefixed.set('k', 2);
    expect(await cache.get('k')).toBe(1);
    await cache.clear();
  });

  it('builds DummyCache, and RedisCache without connecting (test/runtime/cache/redis.test.ts)', () => {
    expect(getCache(settings({ default: { BACKEND: 'dummy' } }))).toBeInstanceOf(DummyCache);
    const redis = getCache(
      settings({ default: { BACKEND: 'redis', LOCATION: 'redis://127.0.0.1:6379' } }),
    );
    expect(redis).toBeInstanceOf(RedisCache);
    expect((redis as RedisCache).address).toBe('redis://127.0.0.1:6379');
  });

  it('validates options, naming them', () => {
    expect(() => getCache(settings({ default: { BACKEND: 'locmem', TIMEOUT: '5' } }))).toThrow(
      "CACHES['default'].TIMEOUT must be a number of seconds or null",
    );
    expect(() =>
      getCache(settings({ default: { BACKEND: 'locmem', OPTIONS: { MAX_ENTRIES: 0 } } })),
    ).toThrow("CACHES['default'].OPTIONS.MAX_ENTRIES must be a positive integer");
    expect(() => getCache(settings({ default: { BACKEND: 'locmem', VERSION: 1.5 } }))).toThrow(
      "CACHES['default'].VERSION must be an integer",
    );
  });
});
