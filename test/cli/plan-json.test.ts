/**
 * `--dry-run --json` of startproject and startapp, through the real CLI process: one JSON
 * document on stdout and nothing else, nothing written, and a plan that matches what a real
 * run with the same options writes (paths, sizes, SHA-256), registration edits included.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlanJson } from '../../src/generator/index.js';
import { spawnCli, workdirs } from './helpers.js';

const workdir = workdirs();

interface Digest {
  size: number;
  sha256: string;
}

/** Every file under `dir` by its POSIX path relative to `base`, with its size and SHA-256. */
async function digests(dir: string, base = dir): Promise<Map<string, Digest>> {
  const out = new Map<string, Digest>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const bytes = await readFile(full);
    out.set(path.relative(base, full).split(path.sep).join('/'), {
      size: bytes.byteLength,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
  }
  return out;
}

/** Runs the CLI and parses its stdout as the plan, asserting nothing else was printed. */
async function dryRunJson(argv: string[], cwd: string): Promise<PlanJson> {
  const result = await spawnCli([...argv, '--dry-run', '--json'], cwd);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  // execa drops the final newline; the document is all there is.
  expect(result.stdout.startsWith('{\n  "version": 1,')).toBe(true);
  return JSON.parse(result.stdout) as PlanJson;
}

/**
 * The plan's files against the disk after a real run: the same paths (every file the run
 * wrote under `root` is in the plan), sizes and hashes; a `random` file (the SECRET_KEY) only
 * by size.
 */
function expectPlanMatches(plan: PlanJson, written: Map<string, Digest>, prefix: string): void {
  const planned = plan.files.filter((f) => f.path.startsWith(prefix));
  expect(planned.map((f) => f.path.slice(prefix.length)).sort()).toEqual(
    [...written.keys()].sort(),
  );
  for (const file of planned) {
    const disk = written.get(file.path.slice(prefix.length))!;
    expect({ path: file.path, size: file.size }).toEqual({ path: file.path, size: disk.size });
    if (!file.random) expect(file.sha256, file.path).toBe(disk.sha256);
    else expect(file.sha256, file.path).not.toBe(disk.sha256);
  }
}

// --tango: no runtime packed into vendor/ (it would be planned and written all the same).
const PROJECT = ['startproject', 'mysite', '--no-install', '--tango', '^0.1.0'];

describe('startproject --dry-run --json', () => {
  it('prints the plan as version-1 JSON, writes nothing, and matches a real run', async () => {
    const cwd = await workdir();
    const plan = await dryRunJson(PROJECT, cwd);
    expect(await readdir(cwd)).toEqual([]);
    expect(plan).toMatchObject({
      version: 1,
      command: 'startproject',
      name: 'mysite',
      cwd,
      directory: 'mysite',
      registration: [],
    });
    expect(plan.app).toBeUndefined();
    const paths = plan.files.map((f) => f.path);
    expect(paths).toEqual([...paths].sort());
    expect(new Set(plan.files.map((f) => f.action))).toEqual(new Set(['create']));
    for (const file of plan.files) expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Only settings.ts holds the random SECRET_KEY.
    expect(plan.files.filter((f) => f.random).map((f) => f.path)).toEqual([
      'mysite/mysite/settings.ts',
    ]);

    const real = await spawnCli(PROJECT, cwd);
    expect(real.code, real.stderr).toBe(0);
    expectPlanMatches(plan, await digests(path.join(cwd, 'mysite'), cwd), '');
  });

  it('with --app plans the app and its registration in the new project, as the real run does', async () => {
    const cwd = await workdir();
    const plan = await dryRunJson([...PROJECT, '--app', 'WebApp'], cwd);
    expect(await readdir(cwd)).toEqual([]);
    expect(plan.app).toEqual({ name: 'WebApp', directory: 'mysite/WebApp' });
    expect(plan.files.some((f) => f.path === 'mysite/WebApp/views.ts')).toBe(true);
    // settings.ts and urls.ts are created once, with the app registered in them.
    expect(plan.files.filter((f) => f.path === 'mysite/mysite/urls.ts')).toHaveLength(1);
    expect(plan.registration.map((r) => [r.path, r.role, r.action])).toEqual([
      ['mysite/mysite/settings.ts', 'settings', 'update'],
      ['mysite/mysite/urls.ts', 'urls', 'update'],
    ]);

    const real = await spawnCli([...PROJECT, '--app', 'WebApp'], cwd);
    expect(real.code, real.stderr).toBe(0);
    expectPlanMatches(plan, await digests(path.join(cwd, 'mysite'), cwd), '');
    const urls = plan.registration[1]!;
    if (urls.action !== 'update') throw new Error('expected an update');
    expect(urls.after).toBe(await readFile(path.join(cwd, 'mysite/mysite/urls.ts'), 'utf8'));
    expect(urls.after).toContain("import webAppUrls from '../WebApp/urls.ts';");
    expect(urls.before).not.toContain('webAppUrls');
  });

  it('--json without --dry-run is a usage error (exit 2) and writes nothing', async () => {
    const cwd = await workdir();
    const result = await spawnCli([...PROJECT, '--json'], cwd);
    expect(result).toMatchObject({
      code: 2,
      stdout: '',
      stderr:
        'usage: tango-admin startproject [options] name [directory]\n' +
        'tango-admin startproject: error: --json prints the plan of a dry run; use it with --dry-run (nothing is written then).',
    });
    expect(await readdir(cwd)).toEqual([]);
  });

  it('a refused plan prints its one-line error on stderr and nothing on stdout', async () => {
    const cwd = await workdir();
    await mkdir(path.join(cwd, 'mysite'));
    const result = await spawnCli([...PROJECT, '--dry-run', '--json'], cwd);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(`CommandError: '${path.join(cwd, 'mysite')}' already exists`);
  });
});

describe('startapp --dry-run --json', () => {
  /** A generated project (no install); returns its folder. */
  async function project(): Promise<string> {
    const cwd = await workdir();
    const result = await spawnCli(PROJECT, cwd);
    expect(result.code, result.stderr).toBe(0);
    return path.join(cwd, 'mysite');
  }

  it('prints the app and the registration edits, writes nothing, and matches a real run', async () => {
    const root = await project();
    const before = await digests(root);
    const settingsBefore = await readFile(path.join(root, 'mysite/settings.ts'), 'utf8');
    const plan = await dryRunJson(['startapp', 'blog', '--kind', 'minimal'], root);
    expect(await digests(root)).toEqual(before);
    expect(plan).toMatchObject({ version: 1, command: 'startapp', name: 'blog', cwd: root });
    expect(plan.directory).toBe('blog');
    expect(plan.files.filter((f) => f.action === 'update').map((f) => f.path)).toEqual([
      'mysite/settings.ts',
      'mysite/urls.ts',
    ]);
    expect(plan.files.every((f) => !f.random)).toBe(true);
    const [settings, urls] = plan.registration;
    expect(settings).toMatchObject({ path: 'mysite/settings.ts', role: 'settings' });
    expect(urls).toMatchObject({ path: 'mysite/urls.ts', role: 'urls' });
    if (settings?.action !== 'update' || urls?.action !== 'update') throw new Error('not updates');
    expect(settings.before).toBe(settingsBefore);

    const real = await spawnCli(['startapp', 'blog', '--kind', 'minimal'], root);
    expect(real.code, real.stderr).toBe(0);
    const after = await digests(root);
    const written = new Map(
      [...after].filter(([p]) => before.get(p)?.sha256 !== after.get(p)!.sha256),
    );
    expectPlanMatches(plan, written, '');
    expect(settings.after).toBe(await readFile(path.join(root, 'mysite/settings.ts'), 'utf8'));
    expect(urls.after).toBe(await readFile(path.join(root, 'mysite/urls.ts'), 'utf8'));

    // Again with --force: every app file is overwritten, and the registration is unchanged.
    const again = await dryRunJson(['startapp', 'blog', '--kind', 'minimal', '--force'], root);
    expect(new Set(again.files.map((f) => f.action))).toEqual(new Set(['overwrite']));
    expect(again.registration).toEqual([
      { path: 'mysite/settings.ts', role: 'settings', action: 'unchanged' },
      { path: 'mysite/urls.ts', role: 'urls', action: 'unchanged' },
    ]);
  });

  it('reports a hand-edited file as manual, with the lines to add by hand', async () => {
    const root = await project();
    await writeFile(path.join(root, 'mysite/urls.ts'), 'export default routes;\n');
    const plan = await dryRunJson(['startapp', 'blog'], root);
    expect(plan.registration[0]).toMatchObject({ role: 'settings', action: 'update' });
    expect(plan.registration[1]).toEqual({
      path: 'mysite/urls.ts',
      role: 'urls',
      action: 'manual',
      reason: 'hand-edited',
      add: [
        {
          to: 'the imports',
          lines: [
            "import { include } from 'tango/urls';",
            "import blogUrls from '../blog/urls.ts';",
          ],
        },
        { to: 'the URL patterns', lines: ["path('', include(blogUrls)),"] },
      ],
    });
    expect(plan.files.some((f) => f.path === 'mysite/urls.ts')).toBe(false);
  });

  it('--json without --dry-run is a usage error (exit 2) and writes nothing', async () => {
    const root = await project();
    const before = await digests(root);
    const result = await spawnCli(['startapp', 'blog', '--json'], root);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain('tango-admin startapp: error: --json prints the plan');
    expect(await digests(root)).toEqual(before);
  });

  it('--help lists --json', async () => {
    const result = await spawnCli(['startapp', '--help'], await workdir());
    expect(result.stdout).toMatch(/--json\s+With --dry-run: print the plan as one JSON document/);
  });
});
