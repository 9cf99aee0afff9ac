import { chmod, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as prettier from 'prettier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRETTIER_OPTIONS } from '../../src/generator/index.js';
import { run, snapshotDir, tempDir } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let n = 0;

/** A fresh generated project (no install); returns its folder. */
async function project(): Promise<string> {
  const cwd = path.join(tmp.dir, `p${n++}`);
  await mkdir(cwd);
  // --tango: no runtime to pack into vendor/, which these tests do not look at.
  const result = await run(['startproject', 'mysite', '--no-install', '--tango', '^0.1.0'], cwd);
  expect(result.code, result.stderr).toBe(0);
  return path.join(cwd, 'mysite');
}

const read = (root: string, file: string) => readFile(path.join(root, file), 'utf8');

beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('tango-admin startapp', () => {
  it('must run inside a project, and writes nothing otherwise', async () => {
    const cwd = path.join(tmp.dir, 'empty');
    await mkdir(cwd);
    expect(await run(['startapp', 'WebApp'], cwd)).toEqual({
      code: 1,
      stdout: '',
      stderr: `CommandError: startapp must run inside a Tango project (no manage.ts found in ${cwd})\n`,
    });
    expect(await snapshotDir(cwd)).toEqual({});
  });

  it('writes the app (tutorial by default) and registers it', async () => {
    const root = await project();
    const result = await run(['startapp', 'WebApp'], root);
    expect(result).toEqual({
      code: 0,
      stdout:
        'Created app WebApp in WebApp\nRegistered WebApp in mysite/settings.ts and mysite/urls.ts\n',
      stderr: '',
    });
    const files = Object.keys(await snapshotDir(path.join(root, 'WebApp')));
    for (const file of ['apps.ts', 'views.ts', 'urls.ts', 'tests.ts', 'migrations/.gitkeep'])
      expect(files).toContain(file);
    expect(files.some((f) => f.startsWith('templates/WebApp/') && f.endsWith('.html'))).toBe(true);
    const settings = await read(root, 'mysite/settings.ts');
    expect(settings).toContain(
      "INSTALLED_APPS: ['tango.admin', 'tango.sessions', 'tango.messages', 'tango.auth', 'WebApp'],",
    );
    const urls = await read(root, 'mysite/urls.ts');
    expect(urls).toContain("import webAppUrls from '../WebApp/urls.ts';");
    expect(urls).toContain(
      "  path('', include(webAppUrls)),\n  path('', views.home, { name: 'home' }),",
    );
    for (const source of [settings, urls]) {
      expect(await prettier.format(source, { ...PRETTIER_OPTIONS, parser: 'typescript' })).toBe(
        source,
      );
    }
  });

  it("follows the urlconf's import style: a project that imports './views.js' gets '.js'", async () => {
    const root = await project();
    const urlsPath = path.join(root, 'mysite/urls.ts');
    await writeFile(
      urlsPath,
      (await read(root, 'mysite/urls.ts')).replace('./views.ts', './views.js'),
    );
    expect((await run(['startapp', 'Blog', '--kind', 'minimal'], root)).code).toBe(0);
    expect(await read(root, 'mysite/urls.ts')).toContain("import blogUrls from '../Blog/urls.js';");
  });

  it('--kind minimal writes the minimal app', async () => {
    const root = await project();
    expect((await run(['startapp', 'blog', '--kind', 'minimal'], root)).code).toBe(0);
    expect(Object.keys(await snapshotDir(path.join(root, 'blog')))).toEqual([
      'apps.ts',
      'migrations/.gitkeep',
      'templates/blog/index.html',
      'tests.ts',
      'urls.ts',
      'views.ts',
    ]);
    expect(await read(root, 'blog/urls.ts')).toContain("path('blog/', views.index");
  });

  it('running it twice never duplicates the registration', async () => {
    const root = await project();
    await run(['startapp', 'WebApp', '--kind', 'minimal'], root);
    const settings = await read(root, 'mysite/settings.ts');
    const urls = await read(root, 'mysite/urls.ts');
    const again = await run(['startapp', 'WebApp', '--kind', 'minimal'], root);
    expect(again).toEqual({
      code: 1,
      stdout: '',
      stderr: `CommandError: '${path.join(root, 'WebApp')}' already exists\n`,
    });
    const forced = await run(['startapp', 'WebApp', '--kind', 'minimal', '--force'], root);
    expect(forced).toEqual({ code: 0, stdout: 'Created app WebApp in WebApp\n', stderr: '' });
    expect(await read(root, 'mysite/settings.ts')).toBe(settings);
    expect(await read(root, 'mysite/urls.ts')).toBe(urls);
  });

  it('leaves a hand-edited settings.ts untouched and prints the lines to add', async () => {
    const root = await project();
    const settingsPath = path.join(root, 'mysite/settings.ts');
    const handEdited = (await readFile(settingsPath, 'utf8')).replace(
      "INSTALLED_APPS: ['tango.admin', 'tango.sessions', 'tango.messages', 'tango.auth'],",
      'INSTALLED_APPS: [...BASE_APPS],',
    );
    await writeFile(settingsPath, handEdited);
    const result = await run(['startapp', 'WebApp', '--kind', 'minimal'], root);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'Created app WebApp in WebApp',
        'Registered WebApp in mysite/urls.ts',
        '',
        'Could not register WebApp automatically (mysite/settings.ts does not look as generated); add these lines by hand:',
        '',
        '  // mysite/settings.ts: add to INSTALLED_APPS',
        "  'WebApp',",
        '',
      ].join('\n'),
    );
    expect(await readFile(settingsPath, 'utf8')).toBe(handEdited);
    expect(await read(root, 'mysite/urls.ts')).toContain('include(webAppUrls)');
  });

  it('--dry-run prints CREATE and UPDATE lines and writes nothing', async () => {
    const root = await project();
    const before = await snapshotDir(root);
    const result = await run(['startapp', 'blog', '--kind', 'minimal', '--dry-run'], root);
    expect(result.code).toBe(0);
    expect(result.stdout.replace(/\(\d+ bytes\)/g, '(N bytes)')).toBe(
      [
        'CREATE blog/apps.ts (N bytes)',
        'CREATE blog/migrations/.gitkeep (N bytes)',
        'CREATE blog/templates/blog/index.html (N bytes)',
        'CREATE blog/tests.ts (N bytes)',
        'CREATE blog/urls.ts (N bytes)',
        'CREATE blog/views.ts (N bytes)',
        'UPDATE mysite/settings.ts (N bytes)',
        'UPDATE mysite/urls.ts (N bytes)',
        '',
      ].join('\n'),
    );
    expect(await snapshotDir(root)).toEqual(before);
  });

  it('writes into DIRECTORY and registers it by its folder path', async () => {
    const root = await project();
    const result = await run(['startapp', 'blog', 'apps/blog', '--kind', 'minimal'], root);
    expect(result.code, result.stderr).toBe(0);
    expect(await read(root, 'apps/blog/apps.ts')).toContain("defineApp({ name: 'blog' })");
    expect(await read(root, 'mysite/settings.ts')).toContain(
      "INSTALLED_APPS: ['tango.admin', 'tango.sessions', 'tango.messages', 'tango.auth', 'apps/blog'],",
    );
    expect(await read(root, 'mysite/urls.ts')).toContain(
      "import blogUrls from '../apps/blog/urls.ts';",
    );
  });

  it('validates the DIRECTORY name like Django, and never writes outside on a bad name', async () => {
    const root = await project();
    const before = await snapshotDir(root);
    expect((await run(['startapp', 'blog', 'my.blog'], root)).stderr).toBe(
      "CommandError: 'my.blog' is not a valid app directory. Please make sure the directory is a valid identifier.\n",
    );
    expect((await run(['startapp', 'blog', 'os/'], root)).stderr).toBe(
      "CommandError: 'os' conflicts with the name of an existing module and cannot be used as an app directory. Please try another directory.\n",
    );
    expect((await run(['startapp', 'my-app'], root)).stderr).toBe(
      "CommandError: 'my-app' is not a valid app name. Please make sure the name is a valid identifier.\n",
    );
    expect((await run(['startapp', 'http'], root)).stderr).toBe(
      "CommandError: 'http' conflicts with the name of an existing module and cannot be used as an app name. Please try another name.\n",
    );
    expect(await snapshotDir(root)).toEqual(before);
  });

  it('without a name exits 2', async () => {
    const root = await project();
    expect(await run(['startapp'], root)).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'usage: tango-admin startapp [options] name [directory]\ntango-admin startapp: error: You must provide an application name.\n',
    });
  });

  it('takes a user --template (formatted with prettier)', async () => {
    const root = await project();
    const tpl = path.join(root, '..', 'apptpl');
    await mkdir(tpl);
    await writeFile(
      path.join(tpl, 'apps.ts.hbs'),
      "import {defineApp} from 'tango/apps'\nexport default defineApp({name:'{{appName}}'})",
    );
    await writeFile(path.join(tpl, 'urls.ts'), 'export default []\n');
    const result = await run(['startapp', 'shop', '--template', '../apptpl'], root);
    expect(result.code, result.stderr).toBe(0);
    expect(await read(root, 'shop/apps.ts')).toBe(
      "import { defineApp } from 'tango/apps';\nexport default defineApp({ name: 'shop' });\n",
    );
    expect(await read(root, 'shop/urls.ts')).toBe('export default [];\n');
    const missing = await run(['startapp', 'other', '--template', 'nowhere'], root);
    expect(missing.stderr).toBe(
      `CommandError: couldn't handle app template ${path.join(root, 'nowhere')}: ENOENT: no such file or directory\n`,
    );
  });

  it('finds the project through package.json or the only */settings.ts', async () => {
    const root = await project();
    await writeFile(path.join(root, 'manage.ts'), '// rewritten by hand\n');
    expect((await run(['startapp', 'a', '--kind', 'minimal'], root)).code).toBe(0);
    await writeFile(path.join(root, 'package.json'), '{"name": "renamed"}\n');
    expect((await run(['startapp', 'b', '--kind', 'minimal'], root)).code).toBe(0);
    expect(await read(root, 'mysite/settings.ts')).toContain(
      "INSTALLED_APPS: ['tango.admin', 'tango.sessions', 'tango.messages', 'tango.auth', 'a', 'b'],",
    );
  });

  it.each([
    [
      'constructor',
      "'constructor' is a property of every JavaScript object and cannot be used as an app name. Please try another name.",
    ],
    [
      'toString',
      "'toString' is a property of every JavaScript object and cannot be used as an app name. Please try another name.",
    ],
    [
      '__proto__',
      "'__proto__' is a property of every JavaScript object and cannot be used as an app name. Please try another name.",
    ],
    [
      'sessions',
      "'sessions' is the label of the built-in app 'tango.sessions' and cannot be used as an app name. Please try another name.",
    ],
  ])(
    'refuses %j, which would stop every manage.ts command, and writes nothing',
    async (name, message) => {
      const root = await project();
      const before = await snapshotDir(root);
      expect(await run(['startapp', name, '--kind', 'minimal'], root)).toEqual({
        code: 1,
        stdout: '',
        stderr: `CommandError: ${message}\n`,
      });
      expect(await snapshotDir(root)).toEqual(before);
    },
  );

  it("refuses a DIRECTORY whose label is taken: a built-in's or another app's", async () => {
    const root = await project();
    expect((await run(['startapp', 'blog', 'apps/sessions'], root)).stderr).toBe(
      "CommandError: 'sessions' is the label of the built-in app 'tango.sessions' and cannot be used as an app directory. Please try another directory.\n",
    );
    expect((await run(['startapp', 'blog', '--kind', 'minimal'], root)).code).toBe(0);
    const before = await snapshotDir(root);
    expect(await run(['startapp', 'blog', 'apps/blog', '--kind', 'minimal'], root)).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "CommandError: the app label 'blog' is taken by INSTALLED_APPS entry 'blog' (labels must be unique). Please try another directory.\n",
    });
    expect(await run(['startapp', 'news', 'blog2/news', '--kind', 'minimal'], root)).toMatchObject({
      code: 0,
    });
    expect((await run(['startapp', 'news', '--kind', 'minimal'], root)).stderr).toBe(
      "CommandError: the app label 'news' is taken by INSTALLED_APPS entry 'blog2/news' (labels must be unique). Please try another name.\n",
    );
    expect(Object.keys(await snapshotDir(root)).filter((f) => !(f in before))).toEqual(
      Object.keys(await snapshotDir(path.join(root, 'blog2'))).map((f) => `blog2/${f}`),
    );
  });

  it('never edits through a symbolic link: the linked file is left alone and the lines printed', async () => {
    const root = await project();
    const outside = path.join(root, '..', 'shared-settings.ts');
    const settingsPath = path.join(root, 'mysite/settings.ts');
    await writeFile(outside, await readFile(settingsPath, 'utf8'));
    await rm(settingsPath);
    await symlink(outside, settingsPath);
    const original = await readFile(outside, 'utf8');
    const result = await run(['startapp', 'WebApp', '--kind', 'minimal'], root);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      [
        'Created app WebApp in WebApp',
        'Registered WebApp in mysite/urls.ts',
        '',
        'Could not register WebApp automatically (mysite/settings.ts is a symbolic link); add these lines by hand:',
        '',
        '  // mysite/settings.ts: add to INSTALLED_APPS',
        "  'WebApp',",
        '',
      ].join('\n'),
    );
    expect(await readFile(outside, 'utf8')).toBe(original);
  });

  it('says why each file was left alone: unreadable, and hand-edited', async () => {
    const root = await project();
    await rm(path.join(root, 'mysite/urls.ts'));
    await writeFile(path.join(root, 'mysite/settings.ts'), 'export default mine();\n');
    const result = await run(['startapp', 'WebApp', '--kind', 'minimal'], root);
    expect(result.stdout).toBe(
      [
        'Created app WebApp in WebApp',
        '',
        'Could not register WebApp automatically (mysite/settings.ts does not look as generated; mysite/urls.ts could not be read (ENOENT: no such file or directory)); add these lines by hand:',
        '',
        '  // mysite/settings.ts: add to INSTALLED_APPS',
        "  'WebApp',",
        '  // mysite/urls.ts: add to the imports',
        "  import { include } from 'tango/urls';",
        "  import webAppUrls from '../WebApp/urls.ts';",
        '  // mysite/urls.ts: add to the URL patterns',
        "  path('', include(webAppUrls)),",
        '',
      ].join('\n'),
    );
  });

  it('creates the app folder with the mode the umask gives (0755 under 022), edits keep theirs', async () => {
    const root = await project();
    const settingsPath = path.join(root, 'mysite/settings.ts');
    await chmod(settingsPath, 0o640);
    const previous = process.umask(0o022);
    try {
      expect((await run(['startapp', 'WebApp', '--kind', 'minimal'], root)).code).toBe(0);
    } finally {
      process.umask(previous);
    }
    expect((await stat(path.join(root, 'WebApp'))).mode & 0o777).toBe(0o755);
    expect((await stat(path.join(root, 'WebApp/templates'))).mode & 0o777).toBe(0o755);
    expect((await stat(path.join(root, 'WebApp/apps.ts'))).mode & 0o777).toBe(0o644);
    expect((await stat(settingsPath)).mode & 0o777).toBe(0o640);
  });

  it('a name longer than the file system allows is one line, and nothing is written', async () => {
    const root = await project();
    const before = await snapshotDir(root);
    const name = 'a'.repeat(300);
    expect(await run(['startapp', name], root)).toEqual({
      code: 1,
      stdout: '',
      stderr: `CommandError: the app name '${name}' is too long for the file system (ENAMETOOLONG: name too long). Please try a shorter one.\n`,
    });
    expect(await snapshotDir(root)).toEqual(before);
  });
});
