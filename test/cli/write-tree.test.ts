import { chmod, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandError } from '../../src/cli/errors.js';
import { commitPlan, planTree } from '../../src/cli/write-tree.js';
import { snapshotDir, tempDir } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

const tree = () =>
  new Map<string, string | Uint8Array>([
    ['a.txt', 'a'],
    ['deep/er/b.txt', 'b'],
    ['run.sh', '#!/bin/sh\n'],
  ]);

describe('planTree and commitPlan', () => {
  it('a new folder appears whole, through a staging folder that is gone afterwards', async () => {
    const root = path.join(tmp.dir, 'fresh', 'project');
    const plan = await planTree(root, tree());
    expect(plan.conflicts).toEqual([]);
    await commitPlan(root, plan);
    expect(await snapshotDir(path.join(tmp.dir, 'fresh'))).toEqual({
      'project/a.txt': 'a',
      'project/deep/er/b.txt': 'b',
      'project/run.sh': '#!/bin/sh\n',
    });
  });

  it('rolls back everything when a write fails in an existing folder', async () => {
    const root = path.join(tmp.dir, 'existing');
    await mkdir(root);
    await writeFile(path.join(root, 'a.txt'), 'original');
    const plan = await planTree(root, tree());
    expect(plan.conflicts).toEqual([path.join(root, 'a.txt')]);
    // A file appears after the plan was made: its 'wx' write fails, and the rest is undone.
    await mkdir(path.join(root, 'deep', 'er'), { recursive: true });
    await writeFile(path.join(root, 'deep', 'er', 'b.txt'), 'raced');
    const error = await commitPlan(root, plan).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as Error).message).toMatch(
      /^could not write .*b\.txt: EEXIST.*Nothing was written\.$/,
    );
    expect(await snapshotDir(root)).toEqual({ 'a.txt': 'original', 'deep/er/b.txt': 'raced' });
  });

  it('restores overwritten files and removes the folders it created when a write fails', async () => {
    const root = path.join(tmp.dir, 'restore');
    await mkdir(root);
    await writeFile(path.join(root, 'a.txt'), 'original');
    await chmod(path.join(root, 'a.txt'), 0o600);
    const plan = await planTree(
      root,
      new Map([
        ['a.txt', '#!/bin/sh\nnew'],
        ['fresh/dir/c.txt', 'c'],
        ['late.txt', 'late'],
      ]),
    );
    // Something takes 'late.txt' between the check and the write.
    await mkdir(path.join(root, 'late.txt'));
    await expect(commitPlan(root, plan)).rejects.toThrow(/^could not write .*late\.txt: /);
    expect(await snapshotDir(root)).toEqual({ 'a.txt': 'original' });
    expect((await stat(path.join(root, 'a.txt'))).mode & 0o777).toBe(0o600);
    await expect(stat(path.join(root, 'fresh'))).rejects.toThrow(/ENOENT/);
  });

  it('reports files blocked by folders and folders blocked by files', async () => {
    const root = path.join(tmp.dir, 'blocked');
    await mkdir(path.join(root, 'a.txt'), { recursive: true });
    await writeFile(path.join(root, 'deep'), 'a file where a folder must go');
    const plan = await planTree(root, tree());
    expect(plan.blocked.sort()).toEqual([path.join(root, 'a.txt'), path.join(root, 'deep')]);
  });

  it('reports symbolic links on the way to a file, but follows a linked root', async () => {
    const real = path.join(tmp.dir, 'links');
    await mkdir(path.join(real, 'elsewhere'), { recursive: true });
    await writeFile(path.join(real, 'target.txt'), 'mine');
    await symlink(path.join(real, 'target.txt'), path.join(real, 'a.txt'));
    await symlink(path.join(real, 'elsewhere'), path.join(real, 'deep'));
    const root = path.join(tmp.dir, 'linked-root');
    await symlink(real, root);
    const plan = await planTree(root, tree());
    expect(plan.symlinks.sort()).toEqual([path.join(root, 'a.txt'), path.join(root, 'deep')]);
    expect(plan.blocked).toEqual([]);
    expect(plan.conflicts).toEqual([]);
  });

  it('replaces files atomically and leaves no scratch file behind', async () => {
    const root = path.join(tmp.dir, 'atomic');
    await mkdir(root);
    await writeFile(path.join(root, 'a.txt'), 'original');
    const plan = await planTree(root, tree());
    await commitPlan(root, plan);
    expect(await readFile(path.join(root, 'a.txt'), 'utf8')).toBe('a');
    expect((await readdir(root)).sort()).toEqual(['a.txt', 'deep', 'run.sh']);
    expect((await stat(path.join(root, 'run.sh'))).mode & 0o111).not.toBe(0);
  });
});
