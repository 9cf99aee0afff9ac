/**
 * The development server's report of a project that failed to load (a syntax error or an
 * exception while importing settings, apps, urls or views): the error, the file and line in
 * the project, and that line with a caret, without the stack frames of esbuild, tsx or Node.
 * Django's runserver likewise keeps running and shows the error until the file is fixed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { terminalStyle, type TerminalStyle } from './terminal.js';

/** Where an error points in the project. */
export interface SourceLocation {
  /** Absolute path. */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
}

/** An error reduced to what a developer needs to fix it. */
export interface ProjectErrorReport {
  /** `SyntaxError` for a file that does not compile, else the error's name (`TypeError`). */
  name: string;
  message: string;
  location?: SourceLocation;
}

/** esbuild's `TransformError`, as tsx rethrows it (`errors` is lost when it crosses the loader thread). */
interface EsbuildMessage {
  text?: string;
  location?: { file?: string; line?: number; column?: number } | null;
}

/** `/abs/file.ts:5:22: ERROR: Unexpected ";"` in esbuild's "Transform failed" message (column 0-based). */
const ESBUILD_LINE = /^(.+?):(\d+):(\d+): ERROR: (.*)$/m;

/**
 * The place Node prefixes to the stack of a module that does not parse (its own type
 * stripping's `ERR_INVALID_TYPESCRIPT_SYNTAX` on 22.18+/24, or V8's `SyntaxError`):
 * `file:///abs/apps.ts:5`, the source (Node 24 shows the line before it too), and a caret
 * line under the column of the last source line.
 */
const ARROW = /^((?:file:\/\/)?\/[^\n]*?):(\d+)\n(?:[^\n]*\n){1,3}?([ \t]*)\^+[ \t]*(?:\n|$)/;

/** A V8 stack frame: `at fn (/abs/file.ts:3:12)` or `at /abs/file.ts:3:12` (or a file: URL). */
const STACK_FRAME = /^\s*at (?:.*? \()?((?:file:\/\/)?[^()\s][^()]*?):(\d+):(\d+)\)?$/;

function toPath(file: string): string {
  return file.startsWith('file://') ? fileURLToPath(file) : file;
}

/** Not the project's code: dependencies and Node's internals. */
function isLibraryFrame(file: string): boolean {
  return (
    file.startsWith('node:') ||
    file.includes(`${path.sep}node_modules${path.sep}`) ||
    file.includes('/node_modules/') ||
    !path.isAbsolute(file)
  );
}

/**
 * Finds what to show of `error`: esbuild's first error (file, line and column from its
 * `errors` array or its message), else the message and the first stack frame outside
 * node_modules and Node's internals, preferring frames under `root`.
 *
 * @example
 * describeProjectError(error, settings.BASE_DIR).location?.file;
 */
export function describeProjectError(error: unknown, root?: string): ProjectErrorReport {
  root &&= path.resolve(root);
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const withErrors = error as Error & { errors?: EsbuildMessage[] };
  const first = Array.isArray(withErrors.errors) ? withErrors.errors[0] : undefined;
  if (error.name === 'TransformError' || /^Transform failed with \d+ error/.test(error.message)) {
    const loc = first?.location;
    if (first?.text && loc?.file && loc.line) {
      return {
        name: 'SyntaxError',
        message: first.text,
        location: { file: toPath(loc.file), line: loc.line, column: (loc.column ?? 0) + 1 },
      };
    }
    const match = ESBUILD_LINE.exec(error.message);
    if (match) {
      const count = Number(/^Transform failed with (\d+) error/.exec(error.message)?.[1] ?? 1);
      return {
        name: 'SyntaxError',
        message: match[4]! + (count > 1 ? ` (the first of ${count} errors)` : ''),
        location: {
          file: path.resolve(toPath(match[1]!)),
          line: Number(match[2]),
          column: Number(match[3]) + 1,
        },
      };
    }
  }
  // Node's own errors carry a code, shown as Node shows it: `Error [ERR_MODULE_NOT_FOUND]`.
  const code = (error as NodeJS.ErrnoException).code;
  const name =
    (error.name || 'Error') +
    (typeof code === 'string' && code.startsWith('ERR_') ? ` [${code}]` : '');
  const arrow = ARROW.exec(error.stack ?? '');
  if (arrow) {
    const location = {
      file: toPath(arrow[1]!),
      line: Number(arrow[2]),
      column: arrow[3]!.length + 1,
    };
    return { name, message: error.message, location };
  }
  let fallback: SourceLocation | undefined;
  for (const frame of (error.stack ?? '').split('\n').slice(1)) {
    const match = STACK_FRAME.exec(frame);
    if (!match) continue;
    const file = toPath(match[1]!);
    if (isLibraryFrame(file)) continue;
    const location = { file, line: Number(match[2]), column: Number(match[3]) };
    if (!root || file.startsWith(root + path.sep))
      return { name, message: error.message, location };
    fallback ??= location;
  }
  return { name, message: error.message, ...(fallback ? { location: fallback } : {}) };
}

/** The source line at `location`, or undefined when the file cannot be read. */
function sourceLine(location: SourceLocation): string | undefined {
  try {
    return readFileSync(location.file, 'utf8').split(/\r?\n/)[location.line - 1];
  } catch {
    return undefined;
  }
}

/**
 * The report printed when the project fails to load: one headline, the location relative to
 * `root`, and the offending line with a caret under the column.
 *
 * ```
 * SyntaxError: Unexpected ";"
 *   at WebApp/apps.ts:5:23
 *
 *    5 | export const broken = ;
 *      |                       ^
 * ```
 *
 * @example
 * process.stderr.write(formatProjectError(error, settings.BASE_DIR));
 */
export function formatProjectError(
  error: unknown,
  root?: string,
  style: TerminalStyle = terminalStyle(process.stderr),
): string {
  root &&= path.resolve(root);
  const report = describeProjectError(error, root);
  const lines = [`${style.error(report.name + ':')} ${report.message}`];
  const location = report.location;
  if (location) {
    const shown =
      root && location.file.startsWith(root + path.sep)
        ? path.relative(root, location.file)
        : location.file;
    lines.push(
      `  at ${style.bold(`${shown}:${location.line}${location.column ? `:${location.column}` : ''}`)}`,
    );
    const text = sourceLine(location);
    if (text !== undefined) {
      const gutter = String(location.line);
      lines.push('', `  ${gutter} | ${text}`);
      if (location.column > 0) {
        // Keep tabs so the caret lines up under the same column as the line above it.
        const pad = text.slice(0, location.column - 1).replace(/[^\t]/g, ' ');
        lines.push(`  ${' '.repeat(gutter.length)} | ${pad}${style.error('^')}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}
