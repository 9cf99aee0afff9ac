import path from 'node:path';

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
