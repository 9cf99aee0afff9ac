/**
 * The `db` engine on PostgreSQL (issue 7, item 1): the shared store contract suite, Django's
 * row format with `timestamp with time zone`, and `migrate` / `showmigrations` /
 * `clearsessions` through `manage.ts`, all against a real cluster started for this file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defineSettings, ImproperlyConfigured } from '../../../../src/runtime/conf/index.js';
import type { SettingsInput } from '../../../../src/runtime/conf/settings.js';
import {
  closeConnections,
  migrate,
  PostgresConnection,
  ProgrammingError,
} from '../../../../src/runtime/db/index.js';
import { executeFromCommandLine } from '../../../../src/runtime/management/index.js';
import {
  DatabaseStore,
  MISSING_TABLE_MESSAGE,
} from '../../../../src/runtime/sessions/backends/db.js';
import { decodeSessionData } from '../../../../src/runtime/sessions/encoding.js';
import { setSessionKeyGenerator } from '../../../../src/runtime/sessions/keys.js';
import { migrations } from '../../../../src/runtime/sessions/migrations/index.js';
import {
  freePort,
  type PostgresService,
  serviceSupport,
  startPostgres,
} from '../../../support/services.js';
import { describeServerSideStoreContract } from '../store-contract.js';
import { InspectableDatabaseStore } from './inspectable-db-store.js';
import { d, plain } from '../data.js';

const KEYS = { key: 'db-postgres-test-secret', fallbackKeys: [] };
const HOUR = 3_600_000;
const support = serviceSupport('postgresql');
const sessionsApp = {
  name: 'tango.sessions',
  label: 'sessions',
  path: '/nonexistent',
  templatesDir: undefined,
  migrationsDir: undefined,
  migrations,
};

describe.skipIf(!support.available)('db engine on PostgreSQL', () => {
  let pg: PostgresService;
  let db: PostgresConnection;

  beforeAll(async () => {
    pg = await startPostgres();
    const setup = new PostgresConnection({ url: pg.url });
    await migrate(setup, { apps: [sessionsApp] }, {}, { write: () => undefined });
    await setup.close();
  });
  afterAll(async () => {
    await pg?.close();
  });

  /** A fresh connection on an empty django_session table. */
  async function emptyTable(): Promise<PostgresConnection> {
    const connection = new PostgresConnection({ url: pg.url, label: "DATABASES['default']" });
    await connection.run('TRUNCATE django_session');
    await connection.run('DROP TABLE IF EXISTS tango_session_user'); // sessions per user: rebuilt on use
    return connection;
  }

  describeServerSideStoreContract('db (PostgreSQL)', async ({ now }) => {
    const connection = await emptyTable();
    return {
      store: new DatabaseStore(connection, { keys: KEYS, now }),
      cleanup: () => connection.close(),
    };
  });

  describe('specifics', () => {
    let clock: { now: number };
    let store: InspectableDatabaseStore;
    beforeEach(async () => {
      db = await emptyTable();
      clock = { now: Date.now() };
      store = new InspectableDatabaseStore(db, { keys: KEYS, now: () => clock.now });
    });
    afterEach(async () => {
      await db.close();
    });

    it("stores Django's encoded string and expire_date as timestamp with time zone", async () => {
      const expiresAt = new Date('2036-12-20T07:10:15.540Z');
      const key = await store.create(d({ hit: 1 }), expiresAt);
      const row = await db.get<{
        session_key: string;
        session_data: string;
        expire_date: Date;
        utc: string;
      }>(
        "SELECT *, to_char(expire_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') AS utc FROM django_session",
      );
      expect(row!.session_key).toBe(key);
      expect(plain(decodeSessionData(row!.session_data, KEYS))).toEqual({ hit: 1 });
      expect(row!.expire_date).toEqual(expiresAt);
      expect(row!.utc).toBe('2036-12-20 07:10:15.540');
      expect(await store.record(key)).toEqual({
        data: new Map([['hit', 1]]),
        expiresAt,
        encoded: row!.session_data,
      });
    });

    it('loads a row only while expire_date > now, and clearExpired() removes only expired rows', async () => {
      const key = await store.create(d({ hit: 1 }), new Date(clock.now + HOUR));
      const expired = await store.create(d({ old: true }), new Date(clock.now - HOUR));
      expect(plain(await store.load(key))).toEqual({ hit: 1 });
      expect(plain(await store.load(expired))).toBeNull();
      expect(await store.clearExpired()).toBe(1);
      expect(await db.all('SELECT session_key FROM django_session')).toEqual([
        { session_key: key },
      ]);
      clock.now += HOUR;
      expect(plain(await store.load(key))).toBeNull();
    });

    it('create() is atomic across connections: concurrent creates with colliding keys never share one', async () => {
      const other = new DatabaseStore(new PostgresConnection({ url: pg.url }), { keys: KEYS });
      const keys = ['c'.repeat(32), 'c'.repeat(32), 'd'.repeat(32), 'c'.repeat(32), 'e'.repeat(32)];
      const restore = setSessionKeyGenerator(() => keys.shift() ?? 'f'.repeat(32));
      try {
        const created = await Promise.all([
          store.create(d({ a: 1 }), new Date(clock.now + HOUR)),
          other.create(d({ b: 2 }), new Date(clock.now + HOUR)),
        ]);
        expect(new Set(created).size).toBe(2);
      } finally {
        restore();
        await other.close();
      }
      expect(await db.get('SELECT count(*) AS n FROM django_session')).toEqual({ n: 2 });
    });

    it('a second store on another connection (another server) reads and updates the same session', async () => {
      const other = new DatabaseStore(new PostgresConnection({ url: pg.url }), { keys: KEYS });
      try {
        const key = await store.create(d({ hit: 1 }), new Date(clock.now + HOUR));
        expect(plain(await other.load(key))).toEqual({ hit: 1 });
        await other.save(key, d({ hit: 2 }), new Date(clock.now + HOUR));
        expect(plain(await store.load(key))).toEqual({ hit: 2 });
      } finally {
        await other.close();
      }
    });

    it('sessions per user: two servers creating tango_session_user at once both list, and see each other’s logins', async () => {
      const others = [0, 1, 2].map(
        () => new DatabaseStore(new PostgresConnection({ url: pg.url }), { keys: KEYS }),
      );
      try {
        const mine = await store.create(d({ _auth_user_id: '42' }), new Date(clock.now + HOUR));
        const theirs = await others[0]!.create(
          d({ _auth_user_id: '42' }),
          new Date(Date.now() + HOUR),
        );
        const pages = await Promise.all(
          others.map((other) => other.listSessions({ userId: '42' })),
        );
        for (const page of pages) {
          expect(page.sessions.map((s) => s.key).sort()).toEqual([mine, theirs].sort());
        }
        // From now on a login writes its row: the listing needs no decoding to find it.
        const later = await others[1]!.create(
          d({ _auth_user_id: '42' }),
          new Date(Date.now() + HOUR),
        );
        expect(
          await db.get('SELECT user_id FROM tango_session_user WHERE session_key = ?', [later]),
        ).toEqual({ user_id: '42' });
        expect(await store.deleteSessions({ userId: '42', exceptKey: later })).toBe(2);
        expect((await others[2]!.listSessions({ userId: 42 })).sessions.map((s) => s.key)).toEqual([
          later,
        ]);
      } finally {
        await Promise.all(others.map((other) => other.close()));
      }
    });
  });

  it('before migrate, every operation says exactly what to run', async () => {
    const fresh = await pg.createDatabase('unmigrated');
    const connection = new PostgresConnection({ url: fresh });
    const store = new DatabaseStore(connection, { keys: KEYS });
    for (const operation of [
      () => store.load('abcdefgh12345678abcdefgh12345678'),
      () => store.create(d({}), new Date(Date.now() + HOUR)),
      () => store.clearExpired(),
    ]) {
      const error = await operation().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProgrammingError);
      expect((error as Error).message).toBe(MISSING_TABLE_MESSAGE);
    }
    await connection.close();
  });

  describe('manage.ts migrate, showmigrations and clearsessions (same output as on SQLite)', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'tango-db-postgres-'));
    });
    afterEach(async () => {
      await closeConnections();
      rmSync(dir, { recursive: true, force: true });
    });

    const settings = (databases: SettingsInput['DATABASES']) =>
      defineSettings({
        BASE_DIR: dir,
        SECRET_KEY: 'x',
        INSTALLED_APPS: ['tango.sessions'],
        DATABASES: databases,
        SESSION_ENGINE: 'db',
      });

    async function run(argv: string[], s: ReturnType<typeof settings>) {
      let stdout = '';
      let stderr = '';
      const code = await executeFromCommandLine(argv, {
        settings: s,
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t) },
      });
      await closeConnections();
      return { code, stdout, stderr };
    }

    it('migrates a fresh database, then has nothing to apply; clearsessions removes expired rows', async () => {
      const url = await pg.createDatabase('managed');
      const s = settings({ default: { ENGINE: 'postgresql', URL: url } });
      expect(await run(['showmigrations'], s)).toEqual({
        code: 0,
        stdout: 'sessions\n [ ] 0001_initial\n',
        stderr: '',
      });
      expect(await run(['migrate'], s)).toEqual({
        code: 0,
        stdout:
          'Operations to perform:\n  Apply all migrations: sessions\nRunning migrations:\n  Applying sessions.0001_initial... OK\n',
        stderr: '',
      });
      expect((await run(['migrate'], s)).stdout).toContain('  No migrations to apply.\n');
      expect((await run(['showmigrations'], s)).stdout).toBe('sessions\n [X] 0001_initial\n');

      const connection = new PostgresConnection({ url });
      const store = new DatabaseStore(connection, { keys: { key: 'x' } });
      const live = await store.create(d({ live: true }), new Date(Date.now() + HOUR));
      await store.create(d({ expired: true }), new Date(Date.now() - HOUR));
      expect(await run(['clearsessions'], s)).toEqual({
        code: 0,
        stdout: 'Removed 1 expired session(s).\n',
        stderr: '',
      });
      expect(await connection.all('SELECT session_key FROM django_session')).toEqual([
        { session_key: live },
      ]);
      await connection.close();
    });

    it('an unreachable server is one line naming it: CommandError for migrate, ImproperlyConfigured at engine start-up', async () => {
      const port = await freePort();
      const s = settings({
        default: { ENGINE: 'postgresql', HOST: '127.0.0.1', PORT: port, NAME: 'site', USER: 'app' },
      });
      const address = `postgres://app@127.0.0.1:${port}/site (DATABASES['default'])`;
      expect(await run(['migrate'], s)).toEqual({
        code: 1,
        stdout: '',
        stderr: `CommandError: DatabaseUnavailable: Cannot connect to PostgreSQL at ${address}: ECONNREFUSED\n`,
      });
      expect(await run(['clearsessions'], s)).toEqual({
        code: 1,
        stdout: '',
        stderr: `ImproperlyConfigured: Cannot connect to PostgreSQL at ${address}: ECONNREFUSED\n`,
      });
      await expect(DatabaseStore.fromSettings(s)).rejects.toBeInstanceOf(ImproperlyConfigured);
    });
  });
});
