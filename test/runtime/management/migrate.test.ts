/** `manage.ts migrate` end to end on a temp project with a real SQLite file (spec 147). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/index.js';
import type { SettingsInput } from '../../../src/runtime/conf/settings.js';
import { closeConnections, getConnection } from '../../../src/runtime/db/index.js';
import { executeFromCommandLine } from '../../../src/runtime/management/index.js';
import { DatabaseStore } from '../../../src/runtime/sessions/backends/db.js';
import { freePort } from '../../support/services.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tango-migrate-cmd-'));
  mkdirSync(path.join(dir, 'WebApp', 'migrations'), { recursive: true });
  writeFileSync(path.join(dir, 'WebApp', 'apps.ts'), "export default { name: 'WebApp' };\n");
});
afterEach(async () => {
  await closeConnections();
  rmSync(dir, { recursive: true, force: true });
});

function settings(overrides: Partial<SettingsInput> = {}) {
  return defineSettings({
    BASE_DIR: dir,
    SECRET_KEY: 'migrate-test',
    INSTALLED_APPS: ['tango.sessions', 'WebApp'],
    DATABASES: { default: { ENGINE: 'sqlite', NAME: 'db.sqlite3' } },
    ...overrides,
  });
}

async function run(argv: string[], s = settings()) {
  let stdout = '';
  let stderr = '';
  const code = await executeFromCommandLine(argv, {
    settings: s,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe('manage.ts migrate', () => {
  it("applies the sessions migration with Django's output, then has nothing to apply", async () => {
    writeFileSync(
      path.join(dir, 'WebApp', 'migrations', '0001_initial.sql'),
      'CREATE TABLE webapp_visit (path text);',
    );
    expect(await run(['migrate'])).toEqual({
      code: 0,
      stdout:
        'Operations to perform:\n  Apply all migrations: sessions, WebApp\nRunning migrations:\n' +
        '  Applying sessions.0001_initial... OK\n  Applying WebApp.0001_initial... OK\n',
      stderr: '',
    });
    expect(await run(['migrate'])).toEqual({
      code: 0,
      stdout:
        'Operations to perform:\n  Apply all migrations: sessions, WebApp\nRunning migrations:\n  No migrations to apply.\n',
      stderr: '',
    });
    // The db session engine now works on the migrated file.
    const store = await DatabaseStore.fromSettings(settings());
    const key = await store.create(new Map([['hit', 1]]), new Date(Date.now() + 60_000));
    expect(await store.load(key)).toEqual(new Map([['hit', 1]]));
  });

  it('--plan, --check and --fake', async () => {
    expect(await run(['migrate', '--check'])).toMatchObject({ code: 1, stdout: '' });
    expect((await run(['migrate', '--plan'])).stdout).toBe(
      'Planned operations:\nsessions.0001_initial\n    Create model Session\n',
    );
    expect((await run(['migrate', '--fake'])).stdout).toContain(
      '  Applying sessions.0001_initial... FAKED\n',
    );
    expect(await run(['migrate', '--check'])).toMatchObject({ code: 0, stdout: '' });
    const tables = await getConnection(settings()).all(
      "SELECT name FROM sqlite_master WHERE name = 'django_session'",
    );
    expect(tables).toEqual([]);
  });

  it('moves one app: all of it, zero, or to a migration', async () => {
    expect((await run(['migrate', 'sessions'])).stdout).toBe(
      'Operations to perform:\n  Apply all migrations: sessions\nRunning migrations:\n  Applying sessions.0001_initial... OK\n',
    );
    expect((await run(['migrate', 'sessions', 'zero'])).stdout).toBe(
      'Operations to perform:\n  Unapply all migrations: sessions\nRunning migrations:\n  Unapplying sessions.0001_initial... OK\n',
    );
    expect(
      await getConnection(settings()).all(
        "SELECT name FROM sqlite_master WHERE name = 'django_session'",
      ),
    ).toEqual([]);
    expect((await run(['migrate', 'sessions', '0001'])).stdout).toBe(
      'Operations to perform:\n  Target specific migration: 0001_initial, from sessions\nRunning migrations:\n  Applying sessions.0001_initial... OK\n',
    );
    expect((await run(['migrate', 'WebApp'])).stdout).toBe(
      'Operations to perform:\n  Apply all migrations: WebApp\nRunning migrations:\n  No migrations to apply.\n',
    );
  });

  it("reports Django's CommandErrors", async () => {
    expect(await run(['migrate', 'nope'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "CommandError: No installed app with label 'nope'.\n",
    });
    expect(await run(['migrate', 'sessions', '0002'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "CommandError: Cannot find a migration matching '0002' from app 'sessions'.\n",
    });
    expect((await run(['migrate', 'a', 'b', 'c'])).code).toBe(2);
  });

  it('names a failing migration and an unusable database', async () => {
    writeFileSync(path.join(dir, 'WebApp', 'migrations', '0001_bad.sql'), 'CREATE TABLE (;');
    const failed = await run(['migrate']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('  Applying WebApp.0001_bad... FAILED\n');
    expect(failed.stderr).toMatch(
      /^CommandError: Applying WebApp\.0001_bad failed: near "\(": syntax error\n$/,
    );

    const missingDir = await run(
      ['migrate'],
      settings({ DATABASES: { default: { ENGINE: 'sqlite', NAME: 'no/such/dir/db.sqlite3' } } }),
    );
    expect(missingDir.code).toBe(1);
    expect(missingDir.stderr).toContain(
      `CommandError: DatabaseUnavailable: unable to open database file '${path.join(dir, 'no/such/dir/db.sqlite3')}'`,
    );
  });

  it('names an unreachable PostgreSQL server in one line', async () => {
    const port = await freePort();
    const result = await run(
      ['migrate'],
      settings({
        DATABASES: { default: { ENGINE: 'postgresql', NAME: 'x', HOST: '127.0.0.1', PORT: port } },
      }),
    );
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `CommandError: DatabaseUnavailable: Cannot connect to PostgreSQL at postgres://127.0.0.1:${port}/x (DATABASES['default']): ECONNREFUSED\n`,
    });
  });
});
