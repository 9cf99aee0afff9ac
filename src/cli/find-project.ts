import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileTree } from '../generator/index.js';
import { textOf } from '../generator/index.js';
import { CommandError } from './errors.js';

/** A generated project on disk, as startapp needs it. */
export interface ProjectLocation {
  /** The folder holding manage.ts (`BASE_DIR`). */
  root: string;
  /** The project package name (the folder of settings.ts). */
  name: string;
  settingsPath: string;
  urlsPath: string;
}

/** How `findProject` looks at a project: the disk, or a project not written yet. */
export interface ProjectFiles {
  /** A file's text, or `undefined` when it cannot be read. */
  readText(file: string): Promise<string | undefined>;
  /** The names of the folders in `dir`. */
  folders(dir: string): Promise<string[]>;
}

const disk: ProjectFiles = {
  async readText(file) {
    try {
      return await readFile(file, 'utf8');
    } catch {
      return undefined;
    }
  },
  async folders(dir) {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  },
};

/**
 * `ProjectFiles` over a generated tree that is to be written to `root` (absolute paths in,
 * the tree's text out), so startproject can plan its `--app` before writing anything.
 *
 * @example
 * await findProject('/tmp/mysite', treeFiles('/tmp/mysite', tree));
 */
export function treeFiles(root: string, tree: FileTree): ProjectFiles {
  const relative = (p: string) => path.relative(root, p).split(path.sep).join('/');
  return {
    readText: (file) => {
      const content = tree.get(relative(file));
      return Promise.resolve(content === undefined ? undefined : textOf(content));
    },
    folders: (dir) => {
      const prefix = relative(dir) === '' ? '' : relative(dir) + '/';
      const names = new Set<string>();
      for (const p of tree.keys()) {
        if (!p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length).split('/');
        if (rest.length > 1) names.add(rest[0]!);
      }
      return Promise.resolve([...names]);
    },
  };
}

/**
 * Finds the project startapp runs in: `cwd` must hold `manage.ts`; settings.ts is the one
 * manage.ts points at (`./<name>/settings.ts`), else `<package.json name>/settings.ts`, else
 * the only `*\/settings.ts`; the root urlconf is settings' `ROOT_URLCONF` (default: urls.ts
 * next to settings.ts). `files` reads the project (default: the disk; `treeFiles` for a
 * project planned but not written).
 *
 * @example
 * const project = await findProject(process.cwd());
 * project.settingsPath; // '/home/me/mysite/mysite/settings.ts'
 */
export async function findProject(
  cwd: string,
  files: ProjectFiles = disk,
): Promise<ProjectLocation> {
  const readText = (file: string) => files.readText(file);
  const manage = await readText(path.join(cwd, 'manage.ts'));
  if (manage === undefined) {
    throw new CommandError(
      `startapp must run inside a Tango project (no manage.ts found in ${cwd})`,
    );
  }
  const candidates: string[] = [];
  const fromManage = /['"`]\.\/([^'"`]+)\/settings\.ts['"`]/.exec(manage);
  if (fromManage) candidates.push(fromManage[1]!);
  try {
    const pkg = JSON.parse((await readText(path.join(cwd, 'package.json'))) ?? '{}') as {
      name?: unknown;
    };
    if (typeof pkg.name === 'string') candidates.push(pkg.name);
  } catch {
    // A broken package.json is not startapp's problem; try the other ways.
  }
  let settingsDir: string | undefined;
  let settings: string | undefined;
  for (const candidate of candidates) {
    settings = await readText(path.join(cwd, candidate, 'settings.ts'));
    if (settings !== undefined) {
      settingsDir = candidate;
      break;
    }
  }
  if (settingsDir === undefined) {
    const found: string[] = [];
    for (const folder of await files.folders(cwd)) {
      if (folder === 'node_modules' || folder.startsWith('.')) continue;
      const text = await readText(path.join(cwd, folder, 'settings.ts'));
      if (text !== undefined) found.push(folder);
    }
    if (found.length !== 1) {
      throw new CommandError(
        found.length
          ? `startapp found several settings.ts in ${cwd} (${found.join(', ')}); run it with manage.ts`
          : `startapp must run inside a Tango project (no <project>/settings.ts found in ${cwd})`,
      );
    }
    settingsDir = found[0]!;
    settings = await readText(path.join(cwd, settingsDir, 'settings.ts'));
  }
  const settingsPath = path.join(cwd, settingsDir, 'settings.ts');
  const urlconf = /\bROOT_URLCONF\s*:\s*(['"])([^'"]+)\1/.exec(settings ?? '');
  const urlsPath = urlconf
    ? path.join(cwd, urlconf[2]!.replace(/\.(ts|js)$/, '') + '.ts')
    : path.join(cwd, settingsDir, 'urls.ts');
  return { root: cwd, name: settingsDir, settingsPath, urlsPath };
}
