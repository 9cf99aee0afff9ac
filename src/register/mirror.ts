/**
 * The in-thread compiler of `tango/register` (./index.ts): compiles a `.ts` module and the
 * `.ts` modules it imports into a mirror folder of ES modules that Node 20 loads with its own
 * loader, no module hooks involved.
 *
 * Each `.ts` file has one compiled copy in the mirror (`node_modules/.cache/tango-register/`
 * of the project), named after a hash of its path. In the copy:
 * - types are erased by esbuild (./compile.ts), with an inline source map to the `.ts` lines;
 * - `import.meta.url`, `.dirname` and `.filename` are the `.ts` file's own, so paths built
 *   from them (templates, `.env`, the settings) point into the project as before;
 * - a relative import of a `.ts` file names that file's copy; any other relative import names
 *   the original file by its absolute URL (a `.json`, a `.js`, or a missing `.ts`, so that
 *   Node's "Cannot find module" names the file the user wrote); bare imports (`tango/conf`)
 *   are left as written and resolve from the mirror, inside the project's node_modules;
 * - `import(expression)` goes through the resolver of ./index.ts, which compiles on demand.
 * The end of the copy records a key (compiler format, Node version, path, source) and the
 * `.ts` files it imports, so a later run checks a file with one read and one hash of its
 * source and loads neither esbuild nor the lexer unless something changed.
 *
 * Differences from Node 22.18+'s own type stripping: `import.meta.resolve()` and `import.meta`
 * passed around whole see the copy's location; package `#imports` do not resolve from a copy.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transform, writeAtomically } from './compile.js';

/** Part of every key: a change to how copies are made here invalidates them. */
const COMPILE_FORMAT = 'tango-register mirror 1';

/** The last line of every copy: `// tango-register <key> <JSON of CopyRecord>`. */
const RECORD_PREFIX = '\n// tango-register ';

/** The global the copies call for `import(expression)`: `(specifier, parentURL) => URL`. */
export const RESOLVER = Symbol.for('tango.register.resolve');

/** What a copy records about its source. */
interface CopyRecord {
  /** The `.ts` files it imports by a literal specifier (their copies are named in it). */
  imports: string[];
  /** `.ts` files it imports that did not exist when it was compiled. */
  missing: string[];
}

/** The part of es-module-lexer used here (its CommonJS build, loaded only to compile). */
interface Lexer {
  initSync(): void;
  parse(source: string): [
    Array<{
      /** The specifier, when it is a literal. */
      n: string | undefined;
      /** 1 static import/export, 2 dynamic import(), 3 import.meta. */
      t: number;
      /** Start and end of the specifier (static: inside the quotes; dynamic: the expression). */
      s: number;
      e: number;
    }>,
  ];
}

let lexer: Lexer | undefined;
function getLexer(): Lexer {
  if (!lexer) {
    lexer = createRequire(import.meta.url)('es-module-lexer') as Lexer;
    lexer.initSync();
  }
  return lexer;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A `.ts` or `.mts` file (by its name). */
export function isTypeScript(file: string): boolean {
  return /\.m?ts$/.test(file) && !file.endsWith('.d.ts');
}

/** The compiled copies of one project's `.ts` files, in `dir`. */
export class Mirror {
  readonly #dir: string;
  /** Files checked or compiled by this process: path -> URL of the copy. */
  readonly #ready = new Map<string, string>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** The copy of `file`: the mirror's name for it, by a hash of its path. */
  #copyOf(file: string): string {
    const name = path.basename(file).replace(/\.m?ts$/, '');
    return path.join(this.#dir, `${name}-${sha256(file).slice(0, 16)}.mjs`);
  }

  /**
   * The URL Node should import for `specifier` imported from `parentURL`: the copy of a `.ts`
   * file (compiled if needed), else the specifier resolved against the parent, or the bare
   * specifier as it is.
   *
   * @example
   * mirror.resolve('./urls.ts', 'file:///p/mysite/settings.ts');
   * // 'file:///p/node_modules/.cache/tango-register/urls-1f0c….mjs'
   */
  resolve(specifier: string | URL, parentURL?: string): string {
    // import(expression) takes anything and uses its string, a URL object included.
    specifier = String(specifier);
    return this.#target(specifier, parentURL) ?? specifier;
  }

  /** `specifier` as an absolute URL when it is relative, absolute or a URL; else undefined. */
  #absolute(specifier: string, parentURL: string | undefined): string | undefined {
    if (/^\.{0,2}\//.test(specifier) && parentURL) return new URL(specifier, parentURL).href;
    if (specifier.startsWith('/')) return pathToFileURL(specifier).href;
    if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) return specifier;
    return undefined;
  }

  /**
   * Makes sure the copy of the `.ts` module `file` and of the `.ts` modules it imports are
   * current, compiling what changed, and returns the copy's URL.
   */
  prepare(file: string): string {
    const known = this.#ready.get(file);
    if (known) return known;
    const copy = this.#copyOf(file);
    const url = pathToFileURL(copy).href;
    // Set first: an import cycle comes back here and gets the URL.
    this.#ready.set(file, url);
    try {
      const source = readFileSync(file, 'utf8');
      const key = sha256(`${COMPILE_FORMAT}\0${process.version}\0${file}\0${source}`);
      const record = readRecord(copy, key);
      if (record && record.imports.every(existsSync) && !record.missing.some(existsSync)) {
        for (const dependency of record.imports) this.prepare(dependency);
        return url;
      }
      const compiled = this.#compile(file, source);
      const content = `${compiled.code}${RECORD_PREFIX}${key} ${JSON.stringify(compiled.record)}\n`;
      if (!writeAtomically(copy, content)) {
        throw new Error(`tango/register could not write ${copy}: is ${this.#dir} writable?`);
      }
      return url;
    } catch (error) {
      this.#ready.delete(file);
      throw error;
    }
  }

  /** `source` (the module at `file`) compiled, its imports pointed at the copies. */
  #compile(file: string, source: string): { code: string; record: CopyRecord } {
    const parentURL = pathToFileURL(file).href;
    const code = transform(file, source, {
      'import.meta.url': JSON.stringify(parentURL),
      'import.meta.dirname': JSON.stringify(path.dirname(file)),
      'import.meta.filename': JSON.stringify(file),
    });
    const record: CopyRecord = { imports: [], missing: [] };
    const { parse } = getLexer();
    let out = '';
    let last = 0;
    for (const entry of parse(code)[0]) {
      if (entry.t !== 1 && entry.t !== 2) continue;
      if (entry.t === 2 && entry.n === undefined) {
        // import(expression): resolved when it runs.
        const expression = code.slice(entry.s, entry.e);
        out += `${code.slice(last, entry.s)}globalThis[Symbol.for(${JSON.stringify(RESOLVER.description)})](${expression}, ${JSON.stringify(parentURL)})`;
        last = entry.e;
        continue;
      }
      const target = this.#target(entry.n!, parentURL, record);
      if (target === undefined) continue;
      // The literal with its quotes (a static import's range is inside them).
      const [start, end] = entry.t === 1 ? [entry.s - 1, entry.e + 1] : [entry.s, entry.e];
      out += `${code.slice(last, start)}${JSON.stringify(target)}`;
      last = end;
    }
    return { code: out + code.slice(last), record };
  }

  /**
   * What an import of `specifier` from `parentURL` becomes: the copy of a `.ts` file, else the
   * absolute URL, or undefined to keep a bare specifier. `record` notes the `.ts` files met.
   */
  #target(specifier: string, parentURL?: string, record?: CopyRecord): string | undefined {
    const url = this.#absolute(specifier, parentURL);
    if (!url?.startsWith('file:')) return url;
    const file = fileURLToPath(url);
    if (!isTypeScript(file) || url.includes('?') || url.includes('#')) return url;
    if (!existsSync(file)) {
      record?.missing.push(file);
      return url;
    }
    record?.imports.push(file);
    return this.prepare(file);
  }
}

/** The record at the end of the copy `copy` when its key is `key`; else undefined. */
function readRecord(copy: string, key: string): CopyRecord | undefined {
  let content: string;
  try {
    content = readFileSync(copy, 'utf8');
  } catch {
    return undefined;
  }
  const at = content.lastIndexOf(RECORD_PREFIX);
  if (at < 0) return undefined;
  const line = content.slice(at + RECORD_PREFIX.length).trimEnd();
  const space = line.indexOf(' ');
  if (line.slice(0, space) !== key) return undefined;
  try {
    return JSON.parse(line.slice(space + 1)) as CopyRecord;
  } catch {
    return undefined;
  }
}
