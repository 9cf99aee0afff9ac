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
    readonly exitCode = 1,
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
