/**
 * `manage.ts serve`: what it decides before it forks a worker (DEBUG off by default, the
 * refusal, the address, workers and timeout options). The processes themselves (workers,
 * drain on SIGTERM, replacement, no compiler in the tree) are test/e2e/production.test.ts.
 */
import net from 'node:net';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { defineSettings, loadSettings } from '../../../src/runtime/conf/index.js';
import type { Settings } from '../../../src/runtime/conf/index.js';
import { CommandError, executeFromCommandLine } from '../../../src/runtime/management/index.js';
import {
  DEFAULT_SHUTDOWN_TIMEOUT,
  parseShutdownTimeout,
  prepareServeEnvironment,
  refuseWithoutAllowedHosts,
  serveWorkers,
} from '../../../src/runtime/management/commands/serve.js';
import { FIXTURE_SETTINGS } from '../fixture.js';

/** Runs a command line on the fixture site's settings (no settings import, no fork). */
async function run(argv: string[], override: Partial<Settings> = {}) {
  let stdout = '';
  let stderr = '';
  const base = await loadSettings(FIXTURE_SETTINGS);
  const code = await executeFromCommandLine(argv, {
    settings: defineSettings({ ...base, ...override }),
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe('prepareServeEnvironment', () => {
  it('turns DEBUG off (TANGO_DEBUG=false) when the environment does not set TANGO_DEBUG', () => {
    const env: NodeJS.ProcessEnv = {};
    prepareServeEnvironment(env);
    expect(env).toEqual({ TANGO_DEBUG: 'false' });
  });

  it('keeps the value the environment sets, asking for DEBUG pages or not', () => {
    for (const value of ['true', 'false', '1', '']) {
      const env: NodeJS.ProcessEnv = { TANGO_DEBUG: value };
      prepareServeEnvironment(env);
      expect(env.TANGO_DEBUG).toBe(value);
    }
  });
});

describe('serve options', () => {
  it('runs one worker per CPU by default, else --workers from 1 to 256', () => {
    expect(serveWorkers(undefined)).toBe(os.availableParallelism());
    expect(serveWorkers('3')).toBe(3);
    for (const bad of ['0', 'many', '257']) {
      expect(() => serveWorkers(bad)).toThrow(
        `--workers must be a whole number of processes from 1 to 256, got '${bad}'.`,
      );
    }
  });

  it('gives in-flight requests 30 s by default, else --shutdown-timeout seconds from 0 to 3600', () => {
    expect(DEFAULT_SHUTDOWN_TIMEOUT).toBe(30);
    expect(parseShutdownTimeout(undefined)).toBe(30);
    expect(parseShutdownTimeout('0')).toBe(0);
    expect(parseShutdownTimeout('2.5')).toBe(2.5);
    expect(parseShutdownTimeout('3600')).toBe(3600);
    for (const bad of ['-1', 'soon', '3601', '1e3', '']) {
      expect(() => parseShutdownTimeout(bad)).toThrow(CommandError);
      expect(() => parseShutdownTimeout(bad)).toThrow(
        `--shutdown-timeout must be a number of seconds from 0 to 3600, got '${bad}'.`,
      );
    }
  });

  it('refuses DEBUG off with no ALLOWED_HOSTS, and only then', () => {
    expect(() => refuseWithoutAllowedHosts({ DEBUG: false, ALLOWED_HOSTS: [] })).toThrow(
      'You must set settings.ALLOWED_HOSTS if DEBUG is False',
    );
    expect(() => refuseWithoutAllowedHosts({ DEBUG: true, ALLOWED_HOSTS: [] })).not.toThrow();
    expect(() =>
      refuseWithoutAllowedHosts({ DEBUG: false, ALLOWED_HOSTS: ['example.com'] }),
    ).not.toThrow();
  });
});

describe('manage.ts serve, before it forks', () => {
  it('refuses to start with DEBUG off and an empty ALLOWED_HOSTS: one line, exit 1, nothing served', async () => {
    // Port 0: were the check missing, this would fork workers, not return.
    const { code, stdout, stderr } = await run(['serve', '127.0.0.1:0'], {
      DEBUG: false,
      ALLOWED_HOSTS: [],
    });
    expect({ code, stdout, stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'CommandError: You must set settings.ALLOWED_HOSTS if DEBUG is False (the generated settings read TANGO_ALLOWED_HOSTS, e.g. TANGO_ALLOWED_HOSTS=example.com).\n',
    });
  });

  it.each(['notaport', '1:2:3', '99999', 'localhost:'])(
    "rejects the address %s exactly as runserver does (Django's message)",
    async (address) => {
      const served = await run(['serve', address]);
      const developed = await run(['runserver', '--noreload', address]);
      expect(served).toEqual({
        code: 1,
        stdout: '',
        stderr: `CommandError: "${address}" is not a valid port number or address:port pair.\n`,
      });
      expect(developed).toEqual(served);
    },
  );

  it('rejects bad --workers and --shutdown-timeout values with exit code 2', async () => {
    expect(await run(['serve', '--workers', '0'])).toMatchObject({
      code: 2,
      stderr:
        "CommandError: --workers must be a whole number of processes from 1 to 256, got '0'.\n",
    });
    expect(await run(['serve', '--shutdown-timeout', 'later'])).toMatchObject({
      code: 2,
      stderr:
        "CommandError: --shutdown-timeout must be a number of seconds from 0 to 3600, got 'later'.\n",
    });
  });

  it("says the port is taken in runserver's words, once, from the primary", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { code, stdout, stderr } = await run(['serve', `127.0.0.1:${port}`, '--workers', '2']);
      expect({ code, stdout, stderr }).toEqual({
        code: 1,
        stdout: '',
        stderr: `CommandError: That port is already in use: 127.0.0.1:${port}.\n`,
      });
    } finally {
      blocker.close();
    }
  });

  it('lists serve and build in help, with their options', async () => {
    const { stdout } = await run(['help']);
    expect(stdout).toMatch(/^ {4}serve +Serves the project in production/m);
    expect(stdout).toMatch(/^ {4}build +Compiles the project to JavaScript in build\//m);
    const help = await run(['help', 'serve']);
    expect(help.stdout).toContain('usage: manage.ts serve [addrport] [options]');
    expect(help.stdout).toMatch(
      /--workers VALUE +Number of worker processes \(default: the number of CPUs\)\./,
    );
    expect(help.stdout).toContain(
      '  --shutdown-timeout VALUE\n                          Seconds in-flight requests get to finish after SIGTERM or SIGINT (default 30).\n',
    );
  });
});
