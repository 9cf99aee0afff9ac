// The signed_cookies engine: the shared store contract (client-side part), then its specifics.
// Items cited as "checklist #N" (or §X, a section) are in docs/django-sessions-checklist.md.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { defineSettings } from '../../../../src/runtime/conf/define.js';
import { setLogSink } from '../../../../src/runtime/core/log.js';
import { dumps } from '../../../../src/runtime/core/signing/index.js';
import {
  SIGNED_COOKIES_SALT,
  SignedCookieStore,
} from '../../../../src/runtime/sessions/backends/signed_cookies.js';
import { describeClientSideStoreContract } from '../store-contract.js';
import { d, plain } from '../data.js';

const KEY = 'signed-cookies-test-secret';
const soon = () => new Date(Date.now() + 60_000);

describeClientSideStoreContract('signed_cookies', async ({ now }) => ({
  store: new SignedCookieStore({ key: KEY, fallbackKeys: [], maxAge: 1_209_600, now }),
  cleanup: async () => {},
}));

describe('signed_cookies engine specifics (checklist §J.5)', () => {
  const store = new SignedCookieStore({ key: KEY, fallbackKeys: [], maxAge: 1_209_600 });

  it("the value is Django's signing.dumps(data, salt=SIGNED_COOKIES_SALT, compress=True) (checklist #77, #124)", async () => {
    const value = await store.create(d({ hit: 1 }), soon());
    expect(value).toMatch(/^eyJoaXQiOjF9:[0-9A-Za-z]{6}:[A-Za-z0-9_-]{43}$/);
    expect(value).toBe(
      dumps({ hit: 1 }, { key: KEY, fallbackKeys: [], salt: SIGNED_COOKIES_SALT, compress: true }),
    );
    expect(store.kind).toBe('client');
  });

  it('a value older than SESSION_COOKIE_AGE is refused, silently (checklist #125)', async () => {
    const short = new SignedCookieStore({ key: KEY, fallbackKeys: [], maxAge: -1 });
    const lines: string[] = [];
    const restore = setLogSink((_n, _l, m) => lines.push(m));
    try {
      expect(plain(await short.load(await short.create(d({ a: 1 }))))).toBeNull();
    } finally {
      restore();
    }
    expect(lines).toEqual([]);
  });

  it('a tampered value gives null and a security warning (checklist #126, DESIGN §7)', async () => {
    const value = await store.create(d({ user: 'alice' }), soon());
    const forged = dumps(
      { user: 'admin' },
      { key: 'not-the-key', fallbackKeys: [], salt: SIGNED_COOKIES_SALT, compress: true },
    );
    const lines: string[] = [];
    const restore = setLogSink((name, level, m) => lines.push(`${level} ${name} ${m}`));
    try {
      expect(plain(await store.load(forged))).toBeNull();
      expect(plain(await store.load('x' + value))).toBeNull();
    } finally {
      restore();
    }
    expect(lines).toEqual(
      Array(2).fill('WARNING tango.security.SuspiciousSession Session data corrupted'),
    );
  });

  it('a value signed with a SECRET_KEY_FALLBACKS key still loads (key rotation)', async () => {
    const old = new SignedCookieStore({ key: 'old-key', fallbackKeys: [], maxAge: 1_209_600 });
    const rotated = new SignedCookieStore({
      key: 'new-key',
      fallbackKeys: ['old-key'],
      maxAge: 1_209_600,
    });
    expect(plain(await rotated.load(await old.create(d({ a: 1 }))))).toEqual({ a: 1 });
  });

  it('a custom integer expiry is enforced from the signing time (#19201 fixed)', async () => {
    // Signed "now": an expiry of 60 s keeps it, and the cap stays SESSION_COOKIE_AGE.
    expect(plain(await store.load(await store.create(d({ _session_expiry: 60 }))))).toEqual({
      _session_expiry: 60,
    });
    expect(plain(await store.load(await store.create(d({ _session_expiry: -1 }))))).toBeNull();
    expect(
      await store.load(await store.create(d({ _session_expiry: '2000-01-01T00:00:00+00:00' }))),
    ).toBeNull();
    expect(
      await store.load(await store.create(d({ _session_expiry: '2999-01-01T00:00:00+00:00' }))),
    ).not.toBeNull();
  });

  it('a signed value that is not a JSON object loads as null', async () => {
    const list = dumps([1, 2], {
      key: KEY,
      fallbackKeys: [],
      salt: SIGNED_COOKIES_SALT,
      compress: true,
    });
    expect(plain(await store.load(list))).toBeNull();
  });

  it('fromSettings builds the class it is called on; the keys stay out of console.log', async () => {
    class Mine extends SignedCookieStore {}
    const secret = 'never-printed-secret-key';
    const mine = await Mine.fromSettings(
      defineSettings({ BASE_DIR: '/srv/site', SECRET_KEY: secret, SECRET_KEY_FALLBACKS: [KEY] }),
    );
    expect(mine).toBeInstanceOf(Mine);
    expect(inspect(mine, { showHidden: true, depth: null })).not.toContain(secret);
    expect(inspect(mine, { showHidden: true, depth: null })).not.toContain(KEY);
  });

  it('fromSettings takes SECRET_KEY, SECRET_KEY_FALLBACKS and SESSION_COOKIE_AGE', async () => {
    const fromSettings = await SignedCookieStore.fromSettings(
      defineSettings({
        BASE_DIR: '/srv/site',
        SECRET_KEY: 'new',
        SECRET_KEY_FALLBACKS: [KEY],
        SESSION_COOKIE_AGE: 100,
      }),
    );
    expect(plain(await fromSettings.load(await store.create(d({ a: 1 }))))).toEqual({ a: 1 });
  });
});
