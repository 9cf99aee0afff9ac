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
