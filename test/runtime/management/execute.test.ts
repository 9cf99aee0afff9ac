/** `executeFromCommandLine`: help, unknown commands, CommandError output, check. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppRegistry } from '../../../src/runtime/apps/registry.js';
import { defineSettings, loadSettings } from '../../../src/runtime/conf/index.js';
import type { Settings } from '../../../src/runtime/conf/index.js';
import { executeFromCommandLine } from '../../../src/runtime/management/index.js';
import { parseAddrPort } from '../../../src/runtime/management/commands/runserver.js';
import {
  startapp,
  tangoAdminArguments,
} from '../../../src/runtime/management/commands/startapp.js';
import { FIXTURE_SETTINGS } from '../fixture.js';

async function run(argv: string[], override: Partial<Settings> = {}) {
  let stdout = '';
  let stderr = '';
  const base = await loadSettings(FIXTURE_SETTINGS);
  const code = await executeFromCommandLine(argv, {
    settings: Object.keys(override).length === 0 ? base : defineSettings({ ...base, ...override }),
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe('manage.ts', () => {
  it('lists built-in and app commands on help', async () => {
    const { code, stdout } = await run(['help']);
    expect(code).toBe(0);
    for (const name of [
      'check',
      'clearsessions',
      'makemigrations',
      'migrate',
      'runserver',
      'showmigrations',
      'startapp',
      'test',
    ]) {
      expect(stdout).toMatch(new RegExp(`^    ${name} `, 'm'));
    }
  });

  it("says Django's message for an unknown command (checklist #151)", async () => {
    const { code, stderr } = await run(['nosuchcommand']);
    expect(code).toBe(1);
    expect(stderr).toBe("Unknown command: 'nosuchcommand'\nType 'manage.ts help' for usage.\n");
  });

  it('reports a bad option as a usage error (the usage line, then the error) with exit 2', async () => {
    const { code, stderr } = await run(['check', '--bogus']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      "usage: manage.ts check [options]\nmanage.ts check: error: unrecognized option '--bogus'\n",
    );
  });

  it('check loads the whole project and finds no issues (checklist #150)', async () => {
    const { code, stdout } = await run(['check']);
    expect(code).toBe(0);
    expect(stdout).toBe('System check identified no issues (0 silenced).\n');
  });

  it('check --deploy warns about development settings without failing', async () => {
    const { code, stdout } = await run(['check', '--deploy']);
    expect(code).toBe(0);
    expect(stdout).toContain('security.W012');
  });

  it('check warns when sessions live in a locmem cache (hardening 10), naming the limit and the way out', async () => {
    const cache = await run(['check'], {
      SESSION_ENGINE: 'cache',
      CACHES: { default: { BACKEND: 'locmem', OPTIONS: { MAX_ENTRIES: 500 } } },
    });
    expect(cache.code).toBe(0);
    expect(cache.stdout).toContain(
      "?: (sessions.W002) SESSION_ENGINE 'cache' keeps sessions only in the locmem cache CACHES['default'], which holds at most 500 entries (OPTIONS.MAX_ENTRIES)",
    );
    expect(cache.stdout).toContain(
      "Use a Redis cache ({ BACKEND: 'redis', LOCATION: 'redis://...' })",
    );
    const cachedDb = await run(['check'], { SESSION_ENGINE: 'cached_db' });
    expect(cachedDb.stdout).toContain(
      "?: (sessions.W002) SESSION_ENGINE 'cached_db' caches sessions in the locmem cache CACHES['default']",
    );
    const redis = await run(['check'], {
      SESSION_ENGINE: 'cache',
      CACHES: { default: { BACKEND: 'redis', LOCATION: 'redis://127.0.0.1:1/0' } },
    });
    expect(redis.stdout).not.toContain('sessions.W002');
    const db = await run(['check'], { SESSION_ENGINE: 'db' });
    expect(db.stdout).not.toContain('sessions.W002');
  });

  it('shows help for one command', async () => {
    const { stdout } = await run(['help', 'runserver']);
    expect(stdout).toContain('usage: manage.ts runserver [addrport]');
    expect(stdout).toContain('--noreload');
  });
});

describe('runserver address parsing (checklist #146)', () => {
  it.each([
    [undefined, '127.0.0.1', 8000],
    ['8080', '127.0.0.1', 8080],
    ['0.0.0.0:9000', '0.0.0.0', 9000],
    ['[::1]:8001', '::1', 8001],
    ['localhost:8002', '127.0.0.1', 8002],
  ])('%s -> %s:%d', (input, host, port) => {
    expect(parseAddrPort(input)).toEqual({ host, port });
  });

  it.each(['notaport', '1:2:3', '99999'])("rejects %s with Django's message", (input) => {
    expect(() => parseAddrPort(input)).toThrow(
      `"${input}" is not a valid port number or address:port pair.`,
    );
  });
});

describe('runserver start-up checks (hardening 9)', () => {
  it("refuses DEBUG false with an empty ALLOWED_HOSTS, with Django's message", async () => {
    // --noreload and port 0: were the check missing, this would serve (and time out), not fork.
    const { code, stdout, stderr } = await run(['runserver', '--noreload', '127.0.0.1:0'], {
      DEBUG: false,
      ALLOWED_HOSTS: [],
    });
    expect(code).toBe(1);
    expect(stderr).toBe('CommandError: You must set settings.ALLOWED_HOSTS if DEBUG is False.\n');
    expect(stdout).toBe('');
  });
});

describe('manage.ts startapp', () => {
  it("has no option table of its own: it forwards the line as typed to tango-admin's", () => {
    expect(startapp.options).toBeUndefined();
    expect(startapp.forwardsArguments).toBe(true);
    const argv = ['blog', 'apps/blog', '--kind', 'minimal', '--format', '--dry-run'];
    expect(tangoAdminArguments({ positionals: [], options: {}, argv })).toEqual([
      'startapp',
      ...argv,
    ]);
  });

  it('apps named like the properties of every object load as themselves', async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'tango-apps-'));
    try {
      const names = ['constructor', '__proto__', 'toString'];
      for (const name of names) {
        await mkdir(path.join(base, name));
        await writeFile(path.join(base, name, 'apps.mjs'), `export default { name: '${name}' };\n`);
      }
      const settings = await loadSettings(FIXTURE_SETTINGS);
      const apps = await AppRegistry.load({
        ...settings,
        BASE_DIR: base,
        INSTALLED_APPS: ['tango.sessions', ...names],
      });
      for (const name of names) {
        expect(apps.get(name)).toMatchObject({ name, label: name, path: path.join(base, name) });
        expect(apps.isInstalled(name)).toBe(true);
      }
      for (const name of ['hasOwnProperty', 'valueOf', 'isPrototypeOf']) {
        expect(apps.get(name)).toBeUndefined();
        expect(apps.isInstalled(name)).toBe(false);
      }
      expect(apps.get('sessions')?.name).toBe('tango.sessions');
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
