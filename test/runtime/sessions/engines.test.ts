import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import type { Settings } from '../../../src/runtime/conf/settings.js';
import sessionsApp from '../../../src/runtime/sessions/apps.js';
import { FileStore } from '../../../src/runtime/sessions/backends/file.js';
import { EncryptedCookieStore } from '../../../src/runtime/sessions/backends/encrypted_cookies.js';
import { SignedCookieStore } from '../../../src/runtime/sessions/backends/signed_cookies.js';
import { clearsessions } from '../../../src/runtime/sessions/commands/clearsessions.js';
import { rotatesecretkey } from '../../../src/runtime/sessions/commands/rotatesecretkey.js';
import { createSessionStore, engineLabel } from '../../../src/runtime/sessions/engines.js';
import { UpdateError } from '../../../src/runtime/sessions/exceptions.js';
import * as sessions from '../../../src/runtime/sessions/index.js';
import { ServerSideStoreBase, type SessionStore } from '../../../src/runtime/sessions/store.js';
import { MemoryStore } from './memory-store.js';
import { d, plain } from './data.js';

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
    const encrypted = await createSessionStore(
      defineSettings({ ...base, SESSION_ENGINE: 'encrypted_cookies' }),
    );
    expect(encrypted).toBeInstanceOf(EncryptedCookieStore);
    expect(encrypted.kind).toBe('client');
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
    const key = await built.create(d({ a: 1 }), new Date(Date.now() + 60_000));
    expect(store.records.has(key)).toBe(true);
    expect(plain(await built.load(key))).toEqual({ a: 1 });
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
      expect(plain(await built.load(bad)), bad).toBeNull();
      expect(await built.exists(bad), bad).toBe(false);
      await built.delete(bad);
      await expect(built.save(bad, d({ a: 1 }), inAnHour), bad).rejects.toBeInstanceOf(UpdateError);
    }
    expect(store.calls).toEqual([]);
    const good = 'abcdefgh12345678';
    await built.load(good);
    await built.exists(good);
    await built.delete(good);
    await expect(built.save(good, d({}), inAnHour)).rejects.toBeInstanceOf(UpdateError);
    expect(store.calls).toEqual([
      `load ${good}`,
      `exists ${good}`,
      `delete ${good}`,
      `save ${good}`,
    ]);
  });

  it('a custom store written before data was a Map keeps working: plain objects, JSON.stringify, no update() or lock()', async () => {
    // Stores a record's data with JSON.stringify and returns JSON.parse's plain object.
    const records = new Map<string, string>();
    const legacy = {
      load: async (key: string) => (records.has(key) ? JSON.parse(records.get(key)!) : null),
      create: async (data: unknown) => {
        const key = `legacy${records.size}`.padEnd(32, '0');
        records.set(key, JSON.stringify(data));
        return key;
      },
      save: async (key: string, data: unknown) => {
        if (!records.has(key)) throw new UpdateError();
        records.set(key, JSON.stringify(data));
        return key;
      },
      delete: async (key: string) => void records.delete(key),
      exists: async (key: string) => records.has(key),
      clearExpired: async () => 0,
    };
    const store = await createSessionStore(
      defineSettings({ ...base, SESSION_ENGINE: { fromSettings: async () => legacy as never } }),
    );
    expect(store.lock).toBeUndefined();
    const settings = { SESSION_COOKIE_AGE: 60, SESSION_EXPIRE_AT_BROWSER_CLOSE: false };
    const s = new sessions.Session(store, settings);
    s.set('hit', 1);
    s.set('name', 'x');
    await s.save();
    // The Map it got stringified as the object, not as {}.
    expect(JSON.parse(records.get(s.sessionKey!)!)).toEqual({ hit: 1, name: 'x' });
    expect(plain(await store.load(s.sessionKey!))).toEqual({ hit: 1, name: 'x' });
    // No update(): a save writes the whole data (the last writer wins, as before).
    const [one, two] = [
      new sessions.Session(store, settings, s.sessionKey),
      new sessions.Session(store, settings, s.sessionKey),
    ];
    await Promise.all([one.load(), two.load()]);
    one.set('a', 1);
    two.set('b', 2);
    await one.save();
    await two.save();
    expect(JSON.parse(records.get(s.sessionKey!)!)).toEqual({ hit: 1, name: 'x', b: 2 });
    // No lock(): locking it is a clear error.
    await expect(two.lock()).rejects.toThrow(
      /cannot lock sessions: its store has no lock\(\) method/,
    );
  });

  it('a custom store with update() and lock() gets them behind the key check', async () => {
    const memory = new MemoryStore();
    const store = await createSessionStore(
      defineSettings({ ...base, SESSION_ENGINE: { fromSettings: async () => memory } }),
    );
    const key = await store.create(d({ a: 1 }), new Date(Date.now() + 60_000));
    const held = await store.lock!(key, { timeout: 1, expiry: 30 });
    await held.release();
    await store.lock!('../etc/passwd', { timeout: 1, expiry: 30 }).then((l) => l.release());
    const merged = await store.update!(key, {
      base: (await store.load(key))!,
      set: new Map([['b', 2]]),
      deleted: new Set(),
      expiresAt: () => new Date(Date.now() + 60_000),
    });
    expect(plain(merged)).toEqual({ a: 1, b: 2 });
    expect(memory.calls.filter((call) => /^(lock|update)/.test(call))).toEqual([
      `lock ${key}`,
      `update ${key}`,
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
      "The SESSION_ENGINE setting 'redis' is not one of: db, file, cache, cached_db, signed_cookies, encrypted_cookies (or a store class).",
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
  it('declares its label, path, migrations and the clearsessions and rotatesecretkey commands', async () => {
    expect(sessionsApp.name).toBe('tango.sessions');
    expect(sessionsApp.label).toBe('sessions');
    expect(sessionsApp.commands).toEqual({ clearsessions, rotatesecretkey });
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
