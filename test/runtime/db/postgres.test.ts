/**
 * PostgresConnection against a real PostgreSQL cluster started for this file (initdb + postgres
 * on a free loopback port): the Connection contract, error conversion, migrations, and the
 * outage behaviour of issue 7 (fail fast, name the server, recover when it returns).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InstalledApp } from '../../../src/runtime/apps/config.js';
import {
  defineSettings,
  ImproperlyConfigured,
  loadSettings,
} from '../../../src/runtime/conf/index.js';
import { createApplication } from '../../../src/runtime/handlers/base.js';
import { FIXTURE_SETTINGS } from '../fixture.js';
import type { DatabaseError } from '../../../src/runtime/db/index.js';
import {
  closeConnections,
  type Connection,
  DatabaseUnavailable,
  getConnection,
  IntegrityError,
  isMissingTable,
  migrate,
  OperationalError,
  PostgresConnection,
  postgresOptions,
  ProgrammingError,
  redactUrl,
  showMigrations,
} from '../../../src/runtime/db/index.js';
import { migrations as sessionMigrations } from '../../../src/runtime/sessions/migrations/index.js';
import {
  freePort,
  type PostgresService,
  serviceSupport,
  startPostgres,
} from '../../support/services.js';

const support = serviceSupport('postgresql');

function output() {
  let text = '';
  return {
    write: (s: string) => (text += s),
    get text() {
      return text;
    },
  };
}

const sessionsApp: InstalledApp = {
  name: 'tango.sessions',
  label: 'sessions',
  path: '/nonexistent',
  templatesDir: undefined,
  migrationsDir: undefined,
  migrations: sessionMigrations,
};

describe('postgresOptions (DATABASES entry → options)', () => {
  it('takes a URL or Django’s HOST/PORT/NAME/USER/PASSWORD, with fail-fast defaults', () => {
    expect(postgresOptions({ URL: 'postgres://app:pw@db.internal:6432/site' }, 'default')).toEqual({
      url: 'postgres://app:pw@db.internal:6432/site',
      connectTimeout: 2,
      queryTimeout: 5,
      idleTimeout: 30,
      maxConnections: 10,
      label: "DATABASES['default']",
    });
    expect(
      postgresOptions(
        {
          HOST: '10.0.0.5',
          PORT: '5433',
          NAME: 'site',
          USER: 'app',
          PASSWORD: 'pw',
          OPTIONS: {
            connect_timeout: 1,
            query_timeout: 5,
            pool: { max_size: 4, idle_timeout: 10 },
          },
        },
        'other',
      ),
    ).toEqual({
      host: '10.0.0.5',
      port: 5433,
      database: 'site',
      user: 'app',
      password: 'pw',
      connectTimeout: 1,
      queryTimeout: 5,
      idleTimeout: 10,
      maxConnections: 4,
      label: "DATABASES['other']",
    });
  });

  it('names the setting for every mistake', () => {
    const fails = (config: Record<string, unknown>) => () =>
      postgresOptions(config as never, 'default');
    expect(fails({})).toThrow(
      "DATABASES['default'] is improperly configured. Please supply the NAME value",
    );
    expect(fails({ URL: 'mysql://x/y' })).toThrow(
      "DATABASES['default'].URL must look like postgres://",
    );
    expect(fails({ URL: 'postgres://h/db', NAME: 'db' })).toThrow(
      '.URL cannot be combined with NAME, HOST or PORT',
    );
    expect(fails({ NAME: 'db', PORT: 'abc' })).toThrow('.PORT must be a port number, got "abc"');
    expect(fails({ NAME: 'db', OPTIONS: { connect_timeout: '2' } })).toThrow(
      '.OPTIONS.connect_timeout must be a positive number of seconds',
    );
    expect(fails({ NAME: 'db', OPTIONS: { pool: { max_size: 0 } } })).toThrow(
      '.OPTIONS.pool.max_size must be a positive integer',
    );
    expect(fails({ NAME: 'db', OPTIONS: { pool: true } })).toThrow(
      '.OPTIONS.pool must be an object',
    );
  });

  it('is checked by createApplication at start-up, before any connection, not by defineSettings', async () => {
    const fixture = await loadSettings(FIXTURE_SETTINGS);
    const start = (config: Record<string, unknown>) => {
      const settings = defineSettings({
        ...fixture,
        DATABASES: { ...fixture.DATABASES, extra: { ENGINE: 'postgresql', ...config } as never },
      });
      return createApplication(settings).then((app) => app.close());
    };
    await expect(start({ URL: 'postgres://app@db:5432/site' })).resolves.toBeUndefined();
    await expect(start({ URL: 'http://db/site' })).rejects.toThrow(ImproperlyConfigured);
    await expect(start({ URL: 'http://db/site' })).rejects.toThrow(
      "DATABASES['extra'].URL must look like postgres://",
    );
    await expect(start({ URL: undefined })).rejects.toThrow('Please supply the NAME value');
  });

  it('never shows the password in messages', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/site')).toBe('postgres://app@db:5432/site');
    expect(new PostgresConnection({ url: 'postgres://app:s3cret@db:5432/site' }).address).toBe(
      'postgres://app@db:5432/site',
    );
    expect(() => postgresOptions({ URL: 'mysql://app:s3cret@db/site' }, 'default')).toThrow(
      /^(?!.*s3cret)/,
    );
  });
});

describe('PostgresConnection with PostgreSQL down', () => {
  it('fails at once with DatabaseUnavailable naming the server, and connect() with ImproperlyConfigured', async () => {
    const port = await freePort();
    const db = new PostgresConnection({
      url: `postgres://tango@127.0.0.1:${port}/site`,
      label: "DATABASES['default']",
    });
    const expected = `Cannot connect to PostgreSQL at postgres://tango@127.0.0.1:${port}/site (DATABASES['default']): ECONNREFUSED`;
    const error = await db.get('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailable);
    expect((error as Error).message).toBe(expected);
    const startup = await db.connect().catch((e: unknown) => e);
    expect(startup).toBeInstanceOf(ImproperlyConfigured);
    expect((startup as Error).message).toBe(expected);
    await db.close();
  });
});

describe.skipIf(!support.available)('PostgresConnection on a real server', () => {
  let pg: PostgresService;
  let db: PostgresConnection;

  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.close();
  });
  beforeEach(async () => {
    db = new PostgresConnection({ url: pg.url, label: "DATABASES['default']" });
    await db.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
  });
  afterEach(async () => {
    await db.close();
    await closeConnections();
  });

  it('runs, gets and lists rows with ? parameters; int8 comes back as a number, timestamptz as a Date', async () => {
    await db.exec(
      'CREATE TABLE t (k text PRIMARY KEY, v integer, at timestamp with time zone); CREATE INDEX t_v ON t (v);',
    );
    expect(
      await db.run('INSERT INTO t VALUES (?, ?, ?)', ['a', 1, '2026-12-06T07:10:15.540Z']),
    ).toEqual({ changes: 1 });
    await db.run('INSERT INTO t (k, v) VALUES (?, ?)', ['b', 2]);
    expect(await db.get('SELECT v FROM t WHERE k = ?', ['b'])).toEqual({ v: 2 });
    expect(await db.get('SELECT v FROM t WHERE k = ?', ['zz'])).toBeUndefined();
    expect(await db.all('SELECT k FROM t ORDER BY k')).toEqual([{ k: 'a' }, { k: 'b' }]);
    expect(await db.get('SELECT count(*) AS n FROM t')).toEqual({ n: 2 });
    expect(await db.get('SELECT 9007199254740993::bigint AS big')).toEqual({
      big: 9007199254740993n,
    });
    expect(await db.get('SELECT at FROM t WHERE k = ?', ['a'])).toEqual({
      at: new Date('2026-12-06T07:10:15.540Z'),
    });
    expect(await db.run('UPDATE t SET v = v + 1')).toEqual({ changes: 2 });
    expect(await db.run('DELETE FROM t WHERE k = ?', ['nope'])).toEqual({ changes: 0 });
    // A literal '?' is not a placeholder.
    expect(await db.get("SELECT '?' AS q, ? AS p", ['x'])).toEqual({ q: '?', p: 'x' });
  });

  it('prepares each statement once per pooled connection and reuses it', async () => {
    const one = new PostgresConnection({ url: pg.url, maxConnections: 1 });
    await one.exec('CREATE TABLE t (k text)');
    for (let i = 0; i < 3; i++) await one.get('SELECT k FROM t WHERE k = ?', [String(i)]);
    const prepared = await one.all<{ statement: string }>(
      'SELECT statement FROM pg_prepared_statements ORDER BY statement',
    );
    expect(prepared.map((p) => p.statement)).toContain('SELECT k FROM t WHERE k = $1');
    expect(prepared.filter((p) => p.statement === 'SELECT k FROM t WHERE k = $1')).toHaveLength(1);
    await one.close();
  });

  it('reports a missing table as ProgrammingError naming it, constraints as IntegrityError, bad SQL as ProgrammingError', async () => {
    const missing = await db.get('SELECT * FROM django_session').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ProgrammingError);
    expect((missing as DatabaseError).code).toBe('42P01');
    expect(isMissingTable(missing, 'django_session')).toBe(true);
    await db.exec('CREATE TABLE t (k text PRIMARY KEY)');
    await db.run('INSERT INTO t VALUES (?)', ['a']);
    const dup = await db.run('INSERT INTO t VALUES (?)', ['a']).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(IntegrityError);
    expect((dup as IntegrityError).code).toBe('23505');
    const bad = await db.run('INSRT INTO t VALUES (1)').catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ProgrammingError);
    expect((bad as Error).message).toContain('syntax error');
    const division = await db.get('SELECT 1 / 0 AS x').catch((e: unknown) => e);
    expect(division).toBeInstanceOf(OperationalError);
    expect(division).not.toBeInstanceOf(DatabaseUnavailable);
  });

  it('reports a wrong database name as a configuration error, not an outage', async () => {
    const wrong = new PostgresConnection({
      url: pg.urlFor('nosuchdb'),
      label: "DATABASES['default']",
    });
    const error = await wrong.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImproperlyConfigured);
    expect((error as Error).message).toContain('database "nosuchdb" does not exist');
    await wrong.close();
  });

  describe('transaction', () => {
    it('commits when the callback resolves and rolls back when it rejects', async () => {
      await db.exec('CREATE TABLE t (v text)');
      expect(
        await db.transaction(
          async (tx) => (await tx.run('INSERT INTO t VALUES (?)', ['a'])).changes,
        ),
      ).toBe(1);
      const boom = new Error('boom');
      await expect(
        db.transaction(async (tx) => {
          await tx.run('INSERT INTO t VALUES (?)', ['b']);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await db.all('SELECT v FROM t')).toEqual([{ v: 'a' }]);
    });

    it('isolates the transaction from other callers, who neither wait nor see uncommitted rows', async () => {
      await db.exec('CREATE TABLE t (v text)');
      let inside!: () => void;
      let finish!: () => void;
      const started = new Promise<void>((resolve) => (inside = resolve));
      const held = new Promise<void>((resolve) => (finish = resolve));
      const tx = db.transaction(async (t) => {
        await t.run('INSERT INTO t VALUES (?)', ['in-tx']);
        inside();
        await held;
      });
      await started;
      expect(await db.all('SELECT v FROM t')).toEqual([]);
      await db.run('INSERT INTO t VALUES (?)', ['outside']);
      finish();
      await tx;
      expect(await db.all('SELECT v FROM t ORDER BY v')).toEqual([
        { v: 'in-tx' },
        { v: 'outside' },
      ]);
    });

    it('nests with savepoints', async () => {
      await db.exec('CREATE TABLE t (v text)');
      await db.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (?)', ['outer']);
        await tx
          .transaction(async (inner) => {
            await inner.run('INSERT INTO t VALUES (?)', ['inner']);
            throw new Error('undo inner');
          })
          .catch(() => undefined);
        await tx.transaction(async (inner) => inner.run('INSERT INTO t VALUES (?)', ['inner2']));
      });
      expect(await db.all('SELECT v FROM t ORDER BY v')).toEqual([{ v: 'inner2' }, { v: 'outer' }]);
    });

    it('refuses a transaction handle used after the transaction ended', async () => {
      let leaked: Connection | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      await expect(leaked!.get('SELECT 1')).rejects.toThrow('This transaction has already ended');
    });
  });

  describe('migrations (same behaviour as SQLite)', () => {
    it("creates Django's django_session table with timestamptz and both indexes, then has nothing to apply", async () => {
      const first = output();
      await migrate(db, { apps: [sessionsApp] }, {}, first);
      expect(first.text).toBe(
        'Operations to perform:\n  Apply all migrations: sessions\nRunning migrations:\n  Applying sessions.0001_initial... OK\n',
      );
      const columns = await db.all<{ column_name: string; data_type: string }>(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'django_session' ORDER BY ordinal_position",
      );
      expect(columns).toEqual([
        { column_name: 'session_key', data_type: 'character varying' },
        { column_name: 'session_data', data_type: 'text' },
        { column_name: 'expire_date', data_type: 'timestamp with time zone' },
      ]);
      const indexes = await db.all<{ indexname: string }>(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'django_session' ORDER BY indexname",
      );
      expect(indexes.map((i) => i.indexname)).toEqual([
        'django_session_expire_date_a5c62663',
        'django_session_pkey',
        'django_session_session_key_c0390e0f_like',
      ]);
      const again = output();
      await migrate(db, { apps: [sessionsApp] }, {}, again);
      expect(again.text).toContain('  No migrations to apply.\n');
      const shown = output();
      await showMigrations(db, { apps: [sessionsApp] }, {}, shown);
      expect(shown.text).toBe('sessions\n [X] 0001_initial\n');
    });

    it('unapplies to zero and rolls a failing migration back with its ledger row', async () => {
      await migrate(db, { apps: [sessionsApp] }, {}, output());
      await migrate(
        db,
        { apps: [sessionsApp] },
        { target: { app: 'sessions', name: 'zero' } },
        output(),
      );
      expect(await db.get("SELECT to_regclass('django_session') AS t")).toEqual({ t: null });
      const broken: InstalledApp = {
        ...sessionsApp,
        label: 'broken',
        migrations: [
          {
            name: '0001_initial',
            async up(tx) {
              await tx.exec('CREATE TABLE half (a text)');
              await tx.exec('THIS IS NOT SQL');
            },
          },
        ],
      };
      await expect(migrate(db, { apps: [broken] }, {}, output())).rejects.toThrow(
        'Applying broken.0001_initial failed',
      );
      expect(await db.get("SELECT to_regclass('half') AS t")).toEqual({ t: null });
      expect(await db.get('SELECT count(*) AS n FROM tango_migrations')).toEqual({ n: 0 });
    });
  });

  describe('getConnection', () => {
    const settings = (config: Record<string, unknown>) =>
      defineSettings({
        BASE_DIR: '/srv/site',
        SECRET_KEY: 'x',
        DATABASES: { default: config as never },
      });

    it("builds one PostgresConnection per alias from ENGINE 'postgresql' with a URL or HOST/PORT/NAME/USER", async () => {
      const byUrl = getConnection(settings({ ENGINE: 'postgresql', URL: pg.url }));
      expect(byUrl).toBeInstanceOf(PostgresConnection);
      expect(getConnection(settings({ ENGINE: 'postgresql', URL: pg.url }))).toBe(byUrl);
      expect(await byUrl.get('SELECT current_database() AS name')).toEqual({ name: 'tango' });
      const byFields = getConnection(
        settings({
          ENGINE: 'postgresql',
          HOST: '127.0.0.1',
          PORT: pg.port,
          NAME: 'tango',
          USER: 'tango',
        }),
      );
      expect(await byFields.get('SELECT current_user AS u')).toEqual({ u: 'tango' });
    });
  });

  describe('outage and recovery', () => {
    it('fails fast while the server is down, naming it, and serves again once it is back', async () => {
      await db.exec('CREATE TABLE t (v text)');
      await db.run('INSERT INTO t VALUES (?)', ['kept']);
      await pg.stop();
      try {
        const started = Date.now();
        const error = await db.get('SELECT v FROM t').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DatabaseUnavailable);
        expect((error as Error).message).toMatch(
          new RegExp(
            `^(Cannot connect to|Lost the connection to) PostgreSQL at postgres://tango@127\\.0\\.0\\.1:${pg.port}/tango \\(DATABASES\\['default'\\]\\): `,
          ),
        );
        // Refused connections fail at once; nothing waits for the 2 s connect timeout.
        expect(Date.now() - started).toBeLessThan(1500);
        const again = await db.get('SELECT v FROM t').catch((e: unknown) => e);
        expect((again as Error).message).toContain(': ECONNREFUSED');
      } finally {
        await pg.start();
      }
      expect(await db.get('SELECT v FROM t')).toEqual({ v: 'kept' });
    });

    it('turns a connection dropped mid-transaction into DatabaseUnavailable and discards it', async () => {
      await db.exec('CREATE TABLE t (v text)');
      const other = new PostgresConnection({ url: pg.url });
      const result = db.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (?)', ['lost']);
        // Another session kills ours, as a failover or an admin would.
        await other.run(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = ? AND application_name = ?',
          ['tango', 'tango'],
        );
        await tx.run('INSERT INTO t VALUES (?)', ['after']);
      });
      await expect(result).rejects.toBeInstanceOf(DatabaseUnavailable);
      await other.close();
      expect(await db.all('SELECT v FROM t')).toEqual([]);
    });
  });
});
