/**
 * The exit statuses of `tango-admin` and `manage.ts`, stable across releases so scripts can
 * rely on them (each program's `--help` ends with its table). They follow Django's
 * `django-admin`/`manage.py`: 1 for a `CommandError` and an unknown command, 2 for a usage
 * error (argparse's status), and the shell's 128 + N for a process ended by signal N.
 */

/** Success, including `--help`, `--version` and `--dry-run`. */
export const EXIT_OK = 0;
/** A `CommandError` (a user mistake the command explains), or an unknown command. */
export const EXIT_ERROR = 1;
/** A usage error: an unknown option, a bad choice, a missing or extra argument. */
export const EXIT_USAGE = 2;
/** Interrupted by Ctrl-C (SIGINT, 128 + 2), or a question cancelled with Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

/**
 * The `Exit status:` paragraph of a `--help` text, one row a status.
 *
 * @example
 * exitStatusHelp([[EXIT_OK, 'success'], [EXIT_USAGE, 'usage error']]);
 * // 'Exit status:\n  0    success\n  2    usage error\n'
 */
export function exitStatusHelp(rows: readonly (readonly [number | string, string])[]): string {
  return `Exit status:\n${rows.map(([code, text]) => `  ${String(code).padEnd(5)}${text}\n`).join('')}`;
}
