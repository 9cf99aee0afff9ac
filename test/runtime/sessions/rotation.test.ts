// Key rotation without logging anyone out (docs/sessions-beyond-django.md), end to end through
// SessionMiddleware on every engine that signs or encrypts: a site rotates SECRET_KEY (the old
// key moves to SECRET_KEY_FALLBACKS); a visitor with an old cookie keeps the session, even on a
// page that does not touch it, and leaves with it under the new key; once the fallback is
// removed, what the old key alone signed no longer verifies.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocMemCache } from '../../../src/runtime/cache/locmem.js';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { migrate, SqliteConnection } from '../../../src/runtime/db/index.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { HttpResponse } from '../../../src/runtime/http/response.js';
import { CachedDatabaseStore } from '../../../src/runtime/sessions/backends/cached_db.js';
import { DatabaseStore } from '../../../src/runtime/sessions/backends/db.js';
import { EncryptedCookieStore } from '../../../src/runtime/sessions/backends/encrypted_cookies.js';
import { FileStore } from '../../../src/runtime/sessions/backends/file.js';
import { SignedCookieStore } from '../../../src/runtime/sessions/backends/signed_cookies.js';
import { decodeSessionData } from '../../../src/runtime/sessions/encoding.js';
import {
  SessionMiddleware,
  type SessionMiddlewareHandler,
} from '../../../src/runtime/sessions/middleware.js';
import { migrations } from '../../../src/runtime/sessions/migrations/index.js';
import type { SessionStore } from '../../../src/runtime/sessions/store.js';

const OLD = 'the-old-secret-key';
const NEW = 'the-new-secret-key';
const AGE = 1_209_600;

/** The keys of one phase: before, during and after the rotation. */
interface Keys {
  key: string;
  fallbackKeys: string[];
}
const BEFORE: Keys = { key: OLD, fallbackKeys: [] };
const DURING: Keys = { key: NEW, fallbackKeys: [OLD] };
const AFTER: Keys = { key: NEW, fallbackKeys: [] };

/** An engine under test: a store per phase, all sharing one backend. */
interface Engine {
  store(keys: Keys): SessionStore;
  /** Server-side engines: the stored encoding of `key`, to check which key signed it. */
  stored?(key: string): Promise<string>;
  cleanup(): Promise<void>;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tango-rotation-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function migratedDatabase(): Promise<SqliteConnection> {
  const db = new SqliteConnection(path.join(dir, 'db.sqlite3'));
  const app = {
    name: 'tango.sessions',
    label: 'sessions',
    path: dir,
    templatesDir: undefined,
    migrationsDir: undefined,
    migrations,
  };
  await migrate(db, { apps: [app] }, {}, { write: () => undefined });
  return db;
}

const ENGINES: Record<string, () => Promise<Engine>> = {
  signed_cookies: async () => ({
    store: (keys) => new SignedCookieStore({ ...keys, maxAge: AGE }),
    cleanup: async () => {},
  }),
  encrypted_cookies: async () => ({
    store: (keys) => new EncryptedCookieStore({ ...keys, maxAge: AGE }),
    cleanup: async () => {},
  }),
  file: async () => ({
    store: (keys) => new FileStore({ directory: dir, keys }),
    stored: async (key) => readFileSync(path.join(dir, 'sessionid' + key), 'latin1'),
    cleanup: async () => {},
  }),
  db: async () => {
    const db = await migratedDatabase();
    return {
      store: (keys) => new DatabaseStore(db, { keys }),
      stored: async (key) =>
        (await db.get<{ session_data: string }>(
          'SELECT session_data FROM django_session WHERE session_key = ?',
          [key],
        ))!.session_data,
      cleanup: () => db.close(),
    };
  },
  cached_db: async () => {
    const db = await migratedDatabase();
    const cache = new LocMemCache({ location: randomUUID() });
    return {
      store: (keys) => new CachedDatabaseStore(db, cache, { keys }),
      stored: async (key) =>
        (await db.get<{ session_data: string }>(
          'SELECT session_data FROM django_session WHERE session_key = ?',
          [key],
        ))!.session_data,
      cleanup: () => db.close(),
    };
  },
};

type View = (request: HttpRequest) => HttpResponse | Promise<HttpResponse>;
const count: View = (request) => {
  const hit = Number(request.session.get('hit', 0)) + 1;
  request.session.set('hit', hit);
  return new HttpResponse(String(hit));
};
const read: View = (request) => new HttpResponse(String(request.session.get('hit', 0)));
const untouched: View = () => new HttpResponse('a page without the session');

/** SessionMiddleware on `store` (a custom SESSION_ENGINE that returns it). */
async function site(store: SessionStore) {
  const settings = defineSettings({
    BASE_DIR: dir,
    SECRET_KEY: 'unused: the store has its own keys',
    SESSION_ENGINE: { fromSettings: async () => store },
  });
  let view: View = untouched;
  const handler = (await SessionMiddleware(
    async (request) => view(request),
    settings,
  )) as SessionMiddlewareHandler;
  return async function visit(cookie: string | undefined, v: View) {
    view = v;
    const response = await handler(
      new HttpRequest({
        method: 'GET',
        url: '/',
        headers: cookie === undefined ? {} : { cookie: `sessionid=${cookie}` },
      }),
    );
    const set = response.cookies.get('sessionid');
    return {
      response,
      text: response.text(),
      cookie: set?.value,
      deleted: set?.options.maxAge === 0,
    };
  };
}

describe.each(Object.keys(ENGINES))('key rotation on %s', (name) => {
  let engine: Engine;
  let restoreLog: () => void;
  const securityLines: string[] = [];
  beforeEach(async () => {
    securityLines.length = 0;
    restoreLog = setLogSink((logger, _level, message) => {
      if (logger.startsWith('tango.security')) securityLines.push(message);
    });
    engine = await ENGINES[name]!();
  });
  afterEach(async () => {
    restoreLog();
    await engine.cleanup();
  });

  it('a visitor with an old cookie keeps the session and leaves with it under the new key', async () => {
    // Before: two visitors get sessions under the old key.
    const before = await site(engine.store(BEFORE));
    const first = await before(undefined, count);
    // (A cookie engine re-issues the cookie on every save; a server-side one keeps the key.)
    const alice = await before(first.cookie, count);
    const bob = await before(undefined, count);
    expect(alice.cookie).toBeDefined();

    // During the rotation: Alice comes back on a page that does not even touch the session.
    const during = await site(engine.store(DURING));
    const back = await during(alice.cookie, untouched);
    expect(back.text).toBe('a page without the session');
    expect(back.cookie).toBeDefined(); // re-issued (or, server-side, re-saved and re-sent)
    expect(back.deleted).toBe(false);
    expect(back.response.headers.get('Vary')).toBe('Cookie');
    // What she leaves with opens under the new key alone.
    const after = await site(engine.store(AFTER));
    if (engine.stored) {
      expect(back.cookie).toBe(alice.cookie); // the same key: the record was re-encoded
      const encoded = await engine.stored(back.cookie!);
      expect(decodeSessionData(encoded, AFTER)?.get('hit')).toBe(2);
      expect(decodeSessionData(encoded, BEFORE)).toBeNull();
    } else {
      expect(back.cookie).not.toBe(alice.cookie);
      expect(await engine.store(AFTER).load(back.cookie!)).not.toBeNull();
      expect(await engine.store(BEFORE).load(back.cookie!)).toBeNull();
    }
    // A second request during the rotation needs no fallback any more: nothing re-sent.
    const again = await during(back.cookie, read);
    expect(again.text).toBe('2');
    expect(again.cookie).toBeUndefined();

    // After the fallback is removed: Alice still has her session.
    expect((await after(back.cookie, count)).text).toBe('3');
    // Bob never came back during the rotation: his old-key session no longer verifies.
    securityLines.length = 0;
    const late = await after(bob.cookie, read);
    expect(late.text).toBe('0');
    expect(securityLines).toContain('Session data corrupted');
  });

  it('a session saved during the rotation is written under the new key', async () => {
    const before = await site(engine.store(BEFORE));
    const first = await before(undefined, count);
    const during = await site(engine.store(DURING));
    const saved = await during(first.cookie, count);
    expect(saved.text).toBe('2');
    const after = await site(engine.store(AFTER));
    expect((await after(saved.cookie, read)).text).toBe('2');
  });
});
