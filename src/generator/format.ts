import { stripVTControlCharacters } from 'node:util';
import type { Options } from 'prettier';
import type { FileTree } from './file-tree.js';
import { textOf } from './file-tree.js';
import prettierOptions from './prettier-options.json' with { type: 'json' };

/**
 * Prettier's options for generated code and for this repository (`prettier.config.js` at the
 * repository root re-exports the same JSON file), so there is one style.
 *
 * @example
 * await prettier.format(source, { ...PRETTIER_OPTIONS, parser: 'typescript' });
 */
export const PRETTIER_OPTIONS: Readonly<Options> = prettierOptions as Options;

/**
 * The prettier parser for each file extension the generator formats. HTML is left out on
 * purpose: those files are Handlebars templates, which prettier's HTML parser does not know.
 */
const PARSERS: Readonly<Record<string, string>> = {
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  tsx: 'typescript',
  js: 'babel',
  mjs: 'babel',
  cjs: 'babel',
  jsx: 'babel',
  json: 'json',
  md: 'markdown',
  css: 'css',
  yaml: 'yaml',
  yml: 'yaml',
};

/**
 * The prettier parser for a generated file, or `undefined` when the generator does not
 * format it (HTML/Handlebars templates, binary files, unknown types).
 *
 * @example
 * parserFor('mysite/settings.ts'); // 'typescript'
 * parserFor('templates/home.html'); // undefined
 */
export function parserFor(filePath: string): string | undefined {
  const name = filePath.slice(filePath.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? PARSERS[name.slice(dot + 1).toLowerCase()] : undefined;
}

/**
 * A file prettier could not parse: the output of a (user) template is not valid code.
 *
 * @example
 * // FormatError: could not format blog/views.ts: ';' expected. (3:7)
 */
export class FormatError extends Error {
  override name = 'FormatError';
  constructor(
    readonly filePath: string,
    message: string,
  ) {
    super(`could not format ${filePath}: ${message}`);
  }
}

/**
 * Formats every file of a tree that prettier handles, in memory. Prettier is imported lazily:
 * loading it costs about as much as the rest of `startproject` (DESIGN.md §4), so it is paid
 * only for user templates and `--format`; the built-in templates are already prettier-clean
 * (a test formats them and expects no change).
 *
 * @example
 * const formatted = await formatTree(new Map([['a.ts', 'export const a=1']]));
 * formatted.get('a.ts'); // 'export const a = 1;\n'
 */
export async function formatTree(tree: FileTree): Promise<FileTree> {
  const prettier = await import('prettier');
  const out: FileTree = new Map();
  for (const [filePath, content] of tree) {
    const parser = parserFor(filePath);
    if (!parser) {
      out.set(filePath, content);
      continue;
    }
    try {
      out.set(filePath, await prettier.format(textOf(content), { ...PRETTIER_OPTIONS, parser }));
    } catch (error) {
      // Whole: prettier's message ends with a code frame of the offending lines. Prettier
      // colours that frame when it guesses colour is supported (any CI=... counts, even through
      // a pipe); the CLI colours its own output, so the frame comes plain.
      const message =
        error instanceof Error
          ? stripVTControlCharacters(error.message).replace(/\n/g, '\n    ')
          : String(error);
      throw new FormatError(filePath, message);
    }
  }
  return out;
}
