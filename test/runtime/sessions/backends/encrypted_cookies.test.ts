// The encrypted_cookies engine: the shared store contract (client-side part), then what it
// adds to signed_cookies: the browser can neither read nor forge the cookie.
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { defineSettings } from '../../../../src/runtime/conf/define.js';
import type { SettingsInput } from '../../../../src/runtime/conf/settings.js';
import { Encrypter } from '../../../../src/runtime/core/encryption.js';
import { setLogSink } from '../../../../src/runtime/core/log.js';
import { pythonJsonDumps } from '../../../../src/runtime/core/signing/index.js';
import { HttpRequest } from '../../../../src/runtime/http/request.js';
import { HttpResponse } from '../../../../src/runtime/http/response.js';
import {
  ENCRYPTED_COOKIES_PURPOSE,
  EncryptedCookieStore,
} from '../../../../src/runtime/sessions/backends/encrypted_cookies.js';
import { SignedCookieStore } from '../../../../src/runtime/sessions/backends/signed_cookies.js';
import { formatIsoDate } from '../../../../src/runtime/sessions/encoding.js';
import {
  SessionMiddleware,
  type SessionMiddlewareHandler,
} from '../../../../src/runtime/sessions/middleware.js';
import { openedWithFallbackKey } from '../../../../src/runtime/sessions/rotation.js';
import { sessionData } from '../../../../src/runtime/sessions/store.js';
import { describeClientSideStoreContract } from '../store-contract.js';

const KEY = 'encrypted-cookies-test-secret';
const AGE = 1_209_600;
const soon = () => new Date(Date.now() + 60_000);
const data = (object: Record<string, unknown>) => sessionData(object);

describeClientSideStoreContract('encrypted_cookies', async ({ now }) => ({
  store: new EncryptedCookieStore({ key: KEY, fallbackKeys: [], maxAge: AGE, now }),
  cleanup: async () => {},
}));

const restores: (() => void)[] = [];
afterEach(() => restores.splice(0).forEach((restore) => restore()));

function captureLogs(): string[] {
  const lines: string[] = [];
  restores.push(setLogSink((name, level, message) => lines.push(`${level} ${name} ${message}`)));
  return lines;
}

describe('encrypted_cookies engine specifics', () => {
  const store = new EncryptedCookieStore({ key: KEY, fallbackKeys: [], maxAge: AGE });

  it('the browser cannot read the value: no data in it, decoded or not (signed_cookies: readable)', async () => {
    const secret = { user: 'alice@example.com', role: 'admin', token: 'tok_4f9c2a' };
    const value = await store.create(data(secret), soon());
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    const decoded = Buffer.from(value, 'base64url').toString('latin1');
    for (const word of ['alice', 'admin', 'tok_4f9c2a', 'user', 'role']) {
      expect(value).not.toContain(word);
      expect(decoded).not.toContain(word);
    }
    // What the same data looks like under signed_cookies: its first part is base64 JSON.
    const signed = await new SignedCookieStore({ key: KEY, fallbackKeys: [], maxAge: AGE }).create(
      data(secret),
      soon(),
    );
    expect(Buffer.from(signed.split(':')[0]!, 'base64url').toString()).toContain('alice');
  });

  it('is the Encrypter for its purpose over the JSONSerializer text, uncompressed', async () => {
    const value = await store.create(
      sessionData([
        ['hit', 1],
        ['zz', 2],
        ['1', 3],
      ]),
      soon(),
    );
    const opened = new Encrypter({
      key: KEY,
      fallbackKeys: [],
      purpose: ENCRYPTED_COOKIES_PURPOSE,
    }).decrypt(value);
    expect(opened.plaintext.toString('latin1')).toBe('{"hit":1,"zz":2,"1":3}');
    // No compression (it would leak the content through the length): a repetitive session
    // makes a cookie as long as its JSON plus the fixed overhead.
    const repetitive = data({ list: 'abc'.repeat(300) });
    const long = await store.create(repetitive, soon());
    const json = pythonJsonDumps(repetitive);
    expect(Buffer.from(long, 'base64url').length).toBe(json.length + 47);
    expect(store.kind).toBe('client');
  });

  it('loads keys in the stored order, as a Map (Python dict order)', async () => {
    const loaded = await store.load(
      await store.create(
        sessionData([
          ['zz', 1],
          ['1', 2],
        ]),
        soon(),
      ),
    );
    expect([...loaded!.keys()]).toEqual(['zz', '1']);
  });

  it('a forged or tampered value gives null and one security warning each', async () => {
    const logs = captureLogs();
    const value = await store.create(data({ user: 'alice' }), soon());
    const otherKey = new EncryptedCookieStore({
      key: 'not-the-key',
      fallbackKeys: [],
      maxAge: AGE,
    });
    const forged = await otherKey.create(data({ user: 'admin' }), soon());
    const flipped = value.slice(0, 60) + (value[60] === 'A' ? 'B' : 'A') + value.slice(61);
    expect(await store.load(forged)).toBeNull();
    expect(await store.load(flipped)).toBeNull();
    expect(await store.load(value.slice(0, -2))).toBeNull();
    expect(logs).toEqual(
      Array(3).fill('WARNING tango.security.SuspiciousSession Session data corrupted'),
    );
  });

  it('a value older than SESSION_COOKIE_AGE is refused, silently (same rule as signed_cookies)', async () => {
    const logs = captureLogs();
    // A whole second: the timestamp is in whole seconds, as TimestampSigner's.
    let now = Math.floor(Date.now() / 1000) * 1000;
    const clocked = new EncryptedCookieStore({
      key: KEY,
      fallbackKeys: [],
      maxAge: 100,
      now: () => now,
    });
    const value = await clocked.create(data({ a: 1 }), soon());
    now += 100_000;
    expect(await clocked.load(value)).not.toBeNull(); // exactly maxAge old: still valid
    now += 1_000;
    expect(await clocked.load(value)).toBeNull();
    expect(logs).toEqual([]);
  });

  it('a custom integer or date expiry is enforced from the encryption time', async () => {
    let now = Date.now();
    const clocked = new EncryptedCookieStore({
      key: KEY,
      fallbackKeys: [],
      maxAge: AGE,
      now: () => now,
    });
    const sixty = await clocked.create(data({ _session_expiry: 60 }), soon());
    const negative = await clocked.create(data({ _session_expiry: -1 }), soon());
    const past = await clocked.create(
      data({ _session_expiry: '2000-01-01T00:00:00+00:00' }),
      soon(),
    );
    const inAnHour = await clocked.create(
      data({ _session_expiry: formatIsoDate(new Date(now + 3_600_000)) }),
      soon(),
    );
    // An invalid expiry counts as none (the default lifetime), as everywhere.
    const garbage = await clocked.create(data({ _session_expiry: 1e300 }), soon());
    expect(await clocked.load(sixty)).not.toBeNull();
    expect(await clocked.load(negative)).toBeNull();
    expect(await clocked.load(past)).toBeNull();
    expect(await clocked.load(inAnHour)).not.toBeNull();
    expect(await clocked.load(garbage)).not.toBeNull();
    now += 61_000;
    expect(await clocked.load(sixty)).toBeNull();
    expect(await clocked.load(inAnHour)).not.toBeNull();
    now += 3_600_000;
    expect(await clocked.load(inAnHour)).toBeNull();
  });

  it('decrypts what a SECRET_KEY_FALLBACKS key encrypted, and marks it for re-encryption', async () => {
    const old = new EncryptedCookieStore({ key: 'old-key', fallbackKeys: [], maxAge: AGE });
    const rotated = new EncryptedCookieStore({
      key: 'new-key',
      fallbackKeys: ['old-key'],
      maxAge: AGE,
    });
    const loaded = await rotated.load(await old.create(data({ a: 1 }), soon()));
    expect(loaded).toEqual(data({ a: 1 }));
    expect(openedWithFallbackKey(loaded)).toBe(true);
    const current = await rotated.load(await rotated.create(data({ a: 1 }), soon()));
    expect(openedWithFallbackKey(current)).toBe(false);
  });

  it('fromSettings builds the class it is called on; the keys stay out of console.log', async () => {
    class Mine extends EncryptedCookieStore {}
    const secret = 'never-printed-secret-key';
    const mine = await Mine.fromSettings(
      defineSettings({ BASE_DIR: '/srv/site', SECRET_KEY: secret, SECRET_KEY_FALLBACKS: [KEY] }),
    );
    expect(mine).toBeInstanceOf(Mine);
    expect(inspect(mine, { showHidden: true, depth: null })).not.toContain(secret);
    expect(inspect(mine, { showHidden: true, depth: null })).not.toContain(KEY);
  });

  it('fromSettings takes SECRET_KEY, SECRET_KEY_FALLBACKS and SESSION_COOKIE_AGE', async () => {
    const fromSettings = await EncryptedCookieStore.fromSettings(
      defineSettings({
        BASE_DIR: '/srv/site',
        SECRET_KEY: 'new',
        SECRET_KEY_FALLBACKS: [KEY],
        SESSION_COOKIE_AGE: 100,
      }),
    );
    expect(await fromSettings.load(await store.create(data({ a: 1 }), soon()))).toEqual(
      data({ a: 1 }),
    );
  });
});

describe('encrypted_cookies through SessionMiddleware', () => {
  async function site(input: Partial<SettingsInput> = {}) {
    const settings = defineSettings({
      BASE_DIR: '/srv/site',
      SECRET_KEY: KEY,
      SESSION_ENGINE: 'encrypted_cookies',
      ...input,
    });
    let view: (request: HttpRequest) => HttpResponse = () => new HttpResponse('ok');
    const handler = (await SessionMiddleware(
      async (request) => view(request),
      settings,
    )) as SessionMiddlewareHandler;
    return {
      async get(cookie: string | undefined, v: typeof view) {
        view = v;
        const request = new HttpRequest({
          method: 'GET',
          url: '/',
          headers: cookie === undefined ? {} : { cookie: `sessionid=${cookie}` },
        });
        return handler(request);
      },
    };
  }
  const cookieValue = (response: HttpResponse) => response.cookies.get('sessionid')?.value;

  it('keeps a counter across requests, like every engine', async () => {
    const { get } = await site();
    const count = (request: HttpRequest) => {
      const hit = Number(request.session.get('hit', 0)) + 1;
      request.session.set('hit', hit);
      return new HttpResponse(String(hit));
    };
    let cookie: string | undefined;
    for (const expected of ['1', '2', '3']) {
      const response = await get(cookie, count);
      expect(response.text()).toBe(expected);
      cookie = cookieValue(response);
    }
  });

  it('a tampered cookie: a new session, the cookie deleted, a security line', async () => {
    const logs = captureLogs();
    const { get } = await site();
    const response = await get(
      'A'.repeat(120),
      (request) => new HttpResponse(String(request.session.get('hit', 0))),
    );
    expect(response.text()).toBe('0');
    expect(response.setCookieHeaders()[0]).toMatch(/^sessionid=""; expires=Thu, 01 Jan 1970/);
    expect(logs).toContain('WARNING tango.security.SuspiciousSession Session data corrupted');
  });
});
