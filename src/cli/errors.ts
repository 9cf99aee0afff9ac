import {
  EXIT_ERROR,
  EXIT_INTERRUPTED,
  EXIT_OK,
  EXIT_USAGE,
  exitStatusHelp,
} from '../common/exit-status.js';

/**
 * A user mistake (Django's `CommandError`): `main` prints it as one line
 * `CommandError: <message>` on stderr and exits with `exitCode`, never with a stack trace.
 * The CLI has its own class because it does not import the runtime (DESIGN.md §3).
 *
 * @example
 * throw new CommandError(`'${target}' already exists`);
 */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode = EXIT_ERROR,
  ) {
    super(message);
  }
}

/**
 * A usage mistake (argparse's `error:`): printed as `tango-admin <command>: error: <message>`
 * after the usage line, exit status 2, as `django-admin` does.
 *
 * @example
 * throw new UsageError('startproject', 'You must provide a project name.');
 */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    readonly command: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The `Exit status:` paragraph every `tango-admin` help text ends with (src/common's statuses,
 * the same as `manage.ts`'s, plus the interrupted scaffold).
 */
export const EXIT_STATUS_HELP = exitStatusHelp([
  [EXIT_OK, 'success (also --help, --version and --dry-run)'],
  [EXIT_ERROR, 'error: a CommandError (its message says what to fix) or an unknown command'],
  [EXIT_USAGE, 'usage error: an unknown option, a bad choice, a missing or extra argument'],
  [EXIT_INTERRUPTED, 'interrupted by Ctrl-C, or a question cancelled; signal N gives 128+N'],
]);
