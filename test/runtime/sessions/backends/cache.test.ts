// The cache engine on locmem: the shared store contract, then its specifics. Items cited as
// "checklist #N" (or §X, a section) are in docs/django-sessions-checklist.md.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Cache,
  closeCaches,
  getCache,
  InvalidCacheBackendError,
  LocMemCache,
} from '../../../../src/runtime/cache/index.js';
import { defineSettings } from '../../../../src/runtime/conf/define.js';
import {
  CACHE_KEY_PREFIX,
  CacheStore,
  secondsUntil,
} from '../../../../src/runtime/sessions/backends/cache.js';
import { UpdateError } from '../../../../src/runtime/sessions/exceptions.js';
import { describeServerSideStoreContract } from '../store-contract.js';

const HOUR = 3_600_000;

describeServerSideStoreContract('cache', async ({ now }) => {
  // The cache keeps its own (wall) clock, as Redis does: the store's clock sets the timeouts.
  const cache = new LocMemCache({ location: randomUUID() });
  return { store: new CacheStore(cache, { now }), cleanup: () => cache.clear() };
});

describe('cache engine specifics (checklist §J.3, Django CacheSessionTests)', () => {
  let clock: { now: number };
  let cache: LocMemCache;
  let store: CacheStore;
  beforeEach(() => {
    clock = { now: Date.UTC(2026, 11, 6, 7) };
    cache = new LocMemCache({ location: randomUUID(), now: () => clock.now });
    store = new CacheStore(cache, { now: () => clock.now });
  });

  it('test_default_cache: stores the raw data object under django.contrib.sessions.cache<key> (checklist #116)', async () => {
    const key = await store.create({ hit: 1, nested: { a: [1] } }, new Date(clock.now + HOUR));
    expect(await cache.get(CACHE_KEY_PREFIX + key)).toEqual({ hit: 1, nested: { a: [1] } });
    expect(CACHE_KEY_PREFIX).toBe('django.contrib.sessions.cache');
  });

  it('expires with the session: the cache timeout is the seconds until expiresAt (checklist #116)', async () => {
    const key = await store.create({ hit: 1 }, new Date(clock.now + 2_000));
    clock.now += 1_999;
    expect(await store.load(key)).toEqual({ hit: 1 });
    clock.now += 1;
    expect(await store.load(key)).toBeNull();
    expect(await store.exists(key)).toBe(false);
  });

  it('test_create_and_save: save() updates a live record and extends it', async () => {
    const key = await store.create({ n: 1 }, new Date(clock.now + 1_000));
    await store.save(key, { n: 2 }, new Date(clock.now + HOUR));
    clock.now += 10_000;
    expect(await store.load(key)).toEqual({ n: 2 });
  });

  it('save() after expiry or deletion is an UpdateError, not a resurrection', async () => {
    const key = await store.create({ n: 1 }, new Date(clock.now + 1_000));
    clock.now += 1_000;
    await expect(store.save(key, { n: 2 }, new Date(clock.now + HOUR))).rejects.toBeInstanceOf(
      UpdateError,
    );
    expect(await store.load(key)).toBeNull();
  });

  it('test_load_overlong_key', async () => {
    expect(await store.load('a'.repeat(1240))).toBeNull();
  });

  it('clearExpired() has nothing to do (checklist #116, #149)', async () => {
    expect(await store.clearExpired()).toBeNull();
  });

  it('a cache failure rejects instead of silently emptying the session (DESIGN.md §7)', async () => {
    const down = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    const broken: Cache = {
      get: () => Promise.reject(down),
      set: () => Promise.reject(down),
      add: () => Promise.reject(down),
      delete: () => Promise.reject(down),
      has: () => Promise.reject(down),
      clear: () => Promise.reject(down),
      close: async () => undefined,
    };
    const failing = new CacheStore(broken);
    await expect(failing.load('abcdefgh12345678abcdefgh12345678')).rejects.toBe(down);
    await expect(failing.create({}, new Date(Date.now() + HOUR))).rejects.toBe(down);
  });

  it('secondsUntil rounds up and never goes below 0', () => {
    expect(secondsUntil(new Date(1_500), 0)).toBe(2);
    expect(secondsUntil(new Date(1_000), 0)).toBe(1);
    expect(secondsUntil(new Date(0), 5_000)).toBe(0);
  });
});

describe('CacheStore.fromSettings', () => {
  afterEach(async () => {
    await closeCaches();
  });

  it("test_non_default_cache: SESSION_CACHE_ALIAS='sessions' stores there and not in default", async () => {
    const settings = defineSettings({
      BASE_DIR: '/srv/site',
      SECRET_KEY: 'x',
      SESSION_ENGINE: 'cache',
      SESSION_CACHE_ALIAS: 'sessions',
      CACHES: {
        default: { BACKEND: 'locmem', LOCATION: randomUUID() },
        sessions: { BACKEND: 'locmem', LOCATION: randomUUID() },
      },
    });
    const store = await CacheStore.fromSettings(settings);
    expect(store.cache).toBe(getCache(settings, 'sessions'));
    const key = await store.create({ a: 1 }, new Date(Date.now() + HOUR));
    expect(await getCache(settings, 'sessions').get(CACHE_KEY_PREFIX + key)).toEqual({ a: 1 });
    expect(await getCache(settings, 'default').get(CACHE_KEY_PREFIX + key)).toBeUndefined();
  });

  it('an alias missing from CACHES is InvalidCacheBackendError at start-up', async () => {
    const settings = defineSettings({
      BASE_DIR: '/srv/site',
      SECRET_KEY: 'x',
      SESSION_CACHE_ALIAS: 'sessions',
    });
    await expect(CacheStore.fromSettings(settings)).rejects.toBeInstanceOf(
      InvalidCacheBackendError,
    );
  });
});
