/**
 * Issue 2's end-to-end test, as the README's quick start runs it from a checkout: the real CLI
 * scaffolds a project with the tutorial app (`--app WebApp`) into a temp dir, packs the
 * checkout's runtime into its vendor/ folder and installs it; the project type-checks
 * (erasable-only TypeScript), migrates, serves `/` on a free port and passes its own tests.
 */
import { lstat, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { typescriptRunner } from '../../src/cli/typescript-runner.js';
import { manageScript } from '../../src/generator/project-files.js';
import {
  manage,
  REPO_ROOT,
  startServer,
  tangoAdmin,
  tempDir,
  type ProjectServer,
} from './helpers.js';

/** What the generated npm scripts run the TypeScript with on this Node (22.18+: node). */
const RUNNER = typescriptRunner();
/** What the npm scripts run: `node manage.ts`, or on Node 20 `node --import tango/register manage.ts`. */
const MANAGE = manageScript(RUNNER);

describe('startproject end to end', () => {
  let root: Awaited<ReturnType<typeof tempDir>>;
  let project: string;
  let server: ProjectServer | undefined;

  beforeAll(async () => {
    root = await tempDir('tango-e2e-');
    project = path.join(root.dir, 'mysite');
    const result = await tangoAdmin(['startproject', 'mysite', '--app', 'WebApp'], root.dir);
    expect(result.exitCode, result.all).toBe(0);
  });

  afterAll(async () => {
    await server?.stop();
    await root.cleanup();
  });

  it('installed the runtime of this checkout from the copy packed into vendor/', async () => {
    const { version } = JSON.parse(
      await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8'),
    ) as {
      version: string;
    };
    const pkg = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8'));
    expect(pkg.dependencies.tango).toBe(`file:vendor/tango-${version}.tgz`);
    const installed = path.join(project, 'node_modules', 'tango');
    expect((await lstat(installed)).isSymbolicLink()).toBe(false);
    expect(JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8')).name).toBe(
      'tango',
    );
  });

  it(`writes npm scripts that run the TypeScript with ${RUNNER} on Node ${process.versions.node}`, async () => {
    const pkg = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8'));
    expect(pkg.scripts.check).toBe(`${MANAGE} check`);
    const result = await execa('npm', ['run', 'check'], { cwd: project, reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain(`> ${MANAGE} check`);
  });

  it('type-checks with tsc --noEmit', async () => {
    const result = await execa('npx', ['tsc', '--noEmit'], {
      cwd: project,
      reject: false,
      all: true,
    });
    expect(result.exitCode, result.all).toBe(0);
  });

  it('passes manage.ts check', async () => {
    const result = await manage(project, ['check']);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toContain('System check identified no issues');
  });

  it('reads settings from the environment and .env; a malformed value is one line naming it', async () => {
    const bad = await manage(project, ['check'], { TANGO_DEBUG: 'maybe' });
    expect({ code: bad.exitCode, stderr: bad.stderr }).toEqual({
      code: 1,
      stderr:
        'ImproperlyConfigured: The TANGO_DEBUG environment variable must be true or false (also 1/0, yes/no, on/off), got "maybe".',
    });
    const envFile = path.join(project, '.env');
    await writeFile(envFile, "# a comment\nCACHE_URL='memcached://127.0.0.1:11211'\n");
    try {
      const fromFile = await manage(project, ['check']);
      expect({ code: fromFile.exitCode, stderr: fromFile.stderr }).toEqual({
        code: 1,
        stderr:
          'ImproperlyConfigured: The CACHE_URL environment variable must be redis://host:6379/0, rediss://host:6379/0, locmem:// or dummy://, got "memcached://127.0.0.1:11211".',
      });
      // A variable of the real environment wins over the file.
      const real = await manage(project, ['check'], { CACHE_URL: 'dummy://' });
      expect(real.exitCode, real.all).toBe(0);
    } finally {
      await rm(envFile);
    }
  });

  it('migrates, and a second migrate has nothing to apply', async () => {
    const first = await manage(project, ['migrate']);
    expect(first.exitCode, first.all).toBe(0);
    expect(first.stdout).toContain('Applying sessions.0001_initial... OK');
    const second = await manage(project, ['migrate']);
    expect(second.stdout).toContain('No migrations to apply.');
  });

  it('serves / with 200 on a free port and logs the request like Django', async () => {
    server = await startServer(project);
    const response = await fetch(server.url + '/');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('mysite');
    await new Promise((r) => setTimeout(r, 100));
    expect(server.output()).toMatch(
      /\[\d\d\/\w{3}\/\d{4} \d\d:\d\d:\d\d\] "GET \/ HTTP\/1\.1" 200 \d+/,
    );
    expect(await server.stop()).toBe(0);
    server = undefined;
  });

  it('prints no request lines with --noaccesslog', async () => {
    server = await startServer(project, {}, { args: ['--noaccesslog'] });
    expect((await fetch(server.url + '/')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect(server.output()).not.toContain('"GET / HTTP/1.1"');
    expect(await server.stop()).toBe(0);
    server = undefined;
  });

  it('restarts on a source change without --noreload, and stops on SIGTERM', async () => {
    const views = path.join(project, 'mysite', 'views.ts');
    const original = await readFile(views, 'utf8');
    server = await startServer(project, {}, { reload: true });
    try {
      expect(await (await fetch(server.url + '/')).text()).not.toContain('mysite-reloaded');
      await writeFile(
        views,
        original.replace("projectName: 'mysite'", "projectName: 'mysite-reloaded'"),
      );
      let body = '';
      for (let i = 0; i < 100 && !body.includes('mysite-reloaded'); i++) {
        await new Promise((r) => setTimeout(r, 200));
        body = await fetch(server.url + '/').then(
          (r) => r.text(),
          () => '',
        );
      }
      expect(body).toContain('mysite-reloaded');
      expect(server.output()).toContain('views.ts changed, reloading.');
    } finally {
      await writeFile(views, original);
    }
    expect(await server.stop()).toBe(0);
    server = undefined;
  });

  it("runs the project's own tests with npm test", async () => {
    const result = await execa('npm', ['test'], { cwd: project, reject: false, all: true });
    expect(result.exitCode, result.all).toBe(0);
    // node:test prints TAP on Node 20 and its spec reporter on newer Node.
    expect(result.all).toMatch(/(# |ℹ )pass [1-9]/);
    expect(result.all).toMatch(/(# |ℹ )fail 0/);
  });

  it('refuses to scaffold over the existing project and writes nothing', async () => {
    const result = await tangoAdmin(['startproject', 'mysite', '--no-install'], root.dir);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('already exists');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
