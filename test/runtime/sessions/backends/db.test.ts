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
        "no such table: django_session — run 'npm run migrate' (npx tsx manage.ts migrate)",
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
