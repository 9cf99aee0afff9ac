/**
 * The shared contract every session engine passes (DESIGN.md §5, docs/session-store-contract.md;
 * Django's SessionTestsMixin, checklist §O in docs/django-sessions-checklist.md). Not a test
 * file itself: each engine's test file calls one of
 *
 *   describeServerSideStoreContract('file', async ({ now }) => ({ store, cleanup }));
 *   describeClientSideStoreContract('signed_cookies', async ({ now }) => ({ store, cleanup }));
 *
 * Each registers the common part (what every store does) plus its kind's part; no test
 * branches on the kind. `makeStore` runs before every test and must return a fresh, empty
 * store built on the clock `now` it is given (the suite moves that clock away from the wall
 * clock to prove the engine honours it); `cleanup` runs after it (close connections, remove
 * temp dirs). Server-side engines must mint keys through `generateSessionKey`/
 * `createWithFreshKey` (sessions/keys.ts) so the collision tests can force collisions. A
 * client-side fixture's `maxAge` must be under `CLOCK_SKEW` (SESSION_COOKIE_AGE, 14 days, is).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { ServiceUnavailable } from '../../../src/runtime/http/errors.js';
import { formatIsoDate } from '../../../src/runtime/sessions/encoding.js';
import {
  CreateError,
  SessionLockTimeout,
  UpdateError,
  UserSessionsNotSupported,
} from '../../../src/runtime/sessions/exceptions.js';
import { setSessionKeyGenerator } from '../../../src/runtime/sessions/keys.js';
import { Session, type SessionSettings } from '../../../src/runtime/sessions/session.js';
import {
  applyChanges,
  type ClientSideStore,
  type ServerSideStore,
  type SessionChanges,
  type SessionData,
  type SessionStore,
} from '../../../src/runtime/sessions/store.js';
import {
  endOtherSessions,
  endUserSessions,
  listUserSessions,
  supportsUserSessions,
} from '../../../src/runtime/sessions/users.js';
import { d, plain } from './data.js';

/** What `makeStore` gets: the clock the store must use (`SessionStoreOptions.now`). */
export interface StoreFixtureOptions {
  now: () => number;
}

/** What `makeStore` returns. */
export interface StoreFixture<S extends SessionStore = SessionStore> {
  store: S;
  /** Releases what `makeStore` acquired; called after every test. */
  cleanup(): Promise<void>;
}

type MakeStore<S extends SessionStore> = (options: StoreFixtureOptions) => Promise<StoreFixture<S>>;

const DAY = 86_400_000;
const HOUR = 3_600_000;
const COOKIE_AGE = 1_209_600;
/** How far the clock tests move the store's clock from the wall clock: beyond any maxAge. */
const CLOCK_SKEW = 30 * DAY;

/** The store under test, its clock and Session helpers, refreshed before every test. */
interface Context<S extends SessionStore> {
  readonly store: S;
  /** Milliseconds added to the wall clock to make the store's clock; 0 at the start of a test. */
  offset: number;
  /** The store's clock. */
  now(): number;
  inAnHour(): Date;
  anHourAgo(): Date;
  newSession(key?: string | null): Session;
  loaded(key: string | null): Promise<Session>;
}

function useStore<S extends SessionStore>(makeStore: MakeStore<S>): Context<S> {
  let store: S | undefined;
  let cleanup: () => Promise<void>;
  let restoreLog: () => void;
  const settings: SessionSettings = {
    SESSION_COOKIE_AGE: COOKIE_AGE,
    SESSION_EXPIRE_AT_BROWSER_CLOSE: false,
  };
  const context: Context<S> = {
    get store(): S {
      return store!;
    },
    offset: 0,
    now: () => Date.now() + context.offset,
    inAnHour: () => new Date(context.now() + HOUR),
    anHourAgo: () => new Date(context.now() - HOUR),
    newSession: (key) => new Session(context.store, settings, key),
    async loaded(key) {
      const session = context.newSession(key);
      await session.load();
      return session;
    },
  };
  beforeEach(async () => {
    // Bad-key tests log security warnings on purpose; keep them out of the test output.
    restoreLog = setLogSink(() => {});
    context.offset = 0;
    ({ store, cleanup } = await makeStore({ now: () => context.now() }));
  });
  afterEach(async () => {
    restoreLog();
    await cleanup();
  });
  return context;
}

/**
 * Registers the contract tests for a server-side engine: the common part and the server-side
 * part.
 *
 * @param name engine name used in test titles.
 * @param makeStore builds a fresh empty store on the given clock for each test.
 * @param options `userSessions: false` for a custom engine without `listSessions` and
 *   `deleteSessions` (optional methods): the suite then checks that it says so instead of
 *   running the sessions-per-user cases, which every built-in server-side engine passes.
 */
export function describeServerSideStoreContract(
  name: string,
  makeStore: MakeStore<ServerSideStore>,
  options: { userSessions?: boolean } = {},
): void {
  describe(`session store contract: ${name}`, () => {
    const context = useStore(makeStore);
    describeCommonContract(context);
    describeServerSideContract(context, options.userSessions ?? true);
  });
}

/**
 * Registers the contract tests for a client-side engine: the common part and the client-side
 * part.
 *
 * @param name engine name used in test titles.
 * @param makeStore builds a fresh store on the given clock for each test.
 */
export function describeClientSideStoreContract(
  name: string,
  makeStore: MakeStore<ClientSideStore>,
): void {
  describe(`session store contract: ${name}`, () => {
    const context = useStore(makeStore);
    describeCommonContract(context);
    describeClientSideContract(context);
  });
}

/** What every store does, whatever its kind. */
function describeCommonContract(t: Context<SessionStore>): void {
  describe('every store', () => {
    it('create() then load() round-trips JSON data (checklist #109, #124)', async () => {
      const data = {
        hit: 3,
        name: 'café 清風',
        nested: { list: [1, 'two', null, true] },
        _session_expiry: 180,
      };
      const key = await t.store.create(d(data), t.inAnHour());
      expect(plain(await t.store.load(key))).toEqual(data);
    });

    it("keeps the data's key order, integer-like keys included (Python's dict order)", async () => {
      const key = await t.store.create(
        new Map<string, unknown>([
          ['zz', 1],
          ['1', 2],
          ['a', 3],
        ]),
        t.inAnHour(),
      );
      const loaded = await t.store.load(key);
      expect(loaded).toBeInstanceOf(Map);
      expect([...loaded!.keys()]).toEqual(['zz', '1', 'a']);
    });

    it("a session's keys(), values() and items() keep the order across a save and a reload", async () => {
      const s = t.newSession();
      s.set('zz', 'first');
      s.set('1', 'second');
      await s.save();
      const again = await t.loaded(s.sessionKey);
      expect(again.keys()).toEqual(['zz', '1']);
      expect(again.items()).toEqual([
        ['zz', 'first'],
        ['1', 'second'],
      ]);
      // A new key goes last, and a save of that reload keeps the order too.
      again.set('0', 'third');
      await again.save();
      expect((await t.loaded(again.sessionKey)).keys()).toEqual(['zz', '1', '0']);
    });

    it('create() never reuses a key (checklist #73)', async () => {
      const keys = new Set<string>();
      for (let i = 0; i < 20; i++) keys.add(await t.store.create(d({ i }), t.inAnHour()));
      expect(keys.size).toBe(20);
    });

    it('save() overwrites and returns the key the record now lives under', async () => {
      const key = await t.store.create(d({ hit: 1 }), t.inAnHour());
      const next = await t.store.save(key, d({ hit: 2 }), t.inAnHour());
      expect(plain(await t.store.load(next))).toEqual({ hit: 2 });
    });

    it('exists() is true for a live record and false for an unknown key', async () => {
      const key = await t.store.create(d({}), t.inAnHour());
      expect(await t.store.exists(key)).toBe(true);
      expect(await t.store.exists('abcdefgh12345678abcdefgh12345678')).toBe(false);
    });

    it('bad keys load as null and never throw (checklist #74, #76, §O test_load_overlong_key)', async () => {
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
        expect(plain(await t.store.load(key)), key).toBeNull();
        expect(await t.store.exists(key), key).toBe(false);
        await t.store.delete(key);
      }
    });

    it('keys are case-sensitive: one changed letter is another key (checklist #76)', async () => {
      const key = await t.store.create(d({ hit: 1 }), t.inAnHour());
      const changed = flipLastLetter(key);
      expect(changed).not.toBe(key);
      expect(plain(await t.store.load(changed))).toBeNull();
    });

    it("expiry follows the store's clock, not the wall clock, in both directions", async () => {
      for (const offset of [-CLOCK_SKEW, CLOCK_SKEW]) {
        t.offset = offset;
        const key = await t.store.create(d({ offset }), t.inAnHour());
        expect(plain(await t.store.load(key)), String(offset)).toEqual({ offset });
        expect(await t.store.exists(key), String(offset)).toBe(true);
      }
    });
  });

  describe('Session on this store (SessionTestsMixin, checklist §F/G, §O)', () => {
    it('test_save: save() stores the data under a live key', async () => {
      const s = t.newSession();
      s.set('hit', 1);
      await s.save();
      expect(s.sessionKey).not.toBeNull();
      expect(await t.store.exists(s.sessionKey!)).toBe(true);
      expect((await t.loaded(s.sessionKey)).items()).toEqual([['hit', 1]]);
    });

    it('test_flush: key null, accessed and modified, empty (checklist #53)', async () => {
      const s = t.newSession();
      s.set('foo', 'bar');
      await s.save();
      await s.flush();
      expect(s.sessionKey).toBeNull();
      expect([s.accessed, s.modified]).toEqual([true, true]);
      expect(s.isEmpty()).toBe(true);
    });

    it('test_cycle: same data under the new key (checklist #54, #55)', async () => {
      const s = t.newSession();
      s.set('a', 'c');
      s.set('b', 'd');
      await s.save();
      const items = s.items();
      await s.cycleKey();
      expect(s.items()).toEqual(items);
      expect(s.modified).toBe(true);
      expect(plain(await t.store.load(s.sessionKey!))).toEqual({ a: 'c', b: 'd' });
    });

    it('test_cycle_with_no_session_cache: cycleKey() on a never-loaded session keeps the data', async () => {
      const s = t.newSession();
      s.set('a', 'c');
      await s.save();
      const fresh = t.newSession(s.sessionKey);
      await fresh.cycleKey();
      expect(fresh.items()).toEqual([['a', 'c']]);
    });

    it('test_save_doesnt_clear_data', async () => {
      const s = t.newSession();
      s.set('a', 'b');
      await s.save();
      expect(s.get('a')).toBe('b');
    });

    it('test_invalid_key: an unknown key is never adopted; save mints a fresh one (checklist #75)', async () => {
      for (const cookie of ['1', 'abcdefgh12345678abcdefgh12345678', 'forged:1xV1k1:signature']) {
        const s = await t.loaded(cookie);
        expect(s.get('cat')).toBeUndefined();
        s.set('cat', 'dog');
        await s.save();
        expect(s.sessionKey).not.toBe(cookie);
        expect(s.sessionKey).not.toBeNull();
        expect(await t.store.exists(cookie)).toBe(false);
        expect(plain(await t.store.load(s.sessionKey!))).toEqual({ cat: 'dog' });
      }
    });

    it('test_session_load_does_not_create_record (checklist #75)', async () => {
      const s = await t.loaded('someunknownkey');
      expect(s.keys()).toEqual([]);
      expect(s.sessionKey).toBeNull();
      expect(await t.store.exists('someunknownkey')).toBe(false);
    });

    it('test_actual_expiry: setExpiry(-10) then a reload finds no data (checklist §O, #19201 fixed)', async () => {
      const s = t.newSession();
      s.set('foo', 'bar');
      s.setExpiry(-10);
      await s.save();
      const again = await t.loaded(s.sessionKey);
      expect(again.has('foo')).toBe(false);
      expect(again.sessionKey).toBeNull();
    });

    it('a past Date expiry also expires the session server-side (checklist #61)', async () => {
      const s = t.newSession();
      s.set('foo', 'bar');
      s.setExpiry(new Date(Date.now() - DAY));
      await s.save();
      expect((await t.loaded(s.sessionKey)).has('foo')).toBe(false);
    });

    it('every create(), save() and update() gets a finite expiry, even when the stored _session_expiry is none (hardening 1)', async () => {
      const create = vi.spyOn(t.store, 'create');
      const save = vi.spyOn(t.store, 'save');
      const store = t.store as ServerSideStore;
      const update = store.update ? vi.spyOn(store as Required<ServerSideStore>, 'update') : null;
      // What a visitor can store through a generic set(): no store may keep a lifetime from it.
      for (const bad of [1e300, -1e300, Infinity, Number.NaN, 'garbage', '99999-01-01', [300]]) {
        const s = t.newSession();
        s.set('a', 1);
        s.set('_session_expiry', bad);
        await s.save();
        s.set('b', 2);
        await s.save();
        const again = await t.loaded(s.sessionKey);
        expect(again.get('b'), String(bad)).toBe(2);
        expect(again.getExpiryAge(), String(bad)).toBe(COOKIE_AGE);
      }
      const updates: [string, SessionChanges][] = update?.mock.calls ?? [];
      const deadlines = [
        ...create.mock.calls.map(([, expiresAt]) => expiresAt),
        ...save.mock.calls.map(([, , expiresAt]) => expiresAt),
        ...updates.map(([, changes]) => changes.expiresAt(applyChanges(changes.base, changes))),
      ];
      expect(deadlines.length).toBeGreaterThanOrEqual(14);
      for (const expiresAt of deadlines) {
        expect(expiresAt).toBeInstanceOf(Date);
        // SESSION_COOKIE_AGE from the moment of the save (the Session reads the wall clock).
        expect(Math.abs(expiresAt.getTime() - (Date.now() + COOKIE_AGE * 1000))).toBeLessThan(
          60_000,
        );
      }
    });

    it('non-string keys are stringified across a round trip (checklist #70)', async () => {
      const s = t.newSession();
      s.set(0 as unknown as string, 'bar');
      await s.save();
      expect((await t.loaded(s.sessionKey)).get('0')).toBe('bar');
    });
  });
}

/** What a server-side store does: its own keys, records that vanish, expiry it enforces. */
function describeServerSideContract(t: Context<ServerSideStore>, userSessions: boolean): void {
  describe('server-side store', () => {
    it('create() returns a fresh key of 32 [a-z0-9] characters (checklist #73)', async () => {
      expect(await t.store.create(d({ hit: 1 }), t.inAnHour())).toMatch(/^[a-z0-9]{32}$/);
    });

    it('save() resolves to the same key', async () => {
      const key = await t.store.create(d({ hit: 1 }), t.inAnHour());
      expect(await t.store.save(key, d({ hit: 2 }), t.inAnHour())).toBe(key);
    });

    it('save() of a vanished record rejects with UpdateError and resurrects nothing (checklist #88)', async () => {
      const key = await t.store.create(d({ hit: 1 }), t.inAnHour());
      await t.store.delete(key);
      await expect(t.store.save(key, d({ hit: 2 }), t.inAnHour())).rejects.toBeInstanceOf(
        UpdateError,
      );
      expect(plain(await t.store.load(key))).toBeNull();
    });

    it('save() under a malformed key rejects with UpdateError and stores nothing', async () => {
      for (const key of ['1234567', '../../../../etc/passwd', 'ABCDEFGH12345678', 'x'.repeat(65)]) {
        await expect(t.store.save(key, d({ hit: 2 }), t.inAnHour()), key).rejects.toBeInstanceOf(
          UpdateError,
        );
        expect(plain(await t.store.load(key)), key).toBeNull();
      }
    });

    it('delete() removes the record; deleting a missing one is not an error (checklist #53)', async () => {
      const key = await t.store.create(d({ hit: 1 }), t.inAnHour());
      await t.store.delete(key);
      await t.store.delete(key);
      expect(plain(await t.store.load(key))).toBeNull();
      expect(await t.store.exists(key)).toBe(false);
    });

    it('an expired record loads as null and clearExpired() removes it (checklist #110, #111, #122)', async () => {
      const expired = await t.store.create(...expiredRecord(t.anHourAgo()));
      const live = await t.store.create(d({ live: true }), t.inAnHour());
      const removed = await t.store.clearExpired();
      expect(plain(await t.store.load(expired))).toBeNull();
      expect(await t.store.exists(expired)).toBe(false);
      if (removed !== null) expect(removed).toBeGreaterThanOrEqual(1);
      expect(plain(await t.store.load(live))).toEqual({ live: true });
      // null: the backend expires records itself (cache); otherwise nothing is left to clear.
      expect(await t.store.clearExpired()).toBe(removed === null ? null : 0);
    });

    it("a record is expired by the store's clock even while the wall clock says live", async () => {
      t.offset = 2 * HOUR;
      const expired = await t.store.create(...expiredRecord(t.anHourAgo()));
      const live = await t.store.create(d({ live: true }), t.inAnHour());
      expect(plain(await t.store.load(expired))).toBeNull();
      expect(await t.store.exists(expired)).toBe(false);
      const removed = await t.store.clearExpired();
      if (removed !== null) expect(removed).toBe(1);
      expect(plain(await t.store.load(live))).toEqual({ live: true });
    });

    it('create() and save() refuse an expiresAt that is not a valid Date: TypeError, nothing stored (hardening 1)', async () => {
      const key = await t.store.create(d({ hit: 1 }), t.inAnHour());
      const forced = 'forcedkey'.repeat(3) + 'abcde';
      const restore = setSessionKeyGenerator(() => forced);
      try {
        for (const bad of [new Date(Number.NaN), 'tomorrow', 1e300, undefined] as unknown[]) {
          const expiresAt = bad as Date;
          await expect(t.store.create(d({ hit: 2 }), expiresAt), String(bad)).rejects.toThrow(
            TypeError,
          );
          await expect(t.store.save(key, d({ hit: 3 }), expiresAt), String(bad)).rejects.toThrow(
            TypeError,
          );
        }
      } finally {
        restore();
      }
      expect(plain(await t.store.load(forced))).toBeNull();
      expect(plain(await t.store.load(key))).toEqual({ hit: 1 });
    });

    it('keys are case-sensitive: the upper-cased key is not the key (checklist #76)', async () => {
      const key = await t.store.create(d({ hit: 1 }), t.inAnHour());
      expect(plain(await t.store.load(key.toUpperCase()))).toBeNull();
    });

    it('create() retries on a key collision and gives up with CreateError, a 503 (checklist #73)', async () => {
      const taken = 'takenkey'.repeat(4);
      const fresh = 'freshkey'.repeat(4);
      const queue = [taken, taken, taken, fresh];
      let calls = 0;
      let restore = setSessionKeyGenerator(() => queue[Math.min(calls++, queue.length - 1)]!);
      try {
        expect(await t.store.create(d({ first: true }), t.inAnHour())).toBe(taken);
        calls = 1;
        expect(await t.store.create(d({ second: true }), t.inAnHour())).toBe(fresh);
        expect(plain(await t.store.load(taken))).toEqual({ first: true });
        expect(plain(await t.store.load(fresh))).toEqual({ second: true });
      } finally {
        restore();
      }
      restore = setSessionKeyGenerator(() => taken);
      try {
        const error = await t.store
          .create(d({ third: true }), t.inAnHour())
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(CreateError);
        expect(error).toBeInstanceOf(ServiceUnavailable);
        expect(plain(await t.store.load(taken))).toEqual({ first: true });
      } finally {
        restore();
      }
    });

    it('test_delete: the record is gone after store.delete()', async () => {
      const s = t.newSession();
      s.set('hit', 1);
      await s.save();
      await t.store.delete(s.sessionKey!);
      expect(await t.store.exists(s.sessionKey!)).toBe(false);
    });

    it('test_flush: the old record is gone (checklist #53)', async () => {
      const s = t.newSession();
      s.set('foo', 'bar');
      await s.save();
      const previous = s.sessionKey!;
      await s.flush();
      expect(await t.store.exists(previous)).toBe(false);
    });

    it('test_cycle: a new key, and the old record is gone (checklist #54, #55)', async () => {
      const s = t.newSession();
      s.set('a', 'c');
      await s.save();
      const previous = s.sessionKey!;
      await s.cycleKey();
      expect(s.sessionKey).not.toBe(previous);
      expect(await t.store.exists(previous)).toBe(false);
      expect(plain(await t.store.load(s.sessionKey!))).toEqual({ a: 'c' });
    });

    it('test_session_save_does_not_resurrect_session_logged_out_in_other_context (checklist #88)', async () => {
      const s1 = t.newSession();
      s1.set('test_data', 'value1');
      await s1.save(true);
      const s2 = await t.loaded(s1.sessionKey);
      s2.set('test_data', 'value2');
      await s1.flush();
      await expect(s2.save()).rejects.toBeInstanceOf(UpdateError);
      expect((await t.loaded(s2.sessionKey)).items()).toEqual([]);
    });
  });

  describeMergeContract(t);
  describeLockContract(t);
  if (userSessions) describeUserSessionsContract(t);
  else describeNoUserSessionsContract(t);
}

/** A server-side store without `listSessions`/`deleteSessions` (optional for custom engines). */
function describeNoUserSessionsContract(t: Context<ServerSideStore>): void {
  it('cannot list or end a user’s sessions, and the helpers say so, naming it', async () => {
    expect(supportsUserSessions(t.store)).toBe(false);
    const error = await endUserSessions(t.store, 'alice').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserSessionsNotSupported);
    expect((error as Error).message).toMatch(
      /^The '\w+' session engine cannot list or end a user's sessions: its store has no listSessions\(\) and deleteSessions\(\)/,
    );
    expect((error as Error).message).not.toContain('GuardedStore');
  });
}

/** Sessions per user: list a user's sessions, end them all or all but one (Laravel, AdonisJS). */
function describeUserSessionsContract(t: Context<ServerSideStore>): void {
  /** A session logged in to `userId` as Django's login() leaves it (a fresh key), and its key. */
  async function loggedIn(userId: string, extra: Record<string, unknown> = {}): Promise<string> {
    const s = t.newSession();
    s.update({
      _auth_user_id: userId,
      _auth_user_backend: 'tango.auth.backends.ModelBackend',
      _auth_user_hash: 'ab12'.repeat(16),
      ...extra,
    });
    await s.save();
    return s.sessionKey!;
  }
  async function anonymous(data: Record<string, unknown> = { hit: 1 }): Promise<string> {
    const s = t.newSession();
    s.update(data);
    await s.save();
    return s.sessionKey!;
  }
  /** Every page of listSessions(query), walked to the end. */
  async function walk(query: { userId?: string | number; limit?: number } = {}) {
    const pages: { keys: string[]; cursor: string | null }[] = [];
    let cursor: string | null = null;
    do {
      const page = await t.store.listSessions!({ ...query, cursor });
      pages.push({ keys: page.sessions.map((s) => s.key), cursor: page.cursor });
      cursor = page.cursor;
      expect(pages.length, 'listSessions never ends').toBeLessThan(100);
    } while (cursor !== null);
    return pages;
  }
  const sorted = (keys: Iterable<string>) => [...keys].sort();

  describe('sessions per user (listSessions, deleteSessions, endUserSessions)', () => {
    it('the store says it can, and lists a user’s sessions among others’, with key, expiry, user and data', async () => {
      expect(supportsUserSessions(t.store)).toBe(true);
      const alice = [await loggedIn('alice', { cart: ['tea'] }), await loggedIn('alice')];
      const bob = await loggedIn('bob');
      await anonymous();
      const page = await t.store.listSessions!({ userId: 'alice' });
      expect(page.cursor).toBeNull();
      expect(sorted(page.sessions.map((s) => s.key))).toEqual(sorted(alice));
      const first = page.sessions.find((s) => s.key === alice[0])!;
      expect(first.userId).toBe('alice');
      expect(first.data).toBeInstanceOf(Map);
      expect(first.data.get('cart')).toEqual(['tea']);
      expect(first.data.get('_auth_user_backend')).toBe('tango.auth.backends.ModelBackend');
      expect(first.expiresAt).toBeInstanceOf(Date);
      expect(Math.abs(first.expiresAt!.getTime() - (t.now() + COOKIE_AGE * 1000))).toBeLessThan(
        60_000,
      );
      expect((await listUserSessions(t.store, 'bob')).map((s) => s.key)).toEqual([bob]);
      expect(await listUserSessions(t.store, 'carol')).toEqual([]);
    });

    it('a numeric user id is the same user as its string (Django stores str(pk))', async () => {
      const key = await loggedIn('42');
      expect((await listUserSessions(t.store, 42)).map((s) => s.key)).toEqual([key]);
      expect((await t.store.listSessions!({ userId: 42 })).sessions[0]?.userId).toBe('42');
    });

    it('a session that logs in later (a save that sets _auth_user_id) is listed; one whose user id is removed is not', async () => {
      const key = await anonymous({ hit: 1 });
      expect(await listUserSessions(t.store, 'dave')).toEqual([]);
      const s = await t.loaded(key);
      s.set('_auth_user_id', 'dave');
      await s.save();
      expect((await listUserSessions(t.store, 'dave')).map((x) => x.key)).toEqual([key]);
      // Django's login cycles the key: the new key is listed, the old one is gone.
      await s.cycleKey();
      expect((await listUserSessions(t.store, 'dave')).map((x) => x.key)).toEqual([s.sessionKey]);
      s.delete('_auth_user_id');
      await s.save();
      expect(await listUserSessions(t.store, 'dave')).toEqual([]);
    });

    it('expired sessions are not listed, for a user or in the list of all', async () => {
      const live = await loggedIn('erin');
      const s = t.newSession();
      s.update({ _auth_user_id: 'erin', old: true });
      s.setExpiry(-10);
      await s.save();
      const expired = await t.store.create(
        d({ _auth_user_id: 'erin', _session_expiry: formatIsoDate(t.anHourAgo()) }),
        t.anHourAgo(),
      );
      expect((await listUserSessions(t.store, 'erin')).map((x) => x.key)).toEqual([live]);
      const all = (await walk()).flatMap((page) => page.keys);
      expect(all).toContain(live);
      expect(all).not.toContain(expired);
      expect(all).not.toContain(s.sessionKey);
    });

    it('endUserSessions ends every session of the user and no other', async () => {
      const alice = [await loggedIn('alice'), await loggedIn('alice'), await loggedIn('alice')];
      const bob = await loggedIn('bob');
      const visitor = await anonymous();
      expect(await endUserSessions(t.store, 'alice')).toBe(3);
      for (const key of alice) {
        expect(await t.store.load(key), key).toBeNull();
        expect(await t.store.exists(key), key).toBe(false);
      }
      expect(await listUserSessions(t.store, 'alice')).toEqual([]);
      expect(plain(await t.store.load(bob))?._auth_user_id).toBe('bob');
      expect(plain(await t.store.load(visitor))).toEqual({ hit: 1 });
      expect(await endUserSessions(t.store, 'alice')).toBe(0);
    });

    it('endUserSessions with except keeps that session (log out other devices)', async () => {
      const [current, phone, laptop] = [
        await loggedIn('alice'),
        await loggedIn('alice'),
        await loggedIn('alice'),
      ];
      const bob = await loggedIn('bob');
      expect(await endUserSessions(t.store, 'alice', { except: current })).toBe(2);
      expect(plain(await t.store.load(current))?._auth_user_id).toBe('alice');
      expect(await t.store.load(phone)).toBeNull();
      expect(await t.store.load(laptop)).toBeNull();
      expect((await listUserSessions(t.store, 'alice')).map((x) => x.key)).toEqual([current]);
      expect(await t.store.exists(bob)).toBe(true);
      // The store method itself: the same, counted.
      expect(await t.store.deleteSessions!({ userId: 'alice', exceptKey: current })).toBe(0);
      expect(await t.store.deleteSessions!({ userId: 'bob', exceptKey: null })).toBe(1);
    });

    it('endOtherSessions(request) ends the request user’s other sessions; an anonymous request ends none', async () => {
      const others = [await loggedIn('alice'), await loggedIn('alice')];
      const bob = await loggedIn('bob');
      const current = await t.loaded(await loggedIn('alice'));
      expect(await endOtherSessions({ session: current })).toBe(2);
      for (const key of others) expect(await t.store.exists(key)).toBe(false);
      expect(await t.store.exists(current.sessionKey!)).toBe(true);
      expect(await t.store.exists(bob)).toBe(true);
      expect(await endOtherSessions({ session: await t.loaded(await anonymous()) })).toBe(0);
      expect(await t.store.exists(bob)).toBe(true);
    });

    it('an ended session cannot come back: a request still holding it fails to save (UpdateError)', async () => {
      const key = await loggedIn('alice');
      const inFlight = await t.loaded(key);
      await endUserSessions(t.store, 'alice');
      inFlight.set('hit', 2);
      await expect(inFlight.save()).rejects.toBeInstanceOf(UpdateError);
      expect(await t.store.load(key)).toBeNull();
    });

    it('lists every session a page at a time, each once, expired ones left out', async () => {
      const live = new Set<string>();
      for (let i = 0; i < 4; i++) live.add(await anonymous({ i }));
      for (let i = 0; i < 3; i++) live.add(await loggedIn(`user${i}`));
      await t.store.create(...expiredRecord(t.anHourAgo()));
      const pages = await walk({ limit: 3 });
      const listed = pages.flatMap((page) => page.keys);
      expect(sorted(new Set(listed))).toEqual(sorted(live));
      // Every page but the last carries a cursor; a page is never empty unless it is the last.
      for (const page of pages.slice(0, -1)) {
        expect(page.cursor).not.toBeNull();
        expect(page.keys.length).toBeGreaterThan(0);
      }
      const first = await t.store.listSessions!();
      expect(sorted(first.sessions.map((s) => s.key))).toEqual(sorted(live));
      expect(first.sessions.find((s) => s.userId === 'user1')?.data.get('_auth_user_id')).toBe(
        'user1',
      );
    });

    it('a user listed a page at a time: all of their sessions, each once', async () => {
      const mine = new Set<string>();
      for (let i = 0; i < 5; i++) mine.add(await loggedIn('paged'));
      for (let i = 0; i < 3; i++) await loggedIn('other');
      const listed = (await walk({ userId: 'paged', limit: 2 })).flatMap((page) => page.keys);
      expect(sorted(new Set(listed))).toEqual(sorted(mine));
    });

    it('bad queries are clear TypeErrors, and delete nothing', async () => {
      const key = await loggedIn('alice');
      const list = t.store.listSessions!.bind(t.store);
      await expect(list({ limit: 0 })).rejects.toThrow(
        /limit must be an integer from 1 to 1000, got 0/,
      );
      await expect(list({ limit: 1.5 })).rejects.toThrow(TypeError);
      await expect(list({ userId: '' })).rejects.toThrow(/userId must be a non-empty string/);
      await expect(list({ cursor: 'not a cursor\n' })).rejects.toThrow(
        /cursor "not a cursor\\n" is not one this session store returned/,
      );
      const remove = t.store.deleteSessions!.bind(t.store);
      await expect(remove({} as never)).rejects.toThrow(
        /deleteSessions\(\{ userId \}\): userId must be a non-empty string or a finite number, got undefined/,
      );
      await expect(endUserSessions(t.store, undefined as never)).rejects.toThrow(TypeError);
      expect(await t.store.exists(key)).toBe(true);
    });
  });
}

/** Saves merge: concurrent requests that change different keys keep each other's writes. */
function describeMergeContract(t: Context<ServerSideStore>): void {
  /** A stored session holding `data`, and its key. */
  async function stored(data: Record<string, unknown>): Promise<string> {
    const s = t.newSession();
    s.update(data);
    await s.save();
    return s.sessionKey!;
  }

  describe('saves merge into the latest stored data (update)', () => {
    it('two requests loaded together that set different keys both survive, in order', async () => {
      const key = await stored({ base: 0 });
      const [one, two] = [await t.loaded(key), await t.loaded(key)];
      one.set('a', 1);
      two.set('b', 2);
      await one.save();
      await two.save();
      expect((await t.loaded(key)).items()).toEqual([
        ['base', 0],
        ['a', 1],
        ['b', 2],
      ]);
      // The later saver's session now holds the merged data too.
      expect(two.get('a')).toBe(1);
    });

    it('a key one request deleted stays deleted; a key it did not touch keeps the other write', async () => {
      const key = await stored({ keep: 'x', drop: 'y', count: 1 });
      const [one, two] = [await t.loaded(key), await t.loaded(key)];
      one.delete('drop');
      two.set('count', 2);
      await two.save();
      await one.save();
      expect((await t.loaded(key)).items()).toEqual([
        ['keep', 'x'],
        ['count', 2],
      ]);
    });

    it('a key deleted and set again moves to the end, as in a Python dict', async () => {
      const key = await stored({ a: 1, b: 2 });
      const s = await t.loaded(key);
      s.delete('a');
      s.set('a', 3);
      await s.save();
      expect((await t.loaded(key)).items()).toEqual([
        ['b', 2],
        ['a', 3],
      ]);
    });

    it('20 saves in flight at once, each setting its own key, all survive', async () => {
      const key = await stored({ base: true });
      const sessions = await Promise.all(Array.from({ length: 20 }, () => t.loaded(key)));
      sessions.forEach((s, i) => s.set(`k${i}`, i));
      await Promise.all(sessions.map((s) => s.save()));
      const merged = await t.loaded(key);
      expect(merged.keys()).toHaveLength(21);
      for (let i = 0; i < 20; i++) expect(merged.get(`k${i}`)).toBe(i);
    });

    it('clear() replaces the data: what other requests stored meanwhile is gone', async () => {
      const key = await stored({ a: 1 });
      const [one, two] = [await t.loaded(key), await t.loaded(key)];
      two.set('b', 2);
      await two.save();
      one.clear();
      one.set('only', true);
      await one.save();
      expect((await t.loaded(one.sessionKey)).items()).toEqual([['only', true]]);
    });

    it('modified = true set by hand saves the whole data (a nested value changed in place)', async () => {
      const key = await stored({ cart: ['apple'], other: 1 });
      const [one, two] = [await t.loaded(key), await t.loaded(key)];
      two.set('other', 2);
      await two.save();
      one.get<string[]>('cart')!.push('pear');
      one.modified = true;
      await one.save();
      const again = await t.loaded(key);
      expect(again.get('cart')).toEqual(['apple', 'pear']);
      expect(again.get('other')).toBe(1);
    });

    it("the merged data's expiry counts: another request's setExpiry() survives this save", async () => {
      const key = await stored({ a: 1 });
      const [one, two] = [await t.loaded(key), await t.loaded(key)];
      two.setExpiry(600);
      await two.save();
      one.set('b', 2);
      await one.save();
      expect(one.getExpiryAge()).toBe(600);
      const again = await t.loaded(key);
      expect(again.get('b')).toBe(2);
      expect(again.getExpiryAge()).toBe(600);
    });

    it('update() of a vanished record, or under a malformed key, rejects with UpdateError', async () => {
      const key = await stored({ a: 1 });
      const base = (await t.store.load(key))!;
      await t.store.delete(key);
      const changes: SessionChanges = {
        base,
        set: new Map([['b', 2]]),
        deleted: new Set(),
        expiresAt: () => t.inAnHour(),
      };
      await expect(t.store.update!(key, changes)).rejects.toBeInstanceOf(UpdateError);
      expect(await t.store.load(key)).toBeNull();
      await expect(t.store.update!('../etc/passwd', changes)).rejects.toBeInstanceOf(UpdateError);
    });
  });
}

/** Locks: `store.lock` excludes every other holder, lapses, and releases only its own. */
function describeLockContract(t: Context<ServerSideStore>): void {
  const quick = { timeout: 5, expiry: 30 };

  describe('session locks (SESSION_LOCKING, blockingSession)', () => {
    it('a second lock waits until the first is released', async () => {
      const key = await t.store.create(d({}), t.inAnHour());
      const first = await t.store.lock!(key, quick);
      let second = false;
      const waiting = t.store.lock!(key, quick).then((held) => {
        second = true;
        return held;
      });
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(second).toBe(false);
      await first.release();
      await (await waiting).release();
      expect(second).toBe(true);
    });

    it('gives up after the timeout with SessionLockTimeout, a 503', async () => {
      const key = await t.store.create(d({}), t.inAnHour());
      const held = await t.store.lock!(key, quick);
      try {
        const started = Date.now();
        const error = await t.store.lock!(key, { timeout: 0.2, expiry: 30 }).catch((e) => e);
        expect(error).toBeInstanceOf(SessionLockTimeout);
        expect(error).toBeInstanceOf(ServiceUnavailable);
        expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      } finally {
        await held.release();
      }
      await (await t.store.lock!(key, quick)).release();
    });

    it("a lock never released lapses after its expiry; the old holder's release leaves the new one", async () => {
      const key = await t.store.create(d({}), t.inAnHour());
      const stale = await t.store.lock!(key, { timeout: 5, expiry: 0.3 });
      const next = await t.store.lock!(key, { timeout: 5, expiry: 30 });
      await stale.release();
      const error = await t.store.lock!(key, { timeout: 0.1, expiry: 30 }).catch((e) => e);
      expect(error).toBeInstanceOf(SessionLockTimeout);
      await next.release();
      await (await t.store.lock!(key, quick)).release();
    });

    it('locks of different sessions are independent', async () => {
      const [a, b] = [
        await t.store.create(d({}), t.inAnHour()),
        await t.store.create(d({}), t.inAnHour()),
      ];
      const held = await t.store.lock!(a, quick);
      await (await t.store.lock!(b, { timeout: 0.5, expiry: 30 })).release();
      await held.release();
    });

    it('50 concurrent locked increments of one counter give exactly 50', async () => {
      const key = await t.store.create(d({ n: 0 }), t.inAnHour());
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const s = t.newSession(key);
          await s.lock({ timeout: 30 });
          try {
            await s.load();
            s.set('n', s.get<number>('n')! + 1);
            await s.save();
          } finally {
            await s.unlock();
          }
        }),
      );
      expect((await t.loaded(key)).get('n')).toBe(50);
    });

    it('lock() on a session loaded before it reloads the data, keeping its own changes', async () => {
      const key = await t.store.create(d({ n: 1 }), t.inAnHour());
      const s = await t.loaded(key);
      s.set('mine', true);
      const other = await t.loaded(key);
      other.set('n', 2);
      await other.save();
      await s.lock();
      try {
        expect(s.get('n')).toBe(2);
        expect(s.get('mine')).toBe(true);
      } finally {
        await s.unlock();
      }
      expect(s.locked).toBe(false);
    });
  });
}

/** What a client-side store does: the value is the data, so nothing on the server changes. */
function describeClientSideContract(t: Context<ClientSideStore>): void {
  describe('client-side store', () => {
    it('create() derives the value from the data: no key is generated, so none can collide', async () => {
      const restore = setSessionKeyGenerator(() => {
        throw new Error('a client-side store must not generate keys');
      });
      try {
        expect(plain(await t.store.load(await t.store.create(d({ a: 1 }), t.inAnHour())))).toEqual({
          a: 1,
        });
      } finally {
        restore();
      }
    });

    it('save() after delete() re-signs the data: no record can vanish, so no UpdateError (checklist #88)', async () => {
      const key = await t.store.create(d({ hit: 1 }), t.inAnHour());
      await t.store.delete(key);
      expect(
        plain(await t.store.load(await t.store.save(key, d({ hit: 2 }), t.inAnHour()))),
      ).toEqual({
        hit: 2,
      });
    });

    it('delete() cannot revoke: a replayed value stays valid until it expires (checklist #53, #128)', async () => {
      const key = await t.store.create(d({ hit: 1 }), t.inAnHour());
      await t.store.delete(key);
      await t.store.delete(key);
      expect(plain(await t.store.load(key))).toEqual({ hit: 1 });
      expect(await t.store.exists(key)).toBe(true);
    });

    it('clearExpired() is null: the deadline lives in the data (checklist #129)', async () => {
      await t.store.create(d({ old: true }), t.anHourAgo());
      const live = await t.store.create(d({ live: true }), t.inAnHour());
      expect(await t.store.clearExpired()).toBeNull();
      expect(plain(await t.store.load(live))).toEqual({ live: true });
      expect(await t.store.clearExpired()).toBeNull();
    });

    it("a custom expiry in the data is enforced by the store's clock (checklist #125, #19201 fixed)", async () => {
      const seconds = await t.store.create(d({ _session_expiry: 60 }), t.inAnHour());
      const date = await t.store.create(
        d({ _session_expiry: formatIsoDate(new Date(t.now() + HOUR)) }),
        t.inAnHour(),
      );
      expect(plain(await t.store.load(seconds))).not.toBeNull();
      expect(plain(await t.store.load(date))).not.toBeNull();
      t.offset += 2 * HOUR;
      expect(plain(await t.store.load(seconds))).toBeNull();
      expect(plain(await t.store.load(date))).toBeNull();
    });

    it('test_delete: store.delete() leaves the value valid', async () => {
      const s = t.newSession();
      s.set('hit', 1);
      await s.save();
      await t.store.delete(s.sessionKey!);
      expect(await t.store.exists(s.sessionKey!)).toBe(true);
    });

    it('cannot list or end a user’s sessions: it says so, and why, instead of pretending', async () => {
      expect(supportsUserSessions(t.store)).toBe(false);
      expect(t.store.listSessions).toBeUndefined();
      expect(t.store.deleteSessions).toBeUndefined();
      const key = await t.store.create(d({ _auth_user_id: 'alice' }), t.inAnHour());
      const session = await t.loaded(key);
      for (const attempt of [
        () => listUserSessions(t.store, 'alice'),
        () => endUserSessions(t.store, 'alice'),
        () => endUserSessions(session, 'alice', { except: key }),
        () => endOtherSessions({ session }),
      ]) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(UserSessionsNotSupported);
        expect((error as Error).message).toMatch(
          /^The '(signed|encrypted)_cookies' session engine keeps each session in the browser's cookie: the server cannot list or end a user's sessions\. A password change ends them instead \(the session auth hash/,
        );
      }
      expect(plain(await t.store.load(key))).toEqual({ _auth_user_id: 'alice' });
    });

    it('a session flushed in another context is saved again: the cookie is the store (checklist #88)', async () => {
      const s1 = t.newSession();
      s1.set('test_data', 'value1');
      await s1.save(true);
      const s2 = await t.loaded(s1.sessionKey);
      s2.set('test_data', 'value2');
      await s1.flush();
      await s2.save();
      expect(plain(await t.store.load(s2.sessionKey!))).toEqual({ test_data: 'value2' });
    });
  });
}

/**
 * `create()` arguments for a record that expired at `at`: the deadline is in the data too, as
 * `Session.save()` would pass it (`expiresAt` is always `getExpiryDate()` of the data), so an
 * engine that reads the deadline from the data, as Django's file engine does, agrees.
 */
function expiredRecord(at: Date): [SessionData, Date] {
  return [d({ old: true, _session_expiry: formatIsoDate(at) }), at];
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
