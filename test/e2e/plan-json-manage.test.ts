/**
 * `manage.ts startapp --dry-run --json` in a generated project: manage.ts hands the line to
 * `tango-admin startapp`, so stdout is the same plan, and only the plan (nothing from manage.ts
 * itself), and nothing is written. node_modules links this checkout as `tango` and its tsx,
 * as the autoreload test does, so no npm install is needed.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanJson } from '../../src/generator/index.js';
import { REPO_ROOT, manage, tangoAdmin, tempDir, tsxBin } from './helpers.js';

let root: Awaited<ReturnType<typeof tempDir>>;
let project: string;

/** Every file under `dir` (node_modules aside) with the SHA-256 of its bytes. */
async function digests(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const relative = path.relative(dir, full);
    if (!entry.isFile() || relative.startsWith('node_modules')) continue;
    out[relative] = createHash('sha256')
      .update(await readFile(full))
      .digest('hex');
  }
  return out;
}

beforeAll(async () => {
  root = await tempDir('tango-e2e-plan-json-');
  const created = await tangoAdmin(
    ['startproject', 'mysite', '--no-install', '--tango', '^0.1.0'],
    root.dir,
  );
  expect(created.exitCode, created.all).toBe(0);
  project = path.join(root.dir, 'mysite');
  await mkdir(path.join(project, 'node_modules', '.bin'), { recursive: true });
  await symlink(REPO_ROOT, path.join(project, 'node_modules', 'tango'));
  await symlink(path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), tsxBin(project));
  // tango/register (Node 20) compiles with tsx's esbuild, found through the tsx package.
  await symlink(
    path.join(REPO_ROOT, 'node_modules', 'tsx'),
    path.join(project, 'node_modules', 'tsx'),
  );
});

afterAll(async () => {
  await root?.cleanup();
});

describe('manage.ts startapp --dry-run --json', () => {
  it("prints tango-admin's plan and nothing else, and writes nothing", async () => {
    const before = await digests(project);
    const args = ['startapp', 'blog', '--kind', 'minimal', '--dry-run', '--json'];
    const viaManage = await manage(project, args);
    expect(viaManage.stderr).toBe('');
    expect(viaManage.exitCode).toBe(0);
    const plan = JSON.parse(viaManage.stdout) as PlanJson;
    expect(plan).toMatchObject({ version: 1, command: 'startapp', name: 'blog', cwd: project });
    expect(plan.files.map((f) => [f.path, f.action])).toContainEqual(['blog/views.ts', 'create']);
    expect(plan.registration.map((r) => r.action)).toEqual(['update', 'update']);
    expect(await digests(project)).toEqual(before);

    const direct = await tangoAdmin(args, project);
    expect(direct.exitCode, direct.all).toBe(0);
    expect(JSON.parse(direct.stdout)).toEqual(plan);
  });

  it('--json without --dry-run is the usage error, exit 2, with nothing written', async () => {
    const before = await digests(project);
    const result = await manage(project, ['startapp', 'blog', '--json']);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'tango-admin startapp: error: --json prints the plan of a dry run; use it with --dry-run',
    );
    expect(await digests(project)).toEqual(before);
  });
});
