/**
 * The session store contract (DESIGN.md §5; in full: docs/session-store-contract.md). A store
 * is one of two kinds, told apart by `kind`: a server-side store keeps records under keys it
 * mints (`db`, `file`, `cache`, `cached_db`, custom engines); a client-side store keeps no
 * state, the cookie value *is* the signed data (`signed_cookies`). Server-side stores extend
 * `ServerSideStoreBase`, which checks every key once, so no engine sees a malformed key.
 */
import type { Settings } from '../conf/settings.js';
import { UpdateError } from './exceptions.js';
import { isServerSideKey } from './keys.js';

/**
 * Session data: a JSON object (Django's JSONSerializer), including reserved `_`-prefixed keys.
 *
 * @example
 * const data: SessionData = { hit: 1, _session_expiry: 300 };
 */
export type SessionData = Record<string, unknown>;

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
 * const key = await store.create({ hit: 1 }, new Date(Date.now() + 1209600_000));
 * await store.load(key); // { hit: 1 }
 */
export interface SessionStoreMethods {
  /** The data, or `null` when missing, expired, undecodable or not a key this store issues. */
  load(key: string): Promise<SessionData | null>;
  /** Stores `data` and returns the key to send as the cookie value. */
  create(data: SessionData, expiresAt: Date): Promise<string>;
  /** Stores `data` for an existing session and returns the key it now lives under. */
  save(key: string, data: SessionData, expiresAt: Date): Promise<string>;
  /** Removes the session; a missing record or a malformed key is not an error. */
  delete(key: string): Promise<void>;
  /** True when `load(key)` would find live data. */
  exists(key: string): Promise<boolean>;
  /** Removes expired records and returns how many, or `null` when there is nothing to clear. */
  clearExpired(): Promise<number | null>;
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
 * resolves to `null`. The middleware checks the cookie's size for this kind only.
 *
 * @example
 * if (store.kind === 'client') checkCookieSize(session.sessionKey);
 */
export interface ClientSideStore extends SessionStoreMethods {
  readonly kind: 'client';
  clearExpired(): Promise<null>;
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
 * issued. `save` also refuses an `expiresAt` that is not a valid Date (`checkExpiresAt`). It also holds the clock (`now`). A custom engine that does not extend it is wrapped
 * in one by `createSessionStore`.
 *
 * @example
 * class MemoryStore extends ServerSideStoreBase {
 *   readonly records = new Map<string, SessionData>();
 *   protected async loadChecked(key: string) { return this.records.get(key) ?? null; }
 *   // ...create, saveChecked, deleteChecked, existsChecked, clearExpired
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
