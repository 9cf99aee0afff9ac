import { COMMANDS } from './arguments.js';
import { EXIT_STATUS_HELP } from './errors.js';
import type { CliIO } from './io.js';
import { main } from './main.js';
import { packageInfo } from './package-root.js';

/** The help of `npm create tango`: its usage, then startproject's options from the one table. */
function help(): string {
  const options = Object.entries(COMMANDS.startproject.options).map(([name, option]) => {
    const flag =
      option.type === 'string'
        ? `--${name} ${name.split('-').pop()!.toUpperCase()}`
        : `--${option.default === true ? 'no-' : ''}${name}`;
    return `  ${flag.padEnd(26)} ${option.describe}\n`;
  });
  return (
    'Usage: npm create tango@latest <name> [directory] -- [options]\n\n' +
    'Creates a Tango project (tango-admin startproject) and installs it. Options go after --,\n' +
    'which keeps npm from reading them:\n\n' +
    '  npm create tango@latest mysite -- --app WebApp\n\n' +
    'Options:\n' +
    options.join('') +
    `  ${'--help'.padEnd(26)} Show this help\n` +
    `  ${'--version'.padEnd(26)} Show the version\n\n` +
    'Without a name, on a terminal, it asks for the name, the session engine and the tutorial\n' +
    'app; it installs with the package manager that runs it (npm, pnpm, yarn or bun).\n\n' +
    `${COMMANDS.startproject.epilogue ?? ''}\n\n${EXIT_STATUS_HELP}`
  );
}

/**
 * The `create-tango` entry point, which `npm create tango@latest <name>` runs: everything but
 * help and `--version` is `tango-admin startproject <args>` (create-tango carries a copy of the
 * CLI, so the starter installs in seconds and never builds the runtime's native addon twice).
 * The project depends on the runtime of create-tango's own version (`^<version>`).
 *
 * @example
 * process.exitCode = await create(['mysite', '--app', 'WebApp']);
 */
export async function create(argv: string[], io?: Partial<CliIO>): Promise<number> {
  const stdout = io?.stdout ?? process.stdout;
  if (argv.includes('--help') || argv.includes('-h')) {
    stdout.write(help());
    return 0;
  }
  if (argv.includes('--version') || (argv.length === 1 && argv[0] === '-v')) {
    stdout.write(`${(await packageInfo()).version}\n`);
    return 0;
  }
  return main(['startproject', ...argv], io);
}
