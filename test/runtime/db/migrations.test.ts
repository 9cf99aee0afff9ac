import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstalledApp } from '../../../src/runtime/apps/config.js';
import {
  appliedMigrations,
  type Connection,
  loadMigrations,
  makeMigration,
  migrate,
  MigrationError,
  showMigrations,
  SqliteConnection,
  unappliedMigrations,
} from '../../../src/runtime/db/index.js';
import { migrations as sessionMigrations } from '../../../src/runtime/sessions/migrations/index.js';

let dir: string;
let db: SqliteConnection;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tango-migrations-'));
  db = new SqliteConnection(path.join(dir, 'db.sqlite3'));
});
afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

function output() {
  let text = '';
  return {
    write: (s: string) => (text += s),
    get text() {
      return text;
    },
  };
}

const sessionsApp = (): InstalledApp => ({
  name: 'tango.sessions',
  label: 'sessions',
  path: dir,
  templatesDir: undefined,
  migrationsDir: undefined,
  migrations: sessionMigrations,
});

/** A project app folder with the given migration files. */
function projectApp(
  label: string,
  files: Record<string, string> = {},
  withDir = true,
): InstalledApp {
  const appPath = path.join(dir, label);
  mkdirSync(appPath, { recursive: true });
  const migrationsDir = path.join(appPath, 'migrations');
  if (withDir) mkdirSync(migrationsDir, { recursive: true });
  for (const [name, content] of Object.entries(files))
    writeFileSync(path.join(migrationsDir, name), content);
  return {
    name: label,
    label,
    path: appPath,
    templatesDir: undefined,
    migrationsDir: withDir ? migrationsDir : undefined,
  };
}

const tables = async (conn: Connection = db) =>
  (
    await conn.all<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
  ).map((r) => r.name);

describe('migrate', () => {
  it("applies every app's migrations with Django's output, then has nothing to apply", async () => {
    const apps = {
      apps: [
        sessionsApp(),
        projectApp('WebApp', {
          '0001_initial.sql': 'CREATE TABLE webapp_visit (id integer PRIMARY KEY, path text);',
        }),
      ],
    };
    const first = output();
    await migrate(db, apps, {}, first);
    expect(first.text).toBe(
      'Operations to perform:\n' +
        '  Apply all migrations: sessions, WebApp\n' +
        'Running migrations:\n' +
        '  Applying sessions.0001_initial... OK\n' +
        '  Applying WebApp.0001_initial... OK\n',
    );
    expect(await tables()).toEqual(['django_session', 'tango_migrations', 'webapp_visit']);
    const rows = await db.all<{ app: string; name: string; applied: string }>(
      'SELECT app, name, applied FROM tango_migrations ORDER BY id',
    );
    expect(rows.map((r) => `${r.app}.${r.name}`)).toEqual([
      'sessions.0001_initial',
      'WebApp.0001_initial',
    ]);
    expect(rows[0]!.applied).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);

    const second = output();
    await migrate(db, apps, {}, second);
    expect(second.text).toBe(
      'Operations to perform:\n  Apply all migrations: sessions, WebApp\nRunning migrations:\n  No migrations to apply.\n',
    );
  });

  it("creates Django's django_session table and index", async () => {
    await migrate(db, { apps: [sessionsApp()] }, {}, output());
    const table = await db.get<{ sql: string }>(
      "SELECT sql FROM sqlite_master WHERE name = 'django_session'",
    );
    expect(table!.sql).toBe(
      'CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL)',
    );
    const index = await db.get<{ tbl_name: string; sql: string }>(
      "SELECT tbl_name, sql FROM sqlite_master WHERE name = 'django_session_expire_date_a5c62663'",
    );
    expect(index).toEqual({
      tbl_name: 'django_session',
      sql: 'CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date")',
    });
  });

  it("works on ':memory:' and lists '(none)' without migrated apps", async () => {
    const memory = new SqliteConnection(':memory:');
    const out = output();
    await migrate(memory, { apps: [projectApp('plain', {}, false)] }, {}, out);
    expect(out.text).toBe(
      'Operations to perform:\n  Apply all migrations: (none)\nRunning migrations:\n  No migrations to apply.\n',
    );
    await migrate(memory, { apps: [sessionsApp()] }, {}, output());
    expect(await tables(memory)).toContain('django_session');
    await memory.close();
  });

  it('--plan prints the plan and changes nothing (not even the ledger)', async () => {
    const apps = {
      apps: [sessionsApp(), projectApp('WebApp', { '0001_initial.sql': 'SELECT 1;' })],
    };
    const out = output();
    await migrate(db, apps, { plan: true }, out);
    expect(out.text).toBe(
      'Planned operations:\nsessions.0001_initial\n    Create model Session\nWebApp.0001_initial\n    Raw SQL operation\n',
    );
    expect(await tables()).toEqual([]);
    await migrate(db, apps, {}, output());
    const again = output();
    await migrate(db, apps, { plan: true }, again);
    expect(again.text).toBe('Planned operations:\n  No planned migration operations.\n');
  });

  it('--fake records without running', async () => {
    const out = output();
    await migrate(db, { apps: [sessionsApp()] }, { fake: true }, out);
    expect(out.text).toContain('  Applying sessions.0001_initial... FAKED\n');
    expect(await tables()).toEqual(['tango_migrations']);
    expect(await appliedMigrations(db)).toEqual(new Set(['sessions\u00000001_initial']));
  });

  it('targets one app, a migration by unique prefix, or zero (unapplying with down)', async () => {
    const web = projectApp('WebApp', {
      '0001_initial.sql': 'CREATE TABLE a (x text);',
      '0002_more.ts': `export async function up(db) { await db.exec('CREATE TABLE b (x text)'); }
export async function down(db) { await db.exec('DROP TABLE b'); }
export const description = 'Create table b';`,
    });
    const apps = { apps: [sessionsApp(), web] };

    const one = output();
    await migrate(db, apps, { target: { app: 'WebApp', name: '0001' } }, one);
    expect(one.text).toBe(
      'Operations to perform:\n  Target specific migration: 0001_initial, from WebApp\nRunning migrations:\n  Applying WebApp.0001_initial... OK\n',
    );
    expect(await tables()).toEqual(['a', 'tango_migrations']);

    const all = output();
    await migrate(db, apps, { target: { app: 'WebApp' } }, all);
    expect(all.text).toBe(
      'Operations to perform:\n  Apply all migrations: WebApp\nRunning migrations:\n  Applying WebApp.0002_more... OK\n',
    );

    const plan = output();
    await migrate(db, apps, { target: { app: 'WebApp', name: '0001_initial' }, plan: true }, plan);
    expect(plan.text).toBe('Planned operations:\nWebApp.0002_more\n    Undo Create table b\n');

    const back = output();
    await migrate(db, apps, { target: { app: 'WebApp', name: '0001_initial' } }, back);
    expect(back.text).toBe(
      'Operations to perform:\n  Target specific migration: 0001_initial, from WebApp\nRunning migrations:\n  Unapplying WebApp.0002_more... OK\n',
    );
    expect(await tables()).not.toContain('b');

    // 0001 is plain SQL without a down: unapplying it needs --fake.
    await expect(
      migrate(db, apps, { target: { app: 'WebApp', name: 'zero' } }, output()),
    ).rejects.toThrow('Migration WebApp.0001_initial is not reversible: it has no down(db).');
    const zero = output();
    await migrate(db, apps, { target: { app: 'WebApp', name: 'zero' }, fake: true }, zero);
    expect(zero.text).toBe(
      'Operations to perform:\n  Unapply all migrations: WebApp\nRunning migrations:\n  Unapplying WebApp.0001_initial... FAKED\n',
    );
    expect([...(await appliedMigrations(db))]).toEqual([]);
  });

  it("reports Django's messages for unknown and ambiguous targets", async () => {
    const apps = {
      apps: [
        sessionsApp(),
        projectApp('WebApp', { '0001_a.sql': '', '0002_b.sql': '' }),
        projectApp('plain', {}, false),
      ],
    };
    await expect(
      migrate(db, apps, { target: { app: 'sessions', name: '0002' } }, output()),
    ).rejects.toThrow("Cannot find a migration matching '0002' from app 'sessions'.");
    await expect(
      migrate(db, apps, { target: { app: 'WebApp', name: '000' } }, output()),
    ).rejects.toThrow(
      "More than one migration matches '000' in app 'WebApp'. Please be more specific.",
    );
    await expect(migrate(db, apps, { target: { app: 'plain' } }, output())).rejects.toThrow(
      "App 'plain' does not have migrations.",
    );
    await expect(migrate(db, apps, { target: { app: 'plain' } }, output())).rejects.toBeInstanceOf(
      MigrationError,
    );
  });

  it('rolls a failing migration back, records nothing, and names it', async () => {
    const apps = {
      apps: [
        projectApp('WebApp', {
          '0001_ok.sql': 'CREATE TABLE ok (x text);',
          '0002_bad.sql': 'CREATE TABLE half (x text);\nCREATE TABLE oops (;',
        }),
      ],
    };
    const out = output();
    const error = await migrate(db, apps, {}, out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(
      /^Applying WebApp\.0002_bad failed: near ";": syntax error$/,
    );
    expect(out.text).toContain(
      '  Applying WebApp.0001_ok... OK\n  Applying WebApp.0002_bad... FAILED\n',
    );
    expect(await tables()).toEqual(['ok', 'tango_migrations']);
    expect(await appliedMigrations(db)).toEqual(new Set(['WebApp\u00000001_ok']));
  });

  it('picks the per-dialect SQL file when there is one', async () => {
    const apps = {
      apps: [
        projectApp('WebApp', {
          '0001_x.sql': 'CREATE TABLE generic (x text);',
          '0001_x.sqlite.sql': 'CREATE TABLE for_sqlite (x text);',
          '0001_x.postgresql.sql': 'CREATE TABLE for_pg (x serial);',
          '0002_pg_only.postgresql.sql': 'CREATE TABLE pg (x serial);',
        }),
      ],
    };
    await expect(migrate(db, apps, {}, output())).rejects.toThrow(
      "Migration WebApp.0002_pg_only has no SQL for the 'sqlite' database: add 0002_pg_only.sql or 0002_pg_only.sqlite.sql.",
    );
    expect(await tables()).toContain('for_sqlite');
    expect(await tables()).not.toContain('generic');
  });
});

describe('loadMigrations', () => {
  it('reads .sql, .ts and .js files in order and ignores everything else', async () => {
    const web = projectApp('WebApp', {
      '0003_c.js': 'export async function up(db) { await db.exec("CREATE TABLE c (x text)"); }',
      '0001_a.sql': 'CREATE TABLE a (x text);',
      '0002_b.ts':
        'export async function up(db: { exec(s: string): Promise<void> }) { await db.exec("CREATE TABLE b (x text)"); }',
      '0002_b.d.ts': 'export {};',
      'README.md': '# notes',
      '.gitkeep': '',
      '__init__.py': '',
      'helper.ts': 'export const x = 1;',
    });
    const [loaded] = await loadMigrations({ apps: [web] });
    expect(loaded!.migrations.map((m) => [m.name, m.description[0]])).toEqual([
      ['0001_a', 'Raw SQL operation'],
      ['0002_b', 'Raw code operation'],
      ['0003_c', 'Raw code operation'],
    ]);
    await migrate(db, { apps: [web] }, {}, output());
    expect(await tables()).toEqual(['a', 'b', 'c', 'tango_migrations']);
  });

  it('refuses two migrations with one number, two files for one name, and a file without up()', async () => {
    await expect(
      loadMigrations({ apps: [projectApp('A', { '0002_x.sql': '', '0002_y.sql': '' })] }),
    ).rejects.toThrow(
      "Conflicting migrations detected in app 'A': 0002_x and 0002_y have the same number. Renumber one of them.",
    );
    await expect(
      loadMigrations({
        apps: [projectApp('B', { '0001_x.sql': '', '0001_x.ts': 'export async function up() {}' })],
      }),
    ).rejects.toThrow(
      'Conflicting files for migration B.0001_x: 0001_x.ts and 0001_x.sql. Keep one.',
    );
    await expect(
      loadMigrations({ apps: [projectApp('C', { '0001_x.js': 'export const nothing = 1;' })] }),
    ).rejects.toThrow('must export an async function up(db).');
  });

  it('lists apps with a migrations folder (even empty) and skips apps without', async () => {
    const loaded = await loadMigrations({
      apps: [sessionsApp(), projectApp('Empty'), projectApp('None', {}, false)],
    });
    expect(loaded.map((a) => [a.app, a.migrations.length])).toEqual([
      ['sessions', 1],
      ['Empty', 0],
    ]);
  });
});

describe('showMigrations and unappliedMigrations', () => {
  it('prints [ ] then [X], (no migrations) for apps without', async () => {
    const apps = {
      apps: [
        sessionsApp(),
        projectApp('WebApp', { '0001_initial.sql': '' }),
        projectApp('plain', {}, false),
      ],
    };
    const before = output();
    await showMigrations(db, apps, {}, before);
    expect(before.text).toBe('sessions\n [ ] 0001_initial\nWebApp\n [ ] 0001_initial\n');
    expect(await tables()).toEqual([]); // reading never creates the ledger
    expect((await unappliedMigrations(db, apps)).map((m) => `${m.app}.${m.name}`)).toEqual([
      'sessions.0001_initial',
      'WebApp.0001_initial',
    ]);

    await migrate(db, apps, { target: { app: 'sessions' } }, output());
    const after = output();
    await showMigrations(db, apps, { appLabels: ['WebApp', 'sessions', 'plain'] }, after);
    expect(after.text).toBe(
      'WebApp\n [ ] 0001_initial\nsessions\n [X] 0001_initial\nplain\n (no migrations)\n',
    );
    const plan = output();
    await showMigrations(db, apps, { plan: true }, plan);
    expect(plan.text).toBe('[X]  sessions.0001_initial\n[ ]  WebApp.0001_initial\n');
    expect((await unappliedMigrations(db, apps)).map((m) => `${m.app}.${m.name}`)).toEqual([
      'WebApp.0001_initial',
    ]);
  });
});

describe('makeMigration', () => {
  const now = () => new Date(2026, 10, 22, 8, 12);

  it('writes 0001_initial.sql first, then NNNN_auto_<timestamp>.sql, as Django names them', async () => {
    const app = projectApp('WebApp', {}, false);
    const first = output();
    const made = await makeMigration(app, { now, cwd: dir }, first);
    expect(first.text).toBe(
      `Migrations for 'WebApp':\n  ${path.join('WebApp', 'migrations', '0001_initial.sql')}\n`,
    );
    expect(made.name).toBe('0001_initial');
    expect(readFileSync(made.file, 'utf8')).toBe(made.content);
    expect(made.content).toMatch(/^-- Migration WebApp\.0001_initial, generated by Tango/);
    expect(made.content.split('\n').filter((l) => l && !l.startsWith('--'))).toEqual([]);

    const withDir = { ...app, migrationsDir: path.join(app.path, 'migrations') };
    const second = await makeMigration(withDir, { now, cwd: dir }, output());
    expect(second.name).toBe('0002_auto_20261122_0812');
    const named = await makeMigration(withDir, { name: 'add_visits', cwd: dir }, output());
    expect(named.name).toBe('0003_add_visits');
    expect(readdirSync(withDir.migrationsDir).sort()).toEqual([
      '0001_initial.sql',
      '0002_auto_20261122_0812.sql',
      '0003_add_visits.sql',
    ]);

    // The written template is a valid, empty migration.
    await migrate(db, { apps: [withDir] }, {}, output());
    expect(await appliedMigrations(db)).toHaveProperty('size', 3);
  });

  it('--dry-run writes nothing', async () => {
    const app = projectApp('WebApp', {}, false);
    const out = output();
    const made = await makeMigration(app, { dryRun: true, cwd: dir }, out);
    expect(out.text).toContain('0001_initial.sql');
    expect(existsSync(made.file)).toBe(false);
    expect(existsSync(path.join(app.path, 'migrations'))).toBe(false);
  });

  it('refuses built-in apps and invalid names', async () => {
    await expect(makeMigration(sessionsApp(), {}, output())).rejects.toThrow(
      "App 'sessions' is built into Tango",
    );
    await expect(
      makeMigration(projectApp('WebApp'), { name: 'bad name' }, output()),
    ).rejects.toThrow('The migration name must be a valid identifier');
  });

  it('numbers after the highest existing migration of any kind', async () => {
    const app = projectApp('WebApp', {
      '0001_a.sql': '',
      '0007_b.ts': 'export async function up() {}',
      'notes.txt': '',
    });
    const made = await makeMigration(app, { name: 'c' }, output());
    expect(made.name).toBe('0008_c');
    expect(readFileSync(path.join(app.migrationsDir!, '0001_a.sql'), 'utf8')).toBe('');
  });
});
