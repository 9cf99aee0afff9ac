/**
 * `manage.ts serve`: the production server. Django leaves production to a WSGI/ASGI server
 * (gunicorn, uvicorn); a Node project has node:http, so Tango serves with it, the way gunicorn
 * runs Django: a primary process and worker processes (node:cluster), no autoreload, DEBUG off
 * unless asked, graceful shutdown on SIGTERM, crashed workers replaced. It runs no compiler:
 * `node manage.ts serve` on Node 22.18+ (type stripping), `node build/manage.js serve` on
 * Node 20 (after `manage.ts build`).
 */
import os from 'node:os';
import path from 'node:path';
import { createApplication } from '../../handlers/base.js';
import { serve as serveApplication } from '../../server/node.js';
import { terminalStyle, type ColorTarget } from '../../server/terminal.js';
import { isWorker, locmemSessionWarning, runWorkers, stopRequested } from '../../server/workers.js';
import { CommandError, type Command } from '../base.js';
import { unappliedMigrationsWarning } from './check.js';
import { addressOf, checkBindable, parseWorkers } from './runserver.js';

/** Seconds in-flight requests get after SIGTERM/SIGINT, by default (gunicorn's graceful_timeout). */
export const DEFAULT_SHUTDOWN_TIMEOUT = 30;

/**
 * Before the settings are imported: `serve` runs with `TANGO_DEBUG=false` unless the
 * environment sets `TANGO_DEBUG` (the generated settings read DEBUG from it, defaulting to
 * true for development). `executeFromCommandLine` calls it for `serve`; the workers inherit it.
 *
 * @example
 * prepareServeEnvironment(process.env);
 */
export function prepareServeEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  env.TANGO_DEBUG ??= 'false';
}

/**
 * `--workers N`: default the number of CPUs this process may use (`os.availableParallelism()`),
 * else a whole number from 1 to 256.
 *
 * @example
 * serveWorkers(undefined); // 8 on an 8-CPU machine
 */
export function serveWorkers(value: unknown): number {
  return value === undefined ? Math.min(os.availableParallelism(), 256) : parseWorkers(value);
}

/**
 * `--shutdown-timeout SECONDS`: how long in-flight requests get to finish after SIGTERM or
 * SIGINT (default 30); a number of seconds from 0 to 3600.
 *
 * @example
 * parseShutdownTimeout('10'); // 10
 */
export function parseShutdownTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_SHUTDOWN_TIMEOUT;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+(\.\d+)?$/.test(value) || n > 3600) {
    throw new CommandError(
      `--shutdown-timeout must be a number of seconds from 0 to 3600, got '${String(value)}'.`,
      2,
    );
  }
  return n;
}

/**
 * Refuses DEBUG off with an empty ALLOWED_HOSTS (Django's runserver check, word for word, and
 * the variable the generated settings read): every request would be answered 400.
 *
 * @example
 * refuseWithoutAllowedHosts(settings); // throws a CommandError, or returns
 */
export function refuseWithoutAllowedHosts(settings: {
  DEBUG: boolean;
  ALLOWED_HOSTS: readonly string[];
}): void {
  if (!settings.DEBUG && settings.ALLOWED_HOSTS.length === 0) {
    throw new CommandError(
      'You must set settings.ALLOWED_HOSTS if DEBUG is False (the generated settings read TANGO_ALLOWED_HOSTS, e.g. TANGO_ALLOWED_HOSTS=example.com).',
    );
  }
}

/** The command that runs this `manage` file again (`node build/manage.js`, `node manage.ts`). */
function manageInvocation(): string {
  const script = process.argv[1];
  if (!script) return 'node manage.ts';
  const relative = path.relative(process.cwd(), script);
  return `node ${relative.startsWith('..') || path.isAbsolute(relative) ? script : relative}`;
}

/**
 * `manage.ts serve [addrport]`: serves the project in production on node:http with
 * `--workers N` processes (default: the number of CPUs), each building its own application;
 * the primary checks the settings, the stores and the port once, prints one start line,
 * replaces a worker that dies (backing off when they keep dying), and on SIGTERM or SIGINT
 * has every worker stop accepting, answer its in-flight requests (at most
 * `--shutdown-timeout` seconds, default 30), close its connections and its stores, then exits
 * 0. DEBUG is off unless `TANGO_DEBUG` says otherwise (`prepareServeEnvironment`).
 */
export const serve: Command = {
  help: 'Serves the project in production: worker processes, no autoreload, DEBUG off unless TANGO_DEBUG says otherwise, graceful shutdown on SIGTERM.',
  args: '[addrport]',
  options: {
    workers: {
      type: 'string',
      description: 'Number of worker processes (default: the number of CPUs).',
    },
    'shutdown-timeout': {
      type: 'string',
      description: `Seconds in-flight requests get to finish after SIGTERM or SIGINT (default ${DEFAULT_SHUTDOWN_TIMEOUT}).`,
    },
    noaccesslog: {
      type: 'boolean',
      description: 'Do not log a line per request (errors are still logged).',
    },
    ipv6: { type: 'boolean', short: '6', description: 'Use an IPv6 address (default ::1).' },
  },
  async handle(args, { settings, stdout, stderr }) {
    const { options } = args;
    refuseWithoutAllowedHosts(settings);
    const addr = addressOf(args);
    const workers = serveWorkers(options.workers);
    const shutdownTimeout = parseShutdownTimeout(options['shutdown-timeout']);

    if (isWorker()) {
      const app = await createApplication(settings);
      // Listening for the shutdown request before listening for connections. (The primary
      // ends a worker that is not listening yet with SIGTERM instead: one that fails to build
      // its application exits with its error, held by no listener.)
      const stop = stopRequested();
      const running = await serveApplication(app, {
        host: addr.host,
        port: addr.port,
        // undefined: serve()'s default stderr log; null: none.
        log: options.noaccesslog ? null : undefined,
      });
      await stop;
      await running.close({ timeout: shutdownTimeout });
      process.disconnect?.();
      return 0;
    }

    // The primary checks everything once (port, settings, urls, stores) so that a mistake is
    // one line, not one per worker, then forks the workers.
    await checkBindable(addr.host, addr.port);
    const style = terminalStyle(stderr as ColorTarget);
    const app = await createApplication(settings);
    const migrations = await unappliedMigrationsWarning(settings, app.apps);
    await app.close();
    if (migrations) {
      const command = `${manageInvocation()} migrate`;
      stderr.write(style.notice(migrations.replace(/\nRun .*$/, `\nRun '${command}'.`)) + '\n');
    }
    const locmem = locmemSessionWarning(settings, workers);
    if (locmem) stderr.write(style.warning(locmem) + '\n');
    if (settings.DEBUG) {
      stderr.write(
        style.warning(
          'Warning: DEBUG is on (TANGO_DEBUG): error pages show source code and settings to every visitor. Never serve a public site so.',
        ) + '\n',
      );
    }
    return runWorkers({
      count: workers,
      shutdownTimeout,
      log: (line) => stderr.write(line + '\n'),
      onListening: ({ port }) => {
        const urlHost = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
        stdout.write(
          `Tango production server at http://${urlHost}:${port}/ with ${workers} worker process${workers === 1 ? '' : 'es'} (pid ${process.pid}; settings: ${process.env.TANGO_SETTINGS_MODULE ?? 'configured'}, DEBUG=${settings.DEBUG}).\n` +
            `Stop it with SIGTERM or CONTROL-C: requests in flight get ${shutdownTimeout} s to finish.\n`,
        );
      },
      onStop: (signal) => {
        stderr.write(
          `${signal ?? 'Shutdown'}: no new connections; finishing the requests in flight (at most ${shutdownTimeout} s), then closing the stores.\n`,
        );
      },
    }).then((code) => {
      if (code === 0) stderr.write('Server stopped.\n');
      return code;
    });
  },
};
