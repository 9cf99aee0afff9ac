/**
 * The shared contract every session engine passes (DESIGN.md §5; Django's SessionTestsMixin,
 * spec section O). Not a test file itself: each engine's test file calls
 *
 *   describeStoreContract('file', async () => ({ store, cleanup }));
 *
 * `makeStore` runs before every test and must return a fresh, empty store; `cleanup` runs
 * after it (close connections, remove temp dirs). Stores that keep no server state declare
 * `stateless: true` and get the stateless variant of the server-state assertions.
 * Engines must mint keys through `generateSessionKey`/`createWithFreshKey` (sessions/keys.ts)
 * so the collision tests can force collisions.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { KeyError, ServiceUnavailable } from '../../../src/runtime/http/errors.js';
import { decodeSessionData, encodeSessionData } from '../../../src/runtime/sessions/encoding.js';
import { setSessionKeyGenerator } from '../../../src/runtime/sessions/keys.js';
import { Session, type SessionSettings } from '../../../src/runtime/sessions/session.js';
import {
  CreateError,
  type SessionStore,
  UpdateError,
} from '../../../src/runtime/sessions/store.js';

/** What `makeStore` returns. */
export interface StoreFixture {
  store: SessionStore;
  /** Releases what `makeStore` acquired; called after every test. */
  cleanup(): Promise<void>;
}

const DAY = 86_400_000;
const COOKIE_AGE = 1_209_600;
const inAnHour = () => new Date(Date.now() + 3_600_000);
const anHourAgo = () => new Date(Date.now() - 3_600_000);

/**
 * Registers the contract tests for one engine.
 *
 * @param name engine name used in test titles (and in ServiceUnavailable messages).
 * @param makeStore builds a fresh empty store for each test.
 */
export function describeStoreContract(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`session store contract: ${name}`, () => {
    let store: SessionStore;
    let cleanup: () => Promise<void>;
    let restoreLog: () => void;
    const engine = { name, fromSettings: async () => store };

    beforeEach(async () => {
      // Bad-key tests log security warnings on purpose; keep them out of the test output.
      restoreLog = setLogSink(() => {});
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      restoreLog();
      await cleanup();
    });

    function settings(overrides: Partial<SessionSettings> = {}): SessionSettings {
      return {
        SESSION_COOKIE_AGE: COOKIE_AGE,
        SESSION_EXPIRE_AT_BROWSER_CLOSE: false,
        SESSION_ENGINE: engine,
        ...overrides,
      };
    }
    function newSession(key?: string | null, overrides: Partial<SessionSettings> = {}): Session {
      return new Session(store, settings(overrides), key);
    }
    async function loaded(key: string | null): Promise<Session> {
      const session = newSession(key);
      await session.load();
      return session;
    }

    describe('store level', () => {
      it('create() then load() round-trips JSON data (spec 109, 124)', async () => {
        const data = {
          hit: 3,
          name: 'café 清風',
          nested: { list: [1, 'two', null, true] },
          _session_expiry: 180,
        };
        const key = await store.create(data, inAnHour());
        if (!store.stateless) expect(key).toMatch(/^[a-z0-9]{32}$/);
        expect(await store.load(key)).toEqual(data);
      });

      it('create() never reuses a key (spec 73)', async () => {
        const keys = new Set<string>();
        for (let i = 0; i < 20; i++) keys.add(await store.create({ i }, inAnHour()));
        expect(keys.size).toBe(20);
      });

      it('save() overwrites and returns the key the record now lives under', async () => {
        const key = await store.create({ hit: 1 }, inAnHour());
        const next = await store.save(key, { hit: 2 }, inAnHour());
        if (!store.stateless) expect(next).toBe(key);
        expect(await store.load(next)).toEqual({ hit: 2 });
      });

      it('save() of a vanished record rejects with UpdateError (spec 88)', async () => {
        const key = await store.create({ hit: 1 }, inAnHour());
        await store.delete(key);
        if (store.stateless) {
          // No server state: saving re-signs the data and cannot notice a deletion.
          expect(await store.load(await store.save(key, { hit: 2 }, inAnHour()))).toEqual({
            hit: 2,
          });
        } else {
          await expect(store.save(key, { hit: 2 }, inAnHour())).rejects.toBeInstanceOf(UpdateError);
          expect(await store.load(key)).toBeNull();
        }
      });

      it('delete() removes the record; deleting a missing one is not an error (spec 53, 128)', async () => {
        const key = await store.create({ hit: 1 }, inAnHour());
        await store.delete(key);
        await store.delete(key);
        if (store.stateless) {
          // "No freshness guarantee": a replayed signed value stays valid until it expires.
          expect(await store.load(key)).toEqual({ hit: 1 });
        } else {
          expect(await store.load(key)).toBeNull();
          expect(await store.exists(key)).toBe(false);
        }
      });

      it('exists() is true for a live record and false for an unknown key', async () => {
        const key = await store.create({}, inAnHour());
        expect(await store.exists(key)).toBe(true);
        expect(await store.exists('abcdefgh12345678abcdefgh12345678')).toBe(false);
      });

      it('an expired record loads as null and clearExpired() removes it (spec 110, 111, 122)', async () => {
        const expired = await store.create({ old: true }, anHourAgo());
        const live = await store.create({ live: true }, inAnHour());
        const removed = await store.clearExpired();
        if (store.stateless) {
          // The server-side deadline lives in the data (_session_expiry), see the Session tests.
          expect(removed).toBeNull();
        } else {
          expect(await store.load(expired)).toBeNull();
          expect(await store.exists(expired)).toBe(false);
          if (removed !== null) expect(removed).toBeGreaterThanOrEqual(1);
        }
        expect(await store.load(live)).toEqual({ live: true });
        expect(await store.clearExpired()).toBe(
          store.stateless ? null : removed === null ? null : 0,
        );
      });

      it('bad keys load as null and never throw (spec 74, 76, O test_load_overlong_key)', async () => {
        const bad = [
          '',
          'x',
          '1234567',
          'abcdefgh12345678abcdefgh12345678',
          '../../../../etc/passwd',
          'abcdefgh/../12345678',
          'abcdefgh\\12345678',
          'ABCDEFGH12345678',
          'abcdefgh\u000012345678',
          '%2e%2e%2f%2e%2e%2fabcd',
          'sessionid',
          'x'.repeat(1240),
          'eyJoaXQiOjF9:1xV1k1:UMJ_forged_signature_xxxxxxxxxxxxxxxxxxxxxxxxx',
        ];
        for (const key of bad) {
          expect(await store.load(key), key).toBeNull();
          expect(await store.exists(key), key).toBe(false);
          await store.delete(key);
        }
      });

      it('keys are case-sensitive (spec 76)', async () => {
        const key = await store.create({ hit: 1 }, inAnHour());
        const changed = store.stateless ? flipLastLetter(key) : key.toUpperCase();
        expect(changed).not.toBe(key);
        expect(await store.load(changed)).toBeNull();
      });

      it('create() retries on a key collision and gives up with CreateError (spec 73)', async () => {
        const taken = 'takenkey'.repeat(4);
        const fresh = 'freshkey'.repeat(4);
        if (store.stateless) {
          // The value is derived from the data: no key is generated, so none can collide.
          const restore = setSessionKeyGenerator(() => {
            throw new Error('a stateless store must not generate keys');
          });
          try {
            expect(await store.load(await store.create({ a: 1 }, inAnHour()))).toEqual({ a: 1 });
          } finally {
            restore();
          }
          return;
        }
        const queue = [taken, taken, taken, fresh];
        let calls = 0;
        let restore = setSessionKeyGenerator(() => queue[Math.min(calls++, queue.length - 1)]!);
        try {
          expect(await store.create({ first: true }, inAnHour())).toBe(taken);
          calls = 1;
          expect(await store.create({ second: true }, inAnHour())).toBe(fresh);
          expect(await store.load(taken)).toEqual({ first: true });
          expect(await store.load(fresh)).toEqual({ second: true });
        } finally {
          restore();
        }
        restore = setSessionKeyGenerator(() => taken);
        try {
          await expect(store.create({ third: true }, inAnHour())).rejects.toBeInstanceOf(
            CreateError,
          );
          expect(await store.load(taken)).toEqual({ first: true });
        } finally {
          restore();
        }
      });
    });

    describe('Session on this store (SessionTestsMixin, spec F/G, O)', () => {
      it('test_new_session: modified and accessed start false (spec 45)', () => {
        const s = newSession();
        expect(s.modified).toBe(false);
        expect(s.accessed).toBe(false);
      });

      it('test_get_empty: get() of a missing key is undefined and does not modify (spec 48)', () => {
        const s = newSession();
        expect(s.get('cat')).toBeUndefined();
        expect(s.accessed).toBe(true);
        expect(s.modified).toBe(false);
      });

      it('test_store: set() modifies; pop() returns it (spec 47)', () => {
        const s = newSession();
        s.set('cat', 'dog');
        expect(s.modified).toBe(true);
        expect(s.pop('cat')).toBe('dog');
      });

      it('test_pop / test_pop_default / test_pop_no_default_keyerror_raised (spec 49)', () => {
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

      it('test_setdefault (spec 50)', () => {
        const s = newSession();
        expect(s.setDefault('foo', 'bar')).toBe('bar');
        expect([s.accessed, s.modified]).toEqual([true, true]);
        s.modified = false;
        expect(s.setDefault('foo', 'baz')).toBe('bar');
        expect(s.modified).toBe(false);
      });

      it('test_update (spec 51)', () => {
        const s = newSession();
        s.update({ 'update key': 1 });
        expect([s.accessed, s.modified]).toEqual([true, true]);
        expect(s.get('update key')).toBe(1);
      });

      it('test_has_key / test_values / test_keys / test_items: read, never modify (spec 51)', () => {
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

      it('test_clear (spec 52)', () => {
        const s = newSession();
        s.set('x', 1);
        s.modified = false;
        s.accessed = false;
        s.clear();
        expect(s.items()).toEqual([]);
        expect([s.accessed, s.modified]).toEqual([true, true]);
      });

      it('test_save: save() stores the data under a live key', async () => {
        const s = newSession();
        s.set('hit', 1);
        await s.save();
        expect(s.sessionKey).not.toBeNull();
        expect(await store.exists(s.sessionKey!)).toBe(true);
        expect((await loaded(s.sessionKey)).items()).toEqual([['hit', 1]]);
      });

      it('test_delete: the record is gone after store.delete()', async () => {
        const s = newSession();
        s.set('hit', 1);
        await s.save();
        await store.delete(s.sessionKey!);
        expect(await store.exists(s.sessionKey!)).toBe(store.stateless === true);
      });

      it('test_flush: record gone, key null, accessed and modified (spec 53)', async () => {
        const s = newSession();
        s.set('foo', 'bar');
        await s.save();
        const previous = s.sessionKey!;
        await s.flush();
        if (!store.stateless) expect(await store.exists(previous)).toBe(false);
        expect(s.sessionKey).toBeNull();
        expect([s.accessed, s.modified]).toEqual([true, true]);
        expect(s.isEmpty()).toBe(true);
      });

      it('test_cycle: new key, same data, old record gone (spec 54, 55)', async () => {
        const s = newSession();
        s.set('a', 'c');
        s.set('b', 'd');
        await s.save();
        const previous = s.sessionKey!;
        const items = s.items();
        await s.cycleKey();
        expect(s.items()).toEqual(items);
        expect(s.modified).toBe(true);
        if (store.stateless) {
          expect(await store.load(s.sessionKey!)).toEqual({ a: 'c', b: 'd' });
        } else {
          expect(s.sessionKey).not.toBe(previous);
          expect(await store.exists(previous)).toBe(false);
          expect(await store.load(s.sessionKey!)).toEqual({ a: 'c', b: 'd' });
        }
      });

      it('test_cycle_with_no_session_cache: cycleKey() on a never-loaded session keeps the data', async () => {
        const s = newSession();
        s.set('a', 'c');
        await s.save();
        const fresh = newSession(s.sessionKey);
        await fresh.cycleKey();
        expect(fresh.items()).toEqual([['a', 'c']]);
      });

      it('test_save_doesnt_clear_data', async () => {
        const s = newSession();
        s.set('a', 'b');
        await s.save();
        expect(s.get('a')).toBe('b');
      });

      it('test_invalid_key: an unknown key is never adopted; save mints a fresh one (spec 75)', async () => {
        for (const cookie of ['1', 'abcdefgh12345678abcdefgh12345678', 'forged:1xV1k1:signature']) {
          const s = await loaded(cookie);
          expect(s.get('cat')).toBeUndefined();
          s.set('cat', 'dog');
          await s.save();
          expect(s.sessionKey).not.toBe(cookie);
          expect(s.sessionKey).not.toBeNull();
          expect(await store.exists(cookie)).toBe(false);
          expect(await store.load(s.sessionKey!)).toEqual({ cat: 'dog' });
        }
      });

      it('test_session_key_empty_string_invalid / too_short_invalid / valid_string_saved (spec 74)', () => {
        expect(newSession('').sessionKey).toBeNull();
        expect(newSession('1234567').sessionKey).toBeNull();
        expect(newSession('12345678').sessionKey).toBe('12345678');
        expect(newSession(undefined).sessionKey).toBeNull();
      });

      it('test_session_key_is_read_only (spec 58)', () => {
        const s = newSession('12345678');
        expect(() => {
          (s as unknown as { sessionKey: string }).sessionKey = 'abcdefgh';
        }).toThrow(TypeError);
        expect(s.sessionKey).toBe('12345678');
      });

      it('test_session_load_does_not_create_record (spec 75)', async () => {
        const s = await loaded('someunknownkey');
        expect(s.keys()).toEqual([]);
        expect(s.sessionKey).toBeNull();
        expect(await store.exists('someunknownkey')).toBe(false);
      });

      it('test_default_expiry: age is SESSION_COOKIE_AGE, also after setExpiry(0) (spec 60)', () => {
        const s = newSession();
        expect(s.getExpiryAge()).toBe(COOKIE_AGE);
        expect(s.getExpiryDate().getTime() - Date.now()).toBeGreaterThan((COOKIE_AGE - 60) * 1000);
        s.setExpiry(0);
        expect(s.getExpiryAge()).toBe(COOKIE_AGE);
      });

      it('test_custom_expiry_seconds (spec 60, 61)', () => {
        const modification = new Date(Date.UTC(2026, 0, 1, 12));
        const s = newSession();
        s.setExpiry(10);
        expect(s.getExpiryDate({ modification })).toEqual(
          new Date(modification.getTime() + 10_000),
        );
        expect(s.getExpiryAge()).toBe(10);
      });

      it('test_custom_expiry_datetime: a Date is stored as an ISO string (spec 60, 61, 63)', () => {
        const modification = new Date(Date.UTC(2026, 0, 1, 12));
        const at = new Date(modification.getTime() + 10_000);
        const s = newSession();
        s.setExpiry(at);
        expect(s.get('_session_expiry')).toBe('2026-01-01T12:00:10+00:00');
        expect(s.getExpiryDate({ modification })).toEqual(at);
        expect(s.getExpiryAge({ modification })).toBe(10);
      });

      it('test_custom_expiry_reset: null -> 10 -> null gives the default (spec 65)', () => {
        const s = newSession();
        s.setExpiry(null);
        s.setExpiry(10);
        s.setExpiry(null);
        expect(s.getExpiryAge()).toBe(COOKIE_AGE);
      });

      it('test_get_expire_at_browser_close: setExpiry(10/0/null) x SESSION_EXPIRE_AT_BROWSER_CLOSE (spec 62)', () => {
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

      it('test_actual_expiry: setExpiry(-10) then a reload finds no data (spec O, #19201 fixed)', async () => {
        const s = newSession();
        s.set('foo', 'bar');
        s.setExpiry(-10);
        await s.save();
        const again = await loaded(s.sessionKey);
        expect(again.has('foo')).toBe(false);
        expect(again.sessionKey).toBeNull();
      });

      it('a past Date expiry also expires the session server-side (spec 61)', async () => {
        const s = newSession();
        s.set('foo', 'bar');
        s.setExpiry(new Date(Date.now() - DAY));
        await s.save();
        expect((await loaded(s.sessionKey)).has('foo')).toBe(false);
      });

      it('non-string keys are stringified across a round trip (spec 70)', async () => {
        const s = newSession();
        s.set(0 as unknown as string, 'bar');
        await s.save();
        expect((await loaded(s.sessionKey)).get('0')).toBe('bar');
      });

      it('test_decode and test_decode_failure_logged_to_security (spec 112, O)', () => {
        const data = { a: 'test data' };
        expect(decodeSessionData(encodeSessionData(data, { key: 'k' }), { key: 'k' })).toEqual(
          data,
        );
        const lines: string[] = [];
        const restore = setLogSink((logger, level, message) =>
          lines.push(`${level} ${logger} ${message}`),
        );
        try {
          for (const bad of ['bad:encoded:value', 'garbage'])
            expect(decodeSessionData(bad, { key: 'k' })).toBeNull();
        } finally {
          restore();
        }
        expect(lines).toEqual([
          'WARNING tango.security.SuspiciousSession Session data corrupted',
          'WARNING tango.security.SuspiciousSession Session data corrupted',
        ]);
      });

      it('test_session_save_does_not_resurrect_session_logged_out_in_other_context (spec 88)', async () => {
        const s1 = newSession();
        s1.set('test_data', 'value1');
        await s1.save(true);
        const s2 = await loaded(s1.sessionKey);
        s2.set('test_data', 'value2');
        await s1.flush();
        if (store.stateless) {
          await s2.save();
          expect(await store.load(s2.sessionKey!)).toEqual({ test_data: 'value2' });
        } else {
          await expect(s2.save()).rejects.toBeInstanceOf(UpdateError);
          expect((await loaded(s2.sessionKey)).items()).toEqual([]);
        }
      });

      it('a store error surfaces as ServiceUnavailable naming the engine (DESIGN §7)', async () => {
        const broken: SessionStore = {
          ...bind(store),
          load: () =>
            Promise.reject(
              Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
                code: 'ECONNREFUSED',
              }),
            ),
        };
        const s = new Session(broken, settings(), 'abcdefgh12345678');
        const error = await s.load().then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ServiceUnavailable);
        expect((error as Error).message).toBe(
          `The '${name}' session engine is unavailable: connect ECONNREFUSED 127.0.0.1:1`,
        );
      });
    });
  });
}

/** Flips the case of the last ASCII letter (in a signed value: inside the signature). */
function flipLastLetter(text: string): string {
  const i = text.search(/[A-Za-z][^A-Za-z]*$/);
  const c = text[i]!;
  return (
    text.slice(0, i) +
    (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) +
    text.slice(i + 1)
  );
}

function bind(store: SessionStore): SessionStore {
  return {
    load: (k) => store.load(k),
    create: (d, e) => store.create(d, e),
    save: (k, d, e) => store.save(k, d, e),
    delete: (k) => store.delete(k),
    exists: (k) => store.exists(k),
    clearExpired: () => store.clearExpired(),
    stateless: store.stateless,
  };
}
