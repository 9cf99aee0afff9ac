import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AppRegistry } from '../../apps/registry.js';
import { ImproperlyConfigured } from '../../conf/errors.js';
import { loadSettings } from '../../conf/index.js';
import type { Settings } from '../../conf/settings.js';
import { createApplication } from '../../handlers/base.js';
import { isReloaderChild, runWithReloader, watchMore } from '../../server/autoreload.js';
import { serve } from '../../server/node.js';
import { formatProjectError } from '../../server/project-error.js';
import { terminalStyle, type ColorTarget } from '../../server/terminal.js';
import { isWorker, locmemSessionWarning, runWorkers, stopRequested } from '../../server/workers.js';
import { CommandError, type Command, type CommandArgs, type CommandContext } from '../base.js';
import { unappliedMigrationsWarning } from './check.js';

/** Django's `runserver` address rule: `port`, `addr:port` or `[ipv6]:port`. */
export function parseAddrPort(value: string | undefined): { host: string; port: number } {
  if (!value) return { host: '127.0.0.1', port: 8000 };
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):)?(\d+)$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    throw new CommandError(`"${value}" is not a valid port number or address:port pair.`);
  }
  const host = match[1] ? match[1].replace(/^\[|\]$/g, '') : '127.0.0.1';
  return { host: host === 'localhost' ? '127.0.0.1' : host, port };
}

/** Parses `--workers N` (default 1). */
export function parseWorkers(value: unknown): number {
  if (value === undefined) return 1;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < 1 || n > 256) {
    throw new CommandError(
      `--workers must be a whole number of processes from 1 to 256, got '${String(value)}'.`,
      2,
    );
  }
  return n;
}

/**
 * Fails with Django's message when `host:port` cannot be bound (checked once, in the primary).
 *
 * @example
 * await checkBindable('127.0.0.1', 8000); // CommandError: That port is already in use: ...
 */
export async function checkBindable(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(port, host, () => probe.close(() => resolve()));
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE')
      throw new CommandError(`That port is already in use: ${host}:${port}.`);
    if (error.code === 'EADDRNOTAVAIL')
      throw new CommandError(`That IP address can't be assigned to: ${host}.`);
    throw error;
  });
}

/**
 * The address from the command line (`addrport`, else `PORT`; `--ipv6` for `::1`), as
 * `runserver` and `serve` take it.
 *
 * @example
 * addressOf({ positionals: ['[::1]:8000'], options: {} }); // { host: '::1', port: 8000 }
 */
export function addressOf({ positionals, options }: CommandArgs): { host: string; port: number } {
  const addr = parseAddrPort(positionals[0] ?? process.env.PORT);
  if (options.ipv6 && !positionals[0]?.includes('[')) addr.host = '::1';
  return addr;
}

/** The folder of `manage.ts`: the project, watched before its settings are known. */
function projectDir(): string {
  return process.argv[1] ? path.dirname(path.resolve(process.argv[1])) : process.cwd();
}

/** The folders outside which a change cannot matter: BASE_DIR and the template folders. */
function watchedFolders(settings: Readonly<Settings>): string[] {
  const dirs = settings.TEMPLATES.flatMap((t) => t.DIRS ?? []);
  return [settings.BASE_DIR, ...dirs.map((dir) => path.resolve(settings.BASE_DIR, dir))];
}

/**
 * `runserver` with the autoreloader, entered by `executeFromCommandLine` before it loads the
 * settings (Django's `ManagementUtility.execute()` special-cases runserver the same way), so
 * that a project that fails to import is reported and waits for a fix instead of ending the
 * server, at the first start too.
 *
 * - In the process the user started: checks the address and port, then runs the reloader,
 *   which watches the project and imports none of it.
 * - In the reloader's child: loads the settings and apps and serves; an exception while
 *   importing the project (settings, apps, urls, views) is printed as a short report (file,
 *   line, the offending line) and the child exits 1, so the reloader waits for the next change.
 *
 * Returns undefined when the command line is not for the reloader (`--noreload`, `--workers`,
 * `--help`, or one `parseArgs` rejects): the caller then runs `runserver` as usual.
 *
 * @example
 * const code = await runserverWithReloader(['127.0.0.1:8000'], { stdout, stderr });
 * if (code !== undefined) return code;
 */
export async function runserverWithReloader(
  argv: string[],
  io: Pick<CommandContext, 'stdout' | 'stderr'>,
): Promise<number | undefined> {
  if (argv.includes('--help') || argv.includes('-h')) return undefined;
  let args: CommandArgs;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: runserver.options ?? {},
      allowPositionals: true,
      strict: true,
    });
    args = { positionals, options: values as CommandArgs['options'] };
  } catch {
    return undefined;
  }
  if (args.options.noreload || args.options.workers !== undefined || isWorker()) return undefined;
  if (!isReloaderChild()) {
    const addr = addressOf(args);
    await checkBindable(addr.host, addr.port);
    return runWithReloader({
      roots: [projectDir()],
      log: (line) => io.stderr.write(line + '\n'),
      style: terminalStyle(io.stderr as ColorTarget),
    });
  }
  let root = projectDir();
  try {
    const settings = await loadSettings();
    root = settings.BASE_DIR;
    watchMore(watchedFolders(settings));
    const apps = await AppRegistry.load(settings);
    return (await runserver.handle(args, { settings, apps, ...io })) ?? 0;
  } catch (error) {
    // A developer's mistake with a message of its own is one line, as without the reloader.
    if (error instanceof CommandError || error instanceof ImproperlyConfigured) throw error;
    io.stderr.write(formatProjectError(error, root, terminalStyle(io.stderr as ColorTarget)));
    return 1;
  }
}

/**
 * `manage.ts runserver [addr:port]`: serves the project on node:http (default 127.0.0.1:8000),
 * restarting on source changes unless `--noreload`, stopping gracefully on SIGINT/SIGTERM.
 * `--workers N` runs N processes on the one port with node:cluster (implies `--noreload`);
 * sessions are shared between them only through a shared store (docs/scale-out.md).
 * `executeFromCommandLine` enters the autoreloading server through `runserverWithReloader`.
 */
export const runserver: Command = {
  help: 'Starts a lightweight web server for development.',
  args: '[addrport]',
  options: {
    noreload: { type: 'boolean', description: 'Do not restart the server when code changes.' },
    noaccesslog: {
      type: 'boolean',
      description: 'Do not print a line per request (errors are still logged).',
    },
    ipv6: { type: 'boolean', short: '6', description: 'Use an IPv6 address (default ::1).' },
    workers: {
      type: 'string',
      description: 'Serve with N processes on one port (node:cluster); implies --noreload.',
    },
  },
  async handle(args, { settings, stdout, stderr }) {
    const { options } = args;
    const style = terminalStyle(stderr as ColorTarget);
    // Django's runserver check, word for word: without it the server starts and answers
    // every request 400 (DisallowedHost). Checked before workers start; with the reloader, in
    // its child, so that fixing settings.ts starts the server.
    if (!settings.DEBUG && settings.ALLOWED_HOSTS.length === 0) {
      throw new CommandError('You must set settings.ALLOWED_HOSTS if DEBUG is False.');
    }
    const addr = addressOf(args);
    const workers = parseWorkers(options.workers);
    // undefined: serve()'s default stderr log; null: none.
    const accessLog = options.noaccesslog ? null : undefined;
    if (workers > 1 && !isWorker()) {
      // The primary checks everything once (settings, stores, port) so that a mistake is one
      // line, not one per worker; then the workers each build and serve the application.
      const app = await createApplication(settings);
      const warning = await unappliedMigrationsWarning(settings, app.apps);
      await app.close();
      if (warning) stderr.write(style.notice(warning) + '\n');
      const locmem = locmemSessionWarning(settings, workers);
      if (locmem) stderr.write(style.warning(locmem) + '\n');
      await checkBindable(addr.host, addr.port);
      return runWorkers({
        count: workers,
        log: (line) => stderr.write(line + '\n'),
        onListening: ({ port }) => {
          const urlHost = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
          stdout.write(
            `Tango server at http://${urlHost}:${port}/ with ${workers} worker processes (settings: ${process.env.TANGO_SETTINGS_MODULE ?? 'configured'}, DEBUG=${settings.DEBUG}; autoreload off).\n` +
              `Quit the server with CONTROL-C.\n`,
          );
        },
      });
    }
    if (isWorker()) {
      const app = await createApplication(settings);
      const running = await serve(app, { host: addr.host, port: addr.port, log: accessLog });
      await stopRequested();
      await running.close();
      process.disconnect?.();
      return 0;
    }
    if (!options.noreload && !isReloaderChild()) {
      // Reached when a caller hands over settings itself; manage.ts goes through
      // runserverWithReloader, which starts the reloader before importing the project.
      return runWithReloader({
        roots: watchedFolders(settings),
        log: (line) => stderr.write(line + '\n'),
        style,
      });
    }
    const app = await createApplication(settings);
    const warning = await unappliedMigrationsWarning(settings, app.apps);
    if (warning) stderr.write(style.notice(warning) + '\n');
    let running;
    try {
      running = await serve(app, { host: addr.host, port: addr.port, log: accessLog });
    } catch (error) {
      await app.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE')
        throw new CommandError(`That port is already in use: ${addr.host}:${addr.port}.`);
      if (code === 'EADDRNOTAVAIL')
        throw new CommandError(`That IP address can't be assigned to: ${addr.host}.`);
      throw error;
    }
    stdout.write(
      `Tango development server at ${running.url}/ (settings: ${process.env.TANGO_SETTINGS_MODULE ?? 'configured'}, DEBUG=${settings.DEBUG}).\n` +
        `Quit the server with CONTROL-C.\n`,
    );
    if (isReloaderChild()) {
      // The reloader stops this process with SIGTERM (and SIGKILL after 3 s); a Ctrl-C also
      // reaches it directly, so repeated signals are ignored rather than cutting the close
      // short. If the reloader itself dies, the server stops too instead of holding the port.
      await stopRequested({ whenParentExits: true });
      await running.close();
      return 0;
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void running.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
