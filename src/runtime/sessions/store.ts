/**
 * The session store contract (DESIGN.md §5; in full: docs/session-store-contract.md). A store
 * is one of two kinds, told apart by `kind`: a server-side store keeps records under keys it
 * mints (`db`, `file`, `cache`, `cached_db`, custom engines); a client-side store keeps no
 * state, the cookie value *is* the signed data (`signed_cookies`). Server-side stores extend
 * `ServerSideStoreBase`, which checks every key once, so no engine sees a malformed key.
 *
 * Data is a `Map` in insertion order (Python's dict order). Server-side stores merge a
 * request's changes onto the latest stored data (`update`), so concurrent requests that change
 * different keys never lose each other's writes, and may lock a session for a view that reads
 * and writes the same key (`lock`).
 */
import type { Settings } from '../conf/settings.js';
import { UpdateError } from './exceptions.js';
import { isServerSideKey } from './keys.js';

/**
 * Session data: Django's JSONSerializer dict, as a `Map` in insertion order, including
 * reserved `_`-prefixed keys. A `Map` because a plain object cannot keep Python's order:
 * JavaScript lists integer-like keys (`'1'`, `'20'`) first, so `{ zz: 1, '1': 2 }` would
 * iterate as `1, zz` where Django keeps `zz, 1`. Only the top level is ordered: nested objects
 * are plain objects, so their integer-like keys come first (a limit of JavaScript objects).
 *
 * `JSON.stringify(new Map())` is `'{}'`: an engine encodes data with `encodeSessionData`
 * (Django's format, in the `Map`'s order), `[...data]` or `Object.fromEntries(data)`. A custom
 * store that does not extend `ServerSideStoreBase` (written before data was a `Map`) gets a
 * `Map` whose `toJSON()` is the object, so `JSON.stringify(data)` there keeps working.
 *
 * @example
 * const data: SessionData = new Map<string, unknown>([['zz', 1], ['1', 2]]);
 */
export type SessionData = Map<string, unknown>;

/**
 * New session data from entries (in their order) or a plain object (in JavaScript's order).
 *
 * @example
 * sessionData([['zz', 1], ['1', 2]]); // Map { 'zz' => 1, '1' => 2 }
 * sessionData({ hit: 1 }); // Map { 'hit' => 1 }
 */
export function sessionData(
  from?: Iterable<readonly [string, unknown]> | Readonly<Record<string, unknown>> | null,
): SessionData {
  if (from === undefined || from === null) return new Map();
  const entries =
    Symbol.iterator in from
      ? (from as Iterable<readonly [string, unknown]>)
      : Object.entries(from as Readonly<Record<string, unknown>>);
  return new Map(entries);
}

/**
 * What a store's `load` returned, as session data: a `Map` as is; a plain object (what custom
 * engines written before data became a `Map` return) converted, in JavaScript's key order;
 * anything else (an array, a string, `null`) is no session data: `null`.
 *
 * @example
 * toSessionData({ hit: 1 }); // Map { 'hit' => 1 }
 * toSessionData([1, 2]); // null
 */
export function toSessionData(value: unknown): SessionData | null {
  if (value instanceof Map) return value as SessionData;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  return sessionData(value as Record<string, unknown>);
}

/**
 * What one request did to a session's data since it was loaded (or last saved), for
 * `update`: the keys it set, with their values, and the keys it deleted. A key deleted and set
 * again is in both (it moves to the end, as in a Python dict). `base` is the data the changes
 * were made on: the object `load` (or the last `update` or `create`) gave, never a copy, so an
 * engine can tell whether the record changed since (an optimistic compare-and-swap).
 *
 * @example
 * await store.update(key, { base, set: new Map([['hit', 2]]), deleted: new Set(), expiresAt: () => inTwoWeeks });
 */
export interface SessionChanges {
  /** The data the request started from (the object `load`, `create` or `update` returned). */
  readonly base: SessionData;
  /** Keys set, with their values, in the order they were first set. */
  readonly set: ReadonlyMap<string, unknown>;
  /** Keys deleted (a key also in `set` was deleted and then set again). */
  readonly deleted: ReadonlySet<string>;
  /**
   * The absolute expiry of the merged data (`Session.getExpiryDate()` computed on it: its
   * `_session_expiry`, else `SESSION_COOKIE_AGE`), for engines that store an expiry.
   */
  expiresAt(data: SessionData): Date;
}

/**
 * The data after `changes`: `data` with the deleted keys removed, then every set key written
 * (an existing key keeps its place, a new one goes to the end: Python's dict order). `data` is
 * not modified.
 *
 * @example
 * applyChanges(new Map([['a', 1], ['b', 2]]), { set: new Map([['c', 3]]), deleted: new Set(['a']) });
 * // Map { 'b' => 2, 'c' => 3 }
 */
export function applyChanges(
  data: SessionData,
  changes: Pick<SessionChanges, 'set' | 'deleted'>,
): SessionData {
  const merged = sessionData(data);
  for (const key of changes.deleted) merged.delete(key);
  for (const [key, value] of changes.set) merged.set(key, value);
  return merged;
}

/**
 * Options of `lock`: how long to wait, and how long a lock that is never released lives.
 *
 * @example
 * await store.lock!(key, { timeout: 10, expiry: 30 });
 */
export interface SessionLockOptions {
  /** Seconds to wait for another request's lock before `SessionLockTimeout` (503). */
  timeout: number;
  /**
   * Seconds after which a lock lapses if its holder never releases it (a crashed process).
   * A view that holds the lock longer may see another request take it.
   */
  expiry: number;
}

/**
 * A held session lock: `release()` gives it up (only if it is still this holder's: a lock
 * that lapsed and was taken by another request is left alone). Never rejects for a lock that
 * is already gone.
 *
 * @example
 * const held = await store.lock!(key, { timeout: 10, expiry: 30 });
 * try { ... } finally { await held.release(); }
 */
export interface SessionLock {
  release(): Promise<void>;
}

/** The lock of a key no store could have issued: there is nothing to lock or release. */
const NO_LOCK: SessionLock = { release: () => Promise.resolve() };

/**
 * The option every engine takes: the clock, in milliseconds since the epoch, used for every
 * expiry comparison and every expiry the engine writes (a cache timeout, a signing
 * timestamp). Default `Date.now`; tests inject a fake one.
 *
 * @example
 * new DatabaseStore(connection, { now: () => clock.now });
 */
export interface SessionStoreOptions {
  /** The clock in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/**
 * What `listSessions` selects: one user's sessions or every session, a page at a time.
 *
 * @example
 * await store.listSessions!({ userId: '42' }); // the first page of user 42's sessions
 * await store.listSessions!({ limit: 50, cursor: page.cursor }); // the next 50 sessions of all
 */
export interface SessionQuery {
  /**
   * Only the sessions whose `_auth_user_id` is this user's id (Django's `SESSION_KEY`,
   * compared as a string: Django stores `str(pk)`). Omitted: every session.
   */
  userId?: string | number;
  /** At most this many sessions in the page (1 to 1000). Default 100. */
  limit?: number;
  /** The `cursor` of the previous page; omitted or `null`: the first page. */
  cursor?: string | null;
}

/**
 * One live session, as `listSessions` reports it.
 *
 * @example
 * const { key, expiresAt, userId, data } = page.sessions[0]!;
 */
export interface SessionInfo {
  /** The session key (the cookie value). */
  key: string;
  /**
   * When the store will drop the session, or `null` for a record the store keeps until it is
   * deleted (a cache entry written without a timeout, by another program).
   */
  expiresAt: Date | null;
  /** The data's `_auth_user_id`, as a string, or `null` for a session nobody logged in to. */
  userId: string | null;
  /** The decoded data. */
  data: SessionData;
}

/**
 * A page of `listSessions`: the sessions, and the cursor of the next page (`null`: this was
 * the last). Expired sessions are never listed; a page may hold fewer than `limit` sessions
 * before the last one.
 *
 * @example
 * for (let cursor = null; ; ) {
 *   const page = await store.listSessions!({ cursor });
 *   show(page.sessions);
 *   if ((cursor = page.cursor) === null) break;
 * }
 */
export interface SessionPage {
  sessions: SessionInfo[];
  cursor: string | null;
}

/**
 * What `deleteSessions` removes: every live session of one user, but the one under
 * `exceptKey` (the current request's, to log out the user's other devices).
 *
 * @example
 * await store.deleteSessions!({ userId: '42', exceptKey: request.session.sessionKey });
 */
export interface UserSessionsDeletion {
  /** The user whose sessions end (required: there is no "delete every session"). */
  userId: string | number;
  /** A session to keep; `null` or omitted: none. */
  exceptKey?: string | null;
}

/**
 * The methods both kinds of store have. All return promises (synchronous drivers hide behind
 * them); `expiresAt` is the absolute server-side expiry (Django's `get_expiry_date()` at save
 * time), always a valid Date (`checkExpiresAt`). It is the deadline the data itself implies
 * (`Session.getExpiryDate()`), so an engine whose on-disk format carries the deadline in the
 * data, as Django's `file` and `signed_cookies` do, reads it from there instead. What a store
 * throws: `UpdateError` from `save()` (server-side only), a `ServiceUnavailable` subclass when
 * its service is down (503), a `TypeError` for an invalid `expiresAt`; anything else is a bug
 * (500).
 *
 * @example
 * const key = await store.create(sessionData({ hit: 1 }), new Date(Date.now() + 1209600_000));
 * await store.load(key); // Map { 'hit' => 1 }
 */
export interface SessionStoreMethods {
  /**
   * The data, or `null` when missing, expired, undecodable or not a key this store issues. A
   * plain object is accepted too (`toSessionData`), for engines written before data was a `Map`.
   */
  load(key: string): Promise<SessionData | null>;
  /** Stores `data` and returns the key to send as the cookie value. */
  create(data: SessionData, expiresAt: Date): Promise<string>;
  /** Stores `data` for an existing session and returns the key it now lives under. */
  save(key: string, data: SessionData, expiresAt: Date): Promise<string>;
  /**
   * Applies one request's `changes` on top of the latest stored data, atomically, and returns
   * the merged data (server-side stores; `UpdateError` when the record vanished). Optional:
   * `Session` calls `save` with the whole data when a store has no `update`, and
   * `ServerSideStoreBase`'s default is such a whole-data save.
   */
  update?(key: string, changes: SessionChanges): Promise<SessionData>;
  /**
   * Locks the session against other requests that lock it (`SESSION_LOCKING`,
   * `blockingSession`), waiting at most `options.timeout` seconds (`SessionLockTimeout`).
   * Optional; every built-in server-side engine has it.
   */
  lock?(key: string, options: SessionLockOptions): Promise<SessionLock>;
  /** Removes the session; a missing record or a malformed key is not an error. */
  delete(key: string): Promise<void>;
  /** True when `load(key)` would find live data. */
  exists(key: string): Promise<boolean>;
  /** Removes expired records and returns how many, or `null` when there is nothing to clear. */
  clearExpired(): Promise<number | null>;
  /**
   * How many records `clearExpired()` would remove now, removing nothing (`clearsessions
   * --dry-run`), or `null` as `clearExpired()`. Optional; every built-in engine has it.
   */
  countExpired?(): Promise<number | null>;
  /**
   * A page of the live sessions, one user's (`query.userId`: the data's `_auth_user_id`) or
   * every one (the admin's list), with their decoded data and expiry (server-side stores;
   * `supportsUserSessions` tells). Optional; every built-in server-side engine has it.
   */
  listSessions?(query?: SessionQuery): Promise<SessionPage>;
  /**
   * Deletes every live session of `query.userId` but `query.exceptKey`, and resolves to how
   * many it deleted ("log out other devices"). Optional, with `listSessions`.
   */
  deleteSessions?(query: UserSessionsDeletion): Promise<number>;
  /** Releases connections at shutdown. */
  close?(): Promise<void>;
}

/**
 * A store that keeps records on the server under keys it mints (32 characters of `[a-z0-9]`).
 * `create` inserts atomically under a fresh key (retried on collision, `CreateError` when
 * collisions never stop); `save` overwrites and resolves to the same key, and rejects with
 * `UpdateError` when the record vanished or the key is malformed; `delete` revokes the session.
 * `clearExpired` returns a count, or `null` when the backend expires records itself (cache).
 *
 * @example
 * class MyStore extends ServerSideStoreBase { ... } // kind 'server', keys checked once
 */
export interface ServerSideStore extends SessionStoreMethods {
  readonly kind: 'server';
}

/**
 * A store that keeps nothing on the server: the key is the signed data (`signed_cookies`).
 * `create` and `save` return a newly signed value (there is no key to collide, and `save`
 * cannot notice a deletion, so it never rejects with `UpdateError`); `load` verifies the
 * signature and the age; `delete` cannot revoke a value the client holds; `clearExpired`
 * resolves to `null`. The cookie can outgrow what browsers keep; the handler's cookie size
 * guard (`checkCookieSizes`) reports it.
 *
 * @example
 * if (store.kind === 'client') response.setCookie('sessionid', await store.save(key, data, expiresAt));
 */
export interface ClientSideStore extends SessionStoreMethods {
  readonly kind: 'client';
  clearExpired(): Promise<null>;
  /** None: the sessions are in the browsers (`supportsUserSessions` is false). */
  listSessions?: undefined;
  /** None: a cookie cannot be revoked; the session auth hash ends such sessions instead. */
  deleteSessions?: undefined;
}

/**
 * Any session store: `kind` tells the two apart (DESIGN.md §5).
 *
 * @example
 * const store: SessionStore = await createSessionStore(settings);
 * const checkSize = store.kind === 'client';
 */
export type SessionStore = ServerSideStore | ClientSideStore;

/**
 * Throws a `TypeError` unless `expiresAt` is a valid `Date`: a store never keeps a lifetime it
 * cannot compute (a NaN cache timeout would never expire). `Session` always passes
 * `getExpiryDate()`, which is one; this stops any other caller. `ServerSideStoreBase.save`
 * checks it, and every server-side engine's `create` calls it first.
 *
 * @example
 * async create(data: SessionData, expiresAt: Date) {
 *   checkExpiresAt(expiresAt);
 *   ...
 * }
 */
export function checkExpiresAt(expiresAt: unknown): asserts expiresAt is Date {
  if (expiresAt instanceof Date && Number.isFinite(expiresAt.getTime())) return;
  const got = expiresAt instanceof Date ? 'an invalid Date' : String(expiresAt);
  throw new TypeError(`A session store's expiresAt must be a valid Date, got ${got}.`);
}

const NO_DATA: Promise<null> = Promise.resolve(null);
const NOT_FOUND: Promise<boolean> = Promise.resolve(false);
const DONE: Promise<void> = Promise.resolve();

/**
 * The base of every server-side store: the one place keys are checked. `load`, `save`,
 * `delete` and `exists` test the key once (`isServerSideKey`) and either answer for a
 * malformed key without calling the engine (`null`, `UpdateError`, nothing, `false`) or call
 * the engine's `*Checked` method, which therefore only ever sees a key the store could have
 * issued (`update` included; an engine's `lock` goes through `lockWith`). `save` also refuses
 * an `expiresAt` that is not a valid Date (`checkExpiresAt`). It also holds the clock (`now`).
 * A custom engine that does not extend it is wrapped in one by `createSessionStore`.
 *
 * @example
 * class MemoryStore extends ServerSideStoreBase {
 *   readonly records = new Map<string, SessionData>();
 *   protected async loadChecked(key: string) { return this.records.get(key) ?? null; }
 *   // ...create, saveChecked, deleteChecked, existsChecked, clearExpired; updateChecked to merge
 * }
 */
export abstract class ServerSideStoreBase implements ServerSideStore {
  readonly kind = 'server';
  /** The clock, for every expiry comparison and expiry write (`SessionStoreOptions.now`). */
  protected readonly now: () => number;

  constructor(options: SessionStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  // Not `async`: no extra promise per call on the request path.
  load(key: string): Promise<SessionData | null> {
    return isServerSideKey(key) ? this.loadChecked(key) : NO_DATA;
  }

  save(key: string, data: SessionData, expiresAt: Date): Promise<string> {
    if (!isServerSideKey(key)) return Promise.reject(new UpdateError());
    try {
      checkExpiresAt(expiresAt);
    } catch (error) {
      return Promise.reject(error as TypeError);
    }
    return this.saveChecked(key, data, expiresAt);
  }

  update(key: string, changes: SessionChanges): Promise<SessionData> {
    if (!isServerSideKey(key)) return Promise.reject(new UpdateError());
    return this.updateChecked(key, changes);
  }

  /**
   * The key check of an engine's `lock` (engines that can lock define `lock` as
   * `return this.lockWith(key, () => ...)`): a malformed key locks nothing (its `load` finds
   * nothing either), anything else is `acquire()`d.
   */
  protected lockWith(key: string, acquire: () => Promise<SessionLock>): Promise<SessionLock> {
    return isServerSideKey(key) ? acquire() : Promise.resolve(NO_LOCK);
  }

  delete(key: string): Promise<void> {
    return isServerSideKey(key) ? this.deleteChecked(key) : DONE;
  }

  exists(key: string): Promise<boolean> {
    return isServerSideKey(key) ? this.existsChecked(key) : NOT_FOUND;
  }

  abstract create(data: SessionData, expiresAt: Date): Promise<string>;
  abstract clearExpired(): Promise<number | null>;

  /** Releases connections at shutdown; nothing to release by default. */
  close(): Promise<void> {
    return DONE;
  }

  /** `load` for a well-formed key: the live data, or `null`. */
  protected abstract loadChecked(key: string): Promise<SessionData | null>;
  /** `save` for a well-formed key: overwrite, resolve to `key`, or reject with `UpdateError`. */
  protected abstract saveChecked(key: string, data: SessionData, expiresAt: Date): Promise<string>;

  /**
   * `update` for a well-formed key. This default does not merge: it saves `changes` applied to
   * `changes.base` as the whole data (`saveChecked`), so a concurrent request's write to
   * another key is lost, as with every store before `update` existed. Engines override it to
   * re-read and merge atomically (a transaction or a compare-and-swap loop).
   */
  protected async updateChecked(key: string, changes: SessionChanges): Promise<SessionData> {
    const merged = applyChanges(changes.base, changes);
    const expiresAt = changes.expiresAt(merged);
    checkExpiresAt(expiresAt);
    await this.saveChecked(key, merged, expiresAt);
    return merged;
  }
  /** `delete` for a well-formed key; a missing record is not an error. */
  protected abstract deleteChecked(key: string): Promise<void>;
  /** `exists` for a well-formed key. */
  protected abstract existsChecked(key: string): Promise<boolean>;
}

/**
 * A session engine: builds its store once at start-up from the settings. Built-ins are named
 * by `SESSION_ENGINE` (`'db'`, `'file'`, ...); a custom engine is a class with this static.
 *
 * @example
 * class MyStore extends ServerSideStoreBase {
 *   static async fromSettings(settings: Readonly<Settings>) { return new MyStore(settings); }
 *   ...
 * }
 */
export interface SessionEngine {
  fromSettings(settings: Readonly<Settings>): Promise<SessionStore>;
}
