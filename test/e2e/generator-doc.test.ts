/**
 * docs/generator.md's snapshot-testing example, run as a user runs it: the files it shows
 * (its fenced blocks carrying `title="path"`) are written into a fresh repository that has
 * `tango` installed from this checkout and vitest, and `npx vitest run` there writes the
 * snapshots, passes on the second run, refuses to write them under CI=true, and fails with a
 * snapshot mismatch once the template changes.
 *
 * The install is a copy of the package as npm would unpack it (package.json and the built
 * dist/, so `tango/generator` resolves through the exports map to node_modules/tango/dist/...)
 * whose dependencies are the checkout's node_modules; vitest is linked from the checkout, as
 * the autoreload test links tsx. No registry round trip, same resolution as a real install.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from './helpers.js';

const DOC = path.join(REPO_ROOT, 'docs', 'generator.md');

/** The fenced blocks of a Markdown page that carry `title="..."`: file path to content. */
function titledBlocks(markdown: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const m of markdown.matchAll(/^```[\w-]* title="([^"]+)"\n([\s\S]*?)^```$/gm)) {
    if (files.has(m[1]!)) throw new Error(`${m[1]} appears twice in the page`);
    files.set(m[1]!, m[2]!);
  }
  return files;
}

let repo: string;
let cleanup: () => Promise<void>;
let files: Map<string, string>;

/**
 * `npx vitest run` in the user's repository, with an environment of its own: none of the
 * variables the outer vitest sets, and CI only when asked for.
 */
function vitest(env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !key.startsWith('VITEST') &&
        !key.startsWith('TANGO_') &&
        key !== 'CI' &&
        key !== 'NODE_OPTIONS' &&
        key !== 'NODE_ENV',
    ),
  ) as Record<string, string>;
  return execa('npx', ['vitest', 'run'], {
    cwd: repo,
    env: { ...clean, NO_COLOR: '1', ...env },
    extendEnv: false,
    reject: false,
    all: true,
  });
}

const SNAPSHOTS = 'test/__snapshots__/startproject';

beforeAll(async () => {
  files = titledBlocks(await readFile(DOC, 'utf8'));
  ({ dir: repo, cleanup } = await tempDir('tango-generator-doc-'));
  for (const [file, content] of files) {
    await mkdir(path.dirname(path.join(repo, file)), { recursive: true });
    await writeFile(path.join(repo, file), content);
  }
  const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    version: string;
    devDependencies: Record<string, string>;
  };
  await writeFile(
    path.join(repo, 'package.json'),
    JSON.stringify(
      {
        name: 'company-templates',
        private: true,
        type: 'module',
        devDependencies: { tango: `^${pkg.version}`, vitest: pkg.devDependencies.vitest },
      },
      null,
      2,
    ) + '\n',
  );
  const modules = path.join(repo, 'node_modules');
  const tango = path.join(modules, 'tango');
  await mkdir(path.join(modules, '.bin'), { recursive: true });
  await mkdir(tango);
  await cp(path.join(REPO_ROOT, 'package.json'), path.join(tango, 'package.json'));
  await cp(path.join(REPO_ROOT, 'dist'), path.join(tango, 'dist'), { recursive: true });
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(tango, 'node_modules'));
  await symlink(path.join(REPO_ROOT, 'node_modules', 'vitest'), path.join(modules, 'vitest'));
  await symlink('../vitest/vitest.mjs', path.join(modules, '.bin', 'vitest'));
});

afterAll(async () => {
  await cleanup?.();
});

describe("docs/generator.md's snapshot test, in a user's repository", () => {
  it('shows a template tree and one test file', () => {
    expect([...files.keys()].sort()).toEqual([
      'templates/startproject/__projectName__/settings.ts.hbs',
      'templates/startproject/__projectName__/urls.ts',
      'templates/startproject/_gitignore',
      'templates/startproject/manage.ts.hbs',
      'test/startproject-template.test.ts',
    ]);
  });

  it('refuses to write missing snapshots under CI=true', async () => {
    const result = await vitest({ CI: 'true' });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.all).toContain(
      'Snapshot `templates/startproject > generates these files 1` mismatched',
    );
    expect(existsSync(path.join(repo, 'test/__snapshots__'))).toBe(false);
  });

  it('writes one snapshot a generated file on the first run, and passes on the second', async () => {
    const first = await vitest();
    expect(first.exitCode, first.all).toBe(0);
    const snapshot = (file: string) => readFile(path.join(repo, SNAPSHOTS, file), 'utf8');
    // The fixed options are in the output, formatted as the CLI formats a --template tree.
    const settings = await snapshot('mysite/settings.ts.snap');
    expect(settings).toContain(
      "SECRET_KEY: env.str('TANGO_SECRET_KEY', 'tango-insecure-for-snapshots-only'),",
    );
    expect(settings).toContain("ROOT_URLCONF: 'mysite/urls.ts',");
    expect(await snapshot('manage.ts.snap')).toMatch(/^#!\/usr\/bin\/env -S npx tsx\n/);
    expect(await snapshot('.gitignore.snap')).toBe('node_modules/\ndb.sqlite3\n.env\n');
    const pkg = JSON.parse(await snapshot('package.json.snap')) as {
      dependencies: Record<string, string>;
    };
    expect(pkg.dependencies.tango).toBe('^0.1.0');
    const list = await readFile(
      path.join(repo, 'test/__snapshots__/startproject-template.test.ts.snap'),
      'utf8',
    );
    expect(list).toContain('"mysite/urls.ts"');

    const second = await vitest({ CI: 'true' });
    expect(second.exitCode, second.all).toBe(0);
    expect(second.all).toMatch(/Tests\s+\d+ passed/);
    expect(await snapshot('mysite/settings.ts.snap')).toBe(settings);
  });

  it('fails with a snapshot mismatch once the template changes', async () => {
    const template = path.join(repo, 'templates/startproject/__projectName__/settings.ts.hbs');
    const source = await readFile(template, 'utf8');
    await writeFile(
      template,
      source.replace(
        "DEBUG: env.bool('TANGO_DEBUG', false)",
        "DEBUG: env.bool('TANGO_DEBUG', true)",
      ),
    );
    const result = await vitest({ CI: 'true' });
    expect(result.exitCode, result.all).toBe(1);
    expect(result.all).toContain('mysite/settings.ts');
    expect(result.all).toMatch(/Snapshot .* mismatched/);
    expect(result.all).toContain("-   DEBUG: env.bool('TANGO_DEBUG', false),");
    expect(result.all).toContain("+   DEBUG: env.bool('TANGO_DEBUG', true),");
    // The committed snapshot is left as it was.
    expect(await readFile(path.join(repo, SNAPSHOTS, 'mysite/settings.ts.snap'), 'utf8')).toContain(
      "DEBUG: env.bool('TANGO_DEBUG', false),",
    );
  });
});
