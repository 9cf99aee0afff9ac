import { parseFast, parseWithYargs, type ParsedCommand } from './arguments.js';
import { CommandError, UsageError } from './errors.js';
import type { CliIO } from './io.js';
import { packageInfo } from './package-root.js';
import { startapp } from './startapp.js';
import { startproject } from './startproject.js';

const PROGRAM = 'tango-admin';

function usageLine(command: string | undefined): string {
  return command
    ? `usage: ${PROGRAM} ${command} [options] name [directory]`
    : `usage: ${PROGRAM} <command> [options]`;
}

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

async function run(parsed: ParsedCommand, io: CliIO): Promise<number> {
  if (parsed.command === 'startproject') return startproject(parsed, io);
  return startapp(parsed, io);
}

/**
 * The `tango-admin` entry point (bin/tango-admin.js calls it): parses `argv` (without the node
 * and script paths), runs the command and returns the exit code. User mistakes are one line on
 * stderr (`CommandError: ...`, exit 1; usage errors `tango-admin <command>: error: ...`, exit
 * 2), never a stack trace. `io` lets tests run it in-process.
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
  };
  let parsed = parseFast(argv);
  if (!parsed) {
    const outcome = await parseWithYargs(argv, (await packageInfo()).version);
    if (outcome.unknownCommand !== undefined) {
      cli.stderr.write(
        `Unknown command: '${outcome.unknownCommand}'\nType '${PROGRAM} --help' for usage.\n`,
      );
      return 1;
    }
    if (outcome.failure !== undefined) {
      cli.stderr.write(
        `${usageLine(outcome.command)}\n${PROGRAM}${outcome.command ? ` ${outcome.command}` : ''}: error: ${outcome.failure}\n`,
      );
      return 2;
    }
    if (outcome.output !== undefined) {
      cli.stdout.write(outcome.output);
      return 0;
    }
    parsed = outcome.parsed!;
  }
  try {
    return await run(parsed, cli);
  } catch (error) {
    if (error instanceof UsageError) {
      cli.stderr.write(
        `${usageLine(error.command)}\n${PROGRAM} ${error.command}: error: ${error.message}\n`,
      );
      return 2;
    }
    if (error instanceof CommandError) {
      cli.stderr.write(`CommandError: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
