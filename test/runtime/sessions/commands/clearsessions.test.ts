// `clearsessions` on each engine. Items cited as "checklist #N" (or §X, a section) are in
// docs/django-sessions-checklist.md.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppRegistry } from '../../../../src/runtime/apps/registry.js';
import { defineSettings } from '../../../../src/runtime/conf/define.js';
import type { SettingsInput } from '../../../../src/runtime/conf/settings.js';
import { closeConnections, migrate, SqliteConnection } from '../../../../src/runtime/db/index.js';
import { CommandError } from '../../../../src/runtime/management/base.js';
import { DatabaseStore } from '../../../../src/runtime/sessions/backends/db.js';
import { FileStore } from '../../../../src/runtime/sessions/backends/file.js';
import { clearsessions } from '../../../../src/runtime/sessions/commands/clearsessions.js';
import { encodeSessionData, formatIsoDate } from '../../../../src/runtime/sessions/encoding.js';
import { migrations } from '../../../../src/runtime/sessions/migrations/index.js';
import { MemoryStore } from '../memory-store.js';
import { d } from '../data.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tango-clearsessions-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function run(
  input: Partial<SettingsInput>,
  options: Record<string, string | boolean> = {},
): Promise<{ code: unknown; out: string }> {
  const settings = defineSettings({
    BASE_DIR: dir,
    SECRET_KEY: 'k',
    SESSION_FILE_PATH: dir,
    ...input,
  });
  let out = '';
  const code = await clearsessions.handle(
    { positionals: [], options },
    {
      settings,
      apps: {} as AppRegistry,
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: () => true },
    },
  );
  return { code, out };
}

describe('clearsessions (checklist #149; §O test_clearsessions_command)', () => {
  it('file engine: removes the expired session, keeps the live one', async () => {
    const store = new FileStore({ directory: dir, keys: { key: 'k', fallbackKeys: [] } });
    const live = await store.create(d({ a: 1 }), new Date(Date.now() + 1_209_600_000));
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await store.create(d({ a: 2, _session_expiry: formatIsoDate(anHourAgo) }), anHourAgo);
    expect(await run({ SESSION_ENGINE: 'file' })).toEqual({
      code: 0,
      out: 'Removed 1 expired session(s).\n',
    });
    expect(await fs.readdir(dir)).toEqual([`sessionid${live}`]);
    expect(await run({ SESSION_ENGINE: 'file' })).toEqual({
      code: 0,
      out: 'Removed 0 expired session(s).\n',
    });
  });

  it("file engine: a session Django wrote just now is live (Django's mtime is the last write; hardening 6)", async () => {
    const key = 'djangowrotethis0123456789abcdefg';
    const file = path.join(dir, `sessionid${key}`);
    await fs.writeFile(file, encodeSessionData({ hit: 1 }, { key: 'k', fallbackKeys: [] }));
    const old = path.join(dir, `sessionid${'x'.repeat(32)}`);
    await fs.writeFile(old, encodeSessionData({ hit: 2 }, { key: 'k', fallbackKeys: [] }));
    const fifteenDaysAgo = new Date(Date.now() - 15 * 86_400_000);
    await fs.utimes(old, fifteenDaysAgo, fifteenDaysAgo);
    expect(await run({ SESSION_ENGINE: 'file' })).toEqual({
      code: 0,
      out: 'Removed 1 expired session(s).\n',
    });
    expect(await fs.readdir(dir)).toEqual([`sessionid${key}`]);
  });

  it('--dry-run counts what would go and removes nothing (file, db; cache has nothing)', async () => {
    const store = new FileStore({ directory: dir, keys: { key: 'k', fallbackKeys: [] } });
    await store.create(d({ a: 1 }), new Date(Date.now() + 1_209_600_000));
    const anHourAgo = new Date(Date.now() - 3_600_000);
    for (let i = 0; i < 3; i++) {
      await store.create(d({ i, _session_expiry: formatIsoDate(anHourAgo) }), anHourAgo);
    }
    expect(await run({ SESSION_ENGINE: 'file' }, { 'dry-run': true })).toEqual({
      code: 0,
      out: 'Would remove 3 expired session(s).\n',
    });
    expect(await fs.readdir(dir)).toHaveLength(4);
    expect((await run({ SESSION_ENGINE: 'file' })).out).toBe('Removed 3 expired session(s).\n');
    expect((await run({ SESSION_ENGINE: 'file' }, { 'dry-run': true })).out).toBe(
      'Would remove 0 expired session(s).\n',
    );

    const database = path.join(dir, 'db.sqlite3');
    const db = new SqliteConnection(database);
    const app = {
      name: 'tango.sessions',
      label: 'sessions',
      path: dir,
      templatesDir: undefined,
      migrationsDir: undefined,
      migrations,
    };
    await migrate(db, { apps: [app] }, {}, { write: () => undefined });
    const rows = new DatabaseStore(db, { keys: { key: 'k', fallbackKeys: [] } });
    await rows.create(d({ live: true }), new Date(Date.now() + 3_600_000));
    await rows.create(d({ old: true }), anHourAgo);
    await db.close();
    const settings = {
      SESSION_ENGINE: 'db',
      DATABASES: { default: { ENGINE: 'sqlite', NAME: database } },
    } as const;
    expect((await run(settings, { 'dry-run': true })).out).toBe(
      'Would remove 1 expired session(s).\n',
    );
    expect((await run(settings)).out).toBe('Removed 1 expired session(s).\n');
    await closeConnections();

    expect((await run({ SESSION_ENGINE: 'cache' }, { 'dry-run': true })).out).toBe(
      "Nothing to clear: the 'cache' engine expires sessions itself.\n",
    );
  });

  it('--dry-run with a custom store that cannot count is a CommandError, and removes nothing', async () => {
    const store = Object.assign(new MemoryStore(), { countExpired: undefined });
    const engine = { name: 'Custom', fromSettings: async () => store };
    const error = await run({ SESSION_ENGINE: engine }, { 'dry-run': true }).catch((e) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as Error).message).toBe(
      "The 'Custom' engine cannot count expired sessions (its store has no countExpired()): --dry-run is not available.",
    );
    expect(store.calls).toEqual([]);
  });

  it('signed_cookies has nothing to clear (exit 0)', async () => {
    expect(await run({ SESSION_ENGINE: 'signed_cookies' })).toEqual({
      code: 0,
      out: "Nothing to clear: the 'signed_cookies' engine keeps no sessions on the server.\n",
    });
  });

  it('a failing store is a CommandError naming the engine, and the store is closed', async () => {
    const store = new MemoryStore();
    store.failWith = new Error('no such table: django_session');
    const engine = { name: 'Broken', fromSettings: async () => store };
    const error = await run({ SESSION_ENGINE: engine }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as Error).message).toBe(
      "Could not clear expired sessions with the 'Broken' engine: no such table: django_session",
    );
    expect(store.closed).toBe(true);
  });

  it('a custom engine returning null gets the generic message', async () => {
    const engine = {
      name: 'Native',
      fromSettings: async () =>
        Object.assign(new MemoryStore(), { clearExpired: async () => null }),
    };
    expect(await run({ SESSION_ENGINE: engine })).toEqual({
      code: 0,
      out: "Nothing to clear: the 'Native' engine has nothing to clear.\n",
    });
  });
});
