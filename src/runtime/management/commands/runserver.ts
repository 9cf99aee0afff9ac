import { createApplication } from '../../core/handler.js';
import { RUN_MAIN_ENV, runWithReloader } from '../../server/autoreload.js';
import { serve } from '../../server/node.js';
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

/**
 * `manage.ts runserver [addr:port]`: serves the project on node:http (default 127.0.0.1:8000),
 * restarting on source changes unless `--noreload`, stopping gracefully on SIGINT/SIGTERM.
 */
export const runserver: Command = {
  help: 'Starts a lightweight web server for development.',
  args: '[addrport]',
  options: {
    noreload: { type: 'boolean', description: 'Do not restart the server when code changes.' },
    ipv6: { type: 'boolean', short: '6', description: 'Use an IPv6 address (default ::1).' },
  },
  async handle({ positionals, options }, { settings, stdout, stderr }) {
    const addr = parseAddrPort(positionals[0] ?? process.env.PORT);
    if (options.ipv6 && !positionals[0]?.includes('[')) addr.host = '::1';
    if (!options.noreload && !process.env[RUN_MAIN_ENV]) {
      return runWithReloader(settings.BASE_DIR, (line) => stderr.write(line + '\n'));
    }
    const app = await createApplication(settings);
    const warning = await unappliedMigrationsWarning(settings, app.apps);
    if (warning) stderr.write(warning + '\n');
    let running;
    try {
      running = await serve(app, { host: addr.host, port: addr.port });
    } catch (error) {
      await app.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new CommandError(`That port is already in use: ${addr.host}:${addr.port}.`);
      if (code === 'EADDRNOTAVAIL') throw new CommandError(`That IP address can't be assigned to: ${addr.host}.`);
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
