/**
 * The `cache` engine on Redis (issue 7, item 2): the shared store contract suite, native
 * expiry (the session's TTL is Redis's, nothing to sweep), Django's cache keys, sharing
 * between two processes' caches, and the start-up check — against a real redis-server.
 */
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeCaches, RedisCache } from '../../../../src/runtime/cache/index.js';
import { defineSettings, ImproperlyConfigured } from '../../../../src/runtime/conf/index.js';
import { CACHE_KEY_PREFIX, CacheStore } from '../../../../src/runtime/sessions/backends/cache.js';
import {
  freePort,
  type RedisService,
  serviceSupport,
  startRedis,
} from '../../../support/services.js';
import { describeServerSideStoreContract } from '../store-contract.js';

const HOUR = 3_600_000;
const support = serviceSupport('redis');

describe.skipIf(!support.available)('cache engine on Redis', () => {
  let redis: RedisService;
  let raw: ReturnType<typeof createClient>;

  beforeAll(async () => {
    redis = await startRedis();
    raw = createClient({ url: redis.url });
    raw.on('error', () => undefined);
    await raw.connect();
  });
  afterAll(async () => {
    raw?.destroy();
    await redis?.close();
  });

  describeServerSideStoreContract('cache (Redis)', async ({ now }) => {
    await raw.flushDb();
    const cache = new RedisCache({ location: redis.url });
    return { store: new CacheStore(cache, { now }), cleanup: () => cache.close() };
  });

  describe('specifics', () => {
    let cache: RedisCache;
    let store: CacheStore;
    beforeEach(async () => {
      await raw.flushDb();
      cache = new RedisCache({ location: redis.url });
      store = new CacheStore(cache);
    });
    afterEach(async () => {
      await cache.close();
      await closeCaches();
    });

    it("keeps the session as JSON under Django's key, expiring natively with the session", async () => {
      const key = await store.create({ hit: 1 }, new Date(Date.now() + HOUR));
      const redisKey = `:1:${CACHE_KEY_PREFIX}${key}`;
      expect(await raw.get(redisKey)).toBe('{"hit":1}');
      const ttl = await raw.pTTL(redisKey);
      expect(ttl).toBeGreaterThan(HOUR - 60_000);
      expect(ttl).toBeLessThanOrEqual(HOUR);
      await store.save(key, { hit: 2 }, new Date(Date.now() + 2 * HOUR));
      expect(await raw.pTTL(redisKey)).toBeGreaterThan(HOUR);
      expect(await store.clearExpired()).toBeNull();
    });

    it('a second cache client (another server process) reads and updates the same session', async () => {
      const other = new CacheStore(new RedisCache({ location: redis.url }));
      try {
        const key = await store.create({ hit: 1 }, new Date(Date.now() + HOUR));
        expect(await other.load(key)).toEqual({ hit: 1 });
        await other.save(key, { hit: 2 }, new Date(Date.now() + HOUR));
        expect(await store.load(key)).toEqual({ hit: 2 });
        await other.delete(key);
        expect(await store.load(key)).toBeNull();
      } finally {
        await other.close();
      }
    });

    it('honours KEY_PREFIX and SESSION_CACHE_ALIAS from settings', async () => {
      const settings = defineSettings({
        BASE_DIR: '/srv/site',
        SECRET_KEY: 'x',
        CACHES: {
          default: { BACKEND: 'locmem' },
          sessions: { BACKEND: 'redis', LOCATION: redis.url, KEY_PREFIX: 'site' },
        },
        SESSION_ENGINE: 'cache',
        SESSION_CACHE_ALIAS: 'sessions',
      });
      const configured = await CacheStore.fromSettings(settings);
      const key = await configured.create({ a: 1 }, new Date(Date.now() + HOUR));
      expect(await raw.get(`site:1:${CACHE_KEY_PREFIX}${key}`)).toBe('{"a":1}');
    });
  });

  it('start-up with Redis unreachable fails with ImproperlyConfigured naming it', async () => {
    const port = await freePort();
    const settings = defineSettings({
      BASE_DIR: '/srv/site',
      SECRET_KEY: 'x',
      CACHES: { default: { BACKEND: 'redis', LOCATION: `redis://127.0.0.1:${port}/0` } },
      SESSION_ENGINE: 'cache',
    });
    const error = await CacheStore.fromSettings(settings).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImproperlyConfigured);
    expect((error as Error).message).toBe(
      `Cannot connect to Redis at redis://127.0.0.1:${port}/0 (CACHES['default']): ECONNREFUSED`,
    );
    await closeCaches();
  });
});
