import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CommandError } from './errors.js';
import { describe } from './read-tree.js';
import { createTarball, type TarEntry } from './tarball.js';

/** The runtime packed as npm would pack it: `tango-<version>.tgz`. */
export interface PackedRuntime {
  /** `tango-0.1.0.tgz`, npm's name for the package's tarball. */
  fileName: string;
  version: string;
  bytes: Uint8Array;
  /** The packed paths, relative to the package root (for tests and `--dry-run`). */
  files: string[];
}

/** Files at the package root that npm always packs (npm-packlist's strict rules). */
const ALWAYS = /^(package\.json|(readme|copying|license|licence)(\..*[^~$])?)$/i;

/** Names npm never packs from inside an included folder (npm-packlist's default rules). */
function ignored(name: string): boolean {
  return (
    name === '.npmignore' ||
    name === '.gitignore' ||
    name === '.git' ||
    name === '.svn' ||
    name === '.hg' ||
    name === 'CVS' ||
    name === 'node_modules' ||
    name === '.npmrc' ||
    name === 'npm-debug.log' ||
    name === '.DS_Store' ||
    name.startsWith('._') ||
    name.endsWith('.orig') ||
    /^\..*\.swp$/.test(name)
  );
}

/** Every regular file under `relative` (POSIX paths); symbolic links are skipped, as npm does. */
async function walk(root: string, relative: string, out: string[]): Promise<void> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true });
  await Promise.all(
    entries.map(async (entry) => {
      if (ignored(entry.name)) return;
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(root, child, out);
      else if (entry.isFile()) out.push(child);
    }),
  );
}

/**
 * The files `npm pack` would put in the package at `root`: package.json, README and LICENSE,
 * and whatever the `files` list names (folders walked without npm's default ignores). A test
 * compares the result with `npm pack --dry-run --json`, so the two cannot drift apart.
 *
 * @example
 * await packedFiles('/src/tango'); // ['README.md', 'bin/tango-admin.js', 'dist/...', ...]
 */
export async function packedFiles(root: string, files: readonly string[]): Promise<string[]> {
  const out = (await readdir(root, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && ALWAYS.test(entry.name))
    .map((entry) => entry.name);
  for (const entry of files) {
    const relative = entry.replace(/^\.?\//, '').replace(/\/$/, '');
    if (/[*?[\]{}!]/.test(relative)) {
      throw new Error(
        `vendor: the files pattern '${entry}' is not supported; name a file or folder`,
      );
    }
    const info = await lstat(path.join(root, relative)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (info?.isFile()) out.push(relative);
    else if (info?.isDirectory()) await walk(root, relative, out);
  }
  return [...new Set(out)].sort();
}

/**
 * package.json without `scripts.prepare`. npm runs `prepare` when it installs a `file:`
 * tarball and, from npm 11, asks the project to approve it (`allowScripts`, matched by the
 * tarball's absolute path on a first install); the runtime's `prepare` builds dist/ in a git
 * checkout and does nothing in a packed copy, so the vendored copy leaves it out.
 */
function withoutPrepare(content: Uint8Array): Uint8Array {
  const pkg = JSON.parse(new TextDecoder().decode(content)) as { scripts?: Record<string, string> };
  if (pkg.scripts?.prepare === undefined) return content;
  delete pkg.scripts.prepare;
  return new TextEncoder().encode(JSON.stringify(pkg, null, 2) + '\n');
}

/**
 * Packs the tango package of a source checkout at `root` into a tarball, in-process (no npm,
 * no lifecycle scripts): the files `npm pack` would take, under `package/`, with npm's modes
 * and fixed dates, and package.json without its `prepare` script (`withoutPrepare`). `dist/`
 * must have been built (`npm install` or `npm run build`).
 *
 * @example
 * const { fileName, bytes } = await packRuntime('/src/tango'); // 'tango-0.1.0.tgz'
 */
export async function packRuntime(root: string): Promise<PackedRuntime> {
  try {
    const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      files?: string[];
    };
    await lstat(path.join(root, 'dist', 'cli', 'main.js')).catch(() => {
      throw new CommandError(
        `${root} has no build of the runtime (dist/); run 'npm install' or 'npm run build' there first`,
      );
    });
    const files = await packedFiles(root, manifest.files ?? []);
    const entries: TarEntry[] = await Promise.all(
      files.map(async (file) => {
        const full = path.join(root, file);
        const [content, info] = await Promise.all([readFile(full), lstat(full)]);
        return {
          path: `package/${file}`,
          content: file === 'package.json' ? withoutPrepare(content) : content,
          executable: (info.mode & 0o111) !== 0,
        };
      }),
    );
    return {
      fileName: `${manifest.name}-${manifest.version}.tgz`,
      version: manifest.version,
      bytes: createTarball(entries),
      files,
    };
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw new CommandError(`could not pack the runtime in ${root}: ${describe(error)}`);
  }
}
