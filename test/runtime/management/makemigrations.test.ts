/** `manage.ts makemigrations` (spec 148): no models, so only --empty writes anything. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/index.js';
import { closeConnections } from '../../../src/runtime/db/index.js';
import { executeFromCommandLine } from '../../../src/runtime/management/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tango-makemigrations-cmd-'));
  mkdirSync(path.join(dir, 'WebApp'));
  writeFileSync(path.join(dir, 'WebApp', 'apps.ts'), "export default { name: 'WebApp' };\n");
});
afterEach(async () => {
  await closeConnections();
  rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await executeFromCommandLine(argv, {
    settings: defineSettings({
      BASE_DIR: dir,
      SECRET_KEY: 'x',
      INSTALLED_APPS: ['tango.sessions', 'WebApp'],
      DATABASES: { default: { ENGINE: 'sqlite', NAME: 'db.sqlite3' } },
    }),
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

/** As Django prints it: relative to the working directory unless that climbs out of it. */
const shown = (...parts: string[]) => {
  const file = path.join(dir, ...parts);
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
};

const migrationFiles = () =>
  existsSync(path.join(dir, 'WebApp', 'migrations'))
    ? readdirSync(path.join(dir, 'WebApp', 'migrations')).sort()
    : [];

describe('manage.ts makemigrations', () => {
  it("prints Django's No changes detected and exits 0 (spec 148)", async () => {
    expect(await run(['makemigrations'])).toEqual({
      code: 0,
      stdout: 'No changes detected\n',
      stderr: '',
    });
    expect(await run(['makemigrations', 'WebApp'])).toEqual({
      code: 0,
      stdout: "No changes detected in app 'WebApp'\n",
      stderr: '',
    });
    expect((await run(['makemigrations', 'WebApp', 'sessions'])).stdout).toBe(
      "No changes detected in apps 'WebApp', 'sessions'\n",
    );
    expect(await run(['makemigrations', '--check'])).toMatchObject({ code: 0 });
    expect(migrationFiles()).toEqual([]);
  });

  it('--empty writes a numbered SQL template that migrate then applies', async () => {
    expect(await run(['makemigrations', '--empty', 'WebApp'])).toEqual({
      code: 0,
      stdout: `Migrations for 'WebApp':\n  ${shown('WebApp', 'migrations', '0001_initial.sql')}\n`,
      stderr: '',
    });
    const named = await run(['makemigrations', '--empty', 'WebApp', '-n', 'add_visits']);
    expect(named.stdout).toBe(
      `Migrations for 'WebApp':\n  ${shown('WebApp', 'migrations', '0002_add_visits.sql')}\n`,
    );
    const auto = await run(['makemigrations', '--empty', 'WebApp']);
    expect(auto.stdout).toMatch(/0003_auto_\d{8}_\d{4}\.sql\n$/);
    expect(migrationFiles()).toHaveLength(3);
    const migrated = await run(['migrate', 'WebApp']);
    expect(migrated.stdout).toContain(
      '  Applying WebApp.0001_initial... OK\n  Applying WebApp.0002_add_visits... OK\n',
    );
  });

  it('--dry-run and --check write nothing', async () => {
    expect((await run(['makemigrations', '--empty', 'WebApp', '--dry-run'])).stdout).toContain(
      '0001_initial.sql',
    );
    expect(await run(['makemigrations', '--empty', 'WebApp', '--check'])).toMatchObject({
      code: 1,
    });
    expect(migrationFiles()).toEqual([]);
  });

  it("reports Django's errors", async () => {
    expect(await run(['makemigrations', '--empty'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'CommandError: You must supply at least one app label when using --empty.\n',
    });
    expect(await run(['makemigrations', 'nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "CommandError: No installed app with label 'nope'.\n",
    });
    expect((await run(['makemigrations', '--empty', 'WebApp', '-n', 'bad name'])).stderr).toBe(
      'CommandError: The migration name must be a valid identifier.\n',
    );
    expect((await run(['makemigrations', '--empty', 'sessions'])).stderr).toBe(
      "CommandError: App 'sessions' is built into Tango; its migrations ship with Tango.\n",
    );
    expect(migrationFiles()).toEqual([]);
  });
});
