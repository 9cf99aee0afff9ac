/**
 * What `manage.ts` says about its own command line, as Django's `ManagementUtility` and
 * `CommandParser` do: the version, "Unknown command ... Did you mean ...?", usage errors with
 * the closest option, and the exit statuses its help ends with. Kept apart from index.ts so
 * the entry point stays a dispatcher, and importing nothing heavy (it runs before settings).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EXIT_ERROR, EXIT_OK, EXIT_USAGE, exitStatusHelp } from '../../common/exit-status.js';
import { terminalStyle, type TerminalStyle } from '../../common/terminal.js';
import {
  unknownCommand as unknownCommandText,
  unrecognizedOption,
} from '../../common/did-you-mean.js';
import { CommandError, type Command, type CommandArgs } from './base.js';

/** The words that ask `manage.ts` for its version, as `manage.py --version` / `version`. */
const VERSION_WORDS = new Set(['--version', '-v', 'version']);

/** The top-level options "Did you mean ...?" suggests for an unknown name starting with `-`. */
const TOP_LEVEL_OPTIONS = ['--help', '--version'];

/**
 * Whether `argv` asks for the version only: `--version`, `version` (Django's two spellings) or
 * `-v`. `-v` means the version only in first place: after a command it is left to the command
 * (Django's `-v` is `--verbosity` there).
 *
 * @example
 * isVersionRequest(['--version']); // true
 * isVersionRequest(['check', '-v']); // false
 */
export function isVersionRequest(argv: readonly string[]): boolean {
  return argv.length === 1 && VERSION_WORDS.has(argv[0]!);
}

/**
 * The version of the `tango` package this runtime belongs to (its package.json, three folders
 * up from both src/runtime/management and dist/runtime/management).
 *
 * @example
 * tangoVersion(); // '0.1.0'
 */
export function tangoVersion(): string {
  const manifest = JSON.parse(
    readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
  ) as { version?: string };
  return manifest.version ?? '0.0.0';
}

/**
 * Django's answer to a command it does not know (`ManagementUtility.fetch_command`): the name
 * as Python's `%r` prints it, the closest command by `difflib.get_close_matches` (`help` and
 * `version` count as commands here), and where to look. `style` colours the first line. The
 * wording is shared with `tango-admin` (src/common/did-you-mean.ts).
 *
 * @example
 * unknownCommand('runserve', ['check', 'runserver'], 'manage.ts');
 * // "Unknown command: 'runserve'. Did you mean runserver?\nType 'manage.ts help' for usage.\n"
 */
export function unknownCommand(
  name: string,
  commands: Iterable<string>,
  program: string,
  style: Pick<TerminalStyle, 'error'> = { error: (text) => text },
): string {
  return unknownCommandText(name, { program, commands, options: TOP_LEVEL_OPTIONS, style });
}

/**
 * A mistake in a command's arguments (argparse's `error:`): printed after the command's usage
 * line as `manage.ts <command>: error: <message>`, exit status 2.
 *
 * @example
 * throw new UsageError(check, "unrecognized option '--deplyo'. Did you mean --deploy?");
 */
export class UsageError extends CommandError {
  override name = 'UsageError';
  constructor(
    /** The command whose usage line is printed above the message. */
    readonly command: Command,
    message: string,
  ) {
    super(message, EXIT_USAGE);
  }
}

/**
 * A command's usage line: `usage: manage.ts migrate [app_label] [migration_name] [options]`.
 *
 * @example
 * usageLine('manage.ts', 'check', check); // 'usage: manage.ts check [options]'
 */
export function usageLine(program: string, name: string, command: Command): string {
  return `usage: ${program} ${name}${command.args ? ' ' + command.args : ''}${command.options ? ' [options]' : ''}`;
}

/** Every spelling of the command's options, for "Did you mean ...?". */
function optionSpellings(command: Command): string[] {
  const spellings = ['--help', '-h'];
  for (const [name, spec] of Object.entries(command.options ?? {})) {
    spellings.push(`--${name}`);
    if (spec.short) spellings.push(`-${spec.short}`);
  }
  return spellings;
}

/**
 * Parses a command's arguments with `node:util` `parseArgs` against its options. An unknown
 * option is a `UsageError` naming it (quoted as Python would) and the closest option Django's
 * rule finds; parseArgs' other errors become usage errors with its message kept whole (some
 * span several lines). A forwarding command gets its arguments as typed.
 *
 * @example
 * parseCommandLine(check, ['--deploy']); // { positionals: [], options: { deploy: true } }
 * parseCommandLine(check, ['--deplyo']); // throws UsageError: unrecognized option '--deplyo'. Did you mean --deploy?
 */
export function parseCommandLine(command: Command, args: string[]): CommandArgs {
  if (command.forwardsArguments) return { positionals: [], options: {}, argv: args };
  const options = command.options ?? {};
  const { tokens } = parseArgs({
    args,
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== 'option' || Object.hasOwn(options, token.name)) continue;
    throw new UsageError(command, unrecognizedOption(token.rawName, optionSpellings(command)));
  }
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      allowPositionals: true,
      strict: true,
    });
    return {
      positionals,
      options: values as Record<string, string | boolean | string[] | undefined>,
    };
  } catch (error) {
    throw new UsageError(command, (error as Error).message.replace(/\s*\n\s*/g, ' '));
  }
}

/**
 * The styles for `stream`: colour on a terminal, none when piped or with `NO_COLOR`
 * (src/common/terminal.ts).
 *
 * @example
 * stderr.write(styleFor(stderr).error('CommandError: ...') + '\n');
 */
export function styleFor(stream: object): TerminalStyle {
  return terminalStyle(stream);
}

/** The `Exit status:` paragraph every `manage.ts` help text ends with. */
export const EXIT_STATUS_HELP = exitStatusHelp([
  [EXIT_OK, 'success'],
  [EXIT_ERROR, 'error: a CommandError, an unknown command, failed system checks or tests'],
  [EXIT_USAGE, 'usage error: an unknown option, a missing or bad argument'],
]);
