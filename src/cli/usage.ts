import { parseArgs } from 'node:util';
import { getCloseMatches, repr } from '../common/text.js';
import { COMMANDS, type CommandName } from './arguments.js';

/** The words besides the commands that `tango-admin` understands first. */
const TOP_LEVEL_WORDS = ['help', 'version'];

/** The top-level options. */
const TOP_LEVEL_OPTIONS = ['--help', '-h', '--version', '-v'];

/** What is wrong with a command line, as `commandLineProblem` finds it. */
export type CommandLineProblem =
  | { kind: 'unknown-command'; name: string }
  | { kind: 'usage'; command?: CommandName; message: string };

function isCommand(value: string | undefined): value is CommandName {
  return value === 'startproject' || value === 'startapp';
}

/** " Did you mean X?" for the closest of `candidates` (Django's rule), or ''. */
function didYouMean(word: string, candidates: readonly string[]): string {
  const [match] = getCloseMatches(word, candidates);
  return match === undefined ? '' : `. Did you mean ${match}?`;
}

/**
 * Django's message for a command it does not know, with the closest command:
 * `Unknown command: 'startprojet'. Did you mean startproject?` (then where to look).
 *
 * @example
 * unknownCommandMessage('startprojet'); // "Unknown command: 'startprojet'. Did you mean startproject?"
 */
export function unknownCommandMessage(name: string): string {
  const candidates = [...Object.keys(COMMANDS), ...TOP_LEVEL_WORDS];
  if (name.startsWith('-')) candidates.push(...TOP_LEVEL_OPTIONS);
  const others = candidates.filter((candidate) => candidate !== name);
  return `Unknown command: ${repr(name)}${didYouMean(name, others)}`;
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
    return {
      kind: 'usage',
      message: `unrecognized option ${repr(name)}${didYouMean(name, TOP_LEVEL_OPTIONS)}`,
    };
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
        message: `unrecognized option ${repr(token.rawName)}${didYouMean(token.rawName, spellings)}`,
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
