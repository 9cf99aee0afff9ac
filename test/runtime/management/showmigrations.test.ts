/** `manage.ts showmigrations` on a temp project with a real SQLite file. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/index.js';
import { closeConnections } from '../../../src/runtime/db/index.js';
import { executeFromCommandLine } from '../../../src/runtime/management/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tango-showmigrations-cmd-'));
  for (const app of ['WebApp', 'Plain']) {
    mkdirSync(path.join(dir, app), { recursive: true });
    writeFileSync(path.join(dir, app, 'apps.ts'), `export default { name: '${app}' };\n`);
  }
  mkdirSync(path.join(dir, 'WebApp', 'migrations'));
  writeFileSync(
    path.join(dir, 'WebApp', 'migrations', '0001_initial.sql'),
    'CREATE TABLE v (x text);',
  );
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
      INSTALLED_APPS: ['tango.sessions', 'WebApp', 'Plain'],
      DATABASES: { default: { ENGINE: 'sqlite', NAME: 'db.sqlite3' } },
    }),
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe('manage.ts showmigrations', () => {
  it('lists [ ] before and [X] after migrate', async () => {
    expect(await run(['showmigrations'])).toEqual({
      code: 0,
      stdout: 'sessions\n [ ] 0001_initial\nWebApp\n [ ] 0001_initial\n',
      stderr: '',
    });
    await run(['migrate', 'sessions']);
    expect((await run(['showmigrations'])).stdout).toBe(
      'sessions\n [X] 0001_initial\nWebApp\n [ ] 0001_initial\n',
    );
    expect((await run(['showmigrations', '--plan'])).stdout).toBe(
      '[X]  sessions.0001_initial\n[ ]  WebApp.0001_initial\n',
    );
  });

  it('shows the apps asked for, (no migrations) for apps without', async () => {
    expect((await run(['showmigrations', 'Plain', 'sessions'])).stdout).toBe(
      'Plain\n (no migrations)\nsessions\n [ ] 0001_initial\n',
    );
  });

  it('exits 2 for an unknown app label, like Django', async () => {
    expect(await run(['showmigrations', 'nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "CommandError: No installed app with label 'nope'.\n",
    });
  });
});
