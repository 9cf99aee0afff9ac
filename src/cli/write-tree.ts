import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import type { FileTree } from '../generator/index.js';
import { CommandError } from './errors.js';
import { describe } from './read-tree.js';

/** One file the CLI is about to write. */
export interface PlannedFile {
  /** Absolute path. */
  path: string;
  content: string | Uint8Array;
  /** `overwrite` when a file is already there (allowed with `--force`, or for registration). */
  action: 'create' | 'overwrite';
}

/** The result of checking every target path before anything is written. */
export interface WritePlan {
  files: PlannedFile[];
  /** Existing files that would be overwritten (refused without `--force`). */
  conflicts: string[];
  /** Paths that cannot be written even with `--force` (a directory or a file in the way). */
  blocked: string[];
}

async function kindOf(p: string): Promise<'missing' | 'file' | 'directory' | 'other'> {
  try {
    const info = await lstat(p);
    if (info.isDirectory()) return 'directory';
    if (info.isSymbolicLink())
      return (await stat(p).catch(() => null))?.isDirectory() ? 'directory' : 'file';
    return info.isFile() ? 'file' : 'other';
  } catch (error) {
    // ENOTDIR: a file sits where a folder is expected; the walk up reports that file.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw error;
  }
}

/**
 * Checks every path of `tree` under `root` before anything is written: which files exist
 * already (conflicts), and which paths are blocked by a directory or by a file where a folder
 * must go.
 *
 * @example
 * const plan = await planTree('/tmp/mysite', tree);
 * if (plan.conflicts.length) throw new CommandError(...);
 */
export async function planTree(root: string, tree: FileTree): Promise<WritePlan> {
  const plan: WritePlan = { files: [], conflicts: [], blocked: [] };
  const dirKinds = new Map<string, Promise<string>>();
  const dirKind = (dir: string) => {
    let kind = dirKinds.get(dir);
    if (!kind) dirKinds.set(dir, (kind = kindOf(dir)));
    return kind;
  };
  const checks = [...tree].map(async ([relative, content]) => {
    const target = path.join(root, ...relative.split('/'));
    // Every folder on the way must be a folder (or not exist yet).
    let blockedBy: string | undefined;
    for (let dir = path.dirname(target); dir.length >= root.length; dir = path.dirname(dir)) {
      const kind = await dirKind(dir);
      if (kind !== 'missing' && kind !== 'directory') blockedBy = dir;
      if (dir === path.dirname(dir)) break;
    }
    return { target, content, blockedBy, kind: blockedBy ? 'missing' : await kindOf(target) };
  });
  for (const { target, content, blockedBy, kind } of await Promise.all(checks)) {
    if (blockedBy) plan.blocked.push(blockedBy);
    else if (kind === 'directory' || kind === 'other') plan.blocked.push(target);
    else if (kind === 'file') plan.conflicts.push(target);
    plan.files.push({ path: target, content, action: kind === 'file' ? 'overwrite' : 'create' });
  }
  plan.blocked = [...new Set(plan.blocked)];
  return plan;
}

/** Scripts (a `#!` line, such as manage.ts) are executable, like Django's manage.py. */
function modeOf(content: string | Uint8Array): number {
  const head =
    typeof content === 'string' ? content.slice(0, 2) : String.fromCharCode(...content.slice(0, 2));
  return head === '#!' ? 0o755 : 0o644;
}

/**
 * Writes files all or nothing: every folder created and file written is recorded, and on the
 * first failure the files are removed, overwritten files restored and the folders removed
 * again, then a `CommandError` names the path that failed.
 */
async function writeAll(files: PlannedFile[]): Promise<void> {
  const createdFiles: string[] = [];
  const createdDirs: string[] = [];
  const backups: { path: string; content: Buffer; mode: number }[] = [];
  let failed: { path: string; error: unknown } | undefined;
  const attempt = async (file: string, step: () => Promise<void>) => {
    try {
      await step();
    } catch (error) {
      failed ??= { path: file, error };
    }
  };
  // Folders first, one at a time (recording the ones this call creates), then the files at once.
  const dirs = [...new Set(files.map((f) => path.dirname(f.path)))].sort();
  for (const dir of dirs) {
    await attempt(dir, async () => {
      const firstCreated = await mkdir(dir, { recursive: true });
      if (firstCreated) createdDirs.push(firstCreated);
    });
    if (failed) break;
  }
  if (!failed) {
    await Promise.all(
      files.map((file) =>
        attempt(file.path, async () => {
          const mode = modeOf(file.content);
          if (file.action === 'overwrite') {
            const info = await stat(file.path);
            backups.push({
              path: file.path,
              content: await readFile(file.path),
              mode: info.mode & 0o7777,
            });
            await writeFile(file.path, file.content);
            await chmod(file.path, mode);
          } else {
            // 'wx': never clobber a file that appeared since the plan was made.
            await writeFile(file.path, file.content, { flag: 'wx', mode });
            createdFiles.push(file.path);
          }
        }),
      ),
    );
  }
  if (failed) {
    await Promise.all(createdFiles.map((file) => rm(file, { force: true }).catch(() => undefined)));
    for (const backup of backups) {
      await writeFile(backup.path, backup.content).catch(() => undefined);
      await chmod(backup.path, backup.mode).catch(() => undefined);
    }
    for (const dir of createdDirs.reverse())
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw new CommandError(
      `could not write ${failed.path}: ${describe(failed.error)}. Nothing was written.`,
    );
  }
}

/**
 * Writes a checked plan. A project or app going into a folder that does not exist yet is
 * written into a hidden sibling folder first and renamed into place, so even a crash never
 * leaves half of it; writes into an existing folder are rolled back on failure.
 *
 * @example
 * await commitPlan('/tmp/mysite', plan);
 */
export async function commitPlan(root: string, plan: WritePlan): Promise<void> {
  const rootKind = await kindOf(root);
  const outside = plan.files.filter((f) => !f.path.startsWith(root + path.sep));
  if (rootKind !== 'missing' || plan.files.length === outside.length) {
    await writeAll(plan.files);
    return;
  }
  const parent = path.dirname(root);
  let createdParent: string | undefined;
  let staging: string | undefined;
  try {
    createdParent = await mkdir(parent, { recursive: true });
    staging = await mkdtemp(path.join(parent, `.${path.basename(root)}.tango-`));
  } catch (error) {
    if (createdParent) await rm(createdParent, { recursive: true, force: true });
    throw new CommandError(`could not create ${root}: ${describe(error)}. Nothing was written.`);
  }
  const inside = plan.files
    .filter((f) => f.path.startsWith(root + path.sep))
    .map((f) => ({ ...f, path: path.join(staging, path.relative(root, f.path)) }));
  try {
    await writeAll(inside);
    await rename(staging, root);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (createdParent) await rm(createdParent, { recursive: true, force: true });
    throw error instanceof CommandError
      ? error
      : new CommandError(`could not create ${root}: ${describe(error)}. Nothing was written.`);
  }
  try {
    await writeAll(outside);
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    if (createdParent) await rm(createdParent, { recursive: true, force: true });
    throw error;
  }
}
