import type { FileTree } from './file-tree.js';
import { sortTree } from './file-tree.js';

/**
 * The part of `node:fs/promises` that `readTemplateTree` uses. The generator never imports the
 * file system itself (DESIGN.md §3); the caller passes it, so the same reader serves the CLI,
 * a user's tests, and an in-memory file system in unit tests.
 *
 * @example
 * import fs from 'node:fs/promises';
 * const templates = await readTemplateTree('templates/project', fs);
 */
export interface TemplateFileSystem {
  readdir(
    path: string,
    options: { withFileTypes: true },
  ): Promise<readonly { name: string; isDirectory(): boolean; isSymbolicLink(): boolean }[]>;
  stat(path: string): Promise<{ isDirectory(): boolean }>;
  readFile(path: string): Promise<Uint8Array>;
}

/**
 * Names never read from a template directory, wherever they are: installed packages and the
 * files operating systems leave behind. Directories whose name starts with a dot (`.git`,
 * `.vscode`) are skipped too, as Django's `TemplateCommand` skips them; dot-files such as
 * `migrations/.gitkeep` are kept.
 */
export const SKIPPED_TEMPLATE_NAMES: ReadonlySet<string> = new Set([
  'node_modules',
  '.DS_Store',
  'Thumbs.db',
]);

/**
 * Reads a template directory into a `FileTree` of bytes, exactly as `tango-admin startproject
 * --template DIR` and `startapp --template DIR` read it: every file under `dir` by its POSIX
 * path relative to `dir`, byte for byte (the generator decodes `.hbs` files and copies the
 * rest), in path order; dot-directories, `node_modules`, `.DS_Store` and `Thumbs.db` are
 * skipped; a symbolic link is followed. `fs` is `node:fs/promises` (or anything with its
 * `readdir`, `stat` and `readFile`). Errors of `fs` propagate unchanged.
 *
 * @example
 * import fs from 'node:fs/promises';
 * const templates = await readTemplateTree('templates/blog-app', fs);
 * const tree = await generateApp(templates, { name: 'blog', projectName: 'mysite', format: true });
 */
export async function readTemplateTree(dir: string, fs: TemplateFileSystem): Promise<FileTree> {
  const tree: FileTree = new Map();
  const root = dir.replace(/[\\/]+$/, '') || dir;
  async function walk(relative: string): Promise<void> {
    const folder = relative ? `${root}/${relative}` : root;
    const entries = await fs.readdir(folder, { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        if (SKIPPED_TEMPLATE_NAMES.has(entry.name)) return;
        const child = relative ? `${relative}/${entry.name}` : entry.name;
        const full = `${root}/${child}`;
        const isDirectory = entry.isSymbolicLink()
          ? (await fs.stat(full)).isDirectory()
          : entry.isDirectory();
        if (isDirectory) {
          if (!entry.name.startsWith('.')) await walk(child);
        } else {
          tree.set(child, await fs.readFile(full));
        }
      }),
    );
  }
  await walk('');
  return sortTree(tree);
}
