import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FileTree } from '../generator/index.js';
import { CommandError } from './errors.js';

/** Names never copied from a template directory (Django skips dot-directories and caches). */
const SKIPPED = new Set(['node_modules', '.DS_Store', 'Thumbs.db']);

/**
 * Reads a template directory into a `FileTree` of bytes (the generator decodes `.hbs` files
 * and copies the rest byte for byte). Dot-directories (`.git`) and `node_modules` are skipped;
 * dot-files such as `migrations/.gitkeep` are kept.
 *
 * @example
 * const templates = await readTemplateTree('/path/to/templates/project', 'project');
 */
export async function readTemplateTree(dir: string, kind: 'project' | 'app'): Promise<FileTree> {
  const fail = (reason: string) =>
    new CommandError(`couldn't handle ${kind} template ${dir}: ${reason}`);
  let info;
  try {
    info = await stat(dir);
  } catch (error) {
    throw fail(describe(error));
  }
  if (!info.isDirectory()) throw fail('not a directory');
  const tree: FileTree = new Map();
  async function walk(relative: string): Promise<void> {
    const entries = await readdir(path.join(dir, relative), { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        if (SKIPPED.has(entry.name)) return;
        const child = relative ? `${relative}/${entry.name}` : entry.name;
        const full = path.join(dir, child);
        const isDirectory = entry.isSymbolicLink()
          ? (await stat(full)).isDirectory()
          : entry.isDirectory();
        if (isDirectory) {
          if (!entry.name.startsWith('.')) await walk(child);
        } else {
          tree.set(child, await readFile(full));
        }
      }),
    );
  }
  try {
    await walk('');
  } catch (error) {
    throw fail(describe(error));
  }
  if (tree.size === 0) throw fail('it has no files');
  return tree;
}

/** A system error as a short reason (`ENOENT: no such file or directory`), no stack. */
export function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = error.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
    return code ? `${code}: ${message}` : message;
  }
  return String(error);
}
