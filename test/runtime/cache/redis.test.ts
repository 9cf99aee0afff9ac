/**
 * RedisCache against a real redis-server started for this file: Django's cache API with
 * native expiry and make_key prefixes, JSON values, and the outage behaviour of issue 7.
 * Expiry is checked through the TTLs Redis holds (PTTL), never by sleeping.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CacheUnavailable,
  closeCaches,
  getCache,
  RedisCache,
  redactRedisUrl,
  redisCacheFromSettings,
} from '../../../src/runtime/cache/index.js';
import {
  defineSettings,
  ImproperlyConfigured,
  loadSettings,
} from '../../../src/runtime/conf/index.js';
import { createApplication } from '../../../src/runtime/handlers/base.js';
import { FIXTURE_SETTINGS } from '../fixture.js';
import { freePort, type RedisService, serviceSupport, startRedis } from '../../support/services.js';

const support = serviceSupport('redis');

describe('redisCacheFromSettings (CACHES entry → RedisCache)', () => {
  it('needs a redis:// LOCATION with an optional database number, naming the setting', () => {
    const fails = (config: Record<string, unknown>) => () =>
      redisCacheFromSettings({ BACKEND: 'redis', ...config } as never, 'sessions');
    expect(fails({})).toThrow(
      "CACHES['sessions'].LOCATION must be a Redis URL such as 'redis://127.0.0.1:6379/0', got undefined.",
    );
    expect(fails({ LOCATION: '127.0.0.1:6379' })).toThrow(
      "CACHES['sessions'].LOCATION must be a Redis URL",
    );
    expect(fails({ LOCATION: 'redis://h:6379/cache' })).toThrow(
      'must end with a database number such as /0',
    );
    expect(fails({ LOCATION: 'redis://h:6379/0', OPTIONS: { connect_timeout: 0 } })).toThrow(
      "CACHES['sessions'].OPTIONS.connect_timeout must be a positive number of seconds, got 0.",
    );
    expect(fails({ LOCATION: 'redis://h:6379/0', TIMEOUT: 'soon' })).toThrow(
      "CACHES['sessions'].TIMEOUT must be a number",
    );
    expect(
      redisCacheFromSettings({ BACKEND: 'redis', LOCATION: 'rediss://:pw@h:6380/2' }, 'default'),
    ).toBeInstanceOf(RedisCache);
  });

  it('is checked by createApplication at start-up, before any connection, not by defineSettings', async () => {
    const fixture = await loadSettings(FIXTURE_SETTINGS);
    const start = (config: Record<string, unknown>) => {
      const settings = defineSettings({
        ...fixture,
        CACHES: { ...fixture.CACHES, extra: { BACKEND: 'redis', ...config } as never },
      });
      return createApplication(settings).then((app) => app.close());
    };
    await expect(start({ LOCATION: 'redis://cache:6379/1' })).resolves.toBeUndefined();
    await expect(start({ LOCATION: 'cache:6379' })).rejects.toThrow(ImproperlyConfigured);
    await expect(start({})).rejects.toThrow("CACHES['extra'].LOCATION must be a Redis URL");
  });

  it('never shows the password in messages', () => {
    expect(redactRedisUrl('redis://:s3cret@cache:6379/0')).toBe('redis://cache:6379/0');
    expect(redactRedisUrl('redis://app:s3cret@cache:6379/0')).toBe('redis://app@cache:6379/0');
    expect(new RedisCache({ location: 'redis://:s3cret@cache:6379/0' }).address).toBe(
      'redis://cache:6379/0',
    );
  });
});

describe('RedisCache with Redis down', () => {
  it('fails at once with CacheUnavailable naming the server, and connect() with ImproperlyConfigured', async () => {
    const port = await freePort();
    const cache = redisCacheFromSettings(
      { BACKEND: 'redis', LOCATION: `redis://127.0.0.1:${port}/0` },
      'default',
    );
    const expected = `Cannot connect to Redis at redis://127.0.0.1:${port}/0 (CACHES['default']): ECONNREFUSED`;
    const error = await cache.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheUnavailable);
    expect((error as Error).message).toBe(expected);
    const startup = await cache.connect().catch((e: unknown) => e);
    expect(startup).toBeInstanceOf(ImproperlyConfigured);
    expect((startup as Error).message).toBe(expected);
    await cache.close();
  });
});

describe.skipIf(!support.available)('RedisCache on a real server', () => {
  let redis: RedisService;
  let raw: ReturnType<typeof createClient>;
  let cache: RedisCache;

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
  beforeEach(async () => {
    await raw.flushDb();
    cache = new RedisCache({ location: redis.url, label: "CACHES['default']" });
  });
  afterEach(async () => {
    await cache.close();
    await closeCaches();
  });

  it('get/set/has/delete, with JSON values under make_key keys', async () => {
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.has('k')).toBe(false);
    await cache.set('k', { a: [1, 'two', null], é: true });
    expect(await cache.get('k')).toEqual({ a: [1, 'two', null], é: true });
    expect(await raw.get(':1:k')).toBe('{"a":[1,"two",null],"é":true}');
    expect(await cache.has('k')).toBe(true);
    await cache.set('k', 'replaced');
    expect(await cache.get('k')).toBe('replaced');
    expect(await cache.delete('k')).toBe(true);
    expect(await cache.delete('k')).toBe(false);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('stores falsy values, refuses what JSON cannot hold, and treats foreign non-JSON values as misses', async () => {
    await cache.set('zero', 0);
    await cache.set('empty', '');
    await cache.set('no', false);
    await cache.set('nil', null);
    expect([
      await cache.get('zero'),
      await cache.get('empty'),
      await cache.get('no'),
      await cache.get('nil'),
    ]).toEqual([0, '', false, null]);
    await expect(cache.set('f', () => 1)).rejects.toThrow(TypeError);
    await expect(cache.set('u', undefined)).rejects.toThrow(TypeError);
    await raw.set(':1:foreign', 'not json {');
    expect(await cache.get('foreign')).toBeUndefined();
  });

  it('keeps copies: mutating after set() or get() never changes the stored value', async () => {
    const value = { list: [1] };
    await cache.set('k', value);
    value.list.push(2);
    const read = await cache.get<typeof value>('k');
    expect(read).toEqual({ list: [1] });
    read!.list.push(3);
    expect(await cache.get('k')).toEqual({ list: [1] });
  });

  it('add() is SET NX: stores only when absent, atomically across clients', async () => {
    expect(await cache.add('k', 1)).toBe(true);
    expect(await cache.add('k', 2)).toBe(false);
    expect(await cache.get('k')).toBe(1);
    const other = new RedisCache({ location: redis.url });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? cache : other).add('race', i)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    await other.close();
  });

  it('getVersioned/setIfVersion/deleteIfVersion: a compare-and-swap on the stored text, one Lua script each', async () => {
    expect(await cache.getVersioned('k')).toBeUndefined();
    expect(await cache.setIfVersion('k', 'anything', 1)).toBe(false);
    await cache.set('k', { n: 1 }, 60);
    const read = (await cache.getVersioned<{ n: number }>('k'))!;
    expect(read).toEqual({ value: { n: 1 }, version: '{"n":1}' });
    // Another client writes in between: the swap fails and stores nothing.
    const other = new RedisCache({ location: redis.url });
    await other.set('k', { n: 2 }, 60);
    expect(await cache.setIfVersion('k', read.version, { n: 3 }, 60)).toBe(false);
    expect(await cache.get('k')).toEqual({ n: 2 });
    const again = (await cache.getVersioned('k'))!;
    expect(await cache.setIfVersion('k', again.version, { n: 3 }, 120)).toBe(true);
    expect(await cache.get('k')).toEqual({ n: 3 });
    expect(await raw.pTTL(':1:k')).toBeGreaterThan(60_000);
    // null: no expiry; 0: delete, as set() does.
    const third = (await cache.getVersioned('k'))!;
    expect(await cache.setIfVersion('k', third.version, 'forever', null)).toBe(true);
    expect(await raw.pTTL(':1:k')).toBe(-1);
    expect(await cache.setIfVersion('k', '"forever"', 'gone', 0)).toBe(true);
    expect(await raw.exists(':1:k')).toBe(0);
    // Only one of many concurrent swaps from one version wins.
    await cache.set('race', 0);
    const base = (await cache.getVersioned('race'))!.version;
    const wins = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? cache : other).setIfVersion('race', base, i + 1),
      ),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    // deleteIfVersion deletes only what it read.
    await cache.set('lock', 'token-a');
    const lock = (await cache.getVersioned('lock'))!;
    await other.set('lock', 'token-b');
    expect(await cache.deleteIfVersion('lock', lock.version)).toBe(false);
    expect(await cache.get('lock')).toBe('token-b');
    expect(await cache.deleteIfVersion('lock', (await cache.getVersioned('lock'))!.version)).toBe(
      true,
    );
    expect(await cache.has('lock')).toBe(false);
    expect(await cache.deleteIfVersion('lock', 'x')).toBe(false);
    await other.close();
  });

  it('expires natively: the default TIMEOUT 300 s, per-call timeouts, null never, 0 and negative at once (Django)', async () => {
    await cache.set('default', 'v');
    await cache.set('short', 'v', 2);
    await cache.set('forever', 'v', null);
    await cache.set('zero', 'v', 0);
    await cache.set('negative', 'v', -5);
    expect(await cache.add('added', 'v', 60)).toBe(true);
    expect(await cache.add('add-forever', 'v', null)).toBe(true);
    expect(await cache.add('add-zero', 'v', 0)).toBe(true);
    const pttl = (key: string) => raw.pTTL(`:1:${key}`);
    expect(await pttl('default')).toBeGreaterThan(299_000);
    expect(await pttl('default')).toBeLessThanOrEqual(300_000);
    expect(await pttl('short')).toBeGreaterThan(1_000);
    expect(await pttl('short')).toBeLessThanOrEqual(2_000);
    expect(await pttl('added')).toBeGreaterThan(59_000);
    expect(await pttl('forever')).toBe(-1);
    expect(await pttl('add-forever')).toBe(-1);
    for (const key of ['zero', 'negative', 'add-zero'])
      expect(await cache.get(key)).toBeUndefined();
    // set() with timeout 0 removes an existing value (Django deletes the key).
    await cache.set('short', 'gone', 0);
    expect(await cache.has('short')).toBe(false);
  });

  it('uses the configured TIMEOUT, KEY_PREFIX and VERSION, like Django make_key', async () => {
    const settings = defineSettings({
      BASE_DIR: '/srv/site',
      SECRET_KEY: 'x',
      CACHES: {
        default: {
          BACKEND: 'redis',
          LOCATION: redis.url,
          TIMEOUT: 10,
          KEY_PREFIX: 'site',
          VERSION: 3,
        },
      },
    });
    const configured = getCache(settings);
    expect(configured).toBeInstanceOf(RedisCache);
    await configured.set('k', 'v');
    expect(await raw.get('site:3:k')).toBe('"v"');
    expect(await raw.pTTL('site:3:k')).toBeGreaterThan(9_000);
    expect(await raw.pTTL('site:3:k')).toBeLessThanOrEqual(10_000);
    expect(await cache.get('k')).toBeUndefined();
    const forever = new RedisCache({ location: redis.url, timeout: null, keyPrefix: 'p' });
    await forever.set('k', 1);
    expect(await raw.pTTL('p:1:k')).toBe(-1);
    await forever.close();
  });

  it('clear() is FLUSHDB: every key of the database, whatever the prefix', async () => {
    await cache.set('a', 1);
    await raw.set('someone-else', 'x');
    await cache.clear();
    expect(await raw.dbSize()).toBe(0);
  });

  it('connect() succeeds against a running server; close() then reconnects on the next call', async () => {
    await cache.connect();
    await cache.set('k', 'v');
    await cache.close();
    expect(await cache.get('k')).toBe('v');
  });

  it('fails fast while Redis is down, naming it, and serves again within a second of its return', async () => {
    const key = randomUUID();
    await cache.set(key, 'kept', null);
    await redis.stop();
    try {
      const started = Date.now();
      const error = await cache.get(key).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CacheUnavailable);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^Lost the connection to Redis at redis://127\\.0\\.0\\.1:${redis.port}/0 \\(CACHES\\['default'\\]\\): `,
        ),
      );
      // No offline queue: the call does not wait for Redis to return.
      expect(Date.now() - started).toBeLessThan(500);
      await expect(cache.add(randomUUID(), 1)).rejects.toBeInstanceOf(CacheUnavailable);
    } finally {
      await redis.start();
    }
    // The data is gone with the (non-persistent) server; what matters is that calls work again.
    const deadline = Date.now() + 5_000;
    let value: unknown = 'unavailable';
    while (Date.now() < deadline) {
      try {
        value = await cache.get(key);
        break;
      } catch (error) {
        expect(error).toBeInstanceOf(CacheUnavailable);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    expect(value).toBeUndefined();
    await cache.set(key, 'again');
    expect(await cache.get(key)).toBe('again');
  });
});
