/**
 * `npm create tango@latest <name> -- [options]` (create-tango) and the option it brings to
 * startproject, `--app`: the project and the tutorial app in one step.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { create } from '../../src/cli/create.js';
import { run, snapshotDir, workdirs } from './helpers.js';

const workdir = workdirs();

/** Runs create-tango in-process. */
async function createTango(argv: string[], cwd: string) {
  let stdout = '';
  let stderr = '';
  const code = await create(argv, {
    cwd,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

describe('create-tango', () => {
  it('forwards its arguments to startproject', async () => {
    const cwd = await workdir();
    const result = await createTango(['mysite', '--no-install', '--tango', '^0.1.0'], cwd);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('Created project mysite in mysite');
    expect(result.stdout).toContain('Then add the tutorial app with: ');
    const pkg = JSON.parse(await readFile(path.join(cwd, 'mysite/package.json'), 'utf8'));
    expect(pkg.dependencies.tango).toBe('^0.1.0');
  });

  it('--help shows npm create usage, the options (with --app) and the three runtime specs', async () => {
    const result = await createTango(['--help'], await workdir());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Usage: npm create tango@latest <name> \[directory\] -- \[options\]/,
    );
    expect(result.stdout).toContain('npm create tango@latest mysite -- --app WebApp');
    expect(result.stdout).toMatch(/--app APP\s+Also create this app/);
    expect(result.stdout).toMatch(/--no-install|--install/);
    expect(result.stdout).toContain('"file:vendor/tango-<version>.tgz"');
    expect(result.stdout).toContain('"^<version>"');
  });

  it('--version prints the version', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect(await createTango(['--version'], await workdir())).toEqual({
      code: 0,
      stdout: `${pkg.version}\n`,
      stderr: '',
    });
  });

  it('without a name exits 2 with the usage', async () => {
    const result = await createTango([], await workdir());
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('You must provide a project name.');
  });
});

describe('startproject --app', () => {
  it('writes the project and the tutorial app, registered, in one step', async () => {
    const cwd = await workdir();
    const result = await createTango(
      ['mysite', '--app', 'WebApp', '--no-install', '--tango', '^0.1.0'],
      cwd,
    );
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('Created app WebApp in WebApp\n');
    expect(result.stdout).toContain('Registered WebApp in mysite/settings.ts and mysite/urls.ts');
    expect(result.stdout).not.toContain('Then add the tutorial app');
    const files = await snapshotDir(path.join(cwd, 'mysite'));
    expect(files['WebApp/views.ts']).toContain('export function hits(');
    expect(files['mysite/settings.ts']).toMatch(/INSTALLED_APPS: \[[^\]]*'WebApp'\]/);
    expect(files['mysite/urls.ts']).toContain("import webAppUrls from '../WebApp/urls.ts';");
  });

  it('refuses a bad app name, or the project name, before writing anything', async () => {
    const cwd = await workdir();
    expect(
      await run(['startproject', 'mysite', '--app', 'web-app', '--no-install'], cwd),
    ).toMatchObject({
      code: 1,
      stderr:
        "CommandError: 'web-app' is not a valid app name. Please make sure the name is a valid identifier.\n",
    });
    expect(
      (await run(['startproject', 'mysite', '--app', 'mysite', '--no-install'], cwd)).stderr,
    ).toBe(
      "CommandError: the app name 'mysite' is taken by the project's own folder 'mysite'. Please try another name.\n",
    );
    expect(await snapshotDir(cwd)).toEqual({});
  });
});
