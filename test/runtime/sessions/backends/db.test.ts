// The db engine: the shared store contract, then its specifics. Items cited as "checklist #N"
// (or §X, a section) are in docs/django-sessions-checklist.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineSettings } from '../../../../src/runtime/conf/define.js';
import { setLogSink } from '../../../../src/runtime/core/log.js';
import {
  closeConnections,
  type Connection,
  getConnection,
  migrate,
  ProgrammingError,
  SqliteConnection,
} from '../../../../src/runtime/db/index.js';
import {
  DatabaseStore,
  MISSING_TABLE_MESSAGE,
  USER_INDEX_TABLE,
} from '../../../../src/runtime/sessions/backends/db.js';
import { decodeSessionData, encodeSessionData } from '../../../../src/runtime/sessions/encoding.js';
import { setSessionKeyGenerator } from '../../../../src/runtime/sessions/keys.js';
import { migrations } from '../../../../src/runtime/sessions/migrations/index.js';
import { UpdateError } from '../../../../src/runtime/sessions/exceptions.js';
import { Session } from '../../../../src/runtime/sessions/session.js';
import { describeServerSideStoreContract } from '../store-contract.js';
import { InspectableDatabaseStore } from './inspectable-db-store.js';
import { d, plain } from '../data.js';

const KEYS = { key: 'db-test-secret', fallbackKeys: [] };
const HOUR = 3_600_000;

/** A migrated SQLite file in a fresh temp dir. */
async function migratedDatabase(): Promise<{
  db: SqliteConnection;
  dir: string;
  cleanup(): Promise<void>;
}> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tango-db-sessions-'));
  const db = new SqliteConnection(path.join(dir, 'db.sqlite3'));
  const sessions = {
    name: 'tango.sessions',
    label: 'sessions',
    path: dir,
    templatesDir: undefined,
    migrationsDir: undefined,
    migrations,
  };
  await migrate(db, { apps: [sessions] }, {}, { write: () => undefined });
  return {
    db,
    dir,
    async cleanup() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeServerSideStoreContract('db', async ({ now }) => {
  const { db, cleanup } = await migratedDatabase();
  return { store: new DatabaseStore(db, { keys: KEYS, now }), cleanup };
});

describe('db engine specifics (checklist §J.1)', () => {
  let fixture: Awaited<ReturnType<typeof migratedDatabase>>;
  let clock: { now: number };
  let store: InspectableDatabaseStore;
  beforeEach(async () => {
    fixture = await migratedDatabase();
    clock = { now: Date.UTC(2026, 11, 6, 7, 0, 0) };
    store = new InspectableDatabaseStore(fixture.db, { keys: KEYS, now: () => clock.now });
  });
  afterEach(async () => {
    await fixture.cleanup();
  });

  it("stores Django's encoded string and naive-UTC expire_date text (checklist #109, #110)", async () => {
    const expiresAt = new Date('2026-12-20T07:10:15.540Z');
    const key = await store.create(d({ hit: 1 }), expiresAt);
    const row = await fixture.db.get<{
      session_key: string;
      session_data: string;
      expire_date: string;
    }>('SELECT * FROM django_session');
    expect(row!.session_key).toBe(key);
    expect(row!.session_data).toMatch(/^eyJoaXQiOjF9:[0-9A-Za-z]+:[\w-]{43}$/);
    expect(plain(decodeSessionData(row!.session_data, KEYS))).toEqual({ hit: 1 });
    expect(row!.expire_date).toBe('2026-12-20 07:10:15.540000');
    expect(await store.record(key)).toEqual({
      data: new Map([['hit', 1]]),
      expiresAt,
      encoded: row!.session_data,
    });
  });

  it('loads a row only while expire_date > now (checklist #110)', async () => {
    const key = await store.create(d({ hit: 1 }), new Date(clock.now + HOUR));
    clock.now += HOUR - 1;
    expect(plain(await store.load(key))).toEqual({ hit: 1 });
    expect(await store.exists(key)).toBe(true);
    clock.now += 1;
    expect(plain(await store.load(key))).toBeNull();
    expect(await store.exists(key)).toBe(false);
    // The expired row stays until clearExpired (checklist #111), and save() still finds it, as Django's update.
    expect(await fixture.db.get('SELECT count(*) AS n FROM django_session')).toEqual({ n: 1 });
    await store.save(key, d({ hit: 2 }), new Date(clock.now + HOUR));
    expect(plain(await store.load(key))).toEqual({ hit: 2 });
  });

  it('test_clearsessions_command: one live and one expired row, clearExpired leaves the live one (checklist #111, #149)', async () => {
    const live = await store.create(d({ live: true }), new Date(clock.now + HOUR));
    const expired = await store.create(d({ expired: true }), new Date(clock.now - HOUR));
    expect(await fixture.db.get('SELECT count(*) AS n FROM django_session')).toEqual({ n: 2 });
    expect(await store.clearExpired()).toBe(1);
    expect(await fixture.db.all('SELECT session_key FROM django_session')).toEqual([
      { session_key: live },
    ]);
    expect(await store.clearExpired()).toBe(0);
    expect(plain(await store.load(expired))).toBeNull();
  });

  it('undecodable session_data loads as null (checklist #112)', async () => {
    const key = await store.create(d({ hit: 1 }), new Date(clock.now + HOUR));
    await fixture.db.run('UPDATE django_session SET session_data = ?', ['garbage']);
    expect(plain(await store.load(key))).toBeNull();
    const foreign = encodeSessionData({ hit: 1 }, { key: 'another secret' });
    await fixture.db.run('UPDATE django_session SET session_data = ?', [foreign]);
    const lines: string[] = [];
    const restore = setLogSink((name, level, message) => lines.push(`${level} ${name} ${message}`));
    try {
      expect(plain(await store.load(key))).toBeNull();
    } finally {
      restore();
    }
    expect(lines).toEqual(['WARNING tango.security.SuspiciousSession Session data corrupted']);
  });

  it('retries create() when the key is taken, even by an expired row', async () => {
    const taken = 'a'.repeat(32);
    const fresh = 'b'.repeat(32);
    await fixture.db.run('INSERT INTO django_session VALUES (?, ?, ?)', [
      taken,
      'x',
      '2000-01-01 00:00:00',
    ]);
    const queue = [taken, fresh];
    const restore = setSessionKeyGenerator(() => queue.shift()!);
    try {
      expect(await store.create(d({ n: 1 }), new Date(clock.now + HOUR))).toBe(fresh);
    } finally {
      restore();
    }
    expect(
      await fixture.db.get('SELECT session_data FROM django_session WHERE session_key = ?', [
        taken,
      ]),
    ).toEqual({ session_data: 'x' });
  });

  it('a save merges with one UPDATE ... WHERE session_data = <what it loaded>; a conflict re-reads in a transaction', async () => {
    const key = await store.create(d({ a: 1 }), new Date(clock.now + HOUR));
    const statements: string[] = [];
    const db = fixture.db;
    const spied: Connection = {
      dialect: 'sqlite',
      run: (sql, params) => (statements.push(`run ${sql}`), db.run(sql, params)),
      get: (sql, params) => db.get(sql, params),
      all: (sql, params) => db.all(sql, params),
      exec: (script) => db.exec(script),
      transaction: (fn) => (statements.push('transaction'), db.transaction(fn)),
      close: () => db.close(),
    };
    const merging = new DatabaseStore(spied, { keys: KEYS, now: () => clock.now });
    const settings = { SESSION_COOKIE_AGE: 3600, SESSION_EXPIRE_AT_BROWSER_CLOSE: false };
    const [one, two] = [new Session(merging, settings, key), new Session(merging, settings, key)];
    await Promise.all([one.load(), two.load()]);
    one.set('b', 2);
    await one.save();
    expect(statements).toEqual([
      'run UPDATE django_session SET session_data = ?, expire_date = ? WHERE session_key = ? AND session_data = ?',
    ]);
    statements.length = 0;
    two.set('c', 3);
    await two.save();
    expect(statements).toEqual([
      'run UPDATE django_session SET session_data = ?, expire_date = ? WHERE session_key = ? AND session_data = ?',
      'transaction',
    ]);
    // The session's expiry is on the wall clock: read it on the wall clock too.
    const wall = new DatabaseStore(db, { keys: KEYS });
    expect(plain(await wall.load(key))).toEqual({ a: 1, b: 2, c: 3 });
  });

  it('locks are rows of tango_session_lock, created on first use, deleted on release', async () => {
    const key = await store.create(d({}), new Date(clock.now + HOUR));
    const lockTable = () =>
      fixture.db.get("SELECT name FROM sqlite_master WHERE name = 'tango_session_lock'");
    expect(await lockTable()).toBeUndefined();
    const held = await store.lock(key, { timeout: 1, expiry: 30 });
    expect(await lockTable()).toEqual({ name: 'tango_session_lock' });
    const rows = await fixture.db.all<{ session_key: string; token: string }>(
      'SELECT session_key, token FROM tango_session_lock',
    );
    expect(rows).toEqual([{ session_key: key, token: expect.stringMatching(/^[0-9a-f]{32}$/) }]);
    // Another process (another store on the same database) waits for it.
    const other = new DatabaseStore(new SqliteConnection(path.join(fixture.dir, 'db.sqlite3')), {
      keys: KEYS,
    });
    await expect(other.lock(key, { timeout: 0.1, expiry: 30 })).rejects.toThrow(
      /Gave up after 0.1 s/,
    );
    await held.release();
    await (await other.lock(key, { timeout: 1, expiry: 30 })).release();
    await other.close();
    expect(await fixture.db.all('SELECT * FROM tango_session_lock')).toEqual([]);
  });

  it('save() of a key never issued is an UpdateError and touches nothing', async () => {
    await expect(
      store.save('../../etc/passwd', d({ a: 1 }), new Date(clock.now + HOUR)),
    ).rejects.toBeInstanceOf(UpdateError);
    expect(await fixture.db.get('SELECT count(*) AS n FROM django_session')).toEqual({ n: 0 });
  });
});

describe('db engine: sessions per user through tango_session_user', () => {
  let fixture: Awaited<ReturnType<typeof migratedDatabase>>;
  let store: DatabaseStore;
  const settings = { SESSION_COOKIE_AGE: 3600, SESSION_EXPIRE_AT_BROWSER_CLOSE: false };
  const inAnHour = () => new Date(Date.now() + HOUR);
  beforeEach(async () => {
    fixture = await migratedDatabase();
    store = new DatabaseStore(fixture.db, { keys: KEYS });
  });
  afterEach(async () => {
    await fixture.cleanup();
  });
  const indexRows = () =>
    fixture.db.all<{ session_key: string; user_id: string | null; stamp: string }>(
      `SELECT session_key, user_id, stamp FROM ${USER_INDEX_TABLE} ORDER BY session_key`,
    );
  const tableExists = async () =>
    (await fixture.db.get(`SELECT name FROM sqlite_master WHERE name = '${USER_INDEX_TABLE}'`)) !==
    undefined;
  /** A row written by another program (Django): straight into django_session. */
  async function foreignRow(key: string, data: Record<string, unknown>): Promise<string> {
    await fixture.db.run('INSERT INTO django_session VALUES (?, ?, ?)', [
      key,
      encodeSessionData(data, KEYS),
      '2999-01-01 00:00:00',
    ]);
    return key;
  }
  /** A connection that records every statement, for counting what a save costs. */
  function spied(): { db: Connection; statements: string[] } {
    const statements: string[] = [];
    const db = fixture.db;
    return {
      statements,
      db: {
        dialect: 'sqlite',
        run: (sql, params) => (statements.push(sql), db.run(sql, params)),
        get: (sql, params) => (statements.push(sql), db.get(sql, params)),
        all: (sql, params) => (statements.push(sql), db.all(sql, params)),
        exec: (script) => (statements.push(script), db.exec(script)),
        transaction: (fn) => db.transaction(fn),
        close: () => db.close(),
      },
    };
  }

  it('the table is created by the first listing (no migration), then logins write their row', async () => {
    const early = await store.create(d({ _auth_user_id: '7' }), inAnHour());
    expect(await tableExists()).toBe(false);
    // The login before the table existed is found by the listing's sweep.
    expect((await store.listSessions({ userId: '7' })).sessions.map((s) => s.key)).toEqual([early]);
    expect(await tableExists()).toBe(true);
    const later = await store.create(d({ _auth_user_id: '7' }), inAnHour());
    const encoded = await fixture.db.get<{ session_data: string }>(
      'SELECT session_data FROM django_session WHERE session_key = ?',
      [later],
    );
    expect((await indexRows()).find((row) => row.session_key === later)).toEqual({
      session_key: later,
      user_id: '7',
      stamp: encoded!.session_data.slice(-43),
    });
  });

  it('a save costs one statement more only when it sets _auth_user_id (a login); anonymous saves cost nothing more', async () => {
    await store.listSessions({ userId: 'x' }); // creates the table
    const { db, statements } = spied();
    const measured = new DatabaseStore(db, { keys: KEYS });
    const s = new Session(measured, settings);
    s.set('hit', 1);
    await s.save();
    s.set('hit', 2);
    await s.save();
    expect(statements).toEqual([
      'INSERT INTO django_session (session_key, session_data, expire_date) VALUES (?, ?, ?) ON CONFLICT (session_key) DO NOTHING',
      'UPDATE django_session SET session_data = ?, expire_date = ? WHERE session_key = ? AND session_data = ?',
    ]);
    statements.length = 0;
    s.set('_auth_user_id', '42');
    await s.save();
    expect(statements).toEqual([
      'UPDATE django_session SET session_data = ?, expire_date = ? WHERE session_key = ? AND session_data = ?',
      `INSERT INTO ${USER_INDEX_TABLE} (session_key, user_id, stamp) VALUES (?, ?, ?) ON CONFLICT (session_key) DO UPDATE SET user_id = excluded.user_id, stamp = excluded.stamp`,
    ]);
    statements.length = 0;
    s.set('hit', 3);
    await s.save();
    expect(statements).toHaveLength(1);
    expect((await store.listSessions({ userId: '42' })).sessions[0]?.key).toBe(s.sessionKey);
  });

  it('finds sessions another program (Django) wrote, and rows changed since it last looked; anonymous rows are decoded once', async () => {
    const django = await foreignRow('d'.repeat(32), { _auth_user_id: '5', hit: 1 });
    const visitor = await foreignRow('v'.repeat(32), { hit: 1 });
    expect((await store.listSessions({ userId: '5' })).sessions.map((s) => s.key)).toEqual([
      django,
    ]);
    expect(await indexRows()).toEqual([
      { session_key: django, user_id: '5', stamp: expect.any(String) },
      { session_key: visitor, user_id: null, stamp: expect.any(String) },
    ]);
    // Nothing changed: the next listing decodes nothing (no row is read by key).
    const { db, statements } = spied();
    const again = new DatabaseStore(db, { keys: KEYS });
    await again.listSessions({ userId: '5' });
    expect(statements.filter((sql) => sql.includes('session_key IN'))).toEqual([]);
    // Django logs the visitor in without a new key (cycle_key's row, updated in place).
    await fixture.db.run('UPDATE django_session SET session_data = ? WHERE session_key = ?', [
      encodeSessionData({ hit: 1, _auth_user_id: '5' }, KEYS),
      visitor,
    ]);
    expect((await again.listSessions({ userId: '5' })).sessions.map((s) => s.key).sort()).toEqual([
      django,
      visitor,
    ]);
    expect(statements.filter((sql) => sql.includes('session_key IN'))).toHaveLength(1);
  });

  it('a row recorded as a user’s whose data no longer names them is not listed (the data is checked)', async () => {
    const key = await store.create(d({ _auth_user_id: '9' }), inAnHour());
    await store.listSessions({ userId: '9' });
    await fixture.db.run('UPDATE django_session SET session_data = ? WHERE session_key = ?', [
      encodeSessionData({ _auth_user_id: '10' }, KEYS),
      key,
    ]);
    expect((await store.listSessions({ userId: '9' })).sessions).toEqual([]);
  });

  it('more unseen rows than one chunk (500): all are decoded and found, a page at a time', async () => {
    const keys: string[] = [];
    await fixture.db.transaction(async (tx) => {
      for (let i = 0; i < 1100; i++) {
        const key = `k${String(i).padStart(31, '0')}`;
        const data = i % 100 === 0 ? { _auth_user_id: 'many', i } : { i };
        await tx.run('INSERT INTO django_session VALUES (?, ?, ?)', [
          key,
          encodeSessionData(data, KEYS),
          '2999-01-01 00:00:00',
        ]);
        if (i % 100 === 0) keys.push(key);
      }
    });
    const sessions = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<DatabaseStore['listSessions']>> = await store.listSessions({
        userId: 'many',
        limit: 5,
        cursor,
      });
      expect(page.sessions.length).toBeLessThanOrEqual(5);
      sessions.push(...page.sessions);
      cursor = page.cursor;
    } while (cursor !== null);
    expect(sessions.map((s) => s.key)).toEqual(keys);
    expect(await indexRows()).toHaveLength(1100);
  });

  it('pages of every session hold exactly limit sessions, in key order', async () => {
    const keys = [];
    for (let i = 0; i < 5; i++) keys.push(await store.create(d({ i }), inAnHour()));
    keys.sort();
    const first = await store.listSessions({ limit: 2 });
    expect(first.sessions.map((s) => s.key)).toEqual(keys.slice(0, 2));
    const second = await store.listSessions({ limit: 2, cursor: first.cursor });
    expect(second.sessions.map((s) => s.key)).toEqual(keys.slice(2, 4));
    const third = await store.listSessions({ limit: 2, cursor: second.cursor });
    expect(third).toEqual({ sessions: [expect.objectContaining({ key: keys[4] })], cursor: null });
  });

  it('deleteSessions removes the index rows too; clearExpired removes those of sessions deleted one by one', async () => {
    const [a, b, c] = [
      await store.create(d({ _auth_user_id: '1' }), inAnHour()),
      await store.create(d({ _auth_user_id: '1' }), inAnHour()),
      await store.create(d({ _auth_user_id: '2' }), inAnHour()),
    ];
    await store.listSessions({ userId: '1' });
    expect(await store.deleteSessions({ userId: '1', exceptKey: a })).toBe(1);
    expect((await indexRows()).map((row) => row.session_key).sort()).toEqual([a, c].sort());
    await store.delete(c); // a logout: the index row stays until clearExpired
    expect((await indexRows()).map((row) => row.session_key)).toContain(c);
    expect(await store.listSessions({ userId: '2' })).toEqual({ sessions: [], cursor: null });
    expect(await store.clearExpired()).toBe(0);
    expect((await indexRows()).map((row) => row.session_key)).toEqual([a]);
    expect(await store.exists(b)).toBe(false);
  });

  it('a table dropped while running is created again and rebuilt by the next listing', async () => {
    const key = await store.create(d({ _auth_user_id: '3' }), inAnHour());
    await store.listSessions({ userId: '3' });
    await fixture.db.exec(`DROP TABLE ${USER_INDEX_TABLE}`);
    expect((await store.listSessions({ userId: '3' })).sessions.map((s) => s.key)).toEqual([key]);
    // A save that meets the missing table records nothing and does not fail.
    await fixture.db.exec(`DROP TABLE ${USER_INDEX_TABLE}`);
    const fresh = new DatabaseStore(fixture.db, { keys: KEYS });
    const other = await fresh.create(d({ _auth_user_id: '3' }), inAnHour());
    expect(await tableExists()).toBe(false);
    expect((await fresh.listSessions({ userId: '3' })).sessions.map((s) => s.key).sort()).toEqual(
      [key, other].sort(),
    );
  });
});

describe('db engine before migrate (checklist #113)', () => {
  it('fails every operation with a ProgrammingError saying exactly what to run', async () => {
    const db = new SqliteConnection(':memory:');
    const store = new DatabaseStore(db, { keys: KEYS });
    const key = 'abcdefgh12345678abcdefgh12345678';
    const inAnHour = new Date(Date.now() + HOUR);
    for (const operation of [
      () => store.load(key),
      () => store.create(d({}), inAnHour),
      () => store.save(key, d({}), inAnHour),
      () => store.delete(key),
      () => store.exists(key),
      () => store.clearExpired(),
    ]) {
      const error = await operation().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProgrammingError);
      expect((error as Error).message).toBe(
        "no such table: django_session — run 'npm run migrate'",
      );
      expect((error as Error).message).toBe(MISSING_TABLE_MESSAGE);
      expect(((error as Error).cause as Error).message).toBe('no such table: django_session');
    }
    await db.close();
  });
});

describe('DatabaseStore.fromSettings', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tango-db-settings-'));
  });
  afterEach(async () => {
    await closeConnections();
    rmSync(dir, { recursive: true, force: true });
  });

  it("uses DATABASES['default'] and signs with SECRET_KEY", async () => {
    const settings = defineSettings({
      BASE_DIR: dir,
      SECRET_KEY: 'from-settings',
      INSTALLED_APPS: ['tango.sessions'],
      DATABASES: { default: { ENGINE: 'sqlite', NAME: 'db.sqlite3' } },
    });
    const db = getConnection(settings);
    const sessions = {
      name: 'tango.sessions',
      label: 'sessions',
      path: dir,
      templatesDir: undefined,
      migrationsDir: undefined,
      migrations,
    };
    await migrate(db, { apps: [sessions] }, {}, { write: () => undefined });
    const store = await DatabaseStore.fromSettings(settings);
    expect(store.db).toBe(db);
    const key = await store.create(d({ a: 1 }), new Date(Date.now() + HOUR));
    const row = await db.get<{ session_data: string }>(
      'SELECT session_data FROM django_session WHERE session_key = ?',
      [key],
    );
    expect(plain(decodeSessionData(row!.session_data, { key: 'from-settings' }))).toEqual({ a: 1 });
    const lines: string[] = [];
    const restore = setLogSink((_name, _level, message) => lines.push(message));
    try {
      expect(plain(decodeSessionData(row!.session_data, { key: 'other' }))).toBeNull();
    } finally {
      restore();
    }
    expect(lines).toEqual(['Session data corrupted']);
  });
});
