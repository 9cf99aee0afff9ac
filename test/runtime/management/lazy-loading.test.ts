/**
 * Start-up: `manage.ts help`, `manage.ts check` and `tango-admin startproject --no-install`
 * load only what they need (issue 16, item 5; timed by bench/startup.mjs). Each runs in a child
 * process with a hook that records every module it loads (test/fixtures/startup/
 * load-recorder.mjs), and the test names modules that must not be among them: database and
 * cache drivers, Handlebars, prettier, yargs, and the server, database and cache code of the
 * runtime. Each list also names a module that must be there, so a recorder that records
 * nothing fails.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testRunnerExecArgv } from '../../../src/runtime/management/commands/test.js';
import { BUILTIN_COMMANDS, loadCommand } from '../../../src/runtime/management/index.js';
import { enableCompileCache, manageCommandLine } from '../../../src/runtime/management/registry.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/startup/', import.meta.url));
const RECORDER = path.join(FIXTURES, 'load-recorder.mjs');
/** tsx's loader, by URL: the children run in a scratch folder, where `tsx` does not resolve. */
const TSX = import.meta.resolve('tsx');

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'tango-startup-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Runs `script args` under tsx with the recorder; returns its output and the loaded files. */
async function loaded(script: string, args: string[], cwd = scratch) {
  const log = path.join(scratch, `load-${Math.random().toString(36).slice(2)}.log`);
  const { code, stdout, stderr } = await new Promise<{
    code: number;
    stdout: string;
    stderr: string;
  }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', TSX, '--import', RECORDER, path.join(FIXTURES, script), ...args],
      { cwd, env: { ...process.env, TANGO_LOAD_LOG: log, CI: 'true' } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
  const files = (await readFile(log, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const location = line.slice(4);
      return location.startsWith('file:') ? fileURLToPath(location) : location;
    })
    .map((file) => file.split(path.sep).join('/'));
  return { code, stdout, stderr, files };
}

/** The files of `files` inside one of the npm packages `names`. */
function fromPackages(files: string[], names: string[]): string[] {
  return files.filter((file) => names.some((name) => file.includes(`/node_modules/${name}/`)));
}

/** The files of `files` inside one of the runtime's folders `folders` (src/runtime/<folder>/). */
function fromRuntime(files: string[], folders: string[]): string[] {
  return files.filter((file) => folders.some((folder) => file.includes(`/src/runtime/${folder}/`)));
}

const DRIVERS = [
  'better-sqlite3',
  'pg',
  'redis',
  '@redis/client',
  'handlebars',
  'prettier',
  'yargs',
];

describe('manage.ts help', () => {
  it('lists every command without loading a command module, a driver or the server', async () => {
    const { code, stdout, stderr, files } = await loaded('manage.ts', ['help']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {4}runserver +Starts a lightweight web server/m);
    expect(stdout).toMatch(/^ {4}clearsessions +/m);
    // The recorder works: the settings and the sessions app were loaded.
    expect(files.some((f) => f.endsWith('/test/fixtures/site/site/settings.ts'))).toBe(true);
    expect(files.some((f) => f.endsWith('/src/runtime/sessions/apps.ts'))).toBe(true);
    expect(fromPackages(files, DRIVERS)).toEqual([]);
    expect(
      fromRuntime(files, ['server', 'handlers', 'template', 'cache', 'urls', 'views', 'http']),
    ).toEqual([]);
    expect(files.filter((f) => f.includes('/src/runtime/management/commands/'))).toEqual([]);
    expect(files.filter((f) => f.includes('/src/runtime/sessions/engines'))).toEqual([]);
  });

  it('loads the one module `help <command>` asks about', async () => {
    const { code, stdout, files } = await loaded('manage.ts', ['help', 'migrate']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: manage\.ts migrate/);
    const commands = files.filter((f) => f.includes('/src/runtime/management/commands/'));
    expect(commands.map((f) => path.basename(f))).toEqual(['migrate.ts']);
    expect(fromPackages(files, DRIVERS)).toEqual([]);
  });
});

describe('manage.ts check', () => {
  it('loads the project as the server would, but no driver, server or other command', async () => {
    const { code, stdout, files } = await loaded('manage.ts', ['check']);
    expect(stdout).toContain('System check identified');
    expect(code).toBe(0);
    expect(files.some((f) => f.endsWith('/src/runtime/handlers/base.ts'))).toBe(true);
    expect(
      fromPackages(files, ['better-sqlite3', 'pg', 'redis', '@redis/client', 'prettier', 'yargs']),
    ).toEqual([]);
    expect(fromRuntime(files, ['server'])).toEqual([]);
    const commands = files.filter((f) => f.includes('/src/runtime/management/commands/'));
    expect(commands.map((f) => path.basename(f))).toEqual(['check.ts']);
  });
});

describe('tango-admin startproject --no-install', () => {
  it('loads the generator and Handlebars, not prettier, yargs or the runtime', async () => {
    const { code, stderr, files } = await loaded('tango-admin.ts', [
      'startproject',
      'mysite',
      '--no-install',
      '--tango',
      '^0.1.0',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(fromPackages(files, ['handlebars']).length).toBeGreaterThan(0);
    expect(fromPackages(files, ['prettier', 'yargs', 'better-sqlite3', 'pg', 'redis'])).toEqual([]);
    expect(files.filter((f) => f.includes('/src/runtime/'))).toEqual([]);
  });
});

describe('BUILTIN_COMMANDS', () => {
  it("lists each command with its module's own help text", async () => {
    expect(BUILTIN_COMMANDS.size).toBeGreaterThan(0);
    for (const [name, entry] of BUILTIN_COMMANDS) {
      const command = await loadCommand(entry);
      expect({ name, help: entry.help }).toEqual({ name, help: command.help });
      expect({ name, requiresSettings: entry.requiresSettings ?? true }).toEqual({
        name,
        requiresSettings: command.requiresSettings ?? true,
      });
    }
  });
});

describe('manage.ts test without tsx where Node strips types', () => {
  it("gives the test runner manage.ts's own flags, adding tsx only where nothing else can run TypeScript", () => {
    // Node 22.18+ / 24, `node manage.ts test`: plain node, no tsx.
    expect(testRunnerExecArgv([], 'strip')).toEqual([]);
    expect(testRunnerExecArgv(['--max-semi-space-size=32'], 'strip')).toEqual([
      '--max-semi-space-size=32',
    ]);
    // (null: a Node without type stripping, Node 20.) Started by the tsx CLI: its loader
    // flags carry over.
    const viaTsx = [
      '--require',
      '/p/node_modules/tsx/dist/preflight.cjs',
      '--import',
      'file:///p/node_modules/tsx/dist/loader.mjs',
    ];
    expect(testRunnerExecArgv(viaTsx, null)).toEqual(viaTsx);
    expect(testRunnerExecArgv(['--import=tsx'], null)).toEqual(['--import=tsx']);
    // Node 20 with no loader (settings handed over in-process): tsx, as before.
    expect(testRunnerExecArgv([], null)).toEqual(['--import', 'tsx']);
    // The inspector and watch flags stay with manage.ts.
    expect(testRunnerExecArgv(['--inspect=9229', '--watch', '--import', 'tsx'], null)).toEqual([
      '--import',
      'tsx',
    ]);
  });
});

describe('manageCommandLine', () => {
  it('names manage.ts the way this process runs it', () => {
    expect(manageCommandLine('migrate', ['/usr/bin/node', '/p/manage.ts'], [], '/p')).toBe(
      'node manage.ts migrate',
    );
    expect(
      manageCommandLine('migrate', ['/usr/bin/node', '/p/manage.ts'], ['--import', 'tsx'], '/p'),
    ).toBe('npx tsx manage.ts migrate');
    expect(
      manageCommandLine(
        'migrate',
        ['/usr/bin/node', '/p/manage.ts'],
        ['--require', '/p/node_modules/tsx/dist/preflight.cjs'],
        '/p',
      ),
    ).toBe('npx tsx manage.ts migrate');
    expect(manageCommandLine('migrate', ['/usr/bin/node', '/p/build/manage.js'], [], '/p')).toBe(
      'node build/manage.js migrate',
    );
    // Not a manage script (a test runner): the project's manage.ts.
    expect(manageCommandLine('migrate', ['/usr/bin/node', '/x/vitest.mjs'], [], '/p')).toBe(
      'node manage.ts migrate',
    );
  });
});

describe('enableCompileCache', () => {
  it('turns on the compile cache where Node has one (22.1+), and says so', async () => {
    const { execFileSync } = await import('node:child_process');
    const registry = new URL('../../../src/runtime/management/registry.ts', import.meta.url).href;
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        TSX,
        '--input-type=module',
        '-e',
        `const { enableCompileCache } = await import(${JSON.stringify(registry)});
         const on = enableCompileCache();
         const dir = (await import('node:module')).getCompileCacheDir?.();
         console.log(JSON.stringify({ on, dir: dir ?? null }));`,
      ],
      { encoding: 'utf8', env: { ...process.env, NODE_COMPILE_CACHE: '' } },
    );
    const { on, dir } = JSON.parse(out) as { on: boolean; dir: string | null };
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    const supported = major > 22 || (major === 22 && minor >= 1);
    expect({ on, cacheDir: dir !== null }).toEqual({ on: supported, cacheDir: supported });
    expect(typeof enableCompileCache).toBe('function');
  });
});
