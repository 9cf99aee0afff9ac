import { parseArgs } from 'node:util';
import {
  didYouMean,
  unknownCommand,
  unrecognizedOption,
  type UnknownCommandContext,
} from '../common/did-you-mean.js';
import { repr } from '../common/text.js';
import { COMMANDS, type CommandName } from './arguments.js';

/** The top-level options. */
const TOP_LEVEL_OPTIONS = ['--help', '-h', '--version', '-v'];

/** What is wrong with a command line, as `commandLineProblem` finds it. */
export type CommandLineProblem =
  | { kind: 'unknown-command'; name: string }
  | { kind: 'usage'; command?: CommandName; message: string };

function isCommand(value: string | undefined): value is CommandName {
  return value === 'startproject' || value === 'startapp';
}

/**
 * Django's answer to a command it does not know, with the closest command, then where to look:
 * `Unknown command: 'startprojet'. Did you mean startproject?` and `Type 'tango-admin help'
 * for usage.`, the first line coloured by `style`. The candidates are the commands, `help`,
 * `version` and, for a name starting with `-`, the top-level options (src/common/did-you-mean.ts,
 * shared with `manage.ts`).
 *
 * @example
 * unknownCommandMessage('startprojet');
 * // "Unknown command: 'startprojet'. Did you mean startproject?\nType 'tango-admin help' for usage.\n"
 */
export function unknownCommandMessage(
  name: string,
  style?: UnknownCommandContext['style'],
): string {
  return unknownCommand(name, {
    program: 'tango-admin',
    commands: Object.keys(COMMANDS),
    options: TOP_LEVEL_OPTIONS,
    ...(style ? { style } : {}),
  });
}

/** Every spelling of a command's options that yargs accepts, for "Did you mean ...?". */
function optionSpellings(command: CommandName): string[] {
  const spellings = ['--help', '-h'];
  for (const [name, option] of Object.entries(COMMANDS[command].options)) {
    spellings.push(`--${name}`);
    if (option.type === 'boolean' || name === 'app') spellings.push(`--no-${name}`);
  }
  return spellings;
}

/**
 * The mistakes `tango-admin` explains itself before yargs sees the line, with Django's
 * "Did you mean ...?" (`difflib.get_close_matches`): an unknown command, an unknown option, a
 * value outside an option's choices, an argument too many. Values are quoted as Python's
 * `%r` quotes them, so a message's quotes always pair up. `undefined` when none of these is
 * wrong (yargs then prints help, the version or its own error).
 *
 * @example
 * commandLineProblem(['startproject', 'x', '--instal']);
 * // { kind: 'usage', command: 'startproject', message: "unrecognized option '--instal'. Did you mean --install?" }
 */
export function commandLineProblem(argv: readonly string[]): CommandLineProblem | undefined {
  const [first, ...rest] = argv;
  if (first === undefined) return undefined;
  if (first.startsWith('-')) {
    const name = first.split('=')[0]!;
    if (TOP_LEVEL_OPTIONS.includes(name)) return undefined;
    return { kind: 'usage', message: unrecognizedOption(name, TOP_LEVEL_OPTIONS) };
  }
  if (!isCommand(first)) return { kind: 'unknown-command', name: first };
  const spec = COMMANDS[first].options;
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [name, option] of Object.entries(spec)) options[name] = { type: option.type };
  const { tokens } = parseArgs({
    args: [...rest],
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const spellings = optionSpellings(first);
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    if (!spellings.includes(token.rawName) && token.rawName !== '--version') {
      return {
        kind: 'usage',
        command: first,
        message: unrecognizedOption(token.rawName, spellings),
      };
    }
    const choices = spec[token.name]?.choices;
    if (choices && token.value !== undefined && !choices.includes(token.value)) {
      return {
        kind: 'usage',
        command: first,
        message: `argument --${token.name}: invalid choice: ${repr(token.value)} (choose from ${choices.map(repr).join(', ')})${didYouMean(token.value, choices)}`,
      };
    }
  }
  if (positionals.length > 2) {
    return {
      kind: 'usage',
      command: first,
      message: `unrecognized arguments: ${positionals.slice(2).map(repr).join(' ')}`,
    };
  }
  return undefined;
}
