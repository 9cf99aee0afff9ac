/**
 * esbuild for `tango/register`: found from the project (tsx installs it), and used the way
 * Node's own type stripping works: types erased, imports kept as written
 * (`verbatimModuleSyntax`), an ES module out, with an inline source map so that stack traces
 * name the `.ts` file and line. Shared by the in-thread compiler (./mirror.ts) and the module
 * hooks (./hooks.ts).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The part of esbuild's API used here. */
interface Esbuild {
  version: string;
  transformSync(
    source: string,
    options: Record<string, unknown>,
  ): { code: string; warnings: unknown[] };
}

let esbuild: Esbuild | undefined;

/**
 * esbuild, found from the file being compiled: the project's own (npm hoists tsx's), else the
 * copy tsx depends on (pnpm keeps it inside tsx).
 */
function findEsbuild(file: string): Esbuild {
  if (esbuild) return esbuild;
  const require = createRequire(file);
  try {
    esbuild = require('esbuild') as Esbuild;
  } catch {
    try {
      esbuild = createRequire(require.resolve('tsx/package.json'))('esbuild') as Esbuild;
    } catch {
      throw new Error(
        `tango/register compiles TypeScript with esbuild, which tsx installs, and neither was found from ${file}: run npm install (Node 20 projects list tsx in devDependencies).`,
      );
    }
  }
  return esbuild;
}

/**
 * `source`, the TypeScript module at `file`, as JavaScript with an inline source map.
 * `define` replaces expressions (esbuild's option), e.g. `import.meta.url`.
 *
 * @example
 * transform('/p/settings.ts', 'const DEBUG: boolean = true;'); // 'const DEBUG = true;\n//# sourceMappingURL=...'
 */
export function transform(
  file: string,
  source: string,
  define: Record<string, string> = {},
): string {
  return findEsbuild(file).transformSync(source, {
    loader: 'ts',
    format: 'esm',
    // The exact version: with `node20` esbuild drops import attributes (`with { type: 'json' }`),
    // which Node supports from 20.10.
    target: `node${process.versions.node}`,
    sourcefile: file,
    sourcemap: 'inline',
    define,
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
  }).code;
}

/**
 * Writes `content` to `file` whole: a concurrent reader sees the old file, or the new one.
 * Returns false when it could not (a read-only folder).
 */
export function writeAtomically(file: string, content: string): boolean {
  const partial = `${file}.${process.pid}.partial`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(partial, content);
    renameSync(partial, file);
    return true;
  } catch {
    return false;
  }
}
