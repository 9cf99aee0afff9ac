import type { AppRegistry } from '../apps/registry.js';
import type { Settings } from '../conf/settings.js';

/**
 * A user mistake in a management command (Django's `CommandError`): printed as one line
 * `CommandError: <message>` on stderr with exit code `returnCode`, never a stack trace.
 */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    message: string,
    readonly returnCode = 1,
  ) {
    super(message);
  }
}

/** One option of a command, parsed with `node:util` `parseArgs`. */
export interface CommandOption {
  type: 'boolean' | 'string';
  short?: string;
  description: string;
  multiple?: boolean;
  default?: string | boolean;
}

/** Everything a command may touch, handed over by `executeFromCommandLine`. */
export interface CommandContext {
  settings: Readonly<Settings>;
  apps: AppRegistry;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Parsed command line: positionals plus options by name. */
export interface CommandArgs {
  positionals: string[];
  options: Record<string, string | boolean | string[] | undefined>;
  /** The arguments as typed, for a command with `forwardsArguments` (nothing else is filled). */
  argv?: string[];
}

/**
 * A `manage.ts` command, like Django's `BaseCommand`. Apps contribute commands through their
 * `AppConfig.commands`; built-ins live in `management/commands/`.
 *
 * @example
 * export const hello: Command = {
 *   help: 'Says hello.',
 *   async handle(args, { stdout }) { stdout.write('hello\n'); },
 * };
 */
export interface Command {
  help: string;
  /** Usage of positionals, e.g. `'[app_label] [migration_name]'`. */
  args?: string;
  options?: Record<string, CommandOption>;
  /**
   * A command that hands its arguments to another program (startapp runs `tango-admin
   * startapp`): they are not parsed here but given as typed in `args.argv`, and `help <name>`
   * asks the command itself (`--help`), so its options are declared once, by that program.
   */
  forwardsArguments?: boolean;
  /** False for commands that run without loading settings (startapp); default true. */
  requiresSettings?: boolean;
  /**
   * Returns the exit code (nothing means 0); long-running commands resolve when they stop.
   * `context` has only `stdout` and `stderr` for commands with `requiresSettings: false`.
   */
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- a command that just prints may return nothing
  handle(args: CommandArgs, context: CommandContext): Promise<number | void>;
}
