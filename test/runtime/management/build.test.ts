/**
 * `manage.ts build` (buildProject): a small project compiled into build/ runs with plain node,
 * names the same files through `new URL(..., import.meta.url)`, maps errors back to the .ts
 * lines; a failed build leaves everything as it was; a rebuild keeps what appeared in build/.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importString } from '../../../src/runtime/core/import-string.js';
import { CommandError } from '../../../src/runtime/management/base.js';
import { buildProject } from '../../../src/runtime/management/commands/build.js';
import { REPO_ROOT, tempDir } from '../../cli/helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let root: string;

/** Writes `files` (path → content) under the project folder. */
async function write(files: Record<string, string>): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), content);
  }
}

/** Every file under `dir`, relative, sorted. */
async function listing(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

const PROJECT = {
  'manage.ts': `#!/usr/bin/env -S npx tsx
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { greet } from './site/views.ts';

const envFile = fileURLToPath(new URL('./.env', import.meta.url));
const settings = fileURLToPath(new URL('./site/settings.ts', import.meta.url));
const template = fileURLToPath(new URL('./templates/home.html', import.meta.url));
const outside = fileURLToPath(new URL('../shared.txt', import.meta.url));
console.log(JSON.stringify({
  greeting: greet('build'),
  env: existsSync(envFile) ? readFileSync(envFile, 'utf8').trim() : null,
  settings: existsSync(settings) ? settings : null,
  template: readFileSync(template, 'utf8').trim(),
  outside: readFileSync(outside, 'utf8').trim(),
}));
if (process.argv[2] === 'fail') (await import('./site/helpers.ts')).fail();
`,
  'site/settings.ts': `export default { DEBUG: false } satisfies { DEBUG: boolean };\n`,
  'site/views.ts': `import { shout, type Shouted } from './helpers.ts';

export function greet(name: string): Shouted {
  return shout(\`hello \${name}\`);
}
`,
  'site/helpers.ts': `export type Shouted = string;

export function shout(text: string): Shouted {
  return text.toUpperCase();
}

export function fail(): never {
  // Line 9 of helpers.ts: the stack names it, through the source map.
  throw new Error('failed on purpose');
}
`,
  'site/types.d.ts': 'export type Nothing = never;\n',
  'site/migrations/0001_initial.sql': 'CREATE TABLE t (id integer);\n',
  'site/migrations/0002_more.ts': 'export async function up(): Promise<void> {}\n',
  'templates/home.html': '<p>home</p>\n',
  'static/site.css': 'p { color: red; }\n',
  'README.md': '# site\n',
  'package.json': '{ "type": "module" }\n',
  'tsconfig.json': '{}\n',
  '.env': 'TANGO_DEBUG=false\n',
  '.git/HEAD': 'ref: refs/heads/main\n',
  'db.sqlite3': 'data',
  'debug.log': 'log',
};

beforeEach(async () => {
  tmp = await tempDir();
  root = path.join(tmp.dir, 'site');
  await write(PROJECT);
  await writeFile(path.join(tmp.dir, 'shared.txt'), 'outside the project\n');
  await chmod(path.join(root, 'manage.ts'), 0o755);
  // The project's typescript (a devDependency of every generated project).
  await mkdir(path.join(root, 'node_modules'));
  await symlink(
    path.join(REPO_ROOT, 'node_modules', 'typescript'),
    path.join(root, 'node_modules', 'typescript'),
  );
});
afterEach(async () => {
  await tmp.cleanup();
});

describe('buildProject', () => {
  it('compiles the modules, copies the other files beside them and leaves out data, dot-files and manifests', async () => {
    const result = await buildProject(root);
    expect(result).toEqual({
      outDir: path.join(root, 'build'),
      compiled: 5,
      copied: 4,
      kept: [],
    });
    expect(await listing(path.join(root, 'build'))).toEqual([
      '.tango-build.json',
      'README.md',
      'manage.js',
      'manage.js.map',
      'site/helpers.js',
      'site/helpers.js.map',
      'site/migrations/0001_initial.sql',
      'site/migrations/0002_more.js',
      'site/migrations/0002_more.js.map',
      'site/settings.js',
      'site/settings.js.map',
      'site/views.js',
      'site/views.js.map',
      'static/site.css',
      'templates/home.html',
    ]);
    const views = await readFile(path.join(root, 'build/site/views.js'), 'utf8');
    expect(views).toContain('import { shout } from "./helpers.js";');
    expect(views).not.toMatch(/Shouted|: string/);
    const manage = await readFile(path.join(root, 'build/manage.js'), 'utf8');
    expect(manage.split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(manage).toContain(`new URL('./site/settings.js', import.meta.url)`);
    expect(manage).toContain(`new URL('../.env', import.meta.url)`);
    expect(manage).toContain(`new URL('./templates/home.html', import.meta.url)`);
    expect(manage).toContain(`new URL('../../shared.txt', import.meta.url)`);
    expect((await stat(path.join(root, 'build/manage.js'))).mode & 0o777).toBe(0o755);
    const map = JSON.parse(await readFile(path.join(root, 'build/site/views.js.map'), 'utf8'));
    expect(map.sources).toEqual(['../../site/views.ts']);
    const manifest = JSON.parse(await readFile(path.join(root, 'build/.tango-build.json'), 'utf8'));
    expect(manifest.files).toContain('site/views.js');
    expect(await readdir(root)).not.toContainEqual(expect.stringMatching(/^\.tango-build-/));
  });

  it('gives plain node a project that runs, finds its files and maps a stack to the .ts line', async () => {
    await buildProject(root);
    const run = await execa(process.execPath, ['build/manage.js'], { cwd: root });
    expect(JSON.parse(run.stdout)).toEqual({
      greeting: 'HELLO BUILD',
      env: 'TANGO_DEBUG=false',
      settings: path.join(root, 'build', 'site', 'settings.js'),
      template: '<p>home</p>',
      outside: 'outside the project',
    });
    const failed = await execa(
      process.execPath,
      ['--enable-source-maps', 'build/manage.js', 'fail'],
      { cwd: root, reject: false },
    );
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain('failed on purpose');
    expect(failed.stderr).toMatch(/site[/\\]helpers\.ts:9:9/);
  });

  it("lets settings keep naming modules by their source ('./site/helpers.ts#shout') in the build", async () => {
    await buildProject(root);
    const shout = (await importString(
      './site/helpers.ts#shout',
      'MIDDLEWARE',
      path.join(root, 'build'),
    )) as (text: string) => string;
    expect(shout('built')).toBe('BUILT');
    await expect(
      importString('./site/nowhere.ts#x', 'MIDDLEWARE', path.join(root, 'build')),
    ).rejects.toThrow("MIDDLEWARE entry './site/nowhere.ts#x' does not resolve: no such module.");
  });

  it('leaves the previous build untouched and no temporary folder when a file does not compile', async () => {
    await buildProject(root);
    const before = await readFile(path.join(root, 'build/site/views.js'), 'utf8');
    await write({ 'site/views.ts': 'export function greet(name: string {\n  return name;\n}\n' });
    await expect(buildProject(root)).rejects.toThrow(CommandError);
    await expect(buildProject(root)).rejects.toThrow(
      "site/views.ts:1:36: ',' expected. (manage.ts build compiled nothing).",
    );
    expect(await readFile(path.join(root, 'build/site/views.js'), 'utf8')).toBe(before);
    expect((await readdir(root)).filter((name) => name.startsWith('.tango-build-'))).toEqual([]);
  });

  it('writes no build/ at all when the first build fails', async () => {
    await write({ 'site/helpers.ts': 'export const = 1;\n' });
    await expect(buildProject(root)).rejects.toThrow(/^site\/helpers\.ts:1:14: /);
    expect(existsSync(path.join(root, 'build'))).toBe(false);
  });

  it('keeps files that appeared in build/ since the last build (a SQLite database), as the same files', async () => {
    await buildProject(root);
    await writeFile(path.join(root, 'build/db.sqlite3'), 'production data');
    await mkdir(path.join(root, 'build/media'));
    await writeFile(path.join(root, 'build/media/upload.png'), 'png');
    const inode = (await stat(path.join(root, 'build/db.sqlite3'))).ino;
    await write({ 'templates/about.html': '<p>about</p>\n' });
    const result = await buildProject(root);
    expect(result.kept).toEqual(['db.sqlite3', 'media/upload.png']);
    expect(await readFile(path.join(root, 'build/db.sqlite3'), 'utf8')).toBe('production data');
    expect((await stat(path.join(root, 'build/db.sqlite3'))).ino).toBe(inode);
    expect(existsSync(path.join(root, 'build/templates/about.html'))).toBe(true);
    // Kept again by the next build: they are still not the build's own files.
    expect((await buildProject(root)).kept).toEqual(['db.sqlite3', 'media/upload.png']);
  });

  it('drops from the new build what the sources no longer have', async () => {
    await buildProject(root);
    const { rm } = await import('node:fs/promises');
    await rm(path.join(root, 'static'), { recursive: true });
    await buildProject(root);
    expect(existsSync(path.join(root, 'build/static/site.css'))).toBe(false);
  });

  it('refuses to replace a file of build/ it did not write with one it writes', async () => {
    await buildProject(root);
    await writeFile(path.join(root, 'build/notes.md'), 'mine');
    await write({ 'notes.md': 'from the sources' });
    await expect(buildProject(root)).rejects.toThrow(
      'build/ holds files the last build did not write and this one would replace: notes.md. Move them out of build/, then build again.',
    );
    expect(await readFile(path.join(root, 'build/notes.md'), 'utf8')).toBe('mine');
  });

  it('refuses a build/ folder that manage.ts build did not write', async () => {
    await write({ 'build/index.html': 'a site of its own' });
    await expect(buildProject(root)).rejects.toThrow(
      'build/ exists and was not written by manage.ts build (it has no .tango-build.json); move it away or delete it, then build again.',
    );
    expect(await listing(path.join(root, 'build'))).toEqual(['index.html']);
  });

  it('says how to get typescript when the project has none', async () => {
    const { rm } = await import('node:fs/promises');
    await rm(path.join(root, 'node_modules'), { recursive: true });
    await expect(buildProject(root)).rejects.toThrow(
      "manage.ts build compiles with the project's typescript package, which is not installed: run npm install (package.json lists it in devDependencies).",
    );
  });

  it('removes the temporary folders of builds that were killed, not those of running ones', async () => {
    await mkdir(path.join(root, '.tango-build-999999999-dead'));
    await mkdir(path.join(root, `.tango-build-${process.pid}-running`));
    await buildProject(root);
    const left = (await readdir(root)).filter((name) => name.startsWith('.tango-build-'));
    expect(left).toEqual([`.tango-build-${process.pid}-running`]);
  });
});
