import { randomBytes } from 'node:crypto';
import { chmodSync, linkSync, lstatSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, lstat, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileTree } from '../generator/index.js';
import { CommandError } from './errors.js';
import { dieOf, onInterrupt } from './interrupt.js';
import { describe } from './read-tree.js';

/** One file the CLI is about to write. */
export interface PlannedFile {
  /** Absolute path. */
  path: string;
  content: string | Uint8Array;
  /**
   * `create`: a new file. `overwrite`: an existing file replaced by the generated one (only
   * with `--force`). `update`: an existing file edited in place (startapp's registration in
   * settings.ts and urls.ts), which keeps its mode.
   */
  action: 'create' | 'overwrite' | 'update';
}

/** The result of checking every target path before anything is written. */
export interface WritePlan {
  files: PlannedFile[];
  /** Existing files that would be overwritten (refused without `--force`). */
  conflicts: string[];
  /** Paths that cannot be written even with `--force` (a directory or a file in the way). */
  blocked: string[];
  /** Symbolic links where a file or folder would be written: never written through. */
  symlinks: string[];
}

type Kind = 'missing' | 'file' | 'directory' | 'symlink' | 'other';

/** What is at `p`, without following a symbolic link; other errors are one-line CommandErrors. */
async function kindOf(p: string): Promise<Kind> {
  try {
    const info = await lstat(p);
    if (info.isSymbolicLink()) return 'symlink';
    if (info.isDirectory()) return 'directory';
    return info.isFile() ? 'file' : 'other';
  } catch (error) {
    // ENOTDIR: a file sits where a folder is expected; the walk down reports that file.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw new CommandError(`could not check ${p}: ${describe(error)}`);
  }
}

/**
 * What a command's target folder is (following a symbolic link: the user named it), with
 * `name` in the message when the file system refuses the path as too long.
 *
 * @example
 * await targetKind('/tmp/mysite', "the project name 'mysite'"); // 'missing'
 */
export async function targetKind(
  target: string,
  name: string,
): Promise<'missing' | 'directory' | 'file'> {
  try {
    return (await stat(target)).isDirectory() ? 'directory' : 'file';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    if (code === 'ENAMETOOLONG') {
      throw new CommandError(
        `${name} is too long for the file system (${describe(error)}). Please try a shorter one.`,
      );
    }
    throw new CommandError(`could not check ${target}: ${describe(error)}`);
  }
}

/**
 * Checks every path of `tree` under `root` before anything is written: which files exist
 * already (conflicts), which paths are blocked by a directory or by a file where a folder must
 * go, and which are symbolic links (a file or a folder on the way). `root` itself may be a
 * link: the user named it.
 *
 * @example
 * const plan = await planTree('/tmp/mysite', tree);
 * if (plan.conflicts.length) throw new CommandError(...);
 */
export async function planTree(root: string, tree: FileTree): Promise<WritePlan> {
  const plan: WritePlan = { files: [], conflicts: [], blocked: [], symlinks: [] };
  const kinds = new Map<string, Promise<Kind>>();
  const kindAt = (p: string) => {
    let kind = kinds.get(p);
    if (!kind) kinds.set(p, (kind = kindOf(p)));
    return kind;
  };
  const rootKind = await kindAt(root);
  if (rootKind === 'file' || rootKind === 'other') plan.blocked.push(root);
  const checks = [...tree].map(async ([relative, content]) => {
    const segments = relative.split('/');
    const target = path.join(root, ...segments);
    // Each folder on the way must be a real folder, or missing (then so is everything below).
    let dir = root;
    for (const segment of segments.slice(0, -1)) {
      dir = path.join(dir, segment);
      const kind = await kindAt(dir);
      if (kind === 'missing') return { target, content, kind, at: target };
      if (kind !== 'directory') return { target, content, kind, at: dir };
    }
    return { target, content, kind: await kindAt(target), at: target };
  });
  for (const { target, content, kind, at } of await Promise.all(checks)) {
    if (kind === 'symlink') plan.symlinks.push(at);
    else if (at !== target || kind === 'directory' || kind === 'other') plan.blocked.push(at);
    else if (kind === 'file') plan.conflicts.push(target);
    plan.files.push({ path: target, content, action: kind === 'file' ? 'overwrite' : 'create' });
  }
  plan.blocked = [...new Set(plan.blocked)];
  plan.symlinks = [...new Set(plan.symlinks)];
  return plan;
}

/** Scripts (a `#!` line, such as manage.ts) are executable, like Django's manage.py. */
function modeOf(content: string | Uint8Array): number {
  const head =
    typeof content === 'string' ? content.slice(0, 2) : String.fromCharCode(...content.slice(0, 2));
  return head === '#!' ? 0o755 : 0o644;
}

/**
 * Scratch files and folders are hidden siblings of their target named
 * `.<target name>.tango-<pid>-<random>`: the pid tells a later run whether their writer is
 * gone (then they are stale). The target's name is cut to 200 bytes so the scratch name stays
 * within the usual 255-byte limit of a file name.
 */
const SCRATCH = '.tango-';

function scratchPrefix(target: string): string {
  let name = '';
  let bytes = 0;
  for (const ch of path.basename(target)) {
    bytes += Buffer.byteLength(ch);
    if (bytes > 200) break;
    name += ch;
  }
  return `.${name}${SCRATCH}`;
}

function scratchPath(target: string): string {
  const random = randomBytes(6).toString('hex');
  return path.join(path.dirname(target), `${scratchPrefix(target)}${process.pid}-${random}`);
}

/** Whether process `pid` is running (EPERM: it is, as another user). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the scratch files and folders an interrupted run left beside `targets` (a process
 * killed with SIGKILL, or a power cut): those whose writer is no longer running, and the
 * `.<name>.tango-XXXXXX` staging folders of versions before the pid was part of the name.
 */
async function removeStaleScratch(targets: readonly string[]): Promise<void> {
  const prefixes = new Map<string, Set<string>>();
  for (const target of targets) {
    const dir = path.dirname(target);
    if (!prefixes.has(dir)) prefixes.set(dir, new Set());
    prefixes.get(dir)!.add(scratchPrefix(target));
  }
  const removals: Promise<unknown>[] = [];
  for (const [dir, wanted] of prefixes) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue; // a folder that does not exist yet holds nothing stale
    }
    for (const name of names) {
      const prefix = [...wanted].find((p) => name.startsWith(p));
      if (prefix === undefined) continue;
      const rest = name.slice(prefix.length);
      const tagged = /^(\d+)-[0-9a-f]{12}$/.exec(rest);
      const stale = tagged ? !isRunning(Number(tagged[1])) : /^[A-Za-z0-9]{6}$/.test(rest);
      if (stale) removals.push(rm(path.join(dir, name), { recursive: true, force: true }));
    }
  }
  await Promise.allSettled(removals);
}

/** A write that failed, named by the path the user asked for (not a scratch path). */
class WriteFailure extends Error {
  constructor(
    readonly target: string,
    readonly reason: unknown,
  ) {
    super(`could not write ${target}: ${describe(reason)}`);
  }
}

/** Thrown by a step that would start after a signal: the run is being undone. */
class Interrupted extends Error {}

/**
 * The all-or-nothing write of a plan. Preparing writes only things the user does not see yet
 * (a hidden staging folder for a new project or app, a hidden scratch file beside each file of
 * an existing folder); committing then puts each in place with one rename or link, in one
 * synchronous run, so no signal handler can interleave. Every step records how to undo it, and
 * `rollback` (synchronous too, so it can run in a signal handler) undoes them in reverse. After
 * `interrupt`, no step starts and the commit refuses, so once the steps in flight have settled
 * the rollback finds everything they did.
 */
class Transaction {
  readonly #undo: { what: string; run: () => void }[] = [];
  readonly #commit: (() => void)[] = [];
  #interrupted = false;

  /** Stops the transaction: the next step or the commit throws `Interrupted`. */
  interrupt(): void {
    this.#interrupted = true;
  }

  /** Runs one asynchronous step of the preparation; its failure names `target`. */
  async step<T>(target: string, run: () => Promise<T>): Promise<T> {
    if (this.#interrupted) throw new Interrupted();
    try {
      return await run();
    } catch (error) {
      throw new WriteFailure(target, error);
    }
  }

  /** Removes `p` (a file or folder tree) on rollback. */
  removeOnRollback(p: string): void {
    this.#undo.push({
      what: `${p} could not be removed`,
      run: () => rmSync(p, { recursive: true, force: true, maxRetries: 2 }),
    });
  }

  /** Puts `original` back at `p`, atomically (scratch file + rename), on rollback. */
  restoreOnRollback(p: string, original: Buffer, mode: number): void {
    this.#undo.push({
      what: `${p} was changed and could not be restored`,
      run: () => {
        const scratch = scratchPath(p);
        try {
          writeFileSync(scratch, original, { flag: 'wx', mode });
          chmodSync(scratch, mode);
          renameSync(scratch, p);
        } catch (error) {
          rmSync(scratch, { force: true });
          throw error;
        }
      },
    });
  }

  /** Adds a step of the commit. */
  onCommit(run: () => void): void {
    this.#commit.push(run);
  }

  /** Runs the commit steps in order; a step that fails throws, and the caller rolls back. */
  commit(): void {
    if (this.#interrupted) throw new Interrupted();
    for (const run of this.#commit) run();
    this.#undo.length = 0;
  }

  /** Undoes every recorded step, latest first; returns what could not be undone. */
  rollback(): string[] {
    const problems: string[] = [];
    for (const { what, run } of this.#undo.splice(0).reverse()) {
      try {
        run();
      } catch (error) {
        problems.push(`${what} (${describe(error)})`);
      }
    }
    return problems;
  }
}

/** Hard links a finished scratch file to a new name: fails when the name exists, like 'wx'. */
function linkInPlace(scratch: string, target: string): void {
  try {
    linkSync(scratch, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A file system without hard links: check, then rename (the window is tiny).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error;
    let exists = true;
    try {
      lstatSync(target);
    } catch {
      exists = false;
    }
    if (exists) throw Object.assign(new Error('file already exists'), { code: 'EEXIST' });
    renameSync(scratch, target);
    return;
  }
  rmSync(scratch, { force: true });
}

/** Prepares the files of `files` whose folders exist: a scratch file each, and new sub-folders. */
async function prepareInPlace(tx: Transaction, files: readonly PlannedFile[]): Promise<void> {
  // New folders first, one at a time, each recorded (they are visible, so they are undone).
  const dirs = [
    ...new Set(files.filter((f) => f.action === 'create').map((f) => path.dirname(f.path))),
  ].sort();
  for (const dir of dirs) {
    const created = await tx.step(dir, () => mkdir(dir, { recursive: true }));
    if (created) tx.removeOnRollback(created);
  }
  // Each file's commit step, returned so they run in the plan's order (settings.ts first).
  const prepared = await Promise.allSettled(
    files.map(async (file): Promise<() => void> => {
      const scratch = scratchPath(file.path);
      tx.removeOnRollback(scratch);
      if (file.action === 'create') {
        await tx.step(file.path, () =>
          writeFile(scratch, file.content, { flag: 'wx', mode: modeOf(file.content) }),
        );
        return () => {
          try {
            linkInPlace(scratch, file.path);
          } catch (error) {
            throw new WriteFailure(file.path, error);
          }
          tx.removeOnRollback(file.path);
        };
      }
      // Replacing: the original stays untouched until the rename, and comes back on rollback.
      const info = await tx.step(file.path, () => lstat(file.path));
      if (!info.isFile()) {
        throw new WriteFailure(
          file.path,
          info.isSymbolicLink() ? 'it is a symbolic link' : 'it is not a file',
        );
      }
      const original = await tx.step(file.path, () => readFile(file.path));
      const mode = info.mode & 0o7777;
      await tx.step(file.path, async () => {
        if (file.action === 'update') {
          await writeFile(scratch, file.content, { flag: 'wx', mode });
          await chmod(scratch, mode);
        } else {
          await writeFile(scratch, file.content, { flag: 'wx', mode: modeOf(file.content) });
        }
      });
      return () => {
        try {
          renameSync(scratch, file.path);
        } catch (error) {
          throw new WriteFailure(file.path, error);
        }
        tx.restoreOnRollback(file.path, original, mode);
      };
    }),
  );
  for (const result of prepared) {
    if (result.status === 'rejected') throw result.reason;
    tx.onCommit(result.value);
  }
}

/**
 * Writes a checked plan all or nothing. A project or app going into a folder that does not
 * exist yet is written into a hidden staging folder and renamed into place; every other file
 * (into an existing folder, `--force` overwrites, startapp's edits of settings.ts and urls.ts)
 * is written to a hidden scratch file beside it and renamed (or linked) into place, so an
 * existing file is never truncated, even by a full disk. The renames run last, together; on
 * any failure, or on SIGINT/SIGTERM/SIGHUP, everything done so far is undone, and the
 * `CommandError` says whether that worked. Scratch files left by a run that was killed outright
 * are removed by the next one. Folders are created with the default mode, so they follow the
 * umask; files get 0644 (0755 for `#!` scripts) under the umask, and edited files keep theirs.
 *
 * @example
 * await commitPlan('/tmp/mysite', plan);
 */
export async function commitPlan(root: string, plan: WritePlan): Promise<void> {
  const tx = new Transaction();
  // On a signal, stop: the steps in flight settle, the catch below undoes everything and the
  // process dies of the signal. A step that hangs (a stuck network disk) gets one second; a
  // second signal undoes at once.
  let interrupted: NodeJS.Signals | undefined;
  let deadline: NodeJS.Timeout | undefined;
  const abort = (signal: NodeJS.Signals): never => {
    stop();
    const problems = tx.rollback();
    if (problems.length) process.stderr.write(`Interrupted; ${problems.join('; ')}.\n`);
    return dieOf(signal);
  };
  const stop = onInterrupt((signal) => {
    if (interrupted) abort(signal);
    interrupted = signal;
    tx.interrupt();
    deadline = setTimeout(() => abort(signal), 1000);
  });
  try {
    const inside = plan.files.filter((f) => f.path.startsWith(root + path.sep));
    const staged = inside.length > 0 && (await kindOf(root)) === 'missing';
    const inPlace = staged ? plan.files.filter((f) => !inside.includes(f)) : plan.files;
    await removeStaleScratch([root, ...inPlace.map((f) => f.path)]);
    if (staged) {
      const parent = path.dirname(root);
      const createdParent = await tx.step(root, () => mkdir(parent, { recursive: true }));
      if (createdParent) tx.removeOnRollback(createdParent);
      const staging = scratchPath(root);
      tx.removeOnRollback(staging);
      await tx.step(root, () => mkdir(staging));
      const dirs = [...new Set(inside.map((f) => path.dirname(f.path)))].sort();
      for (const dir of dirs) {
        await tx.step(dir, () =>
          mkdir(path.join(staging, path.relative(root, dir)), { recursive: true }),
        );
      }
      const written = await Promise.allSettled(
        inside.map((file) =>
          tx.step(file.path, () =>
            writeFile(path.join(staging, path.relative(root, file.path)), file.content, {
              flag: 'wx',
              mode: modeOf(file.content),
            }),
          ),
        ),
      );
      const failed = written.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
      tx.onCommit(() => {
        try {
          renameSync(staging, root);
        } catch (error) {
          throw new WriteFailure(root, error);
        }
        tx.removeOnRollback(root);
      });
    }
    await prepareInPlace(tx, inPlace);
    tx.commit();
  } catch (error) {
    if (interrupted) abort(interrupted);
    const problems = tx.rollback();
    if (!(error instanceof WriteFailure)) throw error;
    throw new CommandError(
      `${error.message}. ${problems.length ? `Undoing failed: ${problems.join('; ')}.` : 'Nothing was written.'}`,
    );
  } finally {
    clearTimeout(deadline);
    stop();
  }
}
