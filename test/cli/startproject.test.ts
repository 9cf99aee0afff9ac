import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, fixtureArgs, run, snapshotDir, spawnCli, workdirs } from './helpers.js';

const workdir = workdirs();

const { version: VERSION } = JSON.parse(
  await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8'),
) as { version: string };

/** What startproject writes when it runs from this checkout (the runtime packed into vendor/). */
const FILES = [
  '.env.example',
  '.gitignore',
  '.prettierrc.json',
  'README.md',
  'manage.ts',
  'mysite/settings.ts',
  'mysite/tests.ts',
  'mysite/urls.ts',
  'mysite/views.ts',
  'package.json',
  'templates/home.html',
  'tsconfig.json',
  `vendor/tango-${VERSION}.tgz`,
];

describe('tango-admin startproject', () => {
  it('writes the project into ./NAME and prints the next steps', async () => {
    const cwd = await workdir();
    const result = await run(['startproject', 'mysite', '--no-install'], cwd);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('Created project mysite in mysite');
    expect(result.stdout).toContain(
      'Next steps:\n  cd mysite\n  npm install\n  npm run migrate\n  npm start\n',
    );
    const files = await snapshotDir(path.join(cwd, 'mysite'));
    expect(Object.keys(files)).toEqual(FILES);
    expect(JSON.parse(files['package.json']!).dependencies.tango).toBe(
      `file:vendor/tango-${VERSION}.tgz`,
    );
    expect(result.stdout).toContain(
      `The runtime of this checkout is packed into vendor/tango-${VERSION}.tgz`,
    );
    expect((await stat(path.join(cwd, 'mysite/manage.ts'))).mode & 0o777).toBe(0o755);
    expect((await stat(path.join(cwd, 'mysite/package.json'))).mode & 0o111).toBe(0);
    // No staging folder is left next to the project.
    expect(
      await snapshotDir(cwd).then((f) => Object.keys(f).every((p) => p.startsWith('mysite/'))),
    ).toBe(true);
  });

  it('generates a new CSPRNG secret key per project, Django style', async () => {
    const cwd = await workdir();
    await run(['startproject', 'a', '--no-install'], cwd);
    await run(['startproject', 'b', '--no-install'], cwd);
    const key = async (p: string) =>
      /'TANGO_SECRET_KEY',\n\s+'(tango-insecure-[^']+)'/.exec(
        await readFile(path.join(cwd, p), 'utf8'),
      )![1]!;
    const [a, b] = [await key('a/a/settings.ts'), await key('b/b/settings.ts')];
    expect(a).toMatch(/^tango-insecure-[a-z0-9!@#$%^&*(\-_=+)]{50}$/);
    expect(b).toMatch(/^tango-insecure-[a-z0-9!@#$%^&*(\-_=+)]{50}$/);
    expect(a).not.toBe(b);
  });

  it('uses --tango as the runtime dependency spec', async () => {
    const cwd = await workdir();
    await run(['startproject', 'mysite', '--no-install', '--tango', '^0.1.0'], cwd);
    expect(
      JSON.parse(await readFile(path.join(cwd, 'mysite/package.json'), 'utf8')).dependencies.tango,
    ).toBe('^0.1.0');
  });

  it('--dry-run prints CREATE lines with sizes and writes nothing', async () => {
    const cwd = await workdir();
    const result = await run(['startproject', 'mysite', '--dry-run'], cwd);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.map((l) => l.replace(/ \(\d+ bytes\)$/, ''))).toEqual(
      FILES.map((f) => `CREATE mysite/${f}`),
    );
    expect(lines.every((l) => / \(\d+ bytes\)$/.test(l))).toBe(true);
    expect(await snapshotDir(cwd)).toEqual({});
  });

  it("refuses an existing ./NAME and writes nothing (Django's message)", async () => {
    const cwd = await workdir();
    await mkdir(path.join(cwd, 'mysite'));
    await writeFile(path.join(cwd, 'mysite', 'keep.txt'), 'mine');
    const result = await run(['startproject', 'mysite', '--no-install'], cwd);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `CommandError: '${path.join(cwd, 'mysite')}' already exists\n`,
    });
    expect(await snapshotDir(cwd)).toEqual({ 'mysite/keep.txt': 'mine' });
  });

  it('into an existing DIRECTORY: lists every conflict, writes nothing; --force overwrites', async () => {
    const cwd = await workdir();
    const target = path.join(cwd, 'site');
    await mkdir(path.join(target, 'mysite'), { recursive: true });
    await writeFile(path.join(target, 'manage.ts'), 'old manage');
    await writeFile(path.join(target, 'mysite', 'urls.ts'), 'old urls');
    await writeFile(path.join(target, 'notes.txt'), 'unrelated');
    const refused = await run(['startproject', 'mysite', 'site', '--no-install'], cwd);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      "CommandError: site/manage.ts, site/mysite/urls.ts already exist. Overlaying a project into an existing directory won't replace conflicting files (--force overwrites them).\n",
    );
    expect(await snapshotDir(target)).toEqual({
      'manage.ts': 'old manage',
      'mysite/urls.ts': 'old urls',
      'notes.txt': 'unrelated',
    });

    const dry = await run(
      ['startproject', 'mysite', 'site', '--no-install', '--force', '--dry-run'],
      cwd,
    );
    expect(dry.stdout).toMatch(/^OVERWRITE site\/manage\.ts \(\d+ bytes\)$/m);
    expect(dry.stdout).toMatch(/^CREATE site\/package\.json \(\d+ bytes\)$/m);

    const forced = await run(['startproject', 'mysite', 'site', '--no-install', '--force'], cwd);
    expect(forced.code).toBe(0);
    const files = await snapshotDir(target);
    expect(files['manage.ts']).toContain('executeFromCommandLine');
    expect(files['notes.txt']).toBe('unrelated');
    expect(Object.keys(files)).toEqual([...FILES, 'notes.txt'].sort());
    expect(forced.stdout).toContain('Next steps:\n  cd site\n');
  });

  it('creates a missing DIRECTORY (current Django) and "." means the working directory', async () => {
    const cwd = await workdir();
    expect((await run(['startproject', 'mysite', 'deep/er/site', '--no-install'], cwd)).code).toBe(
      0,
    );
    expect(Object.keys(await snapshotDir(path.join(cwd, 'deep/er/site')))).toEqual(FILES);
    const here = await workdir();
    const result = await run(['startproject', 'mysite', '.', '--no-install'], here);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Next steps:\n  npm install\n');
    expect(Object.keys(await snapshotDir(here))).toEqual(FILES);
  });

  it('refuses a DIRECTORY that is a file, or paths blocked by a folder', async () => {
    const cwd = await workdir();
    await writeFile(path.join(cwd, 'afile'), '');
    expect((await run(['startproject', 'mysite', 'afile', '--no-install'], cwd)).stderr).toBe(
      `CommandError: '${path.join(cwd, 'afile')}' exists and is not a directory\n`,
    );
    await mkdir(path.join(cwd, 'site/manage.ts'), { recursive: true });
    const blocked = await run(['startproject', 'mysite', 'site', '--no-install', '--force'], cwd);
    expect(blocked.stderr).toBe(
      'CommandError: site/manage.ts is in the way (not a file that can be replaced).\n',
    );
    expect(await snapshotDir(path.join(cwd, 'site'))).toEqual({});
  });

  it.each([
    [
      'my-site',
      "'my-site' is not a valid project name. Please make sure the name is a valid identifier.",
    ],
    [
      'fs',
      "'fs' conflicts with the name of an existing module and cannot be used as a project name. Please try another name.",
    ],
    [
      'class',
      "'class' is a reserved word in JavaScript and cannot be used as a project name. Please try another name.",
    ],
  ])('rejects the name %j with one line and writes nothing', async (name, message) => {
    const cwd = await workdir();
    expect(await run(['startproject', name, '--no-install'], cwd)).toEqual({
      code: 1,
      stdout: '',
      stderr: `CommandError: ${message}\n`,
    });
    expect(await snapshotDir(cwd)).toEqual({});
  });

  it('without a name exits 2 with the usage', async () => {
    const cwd = await workdir();
    expect(await run(['startproject'], cwd)).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'usage: tango-admin startproject [options] name [directory]\ntango-admin startproject: error: You must provide a project name.\n',
    });
  });

  it('reports a missing or unusable --template and writes nothing', async () => {
    const cwd = await workdir();
    const missing = await run(
      ['startproject', 'mysite', '--template', 'nope', '--no-install'],
      cwd,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `CommandError: couldn't handle project template ${path.join(cwd, 'nope')}: ENOENT: no such file or directory\n`,
    );
    await writeFile(path.join(cwd, 'file.tpl'), '');
    expect(
      (await run(['startproject', 'mysite', '--template', 'file.tpl', '--no-install'], cwd)).stderr,
    ).toBe(
      `CommandError: couldn't handle project template ${path.join(cwd, 'file.tpl')}: not a directory\n`,
    );
    // A template whose file cannot be read (a dangling symlink) is reported, not half-used.
    await mkdir(path.join(cwd, 'broken'));
    await symlink(path.join(cwd, 'gone'), path.join(cwd, 'broken', 'a.ts.hbs'));
    const unreadable = await run(
      ['startproject', 'mysite', '--template', 'broken', '--no-install'],
      cwd,
    );
    expect(unreadable.stderr).toBe(
      `CommandError: couldn't handle project template ${path.join(cwd, 'broken')}: ENOENT: no such file or directory\n`,
    );
    expect(Object.keys(await snapshotDir(cwd))).toEqual(['file.tpl']);
  });

  it('renders and formats a user --template; a missing variable names the file', async () => {
    const cwd = await workdir();
    const tpl = path.join(cwd, 'tpl');
    await mkdir(path.join(tpl, '__projectName__'), { recursive: true });
    await mkdir(path.join(tpl, '.git'));
    await writeFile(path.join(tpl, '.git', 'HEAD'), 'skipped');
    await writeFile(
      path.join(tpl, '__projectName__', 'index.ts.hbs'),
      'export const name="{{projectName}}"',
    );
    await writeFile(path.join(tpl, 'logo.bin'), Buffer.from([0, 255, 1]));
    const result = await run(['startproject', 'blog', '--template', 'tpl', '--no-install'], cwd);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const files = await snapshotDir(path.join(cwd, 'blog'));
    expect(Object.keys(files)).toEqual([
      '.prettierrc.json',
      'blog/index.ts',
      'logo.bin',
      'package.json',
      'tsconfig.json',
      `vendor/tango-${VERSION}.tgz`,
    ]);
    expect(files['blog/index.ts']).toBe("export const name = 'blog';\n");
    expect(await readFile(path.join(cwd, 'blog/logo.bin'))).toEqual(Buffer.from([0, 255, 1]));

    await writeFile(path.join(tpl, 'README.md.hbs'), '# {{projectName}}\n\n{{missing}}\n');
    const bad = await run(['startproject', 'other', '--template', 'tpl', '--no-install'], cwd);
    expect(bad).toEqual({
      code: 1,
      stdout: '',
      stderr: `CommandError: couldn't render the project template: README.md.hbs: 3:3: "missing" is not defined\n    3 | {{missing}}\n      |   ^\n`,
    });
    expect(await snapshotDir(path.join(cwd, 'other'))).toEqual({});
  });
});

describe('tango-admin startproject keeps the file system safe', () => {
  it.each([
    ['022', 0o022, 0o755],
    ['027', 0o027, 0o750],
  ])('under umask %s the new folders follow it (not 0700)', async (_, umask, mode) => {
    const cwd = await workdir();
    const previous = process.umask(umask);
    try {
      expect((await run(['startproject', 'mysite', '--no-install'], cwd)).code).toBe(0);
    } finally {
      process.umask(previous);
    }
    for (const dir of ['mysite', 'mysite/mysite', 'mysite/templates']) {
      expect((await stat(path.join(cwd, dir))).mode & 0o777, dir).toBe(mode);
    }
    expect((await stat(path.join(cwd, 'mysite/manage.ts'))).mode & 0o777).toBe(0o755 & ~umask);
  });

  it('never writes through a symbolic link in the target, even with --force', async () => {
    const cwd = await workdir();
    const precious = path.join(cwd, 'precious.ts');
    await writeFile(precious, 'not yours');
    await mkdir(path.join(cwd, 'elsewhere'));
    await mkdir(path.join(cwd, 'site'));
    await symlink(precious, path.join(cwd, 'site/manage.ts'));
    await symlink('../elsewhere', path.join(cwd, 'site/mysite'));
    expect(await run(['startproject', 'mysite', 'site', '--no-install', '--force'], cwd)).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'CommandError: site/manage.ts, site/mysite are symbolic links, and tango-admin never writes through one (not even with --force).\n',
    });
    expect(await readFile(precious, 'utf8')).toBe('not yours');
    expect(await readdir(path.join(cwd, 'elsewhere'))).toEqual([]);
    expect((await readdir(path.join(cwd, 'site'))).sort()).toEqual(['manage.ts', 'mysite']);
  });

  it('a name longer than the file system allows is one line, and nothing is written', async () => {
    const cwd = await workdir();
    const name = 'a'.repeat(300);
    expect(await run(['startproject', name, '--no-install'], cwd)).toEqual({
      code: 1,
      stdout: '',
      stderr: `CommandError: the project name '${name}' is too long for the file system (ENAMETOOLONG: name too long). Please try a shorter one.\n`,
    });
    expect(await readdir(cwd)).toEqual([]);
  });

  it('a long name the file system allows works: the hidden staging name is cut to fit', async () => {
    const cwd = await workdir();
    const name = 'b'.repeat(250);
    const result = await run(['startproject', name, '--no-install'], cwd);
    expect(result.stderr).toBe('');
    expect(await readdir(cwd)).toEqual([name]);
  });
});

describe('tango-admin as a process', () => {
  it('prints one line and no stack trace for a user mistake', async () => {
    const cwd = await workdir();
    const result = await spawnCli(['startproject', 'my-site'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "CommandError: 'my-site' is not a valid project name. Please make sure the name is a valid identifier.",
    );
  });

  it('runs npm install in the new project; on failure keeps the files and says how to retry', async () => {
    const cwd = await workdir();
    const bin = path.join(cwd, 'fakebin');
    await mkdir(bin);
    // A stand-in npm: records where and how it ran, and fails when told to.
    await writeFile(
      path.join(bin, 'npm'),
      `#!/bin/sh\necho "$PWD $*" >> "${path.join(cwd, 'npm.log')}"\nexit \${FAKE_NPM_EXIT:-0}\n`,
      { mode: 0o755 },
    );
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const ok = await spawnCli(['startproject', 'good'], cwd, env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Installing dependencies with npm install...');
    expect(ok.stdout).toContain('Next steps:\n  cd good\n  npm run migrate\n  npm start');
    expect(await readFile(path.join(cwd, 'npm.log'), 'utf8')).toBe(
      `${path.join(cwd, 'good')} install --no-audit --no-fund\n`,
    );

    const failed = await spawnCli(['startproject', 'bad'], cwd, { ...env, FAKE_NPM_EXIT: '3' });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe(
      'CommandError: npm install failed (exit code 3). The project files are in place; to retry: cd bad && npm install',
    );
    expect(Object.keys(await snapshotDir(path.join(cwd, 'bad')))).toEqual(
      FILES.map((f) => f.replace('mysite/', 'bad/')).sort(),
    );
  });

  it('ends quietly when the reader of its output goes away (tango-admin ... | head -1)', async () => {
    const cwd = await workdir();
    const child = spawn(
      process.execPath,
      [...fixtureArgs(), 'startproject', 'mysite', '--no-install'],
      { cwd, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.destroy(); // the reader is gone before the first line is written
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(Object.keys(await snapshotDir(path.join(cwd, 'mysite')))).toEqual(FILES);
  });
});
