// Per-session locking (SESSION_LOCKING, blockingSession) and merged saves through
// SessionMiddleware: concurrent requests of one visitor, in one process. The engines' own lock
// primitives are in the store contract (store-contract.ts); several processes and servers in
// test/e2e/session-concurrency.test.ts.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import type { SettingsInput } from '../../../src/runtime/conf/settings.js';
import { migrate, SqliteConnection } from '../../../src/runtime/db/index.js';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { responseForException } from '../../../src/runtime/handlers/exception.js';
import { ServiceUnavailable } from '../../../src/runtime/http/errors.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { HttpResponse } from '../../../src/runtime/http/response.js';
import type { View } from '../../../src/runtime/urls/conf.js';
import {
  SessionInterrupted,
  SessionLockTimeout,
} from '../../../src/runtime/sessions/exceptions.js';
import { blockingSession } from '../../../src/runtime/sessions/locking.js';
import { migrations } from '../../../src/runtime/sessions/migrations/index.js';
import {
  SessionMiddleware,
  type SessionMiddlewareHandler,
} from '../../../src/runtime/sessions/middleware.js';
import type { SessionLock, SessionLockOptions } from '../../../src/runtime/sessions/store.js';
import { MemoryStore } from './memory-store.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads the counter, waits (other requests run meanwhile), writes it back plus one. */
const slowIncrement: View = async (request) => {
  const n = Number(request.session.get('hit', 0));
  await sleep(2);
  request.session.set('hit', n + 1);
  return new HttpResponse(String(n + 1));
};

/** Sets a key of its own (`k<i>` from the query), after a pause. */
const ownKey: View = async (request) => {
  request.session.get('hit');
  await sleep(2);
  request.session.set(`k${request.query.get('i')}`, true);
  return new HttpResponse('ok');
};

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tango-session-lock-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function site(input: Partial<SettingsInput> = {}, view: View = slowIncrement) {
  const settings = defineSettings({
    BASE_DIR: dir,
    SECRET_KEY: 'locking-test-secret',
    SESSION_ENGINE: 'file',
    SESSION_FILE_PATH: dir,
    ...input,
  });
  const handler = (await SessionMiddleware(async (request) => {
    try {
      return await view(request, {});
    } catch (error) {
      // What the handler does between the view and the middleware (a 500 response).
      return responseForException(request, error, settings, undefined);
    }
  }, settings)) as SessionMiddlewareHandler;
  async function get(cookie?: string, query = '') {
    const request = new HttpRequest({
      method: 'GET',
      url: `/${query}`,
      headers: cookie === undefined ? {} : { cookie: `sessionid=${cookie}` },
    });
    try {
      return { request, response: await handler(request) };
    } catch (error) {
      return {
        request,
        response: responseForException(request, error, settings, undefined),
        error,
      };
    }
  }
  /** A stored session (the counter at 1); returns its key. */
  async function login(): Promise<string> {
    const { request } = await get();
    return request.session.sessionKey!;
  }
  /** The stored counter. */
  async function hits(key: string): Promise<number> {
    const { response } = await get(key);
    return Number(response.text()) - 1;
  }
  return { handler, get, login, hits, setView: (v: View) => (view = v) };
}

describe('concurrent requests of one session (one process)', () => {
  for (const engine of ['file', 'db', 'cache', 'cached_db'] as const) {
    const input = (more: Partial<SettingsInput> = {}): Partial<SettingsInput> => ({
      SESSION_ENGINE: engine,
      DATABASES: { default: { ENGINE: 'sqlite', NAME: path.join(dir, 'db.sqlite3') } },
      ...more,
    });

    it(`${engine}: without locking, a read-modify-write of one key loses updates; SESSION_LOCKING loses none`, async () => {
      if (engine === 'db' || engine === 'cached_db') await migrateIn(dir);
      const unlocked = await site(input());
      const key = await unlocked.login();
      await Promise.all(Array.from({ length: 20 }, () => unlocked.get(key)));
      // Every request read the same counter while the others slept.
      expect(await unlocked.hits(key)).toBeLessThan(21);
      await unlocked.handler.close();

      const locked = await site(input({ SESSION_LOCKING: true }));
      const start = await locked.hits(key);
      await Promise.all(Array.from({ length: 50 }, () => locked.get(key)));
      expect(await locked.hits(key)).toBe(start + 1 + 50);
      await locked.handler.close();
    });

    it(`${engine}: without locking, requests that set different keys all survive`, async () => {
      if (engine === 'db' || engine === 'cached_db') await migrateIn(dir);
      const s = await site(input(), ownKey);
      s.setView(slowIncrement);
      const key = await s.login();
      s.setView(ownKey);
      await Promise.all(Array.from({ length: 30 }, (_, i) => s.get(key, `?i=${i}`)));
      s.setView((request) => new HttpResponse(JSON.stringify(request.session.keys())));
      const { response } = await s.get(key);
      const keys = JSON.parse(response.text()) as string[];
      expect(keys).toHaveLength(31);
      for (let i = 0; i < 30; i++) expect(keys).toContain(`k${i}`);
      await s.handler.close();
    });
  }
});

describe('blockingSession(view)', () => {
  it('locks only the wrapped view: 50 concurrent increments give exactly 50', async () => {
    const s = await site({}, blockingSession(slowIncrement));
    const key = await s.login();
    await Promise.all(Array.from({ length: 50 }, () => s.get(key)));
    expect(await s.hits(key)).toBe(51);
  });

  it('reloads data loaded before the lock, keeping changes made before it', async () => {
    const s = await site();
    const key = await s.login();
    let go!: () => void;
    const gate = new Promise<void>((resolve) => (go = resolve));
    // A holds the lock until the gate opens, then increments.
    s.setView(
      blockingSession(async (request) => {
        await gate;
        return slowIncrement(request, {});
      }),
    );
    const holder = s.get(key);
    await sleep(20);
    // B loaded the counter (1) before the lock, and set a key of its own.
    s.setView(async (request) => {
      request.session.set('before', true);
      return blockingSession(slowIncrement)(request, {});
    });
    const waiter = s.get(key);
    await sleep(20);
    go();
    await Promise.all([holder, waiter]);
    s.setView((request) => new HttpResponse(JSON.stringify(request.session.items())));
    const { response } = await s.get(key);
    expect(JSON.parse(response.text())).toEqual([
      ['hit', 3],
      ['before', true],
    ]);
  });

  it('a request without a session cookie has nothing to lock', async () => {
    const s = await site({}, blockingSession(slowIncrement));
    const { request, response } = await s.get();
    expect(response.text()).toBe('1');
    expect(request.session.locked).toBe(false);
  });

  it('is released on every path: a view that throws, a save that fails', async () => {
    const lines: string[] = [];
    const restore = setLogSink((_name, _level, message) => lines.push(message));
    try {
      const s = await site({ SESSION_LOCK_TIMEOUT: 1 });
      const key = await s.login();
      s.setView(
        blockingSession(() => {
          throw new Error('the view failed');
        }),
      );
      const failed = await s.get(key);
      expect(failed.response.status).toBe(500);
      expect(failed.request.session.locked).toBe(false);
      // The session is deleted while the locked request runs: its save is SessionInterrupted.
      s.setView(
        blockingSession(async (request) => {
          await fs.rm(path.join(dir, `sessionid${key}`));
          request.session.set('x', 1);
          return new HttpResponse('ok');
        }),
      );
      const interrupted = await s.get(key);
      expect(interrupted.error).toBeInstanceOf(SessionInterrupted);
      expect(interrupted.request.session.locked).toBe(false);
      // Nothing left behind: the next locked request does not wait.
      s.setView(slowIncrement);
      const again = await s.login();
      s.setView(blockingSession(slowIncrement));
      const started = Date.now();
      await s.get(again);
      expect(Date.now() - started).toBeLessThan(900);
      expect((await fs.readdir(dir)).filter((name) => name.includes('.lock'))).toEqual([]);
    } finally {
      restore();
    }
  });

  it('a lock not acquired within the timeout is SessionLockTimeout, a 503', async () => {
    const s = await site();
    const key = await s.login();
    let go!: () => void;
    const gate = new Promise<void>((resolve) => (go = resolve));
    s.setView(
      blockingSession(async () => {
        await gate;
        return new HttpResponse('slow');
      }),
    );
    const slow = s.get(key);
    await sleep(20);
    s.setView(blockingSession(slowIncrement, { timeout: 0.2 }));
    const lines: string[] = [];
    const restore = setLogSink((_name, _level, message) => lines.push(message));
    let waited;
    const started = Date.now();
    try {
      waited = await s.get(key);
    } finally {
      restore();
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(180);
    go();
    await slow;
    expect(waited.response.status).toBe(503);
    expect(lines).toContain(
      "Service Unavailable: /: Gave up after 0.2 s waiting for this session's lock, held by another request (SESSION_LOCK_TIMEOUT)",
    );
    expect(new SessionLockTimeout(10)).toBeInstanceOf(ServiceUnavailable);
  });

  it('needs SessionMiddleware, and an engine that can lock', async () => {
    const bare = new HttpRequest({ method: 'GET', url: '/' });
    await expect(blockingSession(slowIncrement)(bare, {})).rejects.toThrow(
      "blockingSession() needs request.session: add 'tango.sessions.middleware.SessionMiddleware' to MIDDLEWARE.",
    );
    const s = await site({ SESSION_ENGINE: 'signed_cookies' }, slowIncrement);
    const { request } = await s.get();
    const cookie = request.session.sessionKey!;
    s.setView(blockingSession(slowIncrement));
    const lines: string[] = [];
    const restore = setLogSink((_name, _level, message) => lines.push(message));
    try {
      const { response } = await s.get(cookie);
      expect(response.status).toBe(500);
    } finally {
      restore();
    }
    expect(lines[0]).toContain(
      'ImproperlyConfigured: The session engine (SignedCookieStore) cannot lock sessions',
    );
  });
});

describe('SESSION_LOCKING', () => {
  it('with an engine that cannot lock is a start-up error', async () => {
    await expect(site({ SESSION_ENGINE: 'signed_cookies', SESSION_LOCKING: true })).rejects.toThrow(
      ImproperlyConfigured,
    );
    await expect(site({ SESSION_ENGINE: 'signed_cookies', SESSION_LOCKING: true })).rejects.toThrow(
      "SESSION_LOCKING needs a session engine that can lock sessions (db, cached_db, file, cache); 'signed_cookies' cannot, its cookie is the data.",
    );
  });

  it('settings are checked when they load', () => {
    const base = { BASE_DIR: dir, SECRET_KEY: 'x' };
    expect(() => defineSettings({ ...base, SESSION_LOCKING: 'yes' as never })).toThrow(
      'The SESSION_LOCKING setting must be a boolean, not string.',
    );
    for (const bad of [0, -1, Number.NaN, Infinity, '5']) {
      expect(() => defineSettings({ ...base, SESSION_LOCK_TIMEOUT: bad as never })).toThrow(
        `The SESSION_LOCK_TIMEOUT setting must be a positive number of seconds, got ${String(bad)}.`,
      );
      expect(() => defineSettings({ ...base, SESSION_LOCK_EXPIRY: bad as never })).toThrow(
        /SESSION_LOCK_EXPIRY setting must be a positive number/,
      );
    }
    expect(defineSettings(base)).toMatchObject({
      SESSION_LOCKING: false,
      SESSION_LOCK_TIMEOUT: 10,
      SESSION_LOCK_EXPIRY: 30,
    });
  });

  it('a lock that cannot be released is logged, and the response still goes out', async () => {
    class FailingRelease extends MemoryStore {
      static async fromSettings(): Promise<FailingRelease> {
        return new FailingRelease();
      }
      override async lock(key: string, options: SessionLockOptions): Promise<SessionLock> {
        const held = await super.lock(key, options);
        return {
          release: async () => {
            await held.release();
            throw new Error('the store is gone');
          },
        };
      }
    }
    const s = await site({ SESSION_ENGINE: FailingRelease, SESSION_LOCKING: true });
    const key = await s.login();
    const lines: string[] = [];
    const restore = setLogSink((name, level, message) => lines.push(`${level} ${name} ${message}`));
    try {
      const { response } = await s.get(key);
      expect(response.status).toBe(200);
      expect(response.text()).toBe('2');
    } finally {
      restore();
    }
    expect(lines).toEqual([
      'ERROR tango.sessions Could not release a session lock (it lapses after SESSION_LOCK_EXPIRY): the store is gone',
    ]);
  });
});

async function migrateIn(base: string): Promise<void> {
  const db = new SqliteConnection(path.join(base, 'db.sqlite3'));
  await migrate(
    db,
    {
      apps: [
        {
          name: 'tango.sessions',
          label: 'sessions',
          path: base,
          templatesDir: undefined,
          migrationsDir: undefined,
          migrations,
        },
      ],
    },
    {},
    { write: () => undefined },
  );
  await db.close();
}
