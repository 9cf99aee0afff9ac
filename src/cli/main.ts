import { EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from '../common/exit-status.js';
import { terminalStyle, type ColorTarget } from '../common/terminal.js';
import { parseFast, parseWithYargs, type ParsedCommand } from './arguments.js';
import { CommandError, UsageError } from './errors.js';
import { interactive, type CliIO } from './io.js';
import { packageInfo } from './package-root.js';

/** The program's name in messages. */
const PROGRAM = 'tango-admin';

function usageLine(command: string | undefined): string {
  return command
    ? `usage: ${PROGRAM} ${command} [options] name [directory]`
    : `usage: ${PROGRAM} <command> [options]`;
}

/** The words that ask for the version alone, as `django-admin --version` / `version`. */
const VERSION_WORDS = new Set(['--version', '-v', 'version']);

/** The streams `endQuietlyOnClosedPipe` already watches. */
const guarded = new WeakSet<NodeJS.WriteStream>();

/**
 * Ends the process quietly when the reader of stdout (or stderr) goes away, as in
 * `tango-admin startproject mysite | head -1`: Node ignores SIGPIPE, so the next write fails
 * with EPIPE, which would otherwise be an uncaught 'error' event and a stack trace. Output is
 * only ever written before or after `commitPlan`, never during it, so nothing is half done;
 * whatever was left to do (npm install, the next steps) is not done.
 */
function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

/** Runs a parsed command; each command's module is loaded only when it runs. */
async function run(parsed: ParsedCommand, io: CliIO): Promise<number> {
  if (parsed.command === 'startproject') {
    return (await import('./startproject.js')).startproject(parsed, io);
  }
  return (await import('./startapp.js')).startapp(parsed, io);
}

/**
 * The `tango-admin` entry point (bin/tango-admin.js calls it): parses `argv` (without the node
 * and script paths), runs the command and returns the exit code. `--version`, `-v` and
 * `version` print the version; `help [command]` is `[command] --help`. User mistakes are one
 * line on stderr, red on a terminal (`CommandError: ...`, exit 1; `Unknown command: ...` with
 * Django's "Did you mean ...?", exit 1; usage errors `tango-admin <command>: error: ...`, exit
 * 2), never a stack trace. `startproject` without a name on a terminal asks for it (and for
 * what its flags did not say). `io` lets tests run it in-process.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: string[], io?: Partial<CliIO>): Promise<number> {
  if (!io?.stdout) endQuietlyOnClosedPipe(process.stdout);
  if (!io?.stderr) endQuietlyOnClosedPipe(process.stderr);
  const cli: CliIO = {
    cwd: io?.cwd ?? process.cwd(),
    stdout: io?.stdout ?? process.stdout,
    stderr: io?.stderr ?? process.stderr,
    env: io?.env ?? process.env,
    // A question is asked only on the process's own terminal, never with a test's streams.
    stdin: io?.stdin ?? (io?.stdout ? undefined : process.stdin),
  };
  const style = terminalStyle(cli.stderr as ColorTarget, cli.env);
  const usageError = (command: string | undefined, message: string): number => {
    const line = `${PROGRAM}${command ? ` ${command}` : ''}: error: ${message}`;
    cli.stderr.write(`${usageLine(command)}\n${style.error(line)}\n`);
    return EXIT_USAGE;
  };
  // The close-match rule behind "Did you mean ...?" is loaded only for a mistake.
  const unknownCommand = async (name: string): Promise<number> => {
    const { unknownCommandMessage } = await import('./usage.js');
    cli.stderr.write(unknownCommandMessage(name, style));
    return EXIT_ERROR;
  };

  let args = argv;
  if (args.length === 1 && VERSION_WORDS.has(args[0]!)) {
    cli.stdout.write(`${(await packageInfo()).version}\n`);
    return EXIT_OK;
  }
  if (args[0] === 'help') {
    const topic = args[1];
    if (topic === 'startproject' || topic === 'startapp') args = [topic, '--help'];
    else if (topic === undefined || topic === 'help') args = ['--help'];
    else return unknownCommand(topic);
  }
  let parsed = parseFast(args);
  if (!parsed) {
    const problem = (await import('./usage.js')).commandLineProblem(args);
    if (problem?.kind === 'unknown-command') return unknownCommand(problem.name);
    if (problem) return usageError(problem.command, problem.message);
    const outcome = await parseWithYargs(args, (await packageInfo()).version);
    if (outcome.unknownCommand !== undefined) return unknownCommand(outcome.unknownCommand);
    if (outcome.failure !== undefined) return usageError(outcome.command, outcome.failure);
    if (outcome.output !== undefined) {
      cli.stdout.write(outcome.output);
      return EXIT_OK;
    }
    parsed = outcome.parsed!;
  }
  try {
    if (
      parsed.command === 'startproject' &&
      parsed.name === undefined &&
      parsed.input !== false &&
      !parsed.json && // --json output is for scripts: never mixed with questions
      interactive(cli)
    ) {
      // @clack/prompts is loaded only here: a person is at the terminal and a name is missing.
      const answered = await (await import('./prompts.js')).askStartproject(parsed, cli);
      if (answered === undefined) return EXIT_INTERRUPTED;
      parsed = answered;
    }
    return await run(parsed, cli);
  } catch (error) {
    if (error instanceof UsageError) return usageError(error.command, error.message);
    if (error instanceof CommandError) {
      cli.stderr.write(`${style.error(`CommandError: ${error.message}`)}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
