/**
 * Tango outside its checkout, through a real npm registry (verdaccio on 127.0.0.1, storage in a
 * temp dir; test/e2e/registry/server.ts).
 *
 * The checkout's `npm pack` tarballs of `tango` and `create-tango` are published there; then,
 * with only that registry configured and from an empty directory, a new user's steps:
 * `npm create tango@latest mysite`, `npx tango-admin startapp WebApp`, `npm run migrate`,
 * `npm start`, `/hits/` twice (1, then 2) and the project's own `npm test`. A project scaffolded
 * from a checkout keeps installing and passing its tests once the checkout has moved away, and
 * the packed tarball scaffolds through `npx --package`.
 *
 * Every npm command runs with a clean environment (no `npm_config_*` of the `npm test` that
 * started vitest) and a user config naming only the registry. The npm cache is a fresh folder
 * (so `npx`/`npm create` install create-tango anew, as a new user does) whose `_cacache`
 * shares the tester's content cache, so tarballs already on this machine are not downloaded
 * again; the registry still serves every package document. better-sqlite3's addon comes from
 * test/e2e/prebuilt.ts instead of GitHub.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, lstat, mkdir, readFile, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { typescriptRunner } from '../../src/cli/typescript-runner.js';
import { manageScript, SERVER_NODE_FLAGS } from '../../src/generator/project-files.js';
import { CookieJar, freePort, REPO_ROOT, tempDir } from './helpers.js';
import { usePrebuiltSqlite } from './prebuilt.js';
import { startRegistry, type Registry } from './registry/server.js';

const VERSION = (
  JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/** What runs the project's TypeScript on the Node running this test (22.18+: node itself). */
const RUNNER = typescriptRunner();

/** The environment of a user's shell: ours without what `npm test` exported to its scripts. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined || /^(npm_|INIT_CWD$)/i.test(key)) continue;
    env[key] = value;
  }
  // Node headers for compiling native addons when no prebuilt binary fits (CI sets this for
  // the Node versions it installs; there is no network to download them).
  const nodedir = process.env.npm_config_nodedir;
  if (nodedir) env.npm_config_nodedir = nodedir;
  return env;
}

/** Lines npm prints that look like failures; the README's troubleshooting explains these. */
const EXPLAINED = [/^npm warn exec The following package was not found and will be installed/];

function unexplainedWarnings(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => /^npm (warn|error)|\bERR!|\bWARN\b/i.test(line))
    .filter((line) => !EXPLAINED.some((pattern) => pattern.test(line)));
}

describe('tango from a registry, as a new user gets it', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let registry: Registry;
  let env: Record<string, string>;
  let home: string;
  let project: string;
  let tarballs: { tango: string; createTango: string };
  /** `npm publish --dry-run` of each package, run before anything is published. */
  let dryRuns: { exitCode?: number; all?: string }[];

  /** Runs `command` as the user would type it, in `cwd`. */
  function run(command: string, args: string[], cwd: string, extra: Record<string, string> = {}) {
    return execa(command, args, {
      cwd,
      env: { ...env, ...extra },
      extendEnv: false,
      reject: false,
      all: true,
    });
  }

  /** `npm pack` in `dir` into the temp folder; returns the tarball's path. */
  async function pack(dir: string): Promise<string> {
    const result = await run(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp.dir],
      dir,
    );
    expect(result.exitCode, result.all).toBe(0);
    const [{ filename }] = JSON.parse(result.stdout) as [{ filename: string }];
    return path.join(tmp.dir, filename);
  }

  beforeAll(async () => {
    tmp = await tempDir('tango-registry-');
    home = path.join(tmp.dir, 'home');
    await mkdir(home);
    await usePrebuiltSqlite(tmp.dir);
    registry = await startRegistry(path.join(tmp.dir, 'registry'));
    const cache = path.join(tmp.dir, 'npm-cache');
    await mkdir(cache);
    const shared = path.join(
      (await execa('npm', ['config', 'get', 'cache'], { reject: false })).stdout.trim(),
      '_cacache',
    );
    if (existsSync(shared)) await symlink(shared, path.join(cache, '_cacache'));
    env = {
      ...cleanEnv(),
      npm_config_userconfig: registry.userConfig,
      npm_config_cache: cache,
      npm_config_update_notifier: 'false',
    };
    tarballs = {
      tango: await pack(REPO_ROOT),
      createTango: await pack(path.join(REPO_ROOT, 'packages', 'create-tango')),
    };
    dryRuns = [];
    for (const dir of [REPO_ROOT, path.join(REPO_ROOT, 'packages', 'create-tango')]) {
      dryRuns.push(
        await run('npm', ['publish', '--dry-run', '--ignore-scripts'], dir, {
          npm_config_userconfig: registry.publisherConfig,
        }),
      );
    }
    for (const tarball of Object.values(tarballs)) {
      const result = await run('npm', ['publish', tarball], tmp.dir, {
        npm_config_userconfig: registry.publisherConfig,
      });
      expect(result.exitCode, result.all).toBe(0);
    }
  });

  afterAll(async () => {
    await registry?.stop();
    await tmp?.cleanup();
  });

  it('packs tango with everything a user needs and nothing from the repository', async () => {
    const result = await run('tar', ['tzf', tarballs.tango], tmp.dir);
    const files = result.stdout.split('\n').map((f) => f.replace(/^package\//, ''));
    for (const needed of [
      'package.json',
      'README.md',
      'bin/tango-admin.js',
      'dist/cli/main.js',
      'dist/runtime/http/index.d.ts',
      'templates/project/manage.ts.hbs',
      'templates/app/tutorial/__appName__/migrations/.gitkeep',
      'scripts/build.mjs',
    ]) {
      expect(files).toContain(needed);
    }
    expect(files.filter((f) => /^(src|test|bench|docs|node_modules|packages)\//.test(f))).toEqual(
      [],
    );
    // Every public entry point resolves to a file in the tarball, with its types.
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      exports: Record<string, string | { types: string; default: string }>;
    };
    for (const [entry, target] of Object.entries(pkg.exports)) {
      const paths = typeof target === 'string' ? [target] : [target.types, target.default];
      for (const p of paths) expect(files, entry).toContain(p.replace(/^\.\//, ''));
    }
  });

  it('publishes cleanly: npm publish --dry-run prints no warning for either package', () => {
    expect(dryRuns.map((r) => r.all ?? '').join('\n')).toContain('+ create-tango@');
    for (const result of dryRuns) {
      expect(result.exitCode, result.all).toBe(0);
      expect(unexplainedWarnings(result.all ?? ''), result.all).toEqual([]);
    }
  });

  it('npm create tango@latest mysite scaffolds and installs a project on ^version', async () => {
    const result = await run('npm', ['create', 'tango@latest', 'mysite'], home);
    expect(result.exitCode, result.all).toBe(0);
    expect(unexplainedWarnings(result.all ?? ''), result.all).toEqual([]);
    project = path.join(home, 'mysite');
    const pkg = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8'));
    expect(pkg.dependencies.tango).toBe(`^${VERSION}`);
    expect(existsSync(path.join(project, 'vendor'))).toBe(false);
    // Installed from the registry: a real folder, not a link to a checkout.
    expect((await lstat(path.join(project, 'node_modules', 'tango'))).isDirectory()).toBe(true);
    const lock = await readFile(path.join(project, 'package-lock.json'), 'utf8');
    expect(lock).toContain(`${registry.url}tango/-/tango-${VERSION}.tgz`);
  });

  it(`runs the project's TypeScript with ${RUNNER} on Node ${process.versions.node}`, async () => {
    const pkg = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8'));
    expect(pkg.scripts.migrate).toBe(`${manageScript(RUNNER)} migrate`);
    expect(pkg.scripts.start).toBe(`${manageScript(RUNNER, SERVER_NODE_FLAGS)} runserver`);
    const tsconfig = JSON.parse(await readFile(path.join(project, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.compilerOptions.erasableSyntaxOnly).toBe(true);
  });

  it('npx tango-admin startapp WebApp adds the tutorial app', async () => {
    const result = await run('npx', ['tango-admin', 'startapp', 'WebApp'], project);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('Registered WebApp in mysite/settings.ts and mysite/urls.ts');
  });

  it('npm run migrate creates the session table', async () => {
    const result = await run('npm', ['run', 'migrate'], project);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('Applying sessions.0001_initial... OK');
  });

  it('npm start serves /hits/: 1, then 2', async () => {
    const port = await freePort();
    // Its own process group, so stopping it stops npm, the shell and the server.
    const child = spawn('npm', ['start', '--', `127.0.0.1:${port}`, '--noreload'], {
      cwd: project,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no server:\n${output}`)), 60_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Quit the server with')) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        void exited.then(() => reject(new Error(`the server exited:\n${output}`)));
      });
      expect(output).toContain(`> ${manageScript(RUNNER, SERVER_NODE_FLAGS)} runserver`);
      const jar = new CookieJar();
      for (const n of [1, 2]) {
        const response = await jar.fetch(`http://127.0.0.1:${port}/hits/`);
        expect(response.status).toBe(200);
        expect(await response.text()).toMatch(new RegExp(`Number of Hits are: ${n}\\b`));
      }
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
  });

  it("passes the project's own npm test", async () => {
    const result = await run('npm', ['test'], project);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(/(# |ℹ )pass [1-9]/);
    expect(result.all).toMatch(/(# |ℹ )fail 0/);
  });

  it('the packed tarball scaffolds with npx --package (a semver spec, no file: path)', async () => {
    const dir = path.join(tmp.dir, 'from-tarball');
    await mkdir(dir);
    const result = await run(
      'npx',
      [
        '--yes',
        `--package=${tarballs.tango}`,
        'tango-admin',
        'startproject',
        'site',
        '--no-install',
      ],
      dir,
    );
    expect(result.exitCode, result.all).toBe(0);
    const pkg = JSON.parse(await readFile(path.join(dir, 'site', 'package.json'), 'utf8'));
    expect(pkg.dependencies.tango).toBe(`^${VERSION}`);
  });

  describe('a project scaffolded from a checkout', () => {
    let checkout: string;
    let site: string;
    let scaffold: { exitCode?: number; all?: string };

    beforeAll(async () => {
      // A checkout of this repository (what `git clone` + `npm install` leave), elsewhere.
      checkout = path.join(tmp.dir, 'checkout');
      await mkdir(checkout);
      for (const part of [
        'package.json',
        'README.md',
        'bin',
        'dist',
        'src',
        'templates',
        'scripts',
      ]) {
        await cp(path.join(REPO_ROOT, part), path.join(checkout, part), { recursive: true });
      }
      await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(checkout, 'node_modules'));
      const user = path.join(tmp.dir, 'from-checkout');
      await mkdir(user);
      site = path.join(user, 'site');
      scaffold = await run(
        process.execPath,
        [path.join(checkout, 'bin', 'tango-admin.js'), 'startproject', 'site', '--app', 'WebApp'],
        user,
      );
      expect(scaffold.exitCode, scaffold.all).toBe(0);
    });

    it('installs it without a warning', () => {
      expect(scaffold.all).toContain('added ');
      expect(unexplainedWarnings(scaffold.all ?? ''), scaffold.all).toEqual([]);
    });

    it('depends on the runtime packed into vendor/, installed as a copy', async () => {
      const pkg = JSON.parse(await readFile(path.join(site, 'package.json'), 'utf8'));
      expect(pkg.dependencies.tango).toBe(`file:vendor/tango-${VERSION}.tgz`);
      expect(existsSync(path.join(site, 'vendor', `tango-${VERSION}.tgz`))).toBe(true);
      expect((await lstat(path.join(site, 'node_modules', 'tango'))).isDirectory()).toBe(true);
      expect(await readFile(path.join(site, 'package-lock.json'), 'utf8')).not.toContain(checkout);
      expect(existsSync(path.join(site, 'WebApp', 'urls.ts'))).toBe(true);
    });

    it('keeps working, and reinstalls, once the checkout has moved away and is gone', async () => {
      const moved = path.join(tmp.dir, 'moved-checkout');
      await rename(checkout, moved);
      await rm(moved, { recursive: true, force: true });

      const test = await run('npm', ['test'], site);
      expect(test.exitCode, test.all).toBe(0);

      await rm(path.join(site, 'node_modules'), { recursive: true, force: true });
      const install = await run('npm', ['install'], site);
      expect(install.exitCode, install.all).toBe(0);
      expect(unexplainedWarnings(install.all ?? ''), install.all).toEqual([]);
      const again = await run('npm', ['test'], site);
      expect(again.exitCode, again.all).toBe(0);
      expect(again.all).toMatch(/(# |ℹ )fail 0/);
    });
  });
});
