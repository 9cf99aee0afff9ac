/**
 * Beyond Django (docs/sessions-beyond-django.md): partitioned cookies (CHIPS) with the
 * `SESSION_COOKIE_PARTITIONED`/`CSRF_COOKIE_PARTITIONED` settings, and the size guard that
 * every response cookie goes through (4096 bytes: DEBUG raises, otherwise a warning).
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import { loadSettings } from '../../../src/runtime/conf/index.js';
import type { SettingsInput } from '../../../src/runtime/conf/settings.js';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { createApplication } from '../../../src/runtime/handlers/base.js';
import {
  MAX_COOKIE_SIZE,
  oversizeCookie,
  serializeSetCookie,
  setCookieSize,
  validateCookie,
} from '../../../src/runtime/http/cookie.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import {
  checkCookieSizes,
  CookieTooLarge,
  HttpResponse,
} from '../../../src/runtime/http/response.js';
import { CsrfViewMiddleware, getToken } from '../../../src/runtime/middleware/csrf.js';
import type { MiddlewareFactory } from '../../../src/runtime/middleware/types.js';
import {
  SessionMiddleware,
  type SessionMiddlewareHandler,
} from '../../../src/runtime/sessions/middleware.js';
import { FIXTURE_SETTINGS } from '../fixture.js';

const NOW = Date.UTC(2026, 10, 22, 7, 9, 4);
const restores: (() => void)[] = [];
afterEach(() => restores.splice(0).forEach((restore) => restore()));

function captureLogs(): string[] {
  const lines: string[] = [];
  restores.push(setLogSink((name, level, message) => lines.push(`${level} ${name} ${message}`)));
  return lines;
}

function settings(input: Partial<SettingsInput> = {}) {
  return defineSettings({ BASE_DIR: '/srv/site', SECRET_KEY: 'limits-test', ...input });
}

describe('partitioned cookies (CHIPS)', () => {
  it('setCookie writes Partitioned after Max-Age, with Secure', () => {
    const response = new HttpResponse().setCookie('widget', '1', {
      partitioned: true,
      secure: true,
      sameSite: 'None',
      maxAge: 60,
    });
    expect(response.setCookieHeaders(NOW)).toEqual([
      'widget=1; expires=Sun, 22 Nov 2026 07:10:04 GMT; Max-Age=60; Partitioned; Path=/; SameSite=None; Secure',
    ]);
  });

  it('a partitioned cookie without secure is a TypeError that names the fix', () => {
    expect(() => new HttpResponse().setCookie('widget', '1', { partitioned: true })).toThrow(
      new TypeError(
        'option secure is required: partitioned cookies must set secure: true (browsers refuse a Partitioned cookie without Secure)',
      ),
    );
    expect(() =>
      new HttpResponse().setCookie('widget', '1', {
        partitioned: 'yes' as unknown as boolean,
        secure: true,
      }),
    ).toThrow('option partitioned is invalid: yes (expected a boolean)');
  });

  it('deleteCookie deletes a partitioned cookie: the deletion is Partitioned and Secure itself', () => {
    const response = new HttpResponse().deleteCookie('widget', { partitioned: true });
    expect(response.setCookieHeaders(NOW)).toEqual([
      'widget=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Partitioned; Path=/; Secure',
    ]);
    // Without the option it stays Django's deletion (which reaches only the unpartitioned jar).
    expect(new HttpResponse().deleteCookie('widget').setCookieHeaders(NOW)).toEqual([
      'widget=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/',
    ]);
    expect(() =>
      new HttpResponse().deleteCookie('widget', { partitioned: 1 as unknown as boolean }),
    ).toThrow('option partitioned is invalid');
  });

  it('SESSION_COOKIE_PARTITIONED and CSRF_COOKIE_PARTITIONED default to false and need *_COOKIE_SECURE', () => {
    expect(settings().SESSION_COOKIE_PARTITIONED).toBe(false);
    expect(settings().CSRF_COOKIE_PARTITIONED).toBe(false);
    expect(() => settings({ SESSION_COOKIE_PARTITIONED: true })).toThrow(
      new ImproperlyConfigured(
        'The SESSION_COOKIE_PARTITIONED setting needs SESSION_COOKIE_SECURE = true: browsers refuse a Partitioned cookie without Secure.',
      ),
    );
    expect(() => settings({ CSRF_COOKIE_PARTITIONED: true })).toThrow(
      'The CSRF_COOKIE_PARTITIONED setting needs CSRF_COOKIE_SECURE = true',
    );
    expect(() => settings({ CSRF_COOKIE_PARTITIONED: 'yes' as unknown as boolean })).toThrow(
      'The CSRF_COOKIE_PARTITIONED setting must be a boolean, not string.',
    );
    expect(
      settings({ SESSION_COOKIE_PARTITIONED: true, SESSION_COOKIE_SECURE: true })
        .SESSION_COOKIE_PARTITIONED,
    ).toBe(true);
  });

  it('SessionMiddleware sets and deletes the session cookie as Partitioned', async () => {
    const site = settings({
      SESSION_ENGINE: 'signed_cookies',
      SESSION_COOKIE_SECURE: true,
      SESSION_COOKIE_PARTITIONED: true,
      SESSION_COOKIE_SAMESITE: 'None',
    });
    let view = async (request: HttpRequest) => {
      request.session.set('hit', 1);
      return new HttpResponse('ok');
    };
    const handler = (await SessionMiddleware(
      async (request) => view(request),
      site,
    )) as SessionMiddlewareHandler;
    const first = await handler(new HttpRequest({ method: 'GET', url: '/' }));
    const [setCookie] = first.setCookieHeaders(NOW);
    expect(setCookie).toMatch(/; Max-Age=1209600; Partitioned; Path=\/; SameSite=None; Secure$/);
    expect(setCookie).toContain('; HttpOnly;');
    // Logging out deletes the cookie in the same (partitioned) jar.
    view = async (request) => {
      await request.session.flush();
      return new HttpResponse('ok');
    };
    const cookie = setCookie!.slice(0, setCookie!.indexOf(';'));
    const second = await handler(new HttpRequest({ method: 'GET', url: '/', headers: { cookie } }));
    expect(second.setCookieHeaders(NOW)).toEqual([
      'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Partitioned; Path=/; SameSite=None; Secure',
    ]);
    await handler.close();
  });

  it('CsrfViewMiddleware passes CSRF_COOKIE_PARTITIONED through', async () => {
    const site = settings({
      CSRF_COOKIE_SECURE: true,
      CSRF_COOKIE_PARTITIONED: true,
      ALLOWED_HOSTS: ['testserver'],
    });
    const handler = await CsrfViewMiddleware(async (request) => {
      getToken(request);
      return new HttpResponse('form');
    }, site);
    const request = new HttpRequest({ method: 'GET', url: '/', headers: { host: 'testserver' } });
    request.settings = site;
    const [setCookie] = (await handler(request)).setCookieHeaders(NOW);
    expect(setCookie).toMatch(
      /^csrftoken=[A-Za-z0-9]{32}; expires=.*; Max-Age=31449600; Partitioned; Path=\/; SameSite=Lax; Secure$/,
    );
  });
});

describe('the cookie size guard, for every cookie', () => {
  it('setCookieSize is the byte length of the Set-Cookie value: name, value and attributes', () => {
    const cases: [string, string, Parameters<typeof validateCookie>[2]][] = [
      ['hit', '1', { maxAge: 120 }],
      ['a', 'x'.repeat(4000), { domain: 'example.com', path: '/shop/', secure: true }],
      ['q', 'café ☕ "quoted"; \\', { sameSite: 'Lax', httpOnly: true }],
      ['e', '😀'.repeat(900), { expires: 'Wed, 21 Oct 2037 07:28:00 GMT' }],
    ];
    for (const [name, value, options] of cases) {
      const resolved = validateCookie(name, value, options, NOW);
      const header = serializeSetCookie(name, value, resolved, NOW);
      expect(setCookieSize(name, value, resolved, NOW)).toBe(Buffer.byteLength(header));
    }
  });

  it('oversizeCookie is null up to 4096 bytes and the size beyond, also where quoting grows the value', () => {
    const options = validateCookie('c', '', {}, NOW); // 'c=<value>; Path=/': 10 bytes + value
    expect(oversizeCookie('c', 'x'.repeat(MAX_COOKIE_SIZE - 10), options, NOW)).toBeNull();
    expect(oversizeCookie('c', 'x'.repeat(MAX_COOKIE_SIZE - 9), options, NOW)).toBe(4097);
    // 1300 commas are 5,200 bytes once quoted (\054 each), from a 1,300-character value.
    expect(oversizeCookie('c', ','.repeat(1300), options, NOW)).toBe(10 + 2 + 1300 * 4);
    // Three bytes of UTF-8 per character (the quoting keeps characters above U+00FF).
    expect(oversizeCookie('c', '☕'.repeat(1400), options, NOW)).toBe(10 + 2 + 1400 * 3);
    // The attributes count: a value that fits alone no longer fits with a long Domain.
    const withDomain = validateCookie('c', '', { domain: 'd'.repeat(200), secure: true }, NOW);
    expect(oversizeCookie('c', 'x'.repeat(4000), withDomain, NOW)).toBe(
      Buffer.byteLength(serializeSetCookie('c', 'x'.repeat(4000), withDomain, NOW)),
    );
  });

  it('attribute values over 1024 bytes are refused when set (browsers ignore them)', () => {
    expect(() => validateCookie('c', 'v', { path: '/' + 'p'.repeat(1024) })).toThrow(
      'option path is invalid: 1025 bytes (browsers ignore an attribute value over 1024 bytes, RFC 6265bis §5.6)',
    );
    expect(() => validateCookie('c', 'v', { domain: 'é'.repeat(513) })).toThrow(
      'option domain is invalid: 1026 bytes',
    );
    expect(validateCookie('c', 'v', { path: '/' + 'p'.repeat(1023) }).path).toHaveLength(1024);
  });

  it('checkCookieSizes raises CookieTooLarge with the name and size in DEBUG', () => {
    const response = new HttpResponse()
      .setCookie('small', 'ok')
      .setCookie('cart', 'x'.repeat(5000));
    let error: unknown;
    try {
      checkCookieSizes(response, true, NOW);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CookieTooLarge);
    expect(error).toMatchObject({ cookieName: 'cart', size: 5013 });
    expect((error as Error).message).toBe(
      "The cookie 'cart' is 5013 bytes (name, value and attributes); browsers drop cookies over 4096 bytes. Store less in it, or keep the data on the server.",
    );
  });

  it('checkCookieSizes logs a warning without DEBUG and leaves the response alone', () => {
    const logs = captureLogs();
    const response = new HttpResponse().setCookie('cart', 'x'.repeat(5000));
    checkCookieSizes(response, false, NOW);
    expect(logs).toEqual([
      "WARNING tango.http.cookies The cookie 'cart' is 5013 bytes (name, value and attributes); browsers drop cookies over 4096 bytes. Store less in it, or keep the data on the server.",
    ]);
    expect(response.cookies.has('cart')).toBe(true);
    checkCookieSizes(new HttpResponse().setCookie('small', 'ok'), false, NOW);
    checkCookieSizes(new HttpResponse(), true, NOW);
    expect(logs).toHaveLength(1);
  });

  it('the handler applies it to every response: a 500 naming the cookie with DEBUG, a warning without', async () => {
    const logs = captureLogs();
    const bigCookie: MiddlewareFactory = async () => async () =>
      new HttpResponse('ok').setCookie('prefs', 'y'.repeat(4100));
    const base = await loadSettings(FIXTURE_SETTINGS);
    const get = () => new HttpRequest({ method: 'GET', url: '/', headers: { host: 'testserver' } });
    for (const debug of [true, false]) {
      const app = await createApplication(
        defineSettings({ ...base, DEBUG: debug, MIDDLEWARE: [bigCookie] }),
      );
      const response = await app.handle(get());
      if (debug) {
        expect(response.status).toBe(500);
        expect(response.text()).toContain('CookieTooLarge');
        expect(response.text()).toContain('The cookie &#x27;prefs&#x27; is 4114 bytes');
      } else {
        expect(response.status).toBe(200);
        expect(response.setCookieHeaders()[0]).toMatch(/^prefs=y{4100}; Path=\/$/);
      }
      await app.close();
    }
    expect(logs).toContain(
      "WARNING tango.http.cookies The cookie 'prefs' is 4114 bytes (name, value and attributes); browsers drop cookies over 4096 bytes. Store less in it, or keep the data on the server.",
    );
  });

  it('an oversized cookie-engine session is reported once, by the same guard (signed_cookies, encrypted_cookies)', async () => {
    const fill: MiddlewareFactory = async () => async (request) => {
      request.session.set('blob', randomBytes(3600).toString('base64'));
      return new HttpResponse('ok');
    };
    const base = await loadSettings(FIXTURE_SETTINGS);
    const get = () => new HttpRequest({ method: 'GET', url: '/', headers: { host: 'testserver' } });
    for (const engine of ['signed_cookies', 'encrypted_cookies'] as const) {
      for (const debug of [true, false]) {
        const logs = captureLogs();
        const app = await createApplication(
          defineSettings({
            ...base,
            DEBUG: debug,
            SESSION_ENGINE: engine,
            MIDDLEWARE: ['tango.sessions.middleware.SessionMiddleware', fill],
          }),
        );
        const response = await app.handle(get());
        await app.close();
        const reports = logs.filter((line) => line.includes('bytes'));
        if (debug) {
          expect(response.status).toBe(500);
          expect(response.text()).toContain('CookieTooLarge');
          expect(response.text()).toContain('The cookie &#x27;sessionid&#x27; is');
        } else {
          expect(response.status).toBe(200);
          expect(reports).toHaveLength(1);
          expect(reports[0]).toMatch(
            /^WARNING tango.http.cookies The cookie 'sessionid' is \d{4,5} bytes \(name, value and attributes\); browsers drop cookies over 4096 bytes\./,
          );
        }
      }
    }
  });
});
