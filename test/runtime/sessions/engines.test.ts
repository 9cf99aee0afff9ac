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
import { createSessionStore } from '../../../src/runtime/sessions/engines.js';
import * as sessions from '../../../src/runtime/sessions/index.js';
import { MemoryStore } from './memory-store.js';

const base = { BASE_DIR: os.tmpdir(), SECRET_KEY: 'k' };

describe('createSessionStore (SESSION_ENGINE)', () => {
  it('maps built-in names to their stores', async () => {
    expect(
      await createSessionStore(defineSettings({ ...base, SESSION_ENGINE: 'file' })),
    ).toBeInstanceOf(FileStore);
    expect(
      await createSessionStore(defineSettings({ ...base, SESSION_ENGINE: 'signed_cookies' })),
    ).toBeInstanceOf(SignedCookieStore);
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
    expect(await createSessionStore(defineSettings({ ...base, SESSION_ENGINE: engine }))).toBe(
      store,
    );
    expect(seen).toBe('k');
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
      'UpdateError',
      'CreateError',
      'InvalidSessionKey',
      'createSessionStore',
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
