/**
 * What both command-line programs (`tango-admin` in src/cli, `manage.ts` in
 * src/runtime/management) say about a mistyped command line, in Django's words: "Unknown
 * command: 'x'. Did you mean y?" and "Type '<program> help' for usage." (Django's
 * `ManagementUtility.fetch_command`), and the same "Did you mean ...?" after an unknown option
 * or a value outside an option's choices. Built on `getCloseMatches` and `repr` (text.ts); like
 * the rest of src/common it imports nothing of the CLI, the generator or the runtime.
 */
import type { TerminalStyle } from './terminal.js';
import { getCloseMatches, repr } from './text.js';

/** The words both programs answer besides their commands: Django's `help`, and `version`. */
const BUILTIN_WORDS = ['help', 'version'];

/**
 * Django's `". Did you mean %s?" % possible_matches[0]`: the closest of `candidates` to `word`
 * by `difflib.get_close_matches` (n=3, cutoff 0.6, the first of them), or `''` when none is
 * close enough. Candidates are printed as they are, not quoted, as Django prints them.
 *
 * @example
 * didYouMean('--deplyo', ['--deploy', '--help']); // '. Did you mean --deploy?'
 * didYouMean('--bogus', ['--deploy', '--help']); // ''
 */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const [match] = getCloseMatches(word, candidates);
  return match === undefined ? '' : `. Did you mean ${match}?`;
}

/**
 * The usage error for an option a command does not have, with the closest of its spellings:
 * the option quoted as Python's `%r` quotes it, so the message's quotes pair up.
 *
 * @example
 * unrecognizedOption('--deplyo', ['--deploy', '--help']);
 * // "unrecognized option '--deplyo'. Did you mean --deploy?"
 */
export function unrecognizedOption(option: string, spellings: Iterable<string>): string {
  return `unrecognized option ${repr(option)}${didYouMean(option, spellings)}`;
}

/**
 * Django's last line for an unknown command: where to look.
 *
 * @example
 * usageHint('manage.ts'); // "Type 'manage.ts help' for usage."
 */
export function usageHint(program: string): string {
  return `Type '${program} help' for usage.`;
}

/**
 * Django's first line for a command it does not know (`ManagementUtility.fetch_command`): the
 * name as Python's `%r` prints it, then the closest candidate, if any. The candidates are
 * `commands`, `help` and `version` (both programs answer them), and `options` when the name
 * starts with `-` (a misspelt `--version`); the name itself is never suggested (`help version`
 * asks for a command called `version`, which is a word, not a command).
 *
 * @example
 * unknownCommandLine('runserve', ['check', 'runserver']); // "Unknown command: 'runserve'. Did you mean runserver?"
 * unknownCommandLine('--verison', ['check'], ['--help', '--version']); // "Unknown command: '--verison'. Did you mean --version?"
 * unknownCommandLine("it's", ['check']); // `Unknown command: "it's"`
 */
export function unknownCommandLine(
  name: string,
  commands: Iterable<string>,
  options: Iterable<string> = [],
): string {
  const candidates = [...commands, ...BUILTIN_WORDS];
  if (name.startsWith('-')) candidates.push(...options);
  const others = candidates.filter((candidate) => candidate !== name);
  return `Unknown command: ${repr(name)}${didYouMean(name, others)}`;
}

/** What `unknownCommand` needs to know of the program. */
export interface UnknownCommandContext {
  /** The program's name in "Type '<program> help' for usage.". */
  program: string;
  /** The commands it knows (`help` and `version` are added). */
  commands: Iterable<string>;
  /** Its top-level options, suggested only for a name that starts with `-`. */
  options?: Iterable<string>;
  /** Colours the first line (`terminalStyle(stderr).error`); none by default. */
  style?: Pick<TerminalStyle, 'error'>;
}

/**
 * Django's whole answer to an unknown command, as `fetch_command` writes it to stderr before
 * exiting with status 1: `unknownCommandLine` (coloured by `style`), then `usageHint`, each
 * ending with a newline.
 *
 * @example
 * unknownCommand('runserve', { program: 'manage.ts', commands: ['check', 'runserver'] });
 * // "Unknown command: 'runserve'. Did you mean runserver?\nType 'manage.ts help' for usage.\n"
 */
export function unknownCommand(name: string, context: UnknownCommandContext): string {
  const line = unknownCommandLine(name, context.commands, context.options);
  const first = context.style ? context.style.error(line) : line;
  return `${first}\n${usageHint(context.program)}\n`;
}
