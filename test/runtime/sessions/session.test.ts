/**
 * The Session class on the in-memory test store: Django's accessed/modified bookkeeping,
 * expiry, keys, and how store errors reach the caller. Items cited as "checklist #N" (and the
 * bare item numbers that open test titles) are in
 * docs/django-sessions-checklist.md; the store-level behaviour of every engine is in
 * store-contract.ts.
 */
import { describe, expect, it } from 'vitest';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { BadRequest, KeyError, ServiceUnavailable } from '../../../src/runtime/http/errors.js';
import {
  decodeSessionData,
  encodeSessionData,
  formatIsoDate,
  parseIsoDate,
} from '../../../src/runtime/sessions/encoding.js';
import {
  CreateError,
  SessionInterrupted,
  SessionStoreUnavailable,
  UpdateError,
} from '../../../src/runtime/sessions/exceptions.js';
import {
  MAX_CREATE_ATTEMPTS,
  VALID_KEY_CHARS,
  generateSessionKey,
  hasMinimumKeyLength,
  isServerSideKey,
  setSessionKeyGenerator,
} from '../../../src/runtime/sessions/keys.js';
import { Session, type SessionSettings } from '../../../src/runtime/sessions/session.js';
import { MemoryStore } from './memory-store.js';
import { d, plain } from './data.js';

const AGE = 1_209_600;
const settings: SessionSettings = {
  SESSION_COOKIE_AGE: AGE,
  SESSION_EXPIRE_AT_BROWSER_CLOSE: false,
};
const T0 = new Date(Date.UTC(2026, 10, 22, 7, 9, 4));
/** 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z: the first and the end of HTTP dates. */
const FIRST_HTTP_DATE = -62135596800000;
const END_HTTP_DATE = 253402300800000;

function fresh(store = new MemoryStore(), overrides: Partial<SessionSettings> = {}): Session {
  return new Session(store, { ...settings, ...overrides });
}

/** A session whose data was saved and then loaded again, with flags reset, as a view sees it. */
async function stored(data: Record<string, unknown>, store = new MemoryStore()): Promise<Session> {
  const key = await store.create(d(data), new Date(Date.now() + 60_000));
  const s = new Session(store, settings, key);
  await s.load();
  return s;
}

/** Django's SessionTestsMixin: `newSession(key)` is its `self.session`. */
function newSession(key?: string | null, overrides: Partial<SessionSettings> = {}): Session {
  return new Session(new MemoryStore(), { ...settings, ...overrides }, key);
}

describe('Session: accessed and modified (checklist #45-52)', () => {
  it('45: a new session is neither modified nor accessed', () => {
    const s = fresh();
    expect([s.accessed, s.modified]).toEqual([false, false]);
  });

  it('46: every read or write of the data sets accessed, and only those', async () => {
    const reads: [string, (s: Session) => unknown][] = [
      ['get', (s) => s.get('a')],
      ['has', (s) => s.has('a')],
      ['keys', (s) => s.keys()],
      ['values', (s) => s.values()],
      ['items', (s) => s.items()],
      ['setDefault', (s) => s.setDefault('a', 1)],
      ['pop', (s) => s.pop('a', null)],
      ['update', (s) => s.update({})],
      ['clear', (s) => s.clear()],
      ['set', (s) => s.set('b', 1)],
      ['getExpiryAge', (s) => s.getExpiryAge()],
      ['getExpireAtBrowserClose', (s) => s.getExpireAtBrowserClose()],
      ['testCookieWorked', (s) => s.testCookieWorked()],
    ];
    for (const [name, read] of reads) {
      const s = await stored({ a: 1 });
      read(s);
      expect(s.accessed, name).toBe(true);
    }
    const s = await stored({ a: 1 });
    void [s.sessionKey, s.isEmpty(), s.modified, s.accessed, s.getSessionCookieAge()];
    expect(s.accessed).toBe(false);
  });

  it('47: set and delete modify; delete of a missing key throws KeyError', async () => {
    const s = await stored({ a: 1 });
    s.delete('a');
    expect(s.modified).toBe(true);
    const t = await stored({});
    t.set('x', 1);
    expect(t.modified).toBe(true);
    const u = await stored({});
    expect(() => u.delete('missing')).toThrow(KeyError);
    expect(() => u.delete('missing')).toThrow("'missing'");
    expect(u.modified).toBe(false);
  });

  it('48: get never modifies and returns the default for a missing key', async () => {
    const s = await stored({ hit: 3 });
    expect(s.get('hit', 0)).toBe(3);
    expect(s.get('nope', 0)).toBe(0);
    expect(s.get('nope')).toBeUndefined();
    expect(s.modified).toBe(false);
  });

  it('48: a stored null is returned, not the default', async () => {
    const s = await stored({ n: null });
    expect(s.get('n', 'default')).toBeNull();
  });

  it('49: pop modifies only when the key existed; KeyError without a default', async () => {
    const s = await stored({ a: 1 });
    expect(s.pop('b', 'd')).toBe('d');
    expect(s.pop('b', undefined)).toBeUndefined();
    expect(s.modified).toBe(false);
    expect(() => s.pop('b')).toThrow(KeyError);
    expect(s.pop('a')).toBe(1);
    expect(s.modified).toBe(true);
    expect(s.has('a')).toBe(false);
  });

  it('50: setDefault stores and modifies only when absent', async () => {
    const s = await stored({ a: 1 });
    expect(s.setDefault('a', 2)).toBe(1);
    expect(s.modified).toBe(false);
    expect(s.setDefault('b', 2)).toBe(2);
    expect(s.modified).toBe(true);
    expect(s.get('b')).toBe(2);
  });

  it('51: update always modifies (even with nothing new); accepts objects and pairs', async () => {
    const s = await stored({ a: 1 });
    s.update({});
    expect(s.modified).toBe(true);
    s.update([['b', 2]]);
    s.update(new Map([['c', 3]]));
    expect(s.items()).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
  });

  it('51: keys/values/items keep insertion order and do not modify', async () => {
    const s = fresh();
    s.set('z', 1);
    s.set('10', 2);
    s.set('a', 3);
    s.modified = false;
    expect(s.keys()).toEqual(['z', '10', 'a']);
    expect(s.values()).toEqual([1, 2, 3]);
    expect(s.items()).toEqual([
      ['z', 1],
      ['10', 2],
      ['a', 3],
    ]);
    expect(s.modified).toBe(false);
  });

  it('52: clear keeps the key, so the next save stores {} under it', async () => {
    const store = new MemoryStore();
    const s = await stored({ a: 1 }, store);
    const key = s.sessionKey!;
    s.clear();
    expect([s.accessed, s.modified, s.sessionKey]).toEqual([true, true, key]);
    expect(s.isEmpty()).toBe(false);
    await s.save();
    expect(s.sessionKey).toBe(key);
    expect(plain(await store.load(key))).toEqual({});
  });

  it('52: clear on a key that turned out unknown drops it, so save mints a fresh key', async () => {
    const store = new MemoryStore();
    const s = new Session(store, settings, 'unknownkey1234');
    await s.load();
    s.clear();
    s.set('a', 1);
    await s.save();
    expect(s.sessionKey).not.toBe('unknownkey1234');
    expect(plain(await store.load(s.sessionKey!))).toEqual({ a: 1 });
  });

  it('53: flush deletes the record, empties the data and drops the key', async () => {
    const store = new MemoryStore();
    const s = await stored({ a: 1 }, store);
    const key = s.sessionKey!;
    await s.flush();
    expect(s.sessionKey).toBeNull();
    expect(s.isEmpty()).toBe(true);
    expect(store.records.has(key)).toBe(false);
  });

  it('54: cycleKey moves the data to a new key, created at once, and deletes the old record', async () => {
    const store = new MemoryStore();
    const s = await stored({ a: 1 }, store);
    const old = s.sessionKey!;
    store.calls.length = 0;
    await s.cycleKey();
    expect(s.sessionKey).not.toBe(old);
    expect(store.calls).toEqual(['create', `delete ${old}`]);
    expect(plain(await store.load(s.sessionKey!))).toEqual({ a: 1 });
    expect(s.modified).toBe(true);
  });

  it('56: isEmpty is "no key and no data"', async () => {
    expect(fresh().isEmpty()).toBe(true);
    const withData = fresh();
    withData.set('a', 1);
    expect(withData.isEmpty()).toBe(false);
    const store = new MemoryStore();
    // A key that was never looked at counts as not empty (Django's lazy load).
    const unknown = new Session(store, settings, 'unknownkey1234');
    await unknown.load();
    expect(unknown.isEmpty()).toBe(false);
    expect(unknown.sessionKey).toBe('unknownkey1234');
    // Once the data is touched, the unknown key is dropped: the session is new (checklist #75).
    expect(unknown.keys()).toEqual([]);
    expect(unknown.sessionKey).toBeNull();
    expect(unknown.isEmpty()).toBe(true);
  });

  it('57: the test cookie', async () => {
    const s = fresh();
    expect(s.testCookieWorked()).toBe(false);
    expect(() => s.deleteTestCookie()).toThrow(KeyError);
    s.setTestCookie();
    expect(s.modified).toBe(true);
    expect(s.get('testcookie')).toBe('worked');
    expect(s.testCookieWorked()).toBe(true);
    s.deleteTestCookie();
    expect(s.testCookieWorked()).toBe(false);
  });

  it('58: sessionKey is read-only', () => {
    const s = new Session(new MemoryStore(), settings, 'abcdefgh');
    expect(() => {
      (s as unknown as { sessionKey: string }).sessionKey = 'zzzzzzzz';
    }).toThrow(TypeError);
  });

  it('70: non-string keys are stored as strings (JSONSerializer)', () => {
    const s = fresh();
    s.set(0 as unknown as string, 'bar');
    expect(s.get('0')).toBe('bar');
    expect(s.keys()).toEqual(['0']);
  });

  it('71: mutating a nested value does not mark the session modified', async () => {
    const s = await stored({ a: { n: 1 } });
    (s.get('a') as { n: number }).n = 2;
    expect(s.modified).toBe(false);
    s.modified = true;
    expect(s.modified).toBe(true);
  });

  it('reading a session with a key before load() is a clear error, not silent emptiness', () => {
    const s = new Session(new MemoryStore(), settings, 'abcdefgh12345678');
    expect(() => s.get('a')).toThrow('await session.load() first');
  });
});

describe('Session: expiry (checklist #59-66)', () => {
  it('59: getSessionCookieAge can be overridden and drives the defaults', () => {
    class DaySession extends Session {
      override getSessionCookieAge(): number {
        return 86_400;
      }
    }
    const s = new DaySession(new MemoryStore(), settings);
    expect(s.getExpiryAge()).toBe(86_400);
    expect(s.getExpiryDate({ modification: T0 })).toEqual(new Date(T0.getTime() + 86_400_000));
  });

  it('60: getExpiryAge for none, 0, int (even negative), Date, ISO string', () => {
    const s = fresh();
    expect(s.getExpiryAge({ modification: T0 })).toBe(AGE);
    expect(s.getExpiryAge({ modification: T0, expiry: null })).toBe(AGE);
    expect(s.getExpiryAge({ modification: T0, expiry: 0 })).toBe(AGE);
    expect(s.getExpiryAge({ modification: T0, expiry: 10 })).toBe(10);
    expect(s.getExpiryAge({ modification: T0, expiry: -5 })).toBe(-5);
    expect(s.getExpiryAge({ modification: T0, expiry: new Date(T0.getTime() + 90_999) })).toBe(90);
    // Python's timedelta days*86400 + seconds rounds toward minus infinity.
    expect(s.getExpiryAge({ modification: T0, expiry: new Date(T0.getTime() - 500) })).toBe(-1);
    expect(s.getExpiryAge({ modification: T0, expiry: '2026-11-22T07:10:04+00:00' })).toBe(60);
    expect(s.getExpiryAge({ modification: T0, expiry: '2026-11-22T08:10:04+01:00' })).toBe(60);
    s.setExpiry(300);
    expect(s.getExpiryAge({ modification: T0 })).toBe(300);
    // An explicit expiry wins over the stored one, even when null.
    expect(s.getExpiryAge({ modification: T0, expiry: null })).toBe(AGE);
  });

  it('61: getExpiryDate', () => {
    const s = fresh();
    expect(s.getExpiryDate({ modification: T0 })).toEqual(new Date(T0.getTime() + AGE * 1000));
    expect(s.getExpiryDate({ modification: T0, expiry: 0 })).toEqual(
      new Date(T0.getTime() + AGE * 1000),
    );
    expect(s.getExpiryDate({ modification: T0, expiry: 10 })).toEqual(
      new Date(T0.getTime() + 10_000),
    );
    expect(s.getExpiryDate({ modification: T0, expiry: -10 })).toEqual(
      new Date(T0.getTime() - 10_000),
    );
    const at = new Date(Date.UTC(2030, 0, 1));
    expect(s.getExpiryDate({ modification: T0, expiry: at })).toEqual(at);
    s.setExpiry(at);
    expect(s.getExpiryDate({ modification: T0 })).toEqual(at);
  });

  it('62: getExpireAtBrowserClose: the global setting unless an expiry is stored', () => {
    const cases: [boolean, number | null, boolean][] = [
      [false, 10, false],
      [false, 0, true],
      [false, null, false],
      [true, 10, false],
      [true, 0, true],
      [true, null, true],
    ];
    for (const [global, expiry, expected] of cases) {
      const s = fresh(new MemoryStore(), { SESSION_EXPIRE_AT_BROWSER_CLOSE: global });
      s.setExpiry(expiry);
      expect(s.getExpireAtBrowserClose(), `${global} ${expiry}`).toBe(expected);
    }
  });

  it("63: setExpiry stores _session_expiry inside the data; a Date as Python's isoformat", () => {
    const s = fresh();
    s.set('hit', 3);
    s.setExpiry(180);
    expect(s.items()).toEqual([
      ['hit', 3],
      ['_session_expiry', 180],
    ]);
    s.setExpiry(new Date(Date.UTC(2026, 10, 22, 8, 0, 0, 123)));
    expect(s.get('_session_expiry')).toBe('2026-11-22T08:00:00.123000+00:00');
  });

  it('64: setExpiry(0): browser-close cookie, but the server keeps it SESSION_COOKIE_AGE', () => {
    const s = fresh();
    s.setExpiry(0);
    expect(s.getExpireAtBrowserClose()).toBe(true);
    expect(s.getExpiryDate({ modification: T0 })).toEqual(new Date(T0.getTime() + AGE * 1000));
  });

  it('65: setExpiry(null) modifies only when an expiry was stored', async () => {
    const s = await stored({ a: 1 });
    s.setExpiry(null);
    expect([s.accessed, s.modified]).toEqual([true, false]);
    const t = await stored({ _session_expiry: 10 });
    t.setExpiry(null);
    expect(t.modified).toBe(true);
    expect(t.has('_session_expiry')).toBe(false);
  });

  it('66: setExpiry(int) always modifies, even with the same value', async () => {
    const s = await stored({ _session_expiry: 10 });
    s.setExpiry(10);
    expect(s.modified).toBe(true);
  });

  it('67: a Date is accepted (stored as a string); non-integer or invalid values throw TypeError', () => {
    const s = fresh();
    expect(() => s.setExpiry(1.5)).toThrow(TypeError);
    expect(() => s.setExpiry(Number.NaN)).toThrow(TypeError);
    expect(() => s.setExpiry('10' as unknown as number)).toThrow(TypeError);
    expect(() => s.setExpiry(new Date(Number.NaN))).toThrow(TypeError);
    expect(s.modified).toBe(false);
  });

  it('setExpiry() refuses an expiry no HTTP date can hold: TypeError naming setExpiry, nothing stored (hardening 1)', () => {
    const s = fresh();
    const seconds = [1e300, -1e300, Number.MAX_SAFE_INTEGER, Infinity, -Infinity, Number.NaN];
    const dates = [
      new Date(END_HTTP_DATE),
      new Date(8.64e15),
      new Date(FIRST_HTTP_DATE - 1), // 0000-12-31T23:59:59.999Z: year 0
      new Date(-8.64e15),
      new Date(Number.NaN),
    ];
    for (const bad of [...seconds, ...dates]) {
      expect(() => s.setExpiry(bad), String(bad)).toThrow(TypeError);
      expect(() => s.setExpiry(bad), String(bad)).toThrow(/^setExpiry\(\) /);
    }
    expect(() => s.setExpiry(1e300)).toThrow(
      'setExpiry() got 1e+300 seconds: the expiry must fall between year 1 and year 9999, what an HTTP date can hold.',
    );
    expect(s.modified).toBe(false);
    expect(s.has('_session_expiry')).toBe(false);
    // The edges themselves are accepted.
    s.setExpiry(new Date(END_HTTP_DATE - 1000));
    expect(s.get('_session_expiry')).toBe('9999-12-31T23:59:59+00:00');
    s.setExpiry(new Date(FIRST_HTTP_DATE));
    expect(s.get('_session_expiry')).toBe('0001-01-01T00:00:00+00:00');
    expect(s.getExpiryDate()).toEqual(new Date(FIRST_HTTP_DATE));
    const mostSeconds = Math.floor((END_HTTP_DATE - Date.now()) / 1000) - 60;
    s.setExpiry(mostSeconds);
    expect(s.getExpiryAge()).toBe(mostSeconds);
  });

  it('a stored _session_expiry that is not a valid expiry counts as none: the default policy, never a throw (hardening 1)', () => {
    // Django 5.2 raises on these when the response is written (OverflowError, ValueError,
    // TypeError: a 500); the data may come from a visitor (a generic set()) or an older
    // writer, so Tango ignores the value instead of failing every later request.
    const bad: unknown[] = [
      1e300,
      -1e300,
      Number.MAX_SAFE_INTEGER,
      Infinity,
      -Infinity,
      Number.NaN,
      'garbage',
      '1e300',
      '99999-01-01T00:00:00+00:00',
      '0000-06-01T00:00:00+00:00',
      '2026-13-01T00:00:00+00:00',
      '2026-02-30T00:00:00+00:00',
      '2026-01-01T24:00:00+00:00',
      [300],
      { seconds: 300 },
      true,
    ];
    for (const global of [false, true]) {
      for (const value of bad) {
        const s = fresh(new MemoryStore(), { SESSION_EXPIRE_AT_BROWSER_CLOSE: global });
        s.set('_session_expiry', value);
        const label = `${String(value)} ${global}`;
        expect(s.getExpiryAge(), label).toBe(AGE);
        expect(s.getExpiryAge({ modification: T0 }), label).toBe(AGE);
        expect(s.getExpiryDate({ modification: T0 }), label).toEqual(
          new Date(T0.getTime() + AGE * 1000),
        );
        expect(s.getExpiryAge({ modification: T0, expiry: value as string }), label).toBe(AGE);
        expect(s.getExpireAtBrowserClose(), label).toBe(global);
        expect(s.get('_session_expiry'), label).toBe(value);
      }
    }
  });

  it('save() passes getExpiryDate() as the store deadline', async () => {
    const store = new MemoryStore();
    const s = fresh(store);
    s.set('a', 1);
    s.setExpiry(new Date(Date.UTC(2099, 0, 1)));
    await s.save();
    expect(store.records.get(s.sessionKey!)!.expiresAt).toBe(Date.UTC(2099, 0, 1));
  });

  it('ISO dates: Python isoformat out, Python and JavaScript forms in', () => {
    expect(formatIsoDate(new Date(Date.UTC(2026, 0, 1)))).toBe('2026-01-01T00:00:00+00:00');
    expect(parseIsoDate('2026-01-01T00:00:00+00:00')).toEqual(new Date(Date.UTC(2026, 0, 1)));
    expect(parseIsoDate('2026-01-01T00:00:00.123456+00:00')).toEqual(
      new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 123)),
    );
    expect(parseIsoDate('2026-01-01T00:00:00.123Z')).toEqual(
      new Date(Date.UTC(2026, 0, 1, 0, 0, 0, 123)),
    );
    expect(parseIsoDate('2026-01-01 05:30:00-05:30')).toEqual(new Date(Date.UTC(2026, 0, 1, 11)));
    expect(parseIsoDate('2026-01-01T00:00:00')).toEqual(new Date(Date.UTC(2026, 0, 1)));
    expect(parseIsoDate('tomorrow')).toBeNull();
    expect(() => formatIsoDate(new Date(Date.UTC(10000, 0, 1)))).toThrow(TypeError);
  });

  it('ISO dates: years 1-99 are those years; what Python fromisoformat refuses is null (hardening 1)', () => {
    expect(parseIsoDate('0001-01-01T00:00:00+00:00')!.getTime()).toBe(FIRST_HTTP_DATE);
    expect(parseIsoDate('0050-06-01T12:00:00+00:00')).toEqual(new Date('0050-06-01T12:00:00Z'));
    expect(parseIsoDate('2028-02-29T00:00:00+00:00')).toEqual(new Date('2028-02-29T00:00:00Z'));
    expect(parseIsoDate('9999-12-31T23:59:59.999999+00:00')!.getTime()).toBe(END_HTTP_DATE - 1);
    for (const bad of [
      '0000-01-01T00:00:00+00:00',
      '2026-00-01T00:00:00+00:00',
      '2026-13-01T00:00:00+00:00',
      '2026-02-29T00:00:00+00:00',
      '2026-04-31T00:00:00+00:00',
      '2026-01-00T00:00:00+00:00',
      '2026-01-01T24:00:00+00:00',
      '2026-01-01T00:60:00+00:00',
      '2026-01-01T00:00:60+00:00',
      '2026-01-01T00:00:00+24:00',
      '2026-01-01T00:00:00-25:30',
    ]) {
      expect(parseIsoDate(bad), bad).toBeNull();
    }
  });
});

describe('Session: keys and persistence (checklist #73-75)', () => {
  it('73: generated keys are 32 characters of [a-z0-9], unique, using every character', () => {
    const keys = new Set(Array.from({ length: 2000 }, () => generateSessionKey()));
    expect(keys.size).toBe(2000);
    const seen = new Set<string>();
    for (const key of keys) {
      expect(key).toMatch(/^[a-z0-9]{32}$/);
      for (const c of key) seen.add(c);
    }
    expect([...seen].sort().join('')).toBe([...VALID_KEY_CHARS].sort().join(''));
  });

  it("74: the two key checks: the cookie's minimum length, and a server-side key's shape", () => {
    expect([undefined, null, '', '1234567'].map((k) => hasMinimumKeyLength(k))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(hasMinimumKeyLength('12345678')).toBe(true);
    // Any characters pass the length rule: a signed cookie value is a key too.
    expect(hasMinimumKeyLength('eyJhIjoxfQ:1xV1k1:sig')).toBe(true);
    expect(isServerSideKey('abcdefgh')).toBe(true);
    expect(isServerSideKey('abcdefgH')).toBe(false);
    expect(isServerSideKey('a'.repeat(65))).toBe(false);
    expect(isServerSideKey('eyJhIjoxfQ:1xV1k1:sig')).toBe(false);
  });

  it('75: save of a new session creates the record under a fresh key', async () => {
    const store = new MemoryStore();
    const restore = setSessionKeyGenerator(() => 'k'.repeat(32));
    try {
      const s = fresh(store);
      s.set('a', 1);
      await s.save();
      expect(s.sessionKey).toBe('k'.repeat(32));
    } finally {
      restore();
    }
  });

  it('save(true) always inserts under a new key', async () => {
    const store = new MemoryStore();
    const s = await stored({ a: 1 }, store);
    const old = s.sessionKey;
    await s.save(true);
    expect(s.sessionKey).not.toBe(old);
    expect(store.records.size).toBe(2);
  });
});

describe("Session: Django's SessionTestsMixin, store-independent (checklist §F/G, §O)", () => {
  it('test_new_session: modified and accessed start false (checklist #45)', () => {
    const s = newSession();
    expect(s.modified).toBe(false);
    expect(s.accessed).toBe(false);
  });

  it('test_get_empty: get() of a missing key is undefined and does not modify (checklist #48)', () => {
    const s = newSession();
    expect(s.get('cat')).toBeUndefined();
    expect(s.accessed).toBe(true);
    expect(s.modified).toBe(false);
  });

  it('test_store: set() modifies; pop() returns it (checklist #47)', () => {
    const s = newSession();
    s.set('cat', 'dog');
    expect(s.modified).toBe(true);
    expect(s.pop('cat')).toBe('dog');
  });

  it('test_pop / test_pop_default / test_pop_no_default_keyerror_raised (checklist #49)', () => {
    const s = newSession();
    s.set('some key', 'exists');
    s.accessed = false;
    s.modified = false;
    expect(s.pop('some key')).toBe('exists');
    expect([s.accessed, s.modified]).toEqual([true, true]);
    expect(s.get('some key')).toBeUndefined();
    const t = newSession();
    expect(t.pop('some key', 'does not exist')).toBe('does not exist');
    expect([t.accessed, t.modified]).toEqual([true, false]);
    expect(() => t.pop('some key')).toThrow(KeyError);
    expect(t.modified).toBe(false);
  });

  it('test_setdefault (checklist #50)', () => {
    const s = newSession();
    expect(s.setDefault('foo', 'bar')).toBe('bar');
    expect([s.accessed, s.modified]).toEqual([true, true]);
    s.modified = false;
    expect(s.setDefault('foo', 'baz')).toBe('bar');
    expect(s.modified).toBe(false);
  });

  it('test_update (checklist #51)', () => {
    const s = newSession();
    s.update({ 'update key': 1 });
    expect([s.accessed, s.modified]).toEqual([true, true]);
    expect(s.get('update key')).toBe(1);
  });

  it('test_has_key / test_values / test_keys / test_items: read, never modify (checklist #51)', () => {
    const s = newSession();
    s.set('x', 1);
    s.set('0', 'zero');
    s.modified = false;
    s.accessed = false;
    expect(s.has('x')).toBe(true);
    expect([s.accessed, s.modified]).toEqual([true, false]);
    expect(s.keys()).toEqual(['x', '0']);
    expect(s.values()).toEqual([1, 'zero']);
    expect(s.items()).toEqual([
      ['x', 1],
      ['0', 'zero'],
    ]);
    expect(s.modified).toBe(false);
  });

  it('test_clear (checklist #52)', () => {
    const s = newSession();
    s.set('x', 1);
    s.modified = false;
    s.accessed = false;
    s.clear();
    expect(s.items()).toEqual([]);
    expect([s.accessed, s.modified]).toEqual([true, true]);
  });

  it('test_session_key_empty_string_invalid / too_short_invalid / valid_string_saved (checklist #74)', () => {
    expect(newSession('').sessionKey).toBeNull();
    expect(newSession('1234567').sessionKey).toBeNull();
    expect(newSession('12345678').sessionKey).toBe('12345678');
    expect(newSession(undefined).sessionKey).toBeNull();
  });

  it('test_session_key_is_read_only (checklist #58)', () => {
    const s = newSession('12345678');
    expect(() => {
      (s as unknown as { sessionKey: string }).sessionKey = 'abcdefgh';
    }).toThrow(TypeError);
    expect(s.sessionKey).toBe('12345678');
  });

  it('test_default_expiry: age is SESSION_COOKIE_AGE, also after setExpiry(0) (checklist #60)', () => {
    const s = newSession();
    expect(s.getExpiryAge()).toBe(AGE);
    expect(s.getExpiryDate().getTime() - Date.now()).toBeGreaterThan((AGE - 60) * 1000);
    s.setExpiry(0);
    expect(s.getExpiryAge()).toBe(AGE);
  });

  it('test_custom_expiry_seconds (checklist #60, #61)', () => {
    const modification = new Date(Date.UTC(2026, 0, 1, 12));
    const s = newSession();
    s.setExpiry(10);
    expect(s.getExpiryDate({ modification })).toEqual(new Date(modification.getTime() + 10_000));
    expect(s.getExpiryAge()).toBe(10);
  });

  it('test_custom_expiry_datetime: a Date is stored as an ISO string (checklist #60, #61, #63)', () => {
    const modification = new Date(Date.UTC(2026, 0, 1, 12));
    const at = new Date(modification.getTime() + 10_000);
    const s = newSession();
    s.setExpiry(at);
    expect(s.get('_session_expiry')).toBe('2026-01-01T12:00:10+00:00');
    expect(s.getExpiryDate({ modification })).toEqual(at);
    expect(s.getExpiryAge({ modification })).toBe(10);
  });

  it('test_custom_expiry_reset: null -> 10 -> null gives the default (checklist #65)', () => {
    const s = newSession();
    s.setExpiry(null);
    s.setExpiry(10);
    s.setExpiry(null);
    expect(s.getExpiryAge()).toBe(AGE);
  });

  it('test_get_expire_at_browser_close: setExpiry(10/0/null) x SESSION_EXPIRE_AT_BROWSER_CLOSE (checklist #62)', () => {
    for (const global of [false, true]) {
      const s = newSession(null, { SESSION_EXPIRE_AT_BROWSER_CLOSE: global });
      s.setExpiry(10);
      expect(s.getExpireAtBrowserClose()).toBe(false);
      s.setExpiry(0);
      expect(s.getExpireAtBrowserClose()).toBe(true);
      s.setExpiry(null);
      expect(s.getExpireAtBrowserClose()).toBe(global);
    }
  });

  it('test_decode and test_decode_failure_logged_to_security (checklist #112, §O)', () => {
    const data = { a: 'test data' };
    expect(plain(decodeSessionData(encodeSessionData(data, { key: 'k' }), { key: 'k' }))).toEqual(
      data,
    );
    const lines: string[] = [];
    const restore = setLogSink((logger, level, message) =>
      lines.push(`${level} ${logger} ${message}`),
    );
    try {
      for (const bad of ['bad:encoded:value', 'garbage'])
        expect(plain(decodeSessionData(bad, { key: 'k' }))).toBeNull();
    } finally {
      restore();
    }
    expect(lines).toEqual([
      'WARNING tango.security.SuspiciousSession Session data corrupted',
      'WARNING tango.security.SuspiciousSession Session data corrupted',
    ]);
  });
});

describe('Session: store errors pass through unchanged (DESIGN §7, docs/session-store-contract.md)', () => {
  it("a store's ServiceUnavailable reaches the caller as it is: it names the engine itself (503)", async () => {
    const store = new MemoryStore();
    const s = await stored({ a: 1 }, store);
    s.set('a', 2);
    const down = new SessionStoreUnavailable('db', 'connect ECONNREFUSED 127.0.0.1:6379', {
      cause: new Error('connect ECONNREFUSED 127.0.0.1:6379'),
    });
    store.failWith = down;
    const error = (await s.save().catch((e: unknown) => e)) as ServiceUnavailable;
    expect(error).toBe(down);
    expect(error).toBeInstanceOf(ServiceUnavailable);
    expect(error.message).toBe(
      "The 'db' session engine is unavailable: connect ECONNREFUSED 127.0.0.1:6379",
    );
    expect((error.cause as Error).message).toBe('connect ECONNREFUSED 127.0.0.1:6379');
    for (const call of [
      () => s.flush(),
      () => s.cycleKey(),
      () => new Session(store, settings, 'abcdefgh').load(),
    ]) {
      await expect(call()).rejects.toBe(down);
    }
  });

  it('running out of fresh keys (CreateError) is a 503 too', async () => {
    const store = new MemoryStore();
    await store.create(d({}), new Date(Date.now() + 60_000));
    const taken = [...store.records.keys()][0]!;
    const restore = setSessionKeyGenerator(() => taken);
    try {
      const s = fresh(store);
      s.set('a', 1);
      const error = (await s.save().catch((e: unknown) => e)) as ServiceUnavailable;
      expect(error).toBeInstanceOf(ServiceUnavailable);
      expect(error).toBeInstanceOf(CreateError);
      expect(error.message).toContain(`after ${MAX_CREATE_ATTEMPTS} attempts`);
    } finally {
      restore();
    }
  });

  it('UpdateError passes through for the middleware; programming errors stay 500s, unchanged', async () => {
    const store = new MemoryStore();
    const s = await stored({ a: 1 }, store);
    store.failWith = new UpdateError('gone');
    await expect(s.save()).rejects.toBeInstanceOf(UpdateError);
    const bugs = [
      new TypeError('Do not know how to serialize a BigInt'),
      new ReferenceError('recordz is not defined'),
      new RangeError('Invalid time value'),
      // Not a ServiceUnavailable: a store that does not say "I am down" has a bug.
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
    ];
    for (const bug of bugs) {
      store.failWith = bug;
      for (const call of [
        () => s.save(),
        () => s.cycleKey(),
        () => new Session(store, settings, 'abcdefgh').load(),
      ]) {
        const error = await call().catch((e: unknown) => e);
        expect(error, bug.name).toBe(bug);
        expect(error, bug.name).not.toBeInstanceOf(ServiceUnavailable);
      }
    }
    store.failWith = new SessionInterrupted();
    await expect(s.save()).rejects.toBeInstanceOf(BadRequest);
  });
});

describe('Session saves only what the request changed (SessionStore.update)', () => {
  /** A stored session, loaded, with a spy on what its saves send to the store. */
  async function tracked(data: Record<string, unknown>) {
    const store = new MemoryStore();
    const s = await stored(data, store);
    const sent: { set: [string, unknown][]; deleted: string[] }[] = [];
    const update = store.update.bind(store);
    store.update = async (key, changes) => {
      sent.push({ set: [...changes.set], deleted: [...changes.deleted] });
      return update(key, changes);
    };
    return { s, store, sent };
  }

  it('sends the keys set and deleted, with their latest values, in the order first set', async () => {
    const { s, sent } = await tracked({ a: 1, b: 2, c: 3, gone: true });
    s.set('z', 1);
    s.set('a', 10);
    s.set('z', 2);
    s.delete('b');
    s.pop('c');
    s.pop('missing', null);
    s.setDefault('d', 4);
    s.setDefault('a', 99);
    s.update({ e: 5 });
    await s.save();
    expect(sent).toEqual([
      {
        set: [
          ['z', 2],
          ['a', 10],
          ['d', 4],
          ['e', 5],
        ],
        deleted: ['b', 'c'],
      },
    ]);
    expect(s.items()).toEqual([
      ['a', 10],
      ['gone', true],
      ['z', 2],
      ['d', 4],
      ['e', 5],
    ]);
  });

  it('a key set then deleted is only deleted; deleted then set is both (it moves to the end)', async () => {
    const { s, sent } = await tracked({ a: 1, b: 2 });
    s.set('x', 1);
    s.delete('x');
    s.delete('a');
    s.set('a', 3);
    await s.save();
    expect(sent).toEqual([{ set: [['a', 3]], deleted: ['x', 'a'] }]);
    expect(s.keys()).toEqual(['b', 'a']);
  });

  it('setExpiry() is a change of _session_expiry; setExpiry(null) deletes it', async () => {
    const { s, sent } = await tracked({ a: 1, _session_expiry: 60 });
    s.setExpiry(null);
    await s.save();
    s.setExpiry(300);
    await s.save();
    expect(sent).toEqual([
      { set: [], deleted: ['_session_expiry'] },
      { set: [['_session_expiry', 300]], deleted: [] },
    ]);
  });

  it('a second save sends only what changed since the first, on top of what it stored', async () => {
    const { s, sent } = await tracked({ a: 1 });
    s.set('b', 2);
    await s.save();
    s.set('c', 3);
    await s.save();
    expect(sent.map((changes) => changes.set)).toEqual([[['b', 2]], [['c', 3]]]);
  });

  it('clear(), or modified = true set by hand, saves the whole data instead', async () => {
    const { s, store, sent } = await tracked({ a: 1 });
    s.get<number[]>('a');
    s.modified = true;
    await s.save();
    s.clear();
    s.set('only', 1);
    await s.save();
    expect(sent).toEqual([]);
    expect(store.calls.filter((call) => call.startsWith('save'))).toHaveLength(2);
    expect(plain(await store.load(s.sessionKey!))).toEqual({ only: 1 });
    // And after that whole save, merging again.
    s.set('next', 2);
    await s.save();
    expect(sent).toEqual([{ set: [['next', 2]], deleted: [] }]);
  });

  it('cycleKey() creates the new record with the whole data, then merges again', async () => {
    const { s, store, sent } = await tracked({ a: 1 });
    s.set('b', 2);
    await s.cycleKey();
    expect(plain(await store.load(s.sessionKey!))).toEqual({ a: 1, b: 2 });
    s.set('c', 3);
    await s.save();
    expect(sent).toEqual([{ set: [['c', 3]], deleted: [] }]);
  });

  it('a store without update() (client-side, or a custom one) gets the whole data', async () => {
    const store = new MemoryStore();
    const withoutUpdate = Object.assign(store, { update: undefined });
    const s = await stored({ a: 1 }, withoutUpdate);
    s.set('b', 2);
    await s.save();
    expect(store.calls.at(-1)).toBe(`save ${s.sessionKey}`);
    expect(plain(await store.load(s.sessionKey!))).toEqual({ a: 1, b: 2 });
  });

  it('lock() on a new session (no key) does nothing; unlock() without a lock does nothing', async () => {
    const store = new MemoryStore();
    const s = new Session(store, settings);
    await s.lock();
    expect(s.locked).toBe(false);
    await s.unlock();
    expect(store.calls).toEqual([]);
  });
});
