// SessionMiddleware: Django's process_response rules, failures and lifecycle. Items cited as
// "checklist #N" (or §X, a section), and the bare item numbers that open test titles, are in
// docs/django-sessions-checklist.md.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocMemCache } from '../../../src/runtime/cache/locmem.js';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import type { SettingsInput } from '../../../src/runtime/conf/settings.js';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { responseForException } from '../../../src/runtime/handlers/exception.js';
import { BadRequest, ServiceUnavailable } from '../../../src/runtime/http/errors.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { HttpResponse } from '../../../src/runtime/http/response.js';
import { CacheStore } from '../../../src/runtime/sessions/backends/cache.js';
import {
  SessionInterrupted,
  SessionStoreUnavailable,
} from '../../../src/runtime/sessions/exceptions.js';
import {
  SessionMiddleware,
  type SessionMiddlewareHandler,
} from '../../../src/runtime/sessions/middleware.js';
import { MemoryStore } from './memory-store.js';
import { plain } from './data.js';

/** Fixed "now" for serializing Set-Cookie, so expires dates are exact. */
const NOW = Date.UTC(2026, 10, 22, 7, 9, 4);
const IN_TWO_WEEKS = 'Sun, 06 Dec 2026 07:09:04 GMT';
const DELETION =
  'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax';

type View = (request: HttpRequest) => HttpResponse | Promise<HttpResponse>;
const untouched: View = () => new HttpResponse('ok');
const reads: View = (r) => new HttpResponse(String(r.session.get('hit', 0)));
const writes: View = (r) => {
  r.session.set('hit', Number(r.session.get('hit', 0)) + 1);
  return new HttpResponse('ok');
};

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tango-session-mw-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function site(input: Partial<SettingsInput> = {}) {
  const settings = defineSettings({
    BASE_DIR: dir,
    SECRET_KEY: 'middleware-test-secret',
    SESSION_ENGINE: 'file',
    SESSION_FILE_PATH: dir,
    ...input,
  });
  let view: View = untouched;
  const handler = (await SessionMiddleware(
    async (request) => view(request),
    settings,
  )) as SessionMiddlewareHandler;
  async function get(cookie: string | undefined, v: View = untouched, status = 200) {
    view = async (request) => {
      const response = await v(request);
      response.status = status;
      return response;
    };
    const request = new HttpRequest({
      method: 'GET',
      url: '/',
      headers: cookie === undefined ? {} : { cookie },
    });
    const response = await handler(request);
    return {
      request,
      response,
      setCookie: response.setCookieHeaders(NOW),
      vary: response.headers.get('Vary'),
      key: request.session.sessionKey,
    };
  }
  /** A stored session holding {hit: 1}; returns its key. */
  async function login(): Promise<string> {
    const { key } = await get(undefined, writes);
    return key!;
  }
  return { settings, handler, get, login };
}

describe('SessionMiddleware (checklist §H)', () => {
  it('78: request.session is a Session for the cookie, loaded before the view', async () => {
    const s = await site();
    const key = await s.login();
    const { response, request } = await s.get(`sessionid=${key}`, reads);
    expect(response.text()).toBe('1');
    expect(request.session.sessionKey).toBe(key);
  });

  it('82: saving sends the exact Django Set-Cookie', async () => {
    const s = await site();
    const { setCookie, vary, key } = await s.get(undefined, writes);
    expect(key).toMatch(/^[a-z0-9]{32}$/);
    expect(setCookie).toEqual([
      `sessionid=${key}; expires=${IN_TWO_WEEKS}; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax`,
    ]);
    expect(vary).toBe('Cookie');
    expect(await fs.readdir(dir)).toEqual([`sessionid${key}`]);
  });

  it('82: cookie attributes follow SESSION_COOKIE_* settings (checklist §O test_secure/httponly/samesite_session_cookie)', async () => {
    const s = await site({
      SESSION_COOKIE_SECURE: true,
      SESSION_COOKIE_HTTPONLY: false,
      SESSION_COOKIE_SAMESITE: 'Strict',
      SESSION_COOKIE_DOMAIN: '.example.local',
      SESSION_COOKIE_PATH: '/example/',
      SESSION_COOKIE_NAME: 'sid',
      SESSION_COOKIE_AGE: 300,
    });
    const { setCookie, key } = await s.get(undefined, writes);
    expect(setCookie).toEqual([
      `sid=${key}; Domain=.example.local; expires=Sun, 22 Nov 2026 07:14:04 GMT; Max-Age=300; Path=/example/; SameSite=Strict; Secure`,
    ]);
    const none = await site({ SESSION_COOKIE_SAMESITE: false });
    const { setCookie: plain, key: k2 } = await none.get(undefined, writes);
    expect(plain).toEqual([
      `sessionid=${k2}; expires=${IN_TWO_WEEKS}; HttpOnly; Max-Age=1209600; Path=/`,
    ]);
  });

  it('82: browser-close sessions get no expires/Max-Age (global setting and setExpiry(0))', async () => {
    const s = await site({ SESSION_EXPIRE_AT_BROWSER_CLOSE: true });
    const { setCookie, key } = await s.get(undefined, writes);
    expect(setCookie).toEqual([`sessionid=${key}; HttpOnly; Path=/; SameSite=Lax`]);
    const t = await site();
    const zero = await t.get(undefined, (r) => {
      r.session.setExpiry(0);
      return new HttpResponse('ok');
    });
    expect(zero.setCookie).toEqual([`sessionid=${zero.key}; HttpOnly; Path=/; SameSite=Lax`]);
  });

  it('89: Max-Age/expires come from getExpiryAge() at send time (setExpiry(300))', async () => {
    const s = await site();
    const { setCookie, key } = await s.get(undefined, (r) => {
      r.session.set('a', 1);
      r.session.setExpiry(300);
      return new HttpResponse('ok');
    });
    expect(setCookie).toEqual([
      `sessionid=${key}; expires=Sun, 22 Nov 2026 07:14:04 GMT; HttpOnly; Max-Age=300; Path=/; SameSite=Lax`,
    ]);
  });

  it('79: cookie sent + session emptied: the deletion cookie and Vary (checklist §O test_session_delete_on_end)', async () => {
    const s = await site();
    const key = await s.login();
    const { setCookie, vary } = await s.get(`sessionid=${key}`, async (r) => {
      await r.session.flush();
      return new HttpResponse('bye');
    });
    expect(setCookie).toEqual([DELETION]);
    expect(vary).toBe('Cookie');
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('79: the deletion cookie uses SESSION_COOKIE_DOMAIN/PATH/SAMESITE (O ..._with_custom_domain_and_path)', async () => {
    const s = await site({
      SESSION_COOKIE_DOMAIN: '.example.local',
      SESSION_COOKIE_PATH: '/example/',
    });
    const key = await s.login();
    const { setCookie } = await s.get(`sessionid=${key}`, async (r) => {
      await r.session.flush();
      return new HttpResponse('bye');
    });
    expect(setCookie).toEqual([
      'sessionid=""; Domain=.example.local; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/example/; SameSite=Lax',
    ]);
    const none = await site({ SESSION_COOKIE_SAMESITE: 'None', SESSION_COOKIE_SECURE: true });
    const k2 = await none.login();
    const deleted = await none.get(`sessionid=${k2}`, async (r) => {
      await r.session.flush();
      return new HttpResponse('bye');
    });
    expect(deleted.setCookie).toEqual([
      'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=None; Secure',
    ]);
  });

  it('79: the deletion rule also runs on 500 responses', async () => {
    const s = await site();
    const key = await s.login();
    const { setCookie, vary } = await s.get(
      `sessionid=${key}`,
      async (r) => {
        await r.session.flush();
        return new HttpResponse('oops');
      },
      500,
    );
    expect(setCookie).toEqual([DELETION]);
    expect(vary).toBe('Cookie');
  });

  it('80: a cookie under 8 characters (or empty) gets the deletion cookie even on an untouched view', async () => {
    const s = await site();
    for (const cookie of ['sessionid=short', 'sessionid=', 'sessionid="" ']) {
      const { setCookie, vary } = await s.get(cookie);
      expect(setCookie, cookie).toEqual([DELETION]);
      expect(vary, cookie).toBe('Cookie');
    }
  });

  it('80: an unknown key of 8+ characters on an untouched view gets nothing', async () => {
    const s = await site();
    const { setCookie, vary } = await s.get('sessionid=abcdefgh12345678');
    expect(setCookie).toEqual([]);
    expect(vary).toBeUndefined();
  });

  it('80/121: an unknown key on a view that reads the session gets the deletion cookie', async () => {
    const s = await site();
    const { setCookie, vary } = await s.get('sessionid=abcdefgh12345678', reads);
    expect(setCookie).toEqual([DELETION]);
    expect(vary).toBe('Cookie');
  });

  it('81/83: a read-only view gets Vary: Cookie and no Set-Cookie; an untouched one gets neither', async () => {
    const s = await site();
    const key = await s.login();
    const read = await s.get(`sessionid=${key}`, reads);
    expect([read.setCookie, read.vary]).toEqual([[], 'Cookie']);
    const none = await s.get(`sessionid=${key}`);
    expect([none.setCookie, none.vary]).toEqual([[], undefined]);
  });

  it('81: Vary is merged with what the view set', async () => {
    const s = await site();
    const { vary } = await s.get(undefined, (r) => {
      r.session.get('a');
      return new HttpResponse('ok', { headers: { Vary: 'Accept-Encoding' } });
    });
    expect(vary).toBe('Accept-Encoding, Cookie');
  });

  it('68: reading is not activity: the stored deadline does not move', async () => {
    const s = await site();
    const key = await s.login();
    const file = path.join(dir, `sessionid${key}`);
    const before = (await fs.stat(file)).mtimeMs;
    await s.get(`sessionid=${key}`, reads);
    expect((await fs.stat(file)).mtimeMs).toBe(before);
  });

  it('84: a 5xx response saves nothing and sends no cookie, but still Vary (checklist §O test_session_save_on_500)', async () => {
    for (const status of [500, 502, 503]) {
      const s = await site();
      const key = await s.login();
      const { setCookie, vary } = await s.get(`sessionid=${key}`, writes, status);
      expect(setCookie, String(status)).toEqual([]);
      expect(vary).toBe('Cookie');
      const check = await s.get(`sessionid=${key}`, reads);
      expect(check.response.text(), String(status)).toBe('1');
    }
  });

  it('84: a 404 response is saved', async () => {
    const s = await site();
    const { setCookie, key } = await s.get(undefined, writes, 404);
    expect(setCookie).toHaveLength(1);
    expect(await fs.readdir(dir)).toEqual([`sessionid${key}`]);
  });

  it('85: a modified but empty new session is not saved, even with SESSION_SAVE_EVERY_REQUEST', async () => {
    for (const every of [false, true]) {
      const s = await site({ SESSION_SAVE_EVERY_REQUEST: every });
      const { setCookie } = await s.get(undefined, (r) => {
        r.session.modified = true;
        return new HttpResponse('ok');
      });
      expect(setCookie).toEqual([]);
      expect(await fs.readdir(dir)).toEqual([]);
    }
  });

  it('52: an emptied session that keeps its key is still saved and the cookie re-sent (checklist §O test_empty_session_saved)', async () => {
    const s = await site();
    const key = await s.login();
    const { setCookie } = await s.get(`sessionid=${key}`, (r) => {
      r.session.clear();
      return new HttpResponse('ok');
    });
    expect(setCookie).toEqual([
      `sessionid=${key}; expires=${IN_TWO_WEEKS}; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax`,
    ]);
    expect(
      (
        await s.get(`sessionid=${key}`, (r) => new HttpResponse(JSON.stringify(r.session.items())))
      ).response.text(),
    ).toBe('[]');
  });

  it('53: flush without a session cookie sets no cookie but sends Vary (checklist §O test_flush_empty_without_session_cookie_doesnt_set_cookie)', async () => {
    const s = await site();
    const { setCookie, vary } = await s.get(undefined, async (r) => {
      await r.session.flush();
      return new HttpResponse('ok');
    });
    expect(setCookie).toEqual([]);
    expect(vary).toBe('Cookie');
  });

  it('86: SESSION_SAVE_EVERY_REQUEST refreshes the cookie on every response, with Vary: Cookie even when untouched (Django 5.2)', async () => {
    const s = await site({ SESSION_SAVE_EVERY_REQUEST: true });
    const key = await s.login();
    const { setCookie, vary } = await s.get(`sessionid=${key}`);
    expect(setCookie).toEqual([
      `sessionid=${key}; expires=${IN_TWO_WEEKS}; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax`,
    ]);
    // Django 5.2.17 patches Vary whenever it sets the session cookie (observed live): a
    // shared cache must not hand this Set-Cookie to another visitor.
    expect(vary).toBe('Cookie');
  });

  it('Vary: Cookie comes with every session cookie set, once, after what the view varied on', async () => {
    const s = await site({ SESSION_SAVE_EVERY_REQUEST: true });
    const key = await s.login();
    const untouched = await s.get(`sessionid=${key}`, () => {
      const response = new HttpResponse('ok');
      response.headers.set('Vary', 'Accept-Language');
      return response;
    });
    expect(untouched.vary).toBe('Accept-Language, Cookie');
    const touched = await s.get(`sessionid=${key}`, (r) => {
      r.session.set('a', 1);
      return new HttpResponse('ok');
    });
    expect(touched.vary).toBe('Cookie');
    // No cookie, no Vary (a view that neither reads nor writes the session).
    expect((await s.get(undefined, () => new HttpResponse('ok'))).vary).toBeUndefined();
  });

  it('87: a sessionid cookie set by the view is replaced by the session cookie', async () => {
    const s = await site();
    const { setCookie, key } = await s.get(undefined, (r) => {
      r.session.set('a', 1);
      return new HttpResponse('ok').setCookie('sessionid', 'mine', { maxAge: 5, secure: true });
    });
    expect(setCookie).toEqual([
      `sessionid=${key}; expires=${IN_TWO_WEEKS}; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax`,
    ]);
  });

  it('88: a session deleted by a concurrent request throws SessionInterrupted (400) (checklist §O test_session_update_error_redirect)', async () => {
    const s = await site();
    const key = await s.login();
    const error = await s
      .get(`sessionid=${key}`, async (r) => {
        r.session.set('hit', 5);
        await fs.rm(path.join(dir, `sessionid${key}`)); // logout in another tab
        return new HttpResponse('ok');
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionInterrupted);
    expect(error).toBeInstanceOf(BadRequest);
    expect((error as Error).message).toBe(
      "The request's session was deleted before the request completed. The user may have logged out in a concurrent request, for example.",
    );
    // Nothing was resurrected.
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('54: after cycleKey the old key replays as an empty session with the deletion cookie', async () => {
    const s = await site();
    const old = await s.login();
    const cycled = await s.get(`sessionid=${old}`, async (r) => {
      await r.session.cycleKey();
      return new HttpResponse('ok');
    });
    expect(cycled.key).not.toBe(old);
    expect(cycled.setCookie[0]).toContain(`sessionid=${cycled.key};`);
    const replay = await s.get(`sessionid=${old}`, reads);
    expect(replay.response.text()).toBe('0');
    expect(replay.setCookie).toEqual([DELETION]);
  });
});

describe('SessionMiddleware: failures and lifecycle', () => {
  function flakyEngine() {
    const store = new MemoryStore();
    // A custom engine: anything with fromSettings(); its name labels error messages.
    const FlakyEngine = { name: 'FlakyEngine', fromSettings: async () => store };
    return { store, FlakyEngine };
  }

  it('a store that is down answers ServiceUnavailable (503) naming the engine, then recovers', async () => {
    const { store, FlakyEngine } = flakyEngine();
    const s = await site({ SESSION_ENGINE: FlakyEngine });
    const key = await s.login();
    // A custom engine says it is down with SessionStoreUnavailable (or another ServiceUnavailable).
    store.failWith = new SessionStoreUnavailable(
      'FlakyEngine',
      'connect ECONNREFUSED 127.0.0.1:5432',
    );
    for (const view of [reads, writes]) {
      const error = await s.get(`sessionid=${key}`, view).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceUnavailable);
      expect((error as Error).message).toBe(
        "The 'FlakyEngine' session engine is unavailable: connect ECONNREFUSED 127.0.0.1:5432",
      );
    }
    const noCookie = await s.get(undefined, writes).catch((e: unknown) => e);
    expect(noCookie).toBeInstanceOf(ServiceUnavailable);
    // A view that never touches the session, without a cookie, does not need the store.
    expect((await s.get(undefined)).response.status).toBe(200);
    store.failWith = undefined;
    expect((await s.get(`sessionid=${key}`, reads)).response.text()).toBe('1');
  });

  it('a bug in a store (a ReferenceError) is a 500 with its stack in the log, never a 503', async () => {
    const { store, FlakyEngine } = flakyEngine();
    const s = await site({ SESSION_ENGINE: FlakyEngine });
    const key = await s.login();
    const bug = new ReferenceError('recordz is not defined');
    store.failWith = bug;
    for (const [cookie, view] of [
      [`sessionid=${key}`, reads],
      [undefined, writes],
    ] as const) {
      const error = await s.get(cookie, view).catch((e: unknown) => e);
      expect(error).toBe(bug);
      const lines: string[] = [];
      const restore = setLogSink((name, level, m) => lines.push(`${level} ${name} ${m}`));
      let response: HttpResponse;
      try {
        response = responseForException(
          new HttpRequest({ method: 'GET', url: '/hits/' }),
          error,
          s.settings,
          undefined,
        );
      } finally {
        restore();
      }
      expect(response.status).toBe(500);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^ERROR tango\.request Internal Server Error: \/hits\/\nReferenceError: recordz is not defined\n {4}at /,
      );
    }
  });

  it("the file engine's failing directory is a 503 naming the engine and the directory, then recovers", async () => {
    const s = await site();
    const key = await s.login();
    await fs.rm(dir, { recursive: true });
    await fs.writeFile(dir, 'not a directory');
    const error = await s.get(undefined, writes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionStoreUnavailable);
    expect((error as Error).message).toBe(
      `The 'file' session engine is unavailable: ENOTDIR (open) in '${dir}'`,
    );
    const lines: string[] = [];
    const restore = setLogSink((name, level, m) => lines.push(`${level} ${name} ${m}`));
    try {
      const response = responseForException(
        new HttpRequest({ method: 'GET', url: '/' }),
        error,
        s.settings,
        undefined,
      );
      expect(response.status).toBe(503);
    } finally {
      restore();
    }
    expect(lines).toEqual([
      `ERROR tango.request Service Unavailable: /: The 'file' session engine is unavailable: ENOTDIR (open) in '${dir}'`,
    ]);
    expect(lines[0]).not.toContain(key);
    await fs.rm(dir);
    await fs.mkdir(dir);
    expect((await s.get(undefined, writes)).setCookie).toHaveLength(1);
  });

  it('close() releases the store', async () => {
    const { store, FlakyEngine } = flakyEngine();
    const s = await site({ SESSION_ENGINE: FlakyEngine });
    expect(store.closed).toBe(false);
    await s.handler.close();
    expect(store.closed).toBe(true);
  });

  it('the store is built once, at start-up', async () => {
    let built = 0;
    const store = new MemoryStore();
    const CountingEngine = {
      async fromSettings() {
        built++;
        return store;
      },
    };
    const s = await site({ SESSION_ENGINE: CountingEngine });
    await s.login();
    await s.get(undefined, writes);
    expect(built).toBe(1);
  });

  it('configuration mistakes fail at start-up: missing SESSION_FILE_PATH, an impossible cookie', async () => {
    await expect(site({ SESSION_FILE_PATH: path.join(dir, 'missing') })).rejects.toThrow(
      /The session storage path '.*missing' doesn't exist/,
    );
    await expect(site({ SESSION_COOKIE_NAME: '__Host-sessionid' })).rejects.toThrow(
      ImproperlyConfigured,
    );
    await expect(site({ SESSION_COOKIE_NAME: '__Host-sessionid' })).rejects.toThrow(
      'The SESSION_COOKIE_* settings make an invalid cookie: option secure is required',
    );
    await expect(
      site({ SESSION_COOKIE_NAME: '__Host-sessionid', SESSION_COOKIE_SECURE: true }),
    ).resolves.toBeDefined();
  });
});

describe('SessionMiddleware with signed_cookies (checklist §J.5)', () => {
  it('124: the cookie is the signed session; each save re-signs it', async () => {
    const s = await site({ SESSION_ENGINE: 'signed_cookies' });
    const first = await s.get(undefined, writes);
    expect(first.key).toMatch(/^eyJoaXQiOjF9:[0-9A-Za-z]{6}:[A-Za-z0-9_-]{43}$/);
    expect(first.setCookie).toEqual([
      `sessionid=${first.key}; expires=${IN_TWO_WEEKS}; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax`,
    ]);
    const second = await s.get(`sessionid=${first.key}`, writes);
    expect(second.key!.startsWith('eyJoaXQiOjJ9:')).toBe(true);
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('126 (Tango): a tampered cookie is an empty session; the view that reads it gets the deletion cookie', async () => {
    const s = await site({ SESSION_ENGINE: 'signed_cookies' });
    const { key } = await s.get(undefined, writes);
    const tampered = key!.replace('eyJoaXQiOjF9', 'eyJoaXQiOjl9'); // {"hit":9}
    const lines: string[] = [];
    const restore = setLogSink((name, level, m) => lines.push(`${level} ${name} ${m}`));
    try {
      const read = await s.get(`sessionid=${tampered}`, reads);
      expect(read.response.text()).toBe('0');
      expect(read.setCookie).toEqual([DELETION]);
      const write = await s.get(`sessionid=${tampered}`, writes);
      expect(write.key!.startsWith('eyJoaXQiOjF9:')).toBe(true);
    } finally {
      restore();
    }
    expect(lines).toEqual(
      Array(2).fill('WARNING tango.security.SuspiciousSession Session data corrupted'),
    );
  });

  it('4096 bytes: the middleware sends an oversized cookie; the handler guard reports it once', async () => {
    // The size check is the handler's, for every cookie (test/runtime/http/cookie-limits.test.ts):
    // the middleware itself neither raises nor logs, so the warning is not doubled.
    for (const debug of [true, false]) {
      const s = await site({ SESSION_ENGINE: 'signed_cookies', DEBUG: debug });
      const lines: string[] = [];
      const restore = setLogSink((name, level, m) => lines.push(`${level} ${name} ${m}`));
      try {
        const { setCookie } = await s.get(undefined, (r) => {
          r.session.set('blob', randomBytes(4000).toString('base64'));
          return new HttpResponse('ok');
        });
        expect(setCookie).toHaveLength(1);
        expect(Buffer.byteLength(setCookie[0]!)).toBeGreaterThan(4096);
      } finally {
        restore();
      }
      expect(lines).toEqual([]);
    }
  });
});

describe('SessionMiddleware: expiries no HTTP date can hold (hardening 1)', () => {
  /** 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the first and the end of HTTP dates. */
  const FIRST_HTTP_DATE = -62135596800000;
  const END_HTTP_DATE = 253402300800000;

  afterEach(() => {
    vi.useRealTimers();
  });

  /** The `cache` engine on a locmem cache and a store that share a clock the test moves. */
  function locmemEngine() {
    const clock = { now: Date.now() };
    const now = () => clock.now;
    const cache = new LocMemCache({ location: `hardening-${randomBytes(6).toString('hex')}`, now });
    const store = new CacheStore(cache, { now });
    const LocmemCacheEngine = { name: 'LocmemCacheEngine', fromSettings: async () => store };
    return { clock, store, LocmemCacheEngine };
  }

  it("a visitor's _session_expiry of 1e300 (the tutorial's set()) gets the default lifetime, then and on every later request", async () => {
    for (const bad of [1e300, JSON.parse('1e999') as number, -1e300, 'garbage', [300]]) {
      const { clock, store, LocmemCacheEngine } = locmemEngine();
      const s = await site({ SESSION_ENGINE: LocmemCacheEngine });
      const key = await s.login();
      const setBad = await s.get(`sessionid=${key}`, (r) => {
        r.session.set('_session_expiry', bad);
        return new HttpResponse('ok');
      });
      const cookie = `sessionid=${key}; expires=${IN_TWO_WEEKS}; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax`;
      expect(setBad.setCookie, String(bad)).toEqual([cookie]);
      // /hits/ with the same cookie: read, modified, saved, the cookie re-sent.
      for (let i = 0; i < 2; i++) {
        const hits = await s.get(`sessionid=${key}`, writes);
        expect(hits.setCookie, String(bad)).toEqual([cookie]);
      }
      // The record has the default, finite lifetime: gone once SESSION_COOKIE_AGE has passed.
      clock.now += 1_209_600_000 - 1000;
      expect(plain(await store.load(key)), String(bad)).not.toBeNull();
      clock.now += 2000;
      expect(plain(await store.load(key)), String(bad)).toBeNull();
    }
  });

  it('the Max-Age handed to setCookie stays within HTTP dates however long the store write takes', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    // Half a second into a second, so a whole-second age can fall short of the first date.
    vi.setSystemTime(Date.UTC(2026, 10, 22, 7, 9, 4, 500));
    const slow = new MemoryStore();
    const save = slow.save.bind(slow);
    slow.save = async (key, data, expiresAt) => {
      vi.setSystemTime(Date.now() + 5000); // a store write that takes five seconds
      return save(key, data, expiresAt);
    };
    const SlowEngine = { name: 'SlowEngine', fromSettings: async () => slow };
    const s = await site({ SESSION_ENGINE: SlowEngine });
    const key = await s.login();
    for (const at of [END_HTTP_DATE - 1000, FIRST_HTTP_DATE]) {
      const { response, setCookie } = await s.get(`sessionid=${key}`, (r) => {
        r.session.setExpiry(new Date(at));
        return new HttpResponse('ok');
      });
      expect(response.status).toBe(200);
      const maxAge = Number(/Max-Age=(-?\d+)/.exec(setCookie[0]!)![1]);
      const expires = Date.now() + maxAge * 1000;
      expect(expires).toBeGreaterThanOrEqual(FIRST_HTTP_DATE);
      expect(expires).toBeLessThan(END_HTTP_DATE);
    }
  });
});
