import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
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

/** Where a checkout keeps its last packed runtime (`packRuntime`), under its node_modules. */
export const PACK_CACHE_DIR = path.join('node_modules', '.cache', 'tango-vendor');

/**
 * The tarball of `files` (with their `infos`) from `PACK_CACHE_DIR`, or `pack()`'s, then kept
 * there for the next project: packing reads and compresses ~2 MB (~100 ms, most of a
 * `startproject --no-install` from a checkout), while the files change only with a build. The
 * key is a hash of every packed file's path, size, mode and modification time, so any change
 * (a build, an edit to a template) packs anew; only the newest tarball is kept. A cache that
 * cannot be written (a read-only checkout) is skipped.
 */
async function cachedPack(
  root: string,
  fileName: string,
  files: readonly string[],
  infos: readonly { size: number; mode: number; mtimeMs: number }[],
  pack: () => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const hash = createHash('sha256').update('tango-vendor 1\n');
  files.forEach((file, i) => {
    const { size, mode, mtimeMs } = infos[i]!;
    hash.update(`${file}\0${size}\0${mode}\0${mtimeMs}\n`);
  });
  const dir = path.join(root, PACK_CACHE_DIR);
  const cached = path.join(
    dir,
    `${fileName.replace(/\.tgz$/, '')}-${hash.digest('hex').slice(0, 20)}.tgz`,
  );
  try {
    return new Uint8Array(await readFile(cached));
  } catch {
    // Not packed yet (or unreadable): pack below.
  }
  const bytes = await pack();
  try {
    await mkdir(dir, { recursive: true });
    for (const old of await readdir(dir)) await rm(path.join(dir, old), { force: true });
    // Written under a temporary name and renamed: a concurrent startproject reads a whole
    // tarball or none.
    const partial = `${cached}.${process.pid}.partial`;
    await writeFile(partial, bytes);
    await rename(partial, cached);
  } catch {
    // A read-only checkout: pack every time.
  }
  return bytes;
}

/**
 * Packs the tango package of a source checkout at `root` into a tarball, in-process (no npm,
 * no lifecycle scripts): the files `npm pack` would take, under `package/`, with npm's modes
 * and fixed dates, and package.json without its `prepare` script (`withoutPrepare`). `dist/`
 * must have been built (`npm install` or `npm run build`). The tarball is kept in
 * `PACK_CACHE_DIR` until a packed file changes (`cachedPack`).
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
    const infos = await Promise.all(files.map((file) => lstat(path.join(root, file))));
    const fileName = `${manifest.name}-${manifest.version}.tgz`;
    const bytes = await cachedPack(root, fileName, files, infos, async () => {
      const entries: TarEntry[] = await Promise.all(
        files.map(async (file, i) => {
          const content = await readFile(path.join(root, file));
          return {
            path: `package/${file}`,
            content: file === 'package.json' ? withoutPrepare(content) : content,
            executable: (infos[i]!.mode & 0o111) !== 0,
          };
        }),
      );
      return createTarball(entries);
    });
    return { fileName, version: manifest.version, bytes, files };
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw new CommandError(`could not pack the runtime in ${root}: ${describe(error)}`);
  }
}
