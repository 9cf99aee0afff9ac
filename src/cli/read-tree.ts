import fs from 'node:fs/promises';
import type { FileTree } from '../generator/index.js';
import { readTemplateTree as readTree } from '../generator/index.js';
import { CommandError } from './errors.js';

/**
 * Reads a template directory into a `FileTree` of bytes with the generator's reader (the one
 * users call in their tests, so both see the same tree): dot-directories (`.git`) and
 * `node_modules` are skipped, dot-files such as `migrations/.gitkeep` are kept. A missing,
 * unreadable or empty directory is a one-line `CommandError`.
 *
 * @example
 * const templates = await readTemplateTree('/path/to/templates/project', 'project');
 */
export async function readTemplateTree(dir: string, kind: 'project' | 'app'): Promise<FileTree> {
  const fail = (reason: string) =>
    new CommandError(`couldn't handle ${kind} template ${dir}: ${reason}`);
  let info;
  try {
    info = await fs.stat(dir);
  } catch (error) {
    throw fail(describe(error));
  }
  if (!info.isDirectory()) throw fail('not a directory');
  let tree: FileTree;
  try {
    tree = await readTree(dir, fs);
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
