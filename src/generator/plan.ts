import { createHash } from 'node:crypto';
import type { FileTree } from './file-tree.js';
import { byteLength } from './file-tree.js';
import type { ManualAddition } from './register.js';

/**
 * The size and SHA-256 of a file's content as it is written to disk (text as UTF-8), the
 * figures `--dry-run --json` prints for each file.
 *
 * @example
 * fileDigest('hi\n'); // { size: 3, sha256: '98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4' }
 */
export function fileDigest(content: string | Uint8Array): { size: number; sha256: string } {
  return {
    size: byteLength(content),
    sha256: createHash('sha256').update(content).digest('hex'),
  };
}

/**
 * The digest of every file of a tree, in the tree's order: what a generated tree is compared
 * with the `files` of a `--dry-run --json` plan by.
 *
 * @example
 * digestTree(await generateApp(templates, { name: 'blog' }));
 * // [{ path: 'apps.ts', size: 212, sha256: '…' }, …]
 */
export function digestTree(tree: FileTree): { path: string; size: number; sha256: string }[] {
  return [...tree].map(([path, content]) => ({ path, ...fileDigest(content) }));
}

/** The version of the `--dry-run --json` output described by `PlanJson`. */
export const PLAN_JSON_VERSION = 1;

/**
 * One file a command would write. `create`: a new file. `overwrite`: an existing file
 * replaced (only with `--force`). `update`: an existing file edited in place (the app's
 * registration in settings.ts or the root urlconf).
 */
export interface PlanFileJson {
  /** POSIX path relative to `PlanJson.cwd` (it starts with `../` when outside it). */
  path: string;
  action: 'create' | 'overwrite' | 'update';
  /** Bytes on disk. */
  size: number;
  /** Lower-case hex SHA-256 of the bytes on disk. */
  sha256: string;
  /**
   * The content holds a value drawn at random on every run (the project's `SECRET_KEY`), so
   * its `sha256` differs from one run to the next; its `size` does not.
   */
  random: boolean;
}

/**
 * What registering the app does to settings.ts (`role: 'settings'`) or the root urlconf
 * (`role: 'urls'`): `update` with the whole text before and after the edit, `unchanged` (the
 * app is registered there already), or `manual` (the file is left alone; `add` lists the lines
 * to add by hand, and `reason` says why: `hand-edited` for a file that does not look as
 * generated, `symlink`, `unreadable`, `outside` for an app written outside the project).
 */
export type PlanRegistrationJson =
  | {
      path: string;
      role: 'settings' | 'urls';
      action: 'update';
      before: string;
      after: string;
    }
  | { path: string; role: 'settings' | 'urls'; action: 'unchanged' }
  | {
      path: string;
      role: 'settings' | 'urls';
      action: 'manual';
      reason: 'hand-edited' | 'symlink' | 'unreadable' | 'outside';
      add: ManualAddition[];
    };

/**
 * The plan `tango-admin startproject|startapp --dry-run --json` prints on stdout (and
 * `manage.ts startapp --dry-run --json`, which forwards to it): one JSON document and nothing
 * else. `version` changes only when a field is removed or changes meaning; new fields may be
 * added within a version. docs/generator.md describes it with an example.
 *
 * @example
 * const plan = JSON.parse(stdout) as PlanJson;
 * for (const file of plan.files) console.log(file.action, file.path, file.size);
 */
export interface PlanJson {
  version: typeof PLAN_JSON_VERSION;
  command: 'startproject' | 'startapp';
  /** The project or app name. */
  name: string;
  /** The absolute working directory the command ran in; every `path` is relative to it. */
  cwd: string;
  /** The folder the project or app is written to, relative to `cwd` (`.` for `cwd`). */
  directory: string;
  /** Every file the command would write, in path order, one entry a path. */
  files: PlanFileJson[];
  /**
   * startapp, and startproject with `--app`: the registration in settings.ts and the root
   * urlconf (each file's `update` is also in `files`). Empty for a project without `--app`.
   */
  registration: PlanRegistrationJson[];
  /** startproject with `--app`: the app's name and folder (relative to `cwd`). */
  app?: { name: string; directory: string };
}
