/**
 * The module hooks of `tango/register` (./index.ts), run by Node on its loader thread, for
 * what the in-thread compiler (./mirror.ts) does not cover: a program that is not a `.ts` file,
 * another loader beside this one, no writable node_modules above the program.
 *
 * `load` compiles a `.ts` or `.mts` file to an ES module with esbuild (./compile.ts): types
 * erased, imports kept as written (`verbatimModuleSyntax`, as Node's type stripping), an inline
 * source map so that stack traces point into the `.ts` file. The result is cached under the OS
 * temp dir, keyed by a hash of the compiler's version, the file's path and its source: an edited file is
 * compiled again, an unchanged one is read back without loading esbuild at all. Any other
 * module is left to Node. esbuild comes from the project (tsx depends on it; a Node 20
 * project has tsx).
 *
 * Differences from tsx, all matching Node's own type stripping: no tsconfig `paths`, no
 * `.js` specifier mapped to a `.ts` file, and a `.ts` file is an ES module (a Tango project
 * is `"type": "module"`).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform, writeAtomically } from './compile.js';

/** Part of every cache key: a change to how files are compiled here invalidates the cache. */
const COMPILE_FORMAT = 'tango-register 1';

/** The OS temp dir's cache folder, one per user. */
const CACHE_DIR = path.join(os.tmpdir(), `tango-register-${process.getuid?.() ?? 'user'}`);

/**
 * The JavaScript of the TypeScript module `file` (`source`): from the cache, else compiled
 * and cached.
 *
 * @example
 * compile('/p/mysite/settings.ts', "const DEBUG: boolean = true;"); // 'const DEBUG = true;\n//# sourceMappingURL=...'
 */
export function compile(file: string, source: string): string {
  const key = createHash('sha256')
    .update(`${COMPILE_FORMAT}\0${process.version}\0${file}\0${source}`)
    .digest('hex');
  const cached = path.join(CACHE_DIR, `${key.slice(0, 40)}.mjs`);
  try {
    return readFileSync(cached, 'utf8');
  } catch {
    // Not compiled yet.
  }
  const code = transform(file, source);
  writeAtomically(cached, code);
  return code;
}

/** Node's `load` hook: `.ts`/`.mts` files compiled by `compile`, anything else untouched. */
export async function load(
  url: string,
  context: { format?: string | null },
  nextLoad: (url: string, context: unknown) => Promise<unknown>,
): Promise<unknown> {
  if (!url.startsWith('file:') || !/\.m?ts$/.test(new URL(url).pathname)) {
    return nextLoad(url, context);
  }
  const file = fileURLToPath(url);
  return {
    format: 'module',
    source: compile(file, readFileSync(file, 'utf8')),
    shortCircuit: true,
  };
}
