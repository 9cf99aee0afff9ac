import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import type { Settings } from '../../../src/runtime/conf/settings.js';
import sessionsApp from '../../../src/runtime/sessions/apps.js';
import { FileStore } from '../../../src/runtime/sessions/backends/file.js';
import { SignedCookieStore } from '../../../src/runtime/sessions/backends/signed_cookies.js';
import { clearsessions } from '../../../src/runtime/sessions/commands/clearsessions.js';
import { createSessionStore, engineLabel } from '../../../src/runtime/sessions/engines.js';
import { UpdateError } from '../../../src/runtime/sessions/exceptions.js';
import * as sessions from '../../../src/runtime/sessions/index.js';
import { ServerSideStoreBase, type SessionStore } from '../../../src/runtime/sessions/store.js';
import { MemoryStore } from './memory-store.js';

const base = { BASE_DIR: os.tmpdir(), SECRET_KEY: 'k' };

describe('createSessionStore (SESSION_ENGINE)', () => {
  it('maps built-in names to their stores, of the right kind, used as they are', async () => {
    const file = await createSessionStore(defineSettings({ ...base, SESSION_ENGINE: 'file' }));
    expect(file).toBeInstanceOf(FileStore);
    expect(file).toBeInstanceOf(ServerSideStoreBase);
    expect(file.kind).toBe('server');
    const signed = await createSessionStore(
      defineSettings({ ...base, SESSION_ENGINE: 'signed_cookies' }),
    );
    expect(signed).toBeInstanceOf(SignedCookieStore);
    expect(signed.kind).toBe('client');
  });

  it('accepts a custom engine with fromSettings(settings)', async () => {
    const store = new MemoryStore();
    let seen: unknown;
    const engine = {
      fromSettings: async (settings: Readonly<Settings>) => {
        seen = settings.SECRET_KEY;
        return store;
      },
    };
    const built = await createSessionStore(defineSettings({ ...base, SESSION_ENGINE: engine }));
    expect(seen).toBe('k');
    expect(built.kind).toBe('server');
    const key = await built.create({ a: 1 }, new Date(Date.now() + 60_000));
    expect(store.records.has(key)).toBe(true);
    expect(await built.load(key)).toEqual({ a: 1 });
    await built.close?.();
    expect(store.closed).toBe(true);
  });

  it('a custom store that does not extend ServerSideStoreBase only ever sees well-formed keys', async () => {
    const store = new MemoryStore();
    const built = await createSessionStore(
      defineSettings({ ...base, SESSION_ENGINE: { fromSettings: async () => store } }),
    );
    const inAnHour = new Date(Date.now() + 3_600_000);
    for (const bad of ['1234567', '../../etc/passwd', 'ABCDEFGH12345678', 'a'.repeat(65), 'x:y']) {
      expect(await built.load(bad), bad).toBeNull();
      expect(await built.exists(bad), bad).toBe(false);
      await built.delete(bad);
      await expect(built.save(bad, { a: 1 }, inAnHour), bad).rejects.toBeInstanceOf(UpdateError);
    }
    expect(store.calls).toEqual([]);
    const good = 'abcdefgh12345678';
    await built.load(good);
    await built.exists(good);
    await built.delete(good);
    await expect(built.save(good, {}, inAnHour)).rejects.toBeInstanceOf(UpdateError);
    expect(store.calls).toEqual([
      `load ${good}`,
      `exists ${good}`,
      `delete ${good}`,
      `save ${good}`,
    ]);
  });

  it('a custom store that extends ServerSideStoreBase, or a client-side one, is used as it is', async () => {
    const server = new (class extends FileStore {})({ directory: os.tmpdir() });
    expect(
      await createSessionStore(
        defineSettings({ ...base, SESSION_ENGINE: { fromSettings: async () => server } }),
      ),
    ).toBe(server);
    const client = new SignedCookieStore({ key: 'k', maxAge: 60 });
    expect(
      await createSessionStore(
        defineSettings({ ...base, SESSION_ENGINE: { fromSettings: async () => client } }),
      ),
    ).toBe(client);
  });

  it("rejects an unknown kind, and the old 'stateless' flag, naming what to declare", async () => {
    const methods = {
      load: async () => null,
      create: async () => 'abcdefgh12345678',
      save: async (key: string) => key,
      delete: async () => undefined,
      exists: async () => false,
      clearExpired: async () => null,
    };
    const engine = (store: object) => ({ fromSettings: async () => store as SessionStore });
    await expect(
      createSessionStore(
        defineSettings({ ...base, SESSION_ENGINE: engine({ ...methods, kind: 'cookie' }) }),
      ),
    ).rejects.toThrow(
      `The SESSION_ENGINE store's kind must be 'server' or 'client', got "cookie".`,
    );
    await expect(
      createSessionStore(
        defineSettings({ ...base, SESSION_ENGINE: engine({ ...methods, stateless: true }) }),
      ),
    ).rejects.toThrow(
      "The SESSION_ENGINE store declares 'stateless', which is gone: declare kind = 'client' (the cookie holds the session) instead.",
    );
    // No kind at all (a store written before kinds existed): server-side, behind the key check.
    const plain = await createSessionStore(
      defineSettings({ ...base, SESSION_ENGINE: engine(methods) }),
    );
    expect(plain.kind).toBe('server');
    expect(plain).toBeInstanceOf(ServerSideStoreBase);
  });

  it('engineLabel names built-in engines and custom classes', () => {
    expect(engineLabel('db')).toBe('db');
    expect(engineLabel(MemoryStore as never)).toBe('MemoryStore');
  });

  it('rejects what is not an engine, naming the setting', async () => {
    const bogus = { ...defineSettings(base), SESSION_ENGINE: 'redis' } as unknown as Settings;
    await expect(createSessionStore(bogus)).rejects.toThrow(
      "The SESSION_ENGINE setting 'redis' is not one of: db, file, cache, cached_db, signed_cookies (or a store class).",
    );
    const proto = { ...defineSettings(base), SESSION_ENGINE: 'toString' } as unknown as Settings;
    await expect(createSessionStore(proto)).rejects.toBeInstanceOf(ImproperlyConfigured);
    const half = defineSettings({
      ...base,
      SESSION_ENGINE: { fromSettings: async () => ({ load: async () => null }) },
    });
    await expect(createSessionStore(half)).rejects.toThrow(
      'The SESSION_ENGINE store is not a SessionStore: fromSettings() returned an object without create, save, delete, exists, clearExpired().',
    );
  });

  it('propagates engine start-up errors (ImproperlyConfigured)', async () => {
    const missing = path.join(
      await fs.mkdtemp(path.join(os.tmpdir(), 'tango-engines-')),
      'missing',
    );
    await expect(
      createSessionStore(
        defineSettings({ ...base, SESSION_ENGINE: 'file', SESSION_FILE_PATH: missing }),
      ),
    ).rejects.toBeInstanceOf(ImproperlyConfigured);
  });
});

describe('the tango.sessions app and tango/sessions', () => {
  it('declares its label, path, migrations and the clearsessions command', async () => {
    expect(sessionsApp.name).toBe('tango.sessions');
    expect(sessionsApp.label).toBe('sessions');
    expect(sessionsApp.commands).toEqual({ clearsessions });
    expect(sessionsApp.migrations?.map((m) => m.name)).toContain('0001_initial');
    expect(
      (
        await fs
          .stat(path.join(sessionsApp.path!, 'session.ts'))
          .catch(() => fs.stat(path.join(sessionsApp.path!, 'session.js')))
      ).isFile(),
    ).toBe(true);
  });

  it('tango/sessions exports the public API', () => {
    for (const name of [
      'Session',
      'SessionMiddleware',
      'SessionInterrupted',
      'SessionStoreUnavailable',
      'UpdateError',
      'CreateError',
      'ServerSideStoreBase',
      'createSessionStore',
      'guardSessionStore',
      'hasMinimumKeyLength',
      'isServerSideKey',
      'FileStore',
      'SignedCookieStore',
      'encodeSessionData',
      'decodeSessionData',
      'generateSessionKey',
    ]) {
      expect(sessions, name).toHaveProperty(name);
    }
  });
});
