import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import type { Command, CommandArgs } from '../base.js';

/**
 * The `tango-admin` command line for `manage.ts startapp <args>`. The framework hands a
 * forwarding command its arguments as typed (`argv`); parsed arguments (a framework that does
 * not forward) are turned back into flags.
 *
 * @example
 * tangoAdminArguments({ positionals: [], options: {}, argv: ['blog', '--kind', 'minimal'] });
 * // ['startapp', 'blog', '--kind', 'minimal']
 */
export function tangoAdminArguments(args: CommandArgs & { argv?: readonly string[] }): string[] {
  if (args.argv) return ['startapp', ...args.argv];
  const argv = ['startapp', ...args.positionals];
  for (const [name, value] of Object.entries(args.options)) {
    if (value === true) argv.push(`--${name}`);
    else if (typeof value === 'string') argv.push(`--${name}`, value);
  }
  return argv;
}

/**
 * `manage.ts startapp NAME [DIRECTORY] [options]`: runs `tango-admin startapp` in the project
 * with the arguments as typed, so the two entry points share one implementation and one option
 * table, the CLI's (the runtime imports neither the CLI nor the generator, DESIGN.md §3). It
 * declares no options of its own: `forwardsArguments` asks the framework for the command line
 * unparsed, and `manage.ts startapp --help` is the CLI's help.
 */
export const startapp: Command & { forwardsArguments: true } = {
  help: 'Creates an app (views, urls, templates, tests) and registers it in the project (tango-admin startapp; --help lists its options).',
  args: 'name [directory] [options]',
  requiresSettings: false,
  forwardsArguments: true,
  async handle(args) {
    const bin = createRequire(import.meta.url)
      .resolve('tango/package.json')
      .replace(/package\.json$/, 'bin/tango-admin.js');
    return new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...tangoAdminArguments(args)], {
        cwd: process.cwd(),
        stdio: 'inherit',
      });
      child.on('error', reject);
      // Killed by a signal (Ctrl-C reaches both processes): the shell's status, 128 + n.
      child.on('exit', (code, signal) =>
        resolve(code ?? (signal ? 128 + constants.signals[signal] : 1)),
      );
    });
  },
};
