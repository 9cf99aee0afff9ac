// The cached_db engine on SQLite and locmem: the shared store contract, then its specifics.
// Items cited as "checklist #N" (or §X, a section) are in docs/django-sessions-checklist.md.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Cache,
  closeCaches,
  getCache,
  LocMemCache,
} from '../../../../src/runtime/cache/index.js';
import { defineSettings } from '../../../../src/runtime/conf/define.js';
import { setLogSink } from '../../../../src/runtime/core/log.js';
import {
  type Connection,
  closeConnections,
  getConnection,
  migrate,
  SqliteConnection,
} from '../../../../src/runtime/db/index.js';
import {
  CACHED_DB_KEY_PREFIX,
  CachedDatabaseStore,
} from '../../../../src/runtime/sessions/backends/cached_db.js';
import { DatabaseStore } from '../../../../src/runtime/sessions/backends/db.js';
import { migrations } from '../../../../src/runtime/sessions/migrations/index.js';
import { decodeSessionData, encodeSessionData } from '../../../../src/runtime/sessions/encoding.js';
import { UpdateError } from '../../../../src/runtime/sessions/exceptions.js';
import { Session } from '../../../../src/runtime/sessions/session.js';
import { describeServerSideStoreContract } from '../store-contract.js';
import { d, plain } from '../data.js';

const KEYS = { key: 'cached-db-test-secret', fallbackKeys: [] };
const HOUR = 3_600_000;
const SETTINGS = { SESSION_COOKIE_AGE: 1_209_600, SESSION_EXPIRE_AT_BROWSER_CLOSE: false };
const sessionsApp = (dir: string) => ({
  name: 'tango.sessions',
  label: 'sessions',
  path: dir,
  templatesDir: undefined,
  migrationsDir: undefined,
  migrations,
});

async function migratedDatabase() {
  const dir = mkdtempSync(path.join(tmpdir(), 'tango-cached-db-'));
  const db = new SqliteConnection(path.join(dir, 'db.sqlite3'));
  await migrate(db, { apps: [sessionsApp(dir)] }, {}, { write: () => undefined });
  return {
    db,
    async cleanup() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Counts the statements a connection runs (Django's assertNumQueries). */
function counting(db: Connection): Connection & { queries: number } {
  const wrapped = {
    queries: 0,
    dialect: db.dialect,
    run: (sql: string, params?: never) => (wrapped.queries++, db.run(sql, params)),
    get: <T>(sql: string, params?: never) => (wrapped.queries++, db.get<T>(sql, params)),
    all: <T>(sql: string, params?: never) => (wrapped.queries++, db.all<T>(sql, params)),
    exec: (sql: string) => (wrapped.queries++, db.exec(sql)),
    transaction: <T>(fn: (tx: Connection) => Promise<T>) => db.transaction(fn),
    close: () => db.close(),
  };
  return wrapped;
}

describeServerSideStoreContract('cached_db', async ({ now }) => {
  const { db, cleanup } = await migratedDatabase();
  const cache = new LocMemCache({ location: randomUUID() });
  return { store: new CachedDatabaseStore(db, cache, { keys: KEYS, now }), cleanup };
});

describe('cached_db engine specifics (checklist §J.2, Django CacheDBSessionTests)', () => {
  let fixture: Awaited<ReturnType<typeof migratedDatabase>>;
  let db: ReturnType<typeof counting>;
  let cache: LocMemCache;
  let store: CachedDatabaseStore;
  beforeEach(async () => {
    fixture = await migratedDatabase();
    db = counting(fixture.db);
    cache = new LocMemCache({ location: randomUUID() });
    store = new CachedDatabaseStore(db, cache, { keys: KEYS });
  });
  afterEach(async () => {
    await fixture.cleanup();
  });

  it("writes through: the row, and the row's session_data under django.contrib.sessions.cached_db<key> (checklist #114)", async () => {
    const key = await store.create(d({ hit: 1 }), new Date(Date.now() + HOUR));
    const row = () =>
      fixture.db.get<{ session_data: string }>(
        'SELECT session_data FROM django_session WHERE session_key = ?',
        [key],
      );
    expect(await cache.get(CACHED_DB_KEY_PREFIX + key)).toBe((await row())!.session_data);
    await store.save(key, d({ hit: 2 }), new Date(Date.now() + HOUR));
    expect(await cache.get(CACHED_DB_KEY_PREFIX + key)).toBe((await row())!.session_data);
    expect(plain(await new DatabaseStore(fixture.db, { keys: KEYS }).load(key))).toEqual({
      hit: 2,
    });
    // A merged save too: the compare-and-swap against the row works from the cached copy.
    const s = new Session(store, SETTINGS, key);
    await s.load();
    s.set('more', true);
    db.queries = 0;
    await s.save();
    expect(db.queries).toBe(1);
    expect(await cache.get(CACHED_DB_KEY_PREFIX + key)).toBe((await row())!.session_data);
    expect(plain(decodeSessionData((await row())!.session_data, KEYS))).toEqual({
      hit: 2,
      more: true,
    });
  });

  it('reads data objects and entries, as earlier versions cached them', async () => {
    const key = await store.create(d({ hit: 1, name: 'x' }), new Date(Date.now() + HOUR));
    await cache.set(CACHED_DB_KEY_PREFIX + key, { hit: 1, name: 'x' }, 60);
    expect(plain(await store.load(key))).toEqual({ hit: 1, name: 'x' });
    await cache.set(
      CACHED_DB_KEY_PREFIX + key,
      [
        ['zz', 1],
        ['1', 2],
      ],
      60,
    );
    expect([...(await store.load(key))!.keys()]).toEqual(['zz', '1']);
    // No compare-and-swap token from such a copy: the save re-reads the row, and merges.
    const s = new Session(store, SETTINGS, key);
    await s.load();
    s.set('hit', 2);
    await s.save();
    expect(plain(await new DatabaseStore(fixture.db, { keys: KEYS }).load(key))).toEqual({
      hit: 2,
      name: 'x',
    });
  });

  it('a cached copy under another SECRET_KEY falls back to the row', async () => {
    const key = await store.create(d({ hit: 1 }), new Date(Date.now() + HOUR));
    await cache.set(CACHED_DB_KEY_PREFIX + key, encodeSessionData(d({ hit: 9 }), { key: 'x' }), 60);
    const restore = setLogSink(() => undefined);
    try {
      expect(plain(await store.load(key))).toEqual({ hit: 1 });
    } finally {
      restore();
    }
  });

  it('test_exists_searches_cache_first: load and exists run no query when cached (checklist #115)', async () => {
    const key = await store.create(d({ hit: 1 }), new Date(Date.now() + HOUR));
    db.queries = 0;
    expect(await store.exists(key)).toBe(true);
    expect(plain(await store.load(key))).toEqual({ hit: 1 });
    expect(db.queries).toBe(0);
  });

  it('reads the database on a cache miss and refills the cache with the row expiry (checklist #114)', async () => {
    const clock = { now: Date.now() };
    const timedCache = new LocMemCache({ location: randomUUID(), now: () => clock.now });
    const timed = new CachedDatabaseStore(db, timedCache, { keys: KEYS, now: () => clock.now });
    const key = await timed.create(d({ hit: 1 }), new Date(clock.now + 10_000));
    await timedCache.clear();
    db.queries = 0;
    expect(plain(await timed.load(key))).toEqual({ hit: 1 });
    expect(db.queries).toBe(1);
    const copy = await timedCache.get<string>(CACHED_DB_KEY_PREFIX + key);
    expect(plain(decodeSessionData(copy!, KEYS))).toEqual({ hit: 1 });
    clock.now += 10_000;
    expect(await timedCache.get(CACHED_DB_KEY_PREFIX + key)).toBeUndefined();
    expect(plain(await timed.load(key))).toBeNull();
  });

  it('delete() removes the row and the cached copy; save() of a deleted session is UpdateError (checklist #88)', async () => {
    const key = await store.create(d({ hit: 1 }), new Date(Date.now() + HOUR));
    await store.delete(key);
    expect(await cache.has(CACHED_DB_KEY_PREFIX + key)).toBe(false);
    expect(await store.exists(key)).toBe(false);
    await expect(
      store.save(key, d({ hit: 2 }), new Date(Date.now() + HOUR)),
    ).rejects.toBeInstanceOf(UpdateError);
    expect(await cache.has(CACHED_DB_KEY_PREFIX + key)).toBe(false);
  });

  it("clearExpired() is the database's (checklist #115)", async () => {
    await store.create(d({ live: true }), new Date(Date.now() + HOUR));
    await store.create(d({ expired: true }), new Date(Date.now() - HOUR));
    expect(await store.clearExpired()).toBe(1);
    expect(await fixture.db.get('SELECT count(*) AS n FROM django_session')).toEqual({ n: 1 });
  });

  it('test_load_overlong_key', async () => {
    expect(plain(await store.load('a'.repeat(1240)))).toBeNull();
  });

  it('a broken cache never loses data: reads fall back to the database, write errors are logged', async () => {
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
    const lines: string[] = [];
    const restore = setLogSink((name, level, message) => lines.push(`${level} ${name} ${message}`));
    try {
      const failing = new CachedDatabaseStore(fixture.db, broken, { keys: KEYS });
      const key = await failing.create(d({ hit: 1 }), new Date(Date.now() + HOUR));
      expect(plain(await failing.load(key))).toEqual({ hit: 1 });
      expect(await failing.exists(key)).toBe(true);
      // A stale cached copy would resurrect the session: a failed cache delete must reject.
      await expect(failing.delete(key)).rejects.toBe(down);
    } finally {
      restore();
    }
    expect(lines).toContain(
      'ERROR tango.sessions Error saving to cache (Object): connect ECONNREFUSED 127.0.0.1:6379',
    );
    expect(lines).toContain(
      'ERROR tango.sessions Error reading from cache (Object): connect ECONNREFUSED 127.0.0.1:6379',
    );
  });

  it('sessions per user: listed from the database; ending them drops the cached copies too', async () => {
    const mine = [
      await store.create(d({ _auth_user_id: '42' }), new Date(Date.now() + HOUR)),
      await store.create(d({ _auth_user_id: '42' }), new Date(Date.now() + HOUR)),
    ];
    const other = await store.create(d({ _auth_user_id: '7' }), new Date(Date.now() + HOUR));
    for (const key of [...mine, other]) {
      expect(await cache.get(CACHED_DB_KEY_PREFIX + key)).toEqual(expect.any(String));
    }
    // A row another program wrote (no cached copy) is listed too: the database is the truth.
    const foreign = 'f'.repeat(32);
    await fixture.db.run('INSERT INTO django_session VALUES (?, ?, ?)', [
      foreign,
      encodeSessionData({ _auth_user_id: '42' }, KEYS),
      '2999-01-01 00:00:00',
    ]);
    const listed = (await store.listSessions({ userId: '42' })).sessions.map((s) => s.key);
    expect(listed.sort()).toEqual([...mine, foreign].sort());
    expect(await store.deleteSessions({ userId: '42', exceptKey: mine[0] })).toBe(2);
    // Without the cache delete, load() would serve the ended session from its cached copy.
    expect(await cache.get(CACHED_DB_KEY_PREFIX + mine[1])).toBeUndefined();
    expect(await store.load(mine[1]!)).toBeNull();
    expect(await store.load(foreign)).toBeNull();
    expect(plain(await store.load(mine[0]!))).toEqual({ _auth_user_id: '42' });
    expect(await cache.get(CACHED_DB_KEY_PREFIX + other)).toEqual(expect.any(String));
  });

  it('sessions per user: a cache that fails to delete a copy makes deleteSessions reject (no resurrection)', async () => {
    const down = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    const failingDelete: Cache = {
      get: (k) => cache.get(k),
      set: (k, v, t) => cache.set(k, v, t),
      add: (k, v, t) => cache.add(k, v, t),
      delete: () => Promise.reject(down),
      has: (k) => cache.has(k),
      clear: () => cache.clear(),
      close: async () => undefined,
    };
    const failing = new CachedDatabaseStore(fixture.db, failingDelete, { keys: KEYS });
    const key = await failing.create(d({ _auth_user_id: '1' }), new Date(Date.now() + HOUR));
    await expect(failing.deleteSessions({ userId: '1' })).rejects.toBe(down);
    expect(await new DatabaseStore(fixture.db, { keys: KEYS }).exists(key)).toBe(false);
  });
});

describe('CachedDatabaseStore.fromSettings', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tango-cached-db-settings-'));
  });
  afterEach(async () => {
    await closeConnections();
    await closeCaches();
    rmSync(dir, { recursive: true, force: true });
  });

  it("uses DATABASES['default'] and CACHES[SESSION_CACHE_ALIAS] (test_non_default_cache)", async () => {
    const settings = defineSettings({
      BASE_DIR: dir,
      SECRET_KEY: 'x',
      SESSION_ENGINE: 'cached_db',
      SESSION_CACHE_ALIAS: 'sessions',
      DATABASES: { default: { ENGINE: 'sqlite', NAME: 'db.sqlite3' } },
      CACHES: {
        default: { BACKEND: 'locmem', LOCATION: randomUUID() },
        sessions: { BACKEND: 'locmem', LOCATION: randomUUID() },
      },
    });
    await migrate(
      getConnection(settings),
      { apps: [sessionsApp(dir)] },
      {},
      { write: () => undefined },
    );
    const store = await CachedDatabaseStore.fromSettings(settings);
    expect(store.cache).toBe(getCache(settings, 'sessions'));
    expect(store.db).toBe(getConnection(settings));
    const key = await store.create(d({ a: 1 }), new Date(Date.now() + HOUR));
    const copy = await getCache(settings, 'sessions').get<string>(CACHED_DB_KEY_PREFIX + key);
    expect(plain(decodeSessionData(copy!, { key: 'x' }))).toEqual({ a: 1 });
    expect(await getCache(settings, 'default').get(CACHED_DB_KEY_PREFIX + key)).toBeUndefined();
  });
});
