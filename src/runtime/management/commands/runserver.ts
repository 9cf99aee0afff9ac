import net from 'node:net';
import { createApplication } from '../../handlers/base.js';
import { RUN_MAIN_ENV, runWithReloader } from '../../server/autoreload.js';
import { serve } from '../../server/node.js';
import { isWorker, locmemSessionWarning, runWorkers, stopRequested } from '../../server/workers.js';
import { CommandError, type Command } from '../base.js';
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

/** Fails with Django's message when `host:port` cannot be bound (checked once, in the primary). */
async function checkBindable(host: string, port: number): Promise<void> {
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
 * `manage.ts runserver [addr:port]`: serves the project on node:http (default 127.0.0.1:8000),
 * restarting on source changes unless `--noreload`, stopping gracefully on SIGINT/SIGTERM.
 * `--workers N` runs N processes on the one port with node:cluster (implies `--noreload`);
 * sessions are shared between them only through a shared store (docs/scale-out.md).
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
  async handle({ positionals, options }, { settings, stdout, stderr }) {
    // Django's runserver check, word for word: without it the server starts and answers
    // every request 400 (DisallowedHost). Checked before the reloader or workers start.
    if (!settings.DEBUG && settings.ALLOWED_HOSTS.length === 0) {
      throw new CommandError('You must set settings.ALLOWED_HOSTS if DEBUG is False.');
    }
    const addr = parseAddrPort(positionals[0] ?? process.env.PORT);
    if (options.ipv6 && !positionals[0]?.includes('[')) addr.host = '::1';
    const workers = parseWorkers(options.workers);
    // undefined: serve()'s default stderr log; null: none.
    const accessLog = options.noaccesslog ? null : undefined;
    if (workers > 1 && !isWorker()) {
      // The primary checks everything once (settings, stores, port) so that a mistake is one
      // line, not one per worker; then the workers each build and serve the application.
      const app = await createApplication(settings);
      const warning = await unappliedMigrationsWarning(settings, app.apps);
      await app.close();
      if (warning) stderr.write(warning + '\n');
      const locmem = locmemSessionWarning(settings, workers);
      if (locmem) stderr.write(locmem + '\n');
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
    if (!options.noreload && !process.env[RUN_MAIN_ENV]) {
      return runWithReloader(settings.BASE_DIR, (line) => stderr.write(line + '\n'));
    }
    const app = await createApplication(settings);
    const warning = await unappliedMigrationsWarning(settings, app.apps);
    if (warning) stderr.write(warning + '\n');
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
