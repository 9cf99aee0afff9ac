/**
 * How the CLI leaves the checkout: the runtime packed as npm packs it (vendor/ of projects
 * generated from a checkout), the dependency spec for each way the CLI is run, create-tango's
 * copy of the CLI, and the tarball's install script that needs nothing outside the tarball.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { packageInfo, type PackageInfo } from '../../src/cli/package-root.js';
import { runtimeDependency } from '../../src/cli/runtime-dependency.js';
import { createTarball } from '../../src/cli/tarball.js';
import { typescriptRunner } from '../../src/cli/typescript-runner.js';
import { packedFiles, packRuntime } from '../../src/cli/vendor.js';
import { REPO_ROOT, snapshotDir, tempDir } from './helpers.js';
import { isCI } from '../support/services.js';

const CREATE_TANGO = path.join(REPO_ROOT, 'packages', 'create-tango');
const manifest = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  version: string;
  files: string[];
  engines: { node: string };
  exports: Record<string, { types: string; default: string } | string>;
};
const built = existsSync(path.join(REPO_ROOT, 'dist', 'cli', 'main.js'));
const bundled = existsSync(path.join(CREATE_TANGO, 'lib', 'cli', 'create.js'));
// Under CI a missing build fails these tests (they run) instead of skipping them.

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('createTarball', () => {
  it('writes a gzip ustar archive that tar reads back, long paths and modes included', async () => {
    const long = `package/${'deep/'.repeat(25)}file.txt`; // 133 bytes: needs the prefix field
    const tgz = createTarball([
      { path: 'package/a.txt', content: new TextEncoder().encode('hello\n') },
      { path: 'package/bin/run.js', content: new Uint8Array([1, 2, 3]), executable: true },
      { path: long, content: new Uint8Array(1000).fill(65) },
    ]);
    const file = path.join(tmp.dir, 'x.tgz');
    await writeFile(file, tgz);
    const listing = execFileSync('tar', ['tvzf', file], { encoding: 'utf8' }).trim().split('\n');
    expect(listing.map((l) => l.split(/\s+/).at(-1))).toEqual([
      'package/a.txt',
      'package/bin/run.js',
      long,
    ]);
    expect(listing[0]).toMatch(/^-rw-r--r-- .* 6 1985-10-26 /);
    expect(listing[1]).toMatch(/^-rwxr-xr-x /);
    const out = path.join(tmp.dir, 'x');
    await mkdir(out);
    execFileSync('tar', ['xzf', file, '-C', out]);
    expect(await readFile(path.join(out, 'package/a.txt'), 'utf8')).toBe('hello\n');
    expect((await readFile(path.join(out, long))).length).toBe(1000);
  });

  it('is deterministic and refuses a path ustar cannot hold', () => {
    const entries = [{ path: 'package/a', content: new Uint8Array([1]) }];
    expect(createTarball(entries)).toEqual(createTarball(entries));
    expect(() => createTarball([{ path: 'x'.repeat(101), content: new Uint8Array() }])).toThrow(
      /too long for a ustar header/,
    );
  });
});

describe('the package exports', () => {
  /** Every `from 'tango/<entry>'` in the files a user reads or copies: templates, docs, TSDoc. */
  async function documentedEntries(): Promise<Map<string, string>> {
    const { stdout } = await execa(
      'grep',
      ['-rnoE', "from 'tango/[a-z/_-]+'", 'templates', 'docs', 'src', 'README.md'],
      { cwd: REPO_ROOT },
    );
    const entries = new Map<string, string>();
    for (const line of stdout.split('\n')) {
      const match = /^([^:]+:\d+):from 'tango\/([a-z/_-]+)'$/.exec(line);
      if (match) entries.set(`./${match[2]}`, match[1]!);
    }
    return entries;
  }

  it('export every tango/* entry the templates, docs and examples import (tango/views too)', async () => {
    const entries = await documentedEntries();
    expect(entries.has('./views')).toBe(true);
    const missing = [...entries].filter(([entry]) => !(entry in manifest.exports));
    expect(missing).toEqual([]);
    expect(manifest.exports['./views']).toEqual({
      types: './dist/runtime/views/index.d.ts',
      default: './dist/runtime/views/index.js',
    });
    for (const target of Object.values(manifest.exports)) {
      if (typeof target === 'string') continue;
      // Each entry's source exists (dist/runtime/x/index.js is built from src/runtime/x/index.ts).
      expect(
        existsSync(
          path.join(
            REPO_ROOT,
            target.default.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'),
          ),
        ),
      ).toBe(true);
    }
  });
});

describe.skipIf(!built && !isCI())('packing the runtime (needs npm run build)', () => {
  it('takes exactly the files npm pack takes', async () => {
    const { stdout } = await execa(
      'npm',
      ['pack', '--dry-run', '--json', '--ignore-scripts', '--workspaces=false'],
      { cwd: REPO_ROOT },
    );
    const [npm] = JSON.parse(stdout) as [{ files: { path: string }[] }];
    expect(await packedFiles(REPO_ROOT, manifest.files)).toEqual(
      npm.files.map((f) => f.path).sort(),
    );
  });

  it('packs tango-<version>.tgz with the built CLI, the types of every entry and the templates', async () => {
    const packed = await packRuntime(REPO_ROOT);
    expect(packed.fileName).toBe(`tango-${manifest.version}.tgz`);
    for (const file of [
      'bin/tango-admin.js',
      'dist/cli/main.js',
      'scripts/build.mjs',
      'templates/project/manage.ts.hbs',
      // A dot-file: npm packs it (unlike .gitignore and .npmrc, which templates rename).
      'templates/project/.env.example.hbs',
      'templates/app/tutorial/__appName__/migrations/.gitkeep',
    ]) {
      expect(packed.files).toContain(file);
    }
    for (const target of Object.values(manifest.exports)) {
      for (const file of typeof target === 'string' ? [target] : [target.types, target.default]) {
        expect(packed.files).toContain(file.replace(/^\.\//, ''));
      }
    }
    expect(packed.files.filter((f) => /^(src|test|node_modules)\//.test(f))).toEqual([]);
  });

  it("prepare, npm's install script for file: and git dependencies, needs nothing outside the package", async () => {
    const copy = path.join(tmp.dir, 'installed-tango');
    const archive = path.join(tmp.dir, 'tango.tgz');
    await writeFile(archive, (await packRuntime(REPO_ROOT)).bytes);
    await mkdir(copy);
    execFileSync('tar', ['xzf', archive, '-C', copy, '--strip-components=1']);
    // The published package keeps `prepare` (it builds dist/ in a git checkout) ...
    const { prepare } = (manifest as unknown as { scripts: Record<string, string> }).scripts;
    expect(prepare).toBe('node scripts/build.mjs --if-stale');
    const result = await execa('sh', ['-c', prepare!], { cwd: copy, reject: false, all: true });
    expect({ code: result.exitCode, output: result.all }).toEqual({ code: 0, output: '' });
    // ... and the vendored copy drops it, so installing it runs no install script of Tango's.
    const vendored = JSON.parse(await readFile(path.join(copy, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(vendored.scripts.prepare).toBeUndefined();
    expect(vendored.scripts.build).toBe('node scripts/build.mjs');
  });
});

describe('the runtime dependency of a new project', () => {
  const checkout: PackageInfo = {
    root: REPO_ROOT,
    name: 'tango',
    version: manifest.version,
    templates: path.join(REPO_ROOT, 'templates'),
    checkout: REPO_ROOT,
  };
  const installed: PackageInfo = { ...checkout, checkout: undefined };

  it('is --tango as given, whatever runs the CLI', async () => {
    expect(await runtimeDependency(checkout, 'file:../x.tgz')).toEqual({
      source: 'option',
      spec: 'file:../x.tgz',
    });
  });

  it('is ^<version> when the CLI is an installed package (registry, tarball, npx)', async () => {
    expect(await runtimeDependency(installed)).toEqual({
      source: 'registry',
      spec: `^${manifest.version}`,
    });
  });

  it.skipIf(!built && !isCI())(
    'is the runtime packed into vendor/ when the CLI runs from a checkout',
    async () => {
      const dependency = await runtimeDependency(checkout);
      expect(dependency).toMatchObject({
        source: 'checkout',
        spec: `file:vendor/tango-${manifest.version}.tgz`,
        vendor: { path: `vendor/tango-${manifest.version}.tgz` },
      });
    },
  );

  it('knows this checkout when the CLI runs from it', async () => {
    expect(await packageInfo()).toEqual(checkout);
  });
});

describe('typescriptRunner', () => {
  it.each([
    ['20.19.0', undefined, 'tsx'],
    ['22.17.1', undefined, 'tsx'],
    ['22.12.0', 'strip', 'tsx'], // --experimental-strip-types: not what npm scripts get
    ['22.18.0', 'strip', 'node'],
    ['23.6.0', 'strip', 'node'],
    ['24.0.0', 'strip', 'node'],
    ['24.11.1', false, 'tsx'], // --no-experimental-strip-types
  ])('Node %s with process.features.typescript %j runs projects with %s', (v, ts, runner) => {
    expect(typescriptRunner(v, ts)).toBe(runner);
  });
});

describe.skipIf(!bundled && !isCI())('create-tango (needs npm run build)', () => {
  it('has the runtime version: the projects it creates depend on tango@^<its version>', async () => {
    const pkg = JSON.parse(await readFile(path.join(CREATE_TANGO, 'package.json'), 'utf8')) as {
      version: string;
      engines: unknown;
      dependencies: Record<string, string>;
      files: string[];
    };
    expect(pkg.version).toBe(manifest.version);
    expect(pkg.engines).toEqual(manifest.engines);
    expect(pkg.files).toEqual(['bin', 'lib']);
    // Only what the CLI imports: the starter installs without the runtime's native addon.
    expect(Object.keys(pkg.dependencies).sort()).toEqual([
      '@clack/prompts',
      'execa',
      'handlebars',
      'prettier',
      'yargs',
    ]);
  });

  it('installed (not in a checkout) writes "tango": "^<version>"', async () => {
    const prefix = path.join(tmp.dir, 'installed-create');
    const installedDir = path.join(prefix, 'node_modules', 'create-tango');
    await mkdir(installedDir, { recursive: true });
    for (const part of ['package.json', 'bin', 'lib']) {
      await cp(path.join(CREATE_TANGO, part), path.join(installedDir, part), { recursive: true });
    }
    // Its dependencies, as npm would have installed them beside it.
    for (const dep of ['@clack/prompts', 'execa', 'handlebars', 'prettier', 'yargs']) {
      await mkdir(path.dirname(path.join(prefix, 'node_modules', dep)), { recursive: true });
      await symlink(
        path.join(REPO_ROOT, 'node_modules', dep),
        path.join(prefix, 'node_modules', dep),
      );
    }
    const cwd = path.join(tmp.dir, 'user');
    await mkdir(cwd);
    const result = await execa(
      process.execPath,
      [path.join(installedDir, 'bin', 'create-tango.js'), 'mysite', '--no-install'],
      { cwd, reject: false, all: true },
    );
    expect(result.exitCode, result.all).toBe(0);
    const files = await snapshotDir(path.join(cwd, 'mysite'));
    expect(JSON.parse(files['package.json']!).dependencies.tango).toBe(`^${manifest.version}`);
    expect(Object.keys(files).some((f) => f.startsWith('vendor/'))).toBe(false);
  });

  it('inside this repository (its workspace) counts as run from the checkout', async () => {
    const cwd = path.join(tmp.dir, 'workspace-user');
    await mkdir(cwd);
    const result = await execa(
      process.execPath,
      [path.join(CREATE_TANGO, 'bin', 'create-tango.js'), 'mysite', '--no-install'],
      { cwd, reject: false, all: true },
    );
    expect(result.exitCode, result.all).toBe(0);
    const pkg = JSON.parse(await readFile(path.join(cwd, 'mysite', 'package.json'), 'utf8'));
    expect(pkg.dependencies.tango).toBe(`file:vendor/tango-${manifest.version}.tgz`);
  });
});
