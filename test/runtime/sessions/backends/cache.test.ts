// The cache engine on locmem: the shared store contract, then its specifics. Items cited as
// "checklist #N" (or §X, a section) are in docs/django-sessions-checklist.md.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Cache,
  closeCaches,
  DummyCache,
  getCache,
  InvalidCacheBackendError,
  LocMemCache,
} from '../../../../src/runtime/cache/index.js';
import { defineSettings } from '../../../../src/runtime/conf/define.js';
import {
  CACHE_KEY_PREFIX,
  CacheStore,
  LOCK_KEY_PREFIX,
  secondsUntil,
} from '../../../../src/runtime/sessions/backends/cache.js';
import {
  UpdateError,
  UserSessionsNotSupported,
} from '../../../../src/runtime/sessions/exceptions.js';
import { endUserSessions, supportsUserSessions } from '../../../../src/runtime/sessions/users.js';
import { Session } from '../../../../src/runtime/sessions/session.js';
import { describeServerSideStoreContract } from '../store-contract.js';
import { d, plain } from '../data.js';

const HOUR = 3_600_000;
const SETTINGS = { SESSION_COOKIE_AGE: 1_209_600, SESSION_EXPIRE_AT_BROWSER_CLOSE: false };

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

  it('test_default_cache: stores the data under django.contrib.sessions.cache<key>, as its entries in order (checklist #116)', async () => {
    const data = new Map<string, unknown>([
      ['zz', 1],
      ['1', { a: [1] }],
    ]);
    const key = await store.create(data, new Date(clock.now + HOUR));
    expect(await cache.get(CACHE_KEY_PREFIX + key)).toEqual([
      ['zz', 1],
      ['1', { a: [1] }],
    ]);
    expect(CACHE_KEY_PREFIX).toBe('django.contrib.sessions.cache');
    expect([...(await store.load(key))!.keys()]).toEqual(['zz', '1']);
  });

  it('reads a plain data object, as earlier versions cached it', async () => {
    const key = 'legacyobjectkey0123456789abcdefg';
    await cache.set(CACHE_KEY_PREFIX + key, { hit: 3, name: 'x' }, 60);
    expect(plain(await store.load(key))).toEqual({ hit: 3, name: 'x' });
    const s = new Session(store, SETTINGS, key);
    await s.load();
    s.set('hit', 4);
    await s.save();
    expect(await cache.get(CACHE_KEY_PREFIX + key)).toEqual([
      ['hit', 4],
      ['name', 'x'],
    ]);
  });

  it('anything else cached under the key is no session data', async () => {
    for (const [i, value] of [1, 'x', [['hit']], [[1, 2]], [1, 2]].entries()) {
      const key = `junkkey${i}`.padEnd(32, '0');
      await cache.set(CACHE_KEY_PREFIX + key, value, 60);
      expect(await store.load(key), JSON.stringify(value)).toBeNull();
    }
  });

  it('update() retries its compare-and-swap when another write came in between', async () => {
    const key = await store.create(d({ n: 0 }), new Date(clock.now + HOUR));
    const base = (await store.load(key))!;
    await store.save(key, d({ n: 0, other: true }), new Date(clock.now + HOUR));
    const merged = await store.update(key, {
      base,
      set: new Map([['mine', 1]]),
      deleted: new Set(),
      expiresAt: () => new Date(clock.now + HOUR),
    });
    expect(plain(merged)).toEqual({ n: 0, other: true, mine: 1 });
    expect(plain(await store.load(key))).toEqual({ n: 0, other: true, mine: 1 });
  });

  it('a cache without versioned writes (dummy, custom) gets the whole-data save', async () => {
    const plainCache: Cache = {
      get: (k) => cache.get(k),
      set: (k, v, t) => cache.set(k, v, t),
      add: (k, v, t) => cache.add(k, v, t),
      delete: (k) => cache.delete(k),
      has: (k) => cache.has(k),
      clear: () => cache.clear(),
      close: async () => undefined,
    };
    const simple = new CacheStore(plainCache, { now: () => clock.now });
    const key = await simple.create(d({ a: 1 }), new Date(clock.now + HOUR));
    const [one, two] = [new Session(simple, SETTINGS, key), new Session(simple, SETTINGS, key)];
    await Promise.all([one.load(), two.load()]);
    one.set('b', 2);
    two.set('c', 3);
    await one.save();
    await two.save();
    // Last writer wins: what every store did before update() existed.
    expect(plain(await simple.load(key))).toEqual({ a: 1, c: 3 });
    // And it still locks, with add() and a get-then-delete release.
    const held = await simple.lock(key, { timeout: 1, expiry: 30 });
    await held.release();
    expect(await plainCache.has(LOCK_KEY_PREFIX + key)).toBe(false);
  });

  it('expires with the session: the cache timeout is the seconds until expiresAt (checklist #116)', async () => {
    const key = await store.create(d({ hit: 1 }), new Date(clock.now + 2_000));
    clock.now += 1_999;
    expect(plain(await store.load(key))).toEqual({ hit: 1 });
    clock.now += 1;
    expect(plain(await store.load(key))).toBeNull();
    expect(await store.exists(key)).toBe(false);
  });

  it('test_create_and_save: save() updates a live record and extends it', async () => {
    const key = await store.create(d({ n: 1 }), new Date(clock.now + 1_000));
    await store.save(key, d({ n: 2 }), new Date(clock.now + HOUR));
    clock.now += 10_000;
    expect(plain(await store.load(key))).toEqual({ n: 2 });
  });

  it('save() after expiry or deletion is an UpdateError, not a resurrection', async () => {
    const key = await store.create(d({ n: 1 }), new Date(clock.now + 1_000));
    clock.now += 1_000;
    await expect(store.save(key, d({ n: 2 }), new Date(clock.now + HOUR))).rejects.toBeInstanceOf(
      UpdateError,
    );
    expect(plain(await store.load(key))).toBeNull();
  });

  it('test_load_overlong_key', async () => {
    expect(plain(await store.load('a'.repeat(1240)))).toBeNull();
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
    await expect(failing.create(d({}), new Date(Date.now() + HOUR))).rejects.toBe(down);
  });

  it('sessions per user: scans the cache, in key order, leaving cached_db copies and locks out', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 5; i++) {
      keys.push(
        await store.create(
          d({ _auth_user_id: i % 2 ? 'odd' : 'even', i }),
          new Date(clock.now + HOUR),
        ),
      );
    }
    keys.sort();
    // Another engine's entries in the same cache: cached_db's prefix starts with the cache's.
    await cache.set(`django.contrib.sessions.cached_db${'c'.repeat(32)}`, 'x', 60);
    await cache.set(`${LOCK_KEY_PREFIX}${keys[0]}`, 'token', 60);
    const first = await store.listSessions!({ limit: 2 });
    expect(first.sessions.map((s) => s.key)).toEqual(keys.slice(0, 2));
    const second = await store.listSessions!({ limit: 2, cursor: first.cursor });
    expect(second.sessions.map((s) => s.key)).toEqual(keys.slice(2, 4));
    const third = await store.listSessions!({ limit: 2, cursor: second.cursor });
    expect(third.sessions.map((s) => s.key)).toEqual(keys.slice(4));
    expect(third.cursor).toBeNull();
    expect(first.sessions[0]!.expiresAt).toEqual(new Date(clock.now + HOUR));
    const even = (await store.listSessions!({ userId: 'even' })).sessions;
    expect(even.map((s) => s.data.get('i')).sort()).toEqual([0, 2, 4]);
    // Listing does not make the sessions recently used (the LRU order is the visitors').
    expect(await store.deleteSessions!({ userId: 'odd' })).toBe(2);
    expect((await store.listSessions!()).sessions.map((s) => s.userId).sort()).toEqual([
      'even',
      'even',
      'even',
    ]);
  });

  it('sessions per user on a cache that cannot scan (dummy, custom): not supported, said clearly', async () => {
    const dummy = new CacheStore(new DummyCache());
    expect(dummy.listSessions).toBeUndefined();
    expect(supportsUserSessions(dummy)).toBe(false);
    const error = await endUserSessions(dummy, '1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserSessionsNotSupported);
    expect((error as Error).message).toBe(
      "The 'cache' session engine cannot list or end a user's sessions: its store has no listSessions() and deleteSessions() (docs/session-store-contract.md, \"Sessions per user\").",
    );
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
    const key = await store.create(d({ a: 1 }), new Date(Date.now() + HOUR));
    expect(await getCache(settings, 'sessions').get(CACHE_KEY_PREFIX + key)).toEqual([['a', 1]]);
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
