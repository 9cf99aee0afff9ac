/**
 * The `cache` engine on Redis (issue 7, item 2): the shared store contract suite, native
 * expiry (the session's TTL is Redis's, nothing to sweep), Django's cache keys, sharing
 * between two processes' caches, and the start-up check — against a real redis-server.
 */
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeCaches, RedisCache } from '../../../../src/runtime/cache/index.js';
import { defineSettings, ImproperlyConfigured } from '../../../../src/runtime/conf/index.js';
import {
  CACHE_KEY_PREFIX,
  CacheStore,
  LOCK_KEY_PREFIX,
} from '../../../../src/runtime/sessions/backends/cache.js';
import { Session } from '../../../../src/runtime/sessions/session.js';
import { endUserSessions, listUserSessions } from '../../../../src/runtime/sessions/users.js';
import {
  freePort,
  type RedisService,
  serviceSupport,
  startRedis,
} from '../../../support/services.js';
import { describeServerSideStoreContract } from '../store-contract.js';
import { d, plain } from '../data.js';

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

    it("keeps the session as JSON entries under Django's key, expiring natively with the session", async () => {
      const key = await store.create(d({ hit: 1 }), new Date(Date.now() + HOUR));
      const redisKey = `:1:${CACHE_KEY_PREFIX}${key}`;
      expect(await raw.get(redisKey)).toBe('[["hit",1]]');
      const ttl = await raw.pTTL(redisKey);
      expect(ttl).toBeGreaterThan(HOUR - 60_000);
      expect(ttl).toBeLessThanOrEqual(HOUR);
      await store.save(key, d({ hit: 2 }), new Date(Date.now() + 2 * HOUR));
      expect(await raw.pTTL(redisKey)).toBeGreaterThan(HOUR);
      expect(await store.clearExpired()).toBeNull();
    });

    it('a second cache client (another server process) reads and updates the same session', async () => {
      const other = new CacheStore(new RedisCache({ location: redis.url }));
      try {
        const key = await store.create(d({ hit: 1 }), new Date(Date.now() + HOUR));
        expect(plain(await other.load(key))).toEqual({ hit: 1 });
        await other.save(key, d({ hit: 2 }), new Date(Date.now() + HOUR));
        expect(plain(await store.load(key))).toEqual({ hit: 2 });
        await other.delete(key);
        expect(plain(await store.load(key))).toBeNull();
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
      const key = await configured.create(d({ a: 1 }), new Date(Date.now() + HOUR));
      expect(await raw.get(`site:1:${CACHE_KEY_PREFIX}${key}`)).toBe('[["a",1]]');
    });

    it('reads a session cached as a JSON object by an earlier version', async () => {
      const key = 'legacyobjectkey0123456789abcdefg';
      await raw.set(`:1:${CACHE_KEY_PREFIX}${key}`, '{"hit":3}', {
        expiration: { type: 'PX', value: 60_000 },
      });
      expect(plain(await store.load(key))).toEqual({ hit: 3 });
    });

    it('two server processes saving different keys of one session at once keep both (Lua compare-and-swap)', async () => {
      const other = new CacheStore(new RedisCache({ location: redis.url }));
      try {
        const key = await store.create(d({ n: 0 }), new Date(Date.now() + HOUR));
        const settings = { SESSION_COOKIE_AGE: 3600, SESSION_EXPIRE_AT_BROWSER_CLOSE: false };
        const sessions = Array.from(
          { length: 20 },
          (_, i) => new Session(i % 2 ? other : store, settings, key),
        );
        await Promise.all(sessions.map((s) => s.load()));
        sessions.forEach((s, i) => s.set(`k${i}`, i));
        await Promise.all(sessions.map((s) => s.save()));
        const merged = (await store.load(key))!;
        expect(merged.size).toBe(21);
      } finally {
        await other.close();
      }
    });

    it("sessions per user: SCAN finds every session of the user among many; expiry is the key's TTL", async () => {
      const mine = new Set<string>();
      for (let i = 0; i < 60; i++) {
        const key = await store.create(
          d({ _auth_user_id: i % 20 === 0 ? 'scanned' : `u${i}`, i }),
          new Date(Date.now() + HOUR),
        );
        if (i % 20 === 0) mine.add(key);
      }
      // Keys of another KEY_PREFIX, cached_db and other data share the database.
      await raw.set(`:1:django.contrib.sessions.cached_db${'c'.repeat(32)}`, '"x"');
      await raw.set(
        `other:1:${CACHE_KEY_PREFIX}${'o'.repeat(32)}`,
        '[["_auth_user_id","scanned"]]',
      );
      await raw.set('plain-key', 'x');
      const listed = await listUserSessions(store, 'scanned');
      expect(listed.map((s) => s.key).sort()).toEqual([...mine].sort());
      const ttl = listed[0]!.expiresAt!.getTime() - Date.now();
      expect(ttl).toBeGreaterThan(HOUR - 60_000);
      expect(ttl).toBeLessThanOrEqual(HOUR);
      const all = new Set<string>();
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<NonNullable<CacheStore['listSessions']>>> =
          await store.listSessions!({ limit: 7, cursor });
        for (const session of page.sessions) all.add(session.key);
        cursor = page.cursor;
      } while (cursor !== null);
      expect(all.size).toBe(60);
      expect(await endUserSessions(store, 'scanned')).toBe(3);
      for (const key of mine) expect(await raw.exists(`:1:${CACHE_KEY_PREFIX}${key}`)).toBe(0);
      expect(await raw.exists(`other:1:${CACHE_KEY_PREFIX}${'o'.repeat(32)}`)).toBe(1);
    });

    it('a lock is a key with an expiry (SET NX PX) that only its holder deletes', async () => {
      const key = await store.create(d({}), new Date(Date.now() + HOUR));
      const lockKey = `:1:${LOCK_KEY_PREFIX}${key}`;
      const held = await store.lock(key, { timeout: 1, expiry: 30 });
      const ttl = await raw.pTTL(lockKey);
      expect(ttl).toBeGreaterThan(29_000);
      expect(ttl).toBeLessThanOrEqual(30_000);
      // Someone else's token (the lock lapsed and was taken): release leaves it.
      await raw.set(lockKey, '"someone-else"');
      await held.release();
      expect(await raw.get(lockKey)).toBe('"someone-else"');
      await raw.del(lockKey);
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
