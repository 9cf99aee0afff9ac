/**
 * `manage.ts build`: compiles a project to JavaScript in `build/`, for Node versions that do
 * not run TypeScript (Node 20): `node build/manage.js serve`. Django has no build step (Python
 * runs its sources); this one is the smallest that gives plain `node` a project to run.
 *
 * - Every `.ts` (`.mts`, `.cts`) file becomes `.js` (`.mjs`, `.cjs`) with TypeScript's
 *   `transpileModule` (the project's own `typescript` devDependency): types erased, relative
 *   `.ts` imports rewritten to `.js` (`rewriteRelativeImportExtensions`), a source map beside
 *   it. No type check: `npm run typecheck` does that, and Node 22.18+ runs the same sources
 *   unchecked. Declaration files are left out.
 * - `new URL('./relative', import.meta.url)` (how manage.ts names its settings and its `.env`)
 *   keeps pointing at the same file: a compiled module's `.js`, a copied file's copy, and a
 *   file the build leaves out (`.env`, a database) at the original in the project.
 * - Every other file (templates, static files, SQL migrations) is copied beside the modules,
 *   so the built project finds them where the sources do. Left out: dot-files and folders
 *   (`.git`, `.env`), `node_modules`, `build` itself, the npm and TypeScript manifests at the
 *   top, SQLite databases and logs.
 *
 * It writes into a temporary folder next to `build/` and renames it into place only when
 * everything was written, so a failed build leaves the previous one untouched. Files that
 * appeared in `build/` after the last build (a SQLite database `migrate` created there) are
 * carried over into the new one; `build/.tango-build.json` lists what the build wrote.
 */
import { existsSync } from 'node:fs';
import {
  chmod,
  copyFile,
  link,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TS from 'typescript';
import { CommandError, type Command } from '../base.js';

/** The output folder, relative to the project (the folder of manage.ts). */
export const BUILD_DIR = 'build';
/** The file in the output folder that lists what the build wrote, and marks it as a build. */
export const BUILD_MANIFEST = '.tango-build.json';
/** Prefix of the temporary folders a build writes into (dot-folders: never copied). */
const TEMP_PREFIX = '.tango-build-';

/** Top-level files a running project never reads. */
const TOP_LEVEL_SKIPPED = new Set([
  BUILD_DIR,
  'package.json',
  'package-lock.json',
  'npm-shrinkwrap.json',
  'tsconfig.json',
]);
/** Data, not code: SQLite databases (and their journals) and logs. */
const DATA_FILE = /\.(sqlite3?|db)(-journal|-wal|-shm)?$|\.log$/;
/** TypeScript sources and the extension each compiles to; `.d.ts` files are skipped. */
const COMPILED: readonly (readonly [string, string])[] = [
  ['.ts', '.js'],
  ['.mts', '.mjs'],
  ['.cts', '.cjs'],
];
const DECLARATION = /\.d\.[cm]?ts$/;

/** What `buildProject` did. */
export interface BuildResult {
  /** The output folder (absolute). */
  outDir: string;
  /** Modules compiled. */
  compiled: number;
  /** Files copied as they are. */
  copied: number;
  /** Files of the previous build's folder kept because the build had not written them. */
  kept: string[];
}

interface Entry {
  /** Path relative to the project, with `/`. */
  rel: string;
  /** What it becomes in the build (`views.ts` → `views.js`), relative, with `/`. */
  out: string;
  /** Absolute source path. */
  source: string;
  compile: boolean;
}

/** The compiled name of `rel`, or undefined when it is not a TypeScript module. */
function compiledName(rel: string): string | undefined {
  if (DECLARATION.test(rel)) return undefined;
  for (const [from, to] of COMPILED) {
    if (rel.endsWith(from)) return rel.slice(0, -from.length) + to;
  }
  return undefined;
}

/** Whether the walk leaves `name` out (`top`: directly in the project folder). */
function skipped(name: string, top: boolean): boolean {
  return (
    name.startsWith('.') ||
    name === 'node_modules' ||
    (top && TOP_LEVEL_SKIPPED.has(name)) ||
    DATA_FILE.test(name) ||
    DECLARATION.test(name)
  );
}

/** Every file the build takes from `root`, in a stable order. */
async function collect(root: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  const visited = new Set<string>();
  const walk = async (dir: string, relDir: string): Promise<void> => {
    const real = await realpath(dir);
    if (visited.has(real)) return; // a symlinked folder seen before: no loop
    visited.add(real);
    for (const name of (await readdir(dir)).sort()) {
      if (skipped(name, relDir === '')) continue;
      const source = path.join(dir, name);
      const rel = relDir === '' ? name : `${relDir}/${name}`;
      let info = await lstat(source);
      if (info.isSymbolicLink()) {
        const target = await stat(source).catch(() => undefined);
        if (!target) continue; // a dangling link: nothing to copy
        info = target;
      }
      if (info.isDirectory()) await walk(source, rel);
      else if (info.isFile()) {
        const out = compiledName(rel);
        entries.push({ rel, out: out ?? rel, source, compile: out !== undefined });
      }
    }
  };
  await walk(root, '');
  return entries;
}

/** The project's `typescript` package, or a one-line error saying how to get it. */
function loadTypeScript(root: string): typeof TS {
  try {
    return createRequire(path.join(root, 'package.json'))('typescript') as typeof TS;
  } catch {
    throw new CommandError(
      "manage.ts build compiles with the project's typescript package, which is not installed: run npm install (package.json lists it in devDependencies).",
    );
  }
}

/** `./x` or `../x` with `/`, from `fromDir` to `to`. */
function relativeSpecifier(fromDir: string, to: string, trailingSlash: boolean): string {
  let rel = path.relative(fromDir, to).split(path.sep).join('/');
  if (!rel.startsWith('.')) rel = rel === '' ? '.' : `./${rel}`;
  return trailingSlash && !rel.endsWith('/') ? rel + '/' : rel;
}

/**
 * A transformer rewriting `new URL('<relative>', import.meta.url)` so that it names, from the
 * built file, the same file as from the source: a compiled module's output, a copied file's
 * copy, else the original in the project (`.env`, a database, anything the build leaves out).
 */
function urlRewriter(
  ts: typeof TS,
  entry: Entry,
  root: string,
  outDir: string,
  built: ReadonlyMap<string, string>,
  copiedDirs: ReadonlySet<string>,
): TS.TransformerFactory<TS.SourceFile> {
  const sourceDir = path.dirname(entry.source);
  const outFileDir = path.dirname(path.join(outDir, entry.out));
  const isImportMetaUrl = (node: TS.Expression): boolean =>
    ts.isPropertyAccessExpression(node) &&
    ts.isMetaProperty(node.expression) &&
    node.expression.keywordToken === ts.SyntaxKind.ImportKeyword &&
    node.name.text === 'url';
  const rewrite = (specifier: string): string => {
    const target = path.resolve(sourceDir, specifier);
    const rel = path.relative(root, target).split(path.sep).join('/');
    const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    const output = inside ? built.get(rel) : undefined;
    const trailing = specifier.endsWith('/');
    if (output !== undefined) {
      return relativeSpecifier(outFileDir, path.join(outDir, output), trailing);
    }
    if (inside && copiedDirs.has(rel)) return specifier;
    return relativeSpecifier(outFileDir, target, trailing);
  };
  return (context) => {
    const visit = (node: TS.Node): TS.Node => {
      if (
        ts.isNewExpression(node) &&
        ts.isIdentifier(node.expression) &&
        node.expression.text === 'URL' &&
        node.arguments?.length === 2 &&
        ts.isStringLiteralLike(node.arguments[0]!) &&
        /^\.\.?\//.test(node.arguments[0].text) &&
        isImportMetaUrl(node.arguments[1]!)
      ) {
        const specifier = node.arguments[0].text;
        const rewritten = rewrite(specifier);
        if (rewritten !== specifier) {
          return context.factory.updateNewExpression(node, node.expression, node.typeArguments, [
            context.factory.createStringLiteral(rewritten, true),
            node.arguments[1]!,
          ]);
        }
      }
      return ts.visitEachChild(node, visit, context);
    };
    return (file) => ts.visitNode(file, visit) as TS.SourceFile;
  };
}

/** The first syntax error of a file, as `file:line:column: message`. */
function describeDiagnostic(ts: typeof TS, rel: string, diagnostic: TS.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
  if (diagnostic.file && diagnostic.start !== undefined) {
    const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return `${rel}:${line + 1}:${character + 1}: ${message}`;
  }
  return `${rel}: ${message}`;
}

/** Whether process `pid` is alive (signal 0 probes without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary folders left by builds that were killed (their process is gone). */
async function removeAbandoned(root: string): Promise<void> {
  for (const name of await readdir(root)) {
    const pid = new RegExp(`^${TEMP_PREFIX.replace(/\./g, '\\.')}(\\d+)-`).exec(name)?.[1];
    if (pid !== undefined && !alive(Number(pid))) {
      await rm(path.join(root, name), { recursive: true, force: true });
    }
  }
}

/** The files the build that made `outDir` wrote, or undefined when it is not a build. */
async function previousBuild(outDir: string): Promise<Set<string> | undefined> {
  try {
    const manifest = JSON.parse(await readFile(path.join(outDir, BUILD_MANIFEST), 'utf8')) as {
      files?: unknown;
    };
    if (!Array.isArray(manifest.files)) return undefined;
    return new Set(manifest.files.map(String));
  } catch {
    return undefined;
  }
}

/** Every file under `dir`, relative with `/`, not following symlinks. */
async function filesUnder(dir: string, relDir = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(path.join(dir, relDir), { withFileTypes: true })) {
    const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
    if (entry.isDirectory()) found.push(...(await filesUnder(dir, rel)));
    else found.push(rel);
  }
  return found;
}

/**
 * Compiles the project in `root` (the folder of manage.ts) into `root/build`: see the module
 * comment for what is compiled, copied and left out. Throws a `CommandError` (nothing changed)
 * for a syntax error, a `build/` folder the build did not write, or a file that appeared in
 * `build/` which the new build would overwrite.
 *
 * @example
 * const result = await buildProject('/srv/mysite');
 * // node /srv/mysite/build/manage.js serve
 */
export async function buildProject(root: string): Promise<BuildResult> {
  const ts = loadTypeScript(root);
  const outDir = path.join(root, BUILD_DIR);
  let previous: Set<string> | undefined;
  if (existsSync(outDir)) {
    previous = (await stat(outDir)).isDirectory() ? await previousBuild(outDir) : undefined;
    if (!previous) {
      throw new CommandError(
        `${BUILD_DIR}/ exists and was not written by manage.ts build (it has no ${BUILD_MANIFEST}); move it away or delete it, then build again.`,
      );
    }
  }
  await removeAbandoned(root);
  const entries = await collect(root);
  const built = new Map(entries.map((e) => [e.rel, e.out]));
  const copiedDirs = new Set<string>();
  for (const { rel } of entries) {
    for (let dir = path.posix.dirname(rel); dir !== '.'; dir = path.posix.dirname(dir)) {
      copiedDirs.add(dir);
    }
  }

  const tmp = await mkdtemp(path.join(root, `${TEMP_PREFIX}${process.pid}-`));
  try {
    const written: string[] = [];
    let compiled = 0;
    for (const entry of entries) {
      const target = path.join(tmp, entry.out);
      await mkdir(path.dirname(target), { recursive: true });
      if (!entry.compile) {
        await copyFile(entry.source, target);
        written.push(entry.out);
        continue;
      }
      const output = ts.transpileModule(await readFile(entry.source, 'utf8'), {
        fileName: entry.source,
        reportDiagnostics: true,
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ESNext,
          verbatimModuleSyntax: true,
          rewriteRelativeImportExtensions: true,
          allowImportingTsExtensions: true,
          sourceMap: true,
        },
        transformers: { before: [urlRewriter(ts, entry, root, outDir, built, copiedDirs)] },
      });
      const error = output.diagnostics?.[0];
      if (error) {
        throw new CommandError(
          `${describeDiagnostic(ts, entry.rel, error)} (manage.ts build compiled nothing).`,
        );
      }
      // A tsx shebang (`#!/usr/bin/env -S npx tsx`, Node 20 projects) becomes plain node.
      await writeFile(target, output.outputText.replace(/^#![^\n]*/, '#!/usr/bin/env node'));
      await chmod(target, (await stat(entry.source)).mode & 0o777);
      if (output.sourceMapText) {
        // The map names the source where it stays: the project, next to build/.
        const map = JSON.parse(output.sourceMapText) as { sources: string[]; sourceRoot?: string };
        map.sources = [
          relativeSpecifier(
            path.dirname(path.join(outDir, entry.out)),
            entry.source,
            false,
          ).replace(/^\.\//, ''),
        ];
        delete map.sourceRoot;
        await writeFile(`${target}.map`, JSON.stringify(map));
        written.push(`${entry.out}.map`);
      }
      written.push(entry.out);
      compiled++;
    }
    written.sort();
    await writeFile(
      path.join(tmp, BUILD_MANIFEST),
      JSON.stringify({ builtBy: 'manage.ts build', files: written }, null, 2) + '\n',
    );

    // Files that appeared in the previous build since it was written (a SQLite database that
    // `migrate` created there) move into the new one as hard links: the same files, still in
    // place for a server running from the old folder until the swap.
    const kept: string[] = [];
    if (previous) {
      const writtenSet = new Set(written);
      const foreign = (await filesUnder(outDir)).filter(
        (rel) => rel !== BUILD_MANIFEST && !previous.has(rel),
      );
      const clashes = foreign.filter((rel) => writtenSet.has(rel));
      if (clashes.length > 0) {
        throw new CommandError(
          `${BUILD_DIR}/ holds files the last build did not write and this one would replace: ${clashes.join(', ')}. Move them out of ${BUILD_DIR}/, then build again.`,
        );
      }
      for (const rel of foreign) {
        await mkdir(path.dirname(path.join(tmp, rel)), { recursive: true });
        await link(path.join(outDir, rel), path.join(tmp, rel));
        kept.push(rel);
      }
    }

    if (previous) {
      const old = `${tmp}-old`;
      await rename(outDir, old);
      try {
        await rename(tmp, outDir);
      } catch (error) {
        await rename(old, outDir);
        throw error;
      }
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, outDir);
    }
    return { outDir, compiled, copied: entries.length - compiled, kept };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The folder of the manage file being run: the project. */
function projectDir(): string {
  return process.argv[1] ? path.dirname(path.resolve(process.argv[1])) : process.cwd();
}

/**
 * `manage.ts build`: compiles the project into `build/` (see `buildProject`) and says how to
 * serve it. Runs without loading the settings, so it builds a project whose settings need a
 * production environment to load.
 */
export const build: Command = {
  help: 'Compiles the project to JavaScript in build/, with its templates and static files, for Node 20.',
  requiresSettings: false,
  async handle(_args, { stdout }) {
    const started = performance.now();
    const root = projectDir();
    const result = await buildProject(root);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const where = path.relative(process.cwd(), result.outDir) || '.';
    stdout.write(
      `Built ${result.compiled} module${result.compiled === 1 ? '' : 's'} and copied ${result.copied} other file${result.copied === 1 ? '' : 's'} into ${where}/ in ${seconds} s.\n` +
        (result.kept.length > 0
          ? `Kept from the previous build (not written by it): ${result.kept.join(', ')}.\n`
          : '') +
        `Serve it with: node ${where}/manage.js serve\n`,
    );
    return 0;
  },
};
