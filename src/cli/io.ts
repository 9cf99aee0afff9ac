import path from 'node:path';
import { terminalStyle, type ColorTarget } from '../common/terminal.js';

/** A place text goes (process.stdout, or a buffer in tests). */
export interface Output {
  write(text: string): unknown;
}

/** Everything a command touches besides the file system; `main` fills it from `process`. */
export interface CliIO {
  cwd: string;
  stdout: Output;
  stderr: Output;
  /** Environment (`npm_config_*` etc. are passed on to npm). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Where answers to questions come from (`process.stdin`); asked only when it is a terminal. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

/**
 * Whether a person is at the terminal: stdin and stdout are both terminals, so a question can
 * be asked and answered. Scripts, pipes and CI never are.
 *
 * @example
 * if (interactive(io)) await askStartproject(parsed, io);
 */
export function interactive(io: CliIO): boolean {
  return Boolean(io.stdin?.isTTY && (io.stdout as { isTTY?: boolean }).isTTY);
}

/**
 * A path as the user should see it: relative to the working directory when inside it, else
 * absolute.
 *
 * @example
 * displayPath('/tmp', '/tmp/mysite/manage.ts'); // 'mysite/manage.ts'
 */
export function displayPath(cwd: string, target: string): string {
  const relative = path.relative(cwd, target);
  if (relative === '') return '.';
  return relative.startsWith('..') || path.isAbsolute(relative) ? target : relative;
}

/**
 * `text` with its first non-empty line in the warning style (yellow, bold) when `io.stdout` is
 * a terminal with colour and `NO_COLOR` is unset (src/common/terminal.ts); as is otherwise.
 *
 * @example
 * io.stdout.write(warning(io, '\nCould not register WebApp automatically ...\n  lines\n'));
 */
export function warning(io: CliIO, text: string): string {
  const style = terminalStyle(io.stdout as ColorTarget, io.env);
  if (!style.enabled) return text;
  return text.replace(
    /^(\n*)([^\n]+)/,
    (_, breaks: string, line: string) => breaks + style.warning(line),
  );
}
