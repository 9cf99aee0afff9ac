/**
 * `request.session`: one class for every engine (Django's `SessionBase`), with Django's exact
 * `accessed`/`modified` bookkeeping, which drives what `SessionMiddleware` sends back.
 *
 * Django loads the data lazily on first access; views here are synchronous, so the middleware
 * awaits `load()` once up front and the first *access* then applies what was loaded. That
 * keeps Django's observable rules: a view that never touches the session never learns that its
 * key was unknown, so it gets no deletion cookie (checklist #80; the checklist is
 * docs/django-sessions-checklist.md).
 *
 * Store errors pass through unchanged: `UpdateError` for the middleware, the store's
 * `ServiceUnavailable` subclass when it is down (503), and anything else as the bug it is (500).
 *
 * See https://docs.djangoproject.com/en/stable/topics/http/sessions/
 */
import { END_HTTP_DATE, FIRST_HTTP_DATE } from '../http/cookie.js';
import type { Settings } from '../conf/settings.js';
import { KeyError } from '../http/errors.js';
import { formatIsoDate, parseIsoDate } from './encoding.js';
import { hasMinimumKeyLength } from './keys.js';
import { acquireSessionLock, DEFAULT_LOCK_EXPIRY, DEFAULT_LOCK_TIMEOUT } from './locking.js';
import { openedWithFallbackKey } from './rotation.js';
import type { DeclaredKey, SessionFields, SessionValue, UndeclaredKey } from './typing.js';
import {
  type SessionData,
  sessionData,
  type SessionLock,
  type SessionLockOptions,
  type SessionStore,
  toSessionData,
} from './store.js';

/**
 * Reserved key holding a custom expiry inside the data, as Django's.
 *
 * @example
 * session.setExpiry(300);
 * session.get(EXPIRY_KEY); // 300
 */
export const EXPIRY_KEY = '_session_expiry';

/**
 * The instants an HTTP date can name, which every session expiry must fall within: from
 * `FIRST_EXPIRY` (0001-01-01T00:00:00Z) to `END_EXPIRY` (10000-01-01T00:00:00Z, excluded),
 * the range `setCookie` accepts for a cookie's expiry (http/cookie.ts).
 *
 * @example
 * time >= FIRST_EXPIRY && time < END_EXPIRY; // an HTTP date can hold it
 */
export const FIRST_EXPIRY = FIRST_HTTP_DATE;
/** The end of the instants an HTTP date can name (excluded); see `FIRST_EXPIRY`. */
export const END_EXPIRY = END_HTTP_DATE;
const EXPIRY_RANGE =
  'the expiry must fall between year 1 and year 9999, what an HTTP date can hold';

/**
 * A custom expiry as the session and every engine read it (`_session_expiry` in the data, or
 * `getExpiryAge({ expiry })`): a number of seconds counted from `modification` (`0` is a
 * browser-close session), a `Date`, or `null` for none (the global policy).
 *
 * Anything that is not a valid expiry counts as none. Django 5.2 (base.py `get_expiry_age`,
 * `get_expiry_date`) uses whatever it finds: a string goes through `datetime.fromisoformat`,
 * anything else is taken as seconds, and a value it cannot use raises in `SessionMiddleware`
 * (`OverflowError` for 1e300 or infinity, `ValueError` for NaN or a string that is no ISO date,
 * `TypeError` for a list): a 500 on every request that saves the session while the value is
 * in the data. The value is data, which a visitor may have put there (a view that `set()`s a
 * key the visitor names) and another writer may have stored, so Tango falls back to the
 * default lifetime instead (`SESSION_COOKIE_AGE`, `SESSION_EXPIRE_AT_BROWSER_CLOSE`), and no
 * expiry it computes is ever out of range or NaN. Valid: a finite number whose deadline (`modification` plus the
 * seconds) an HTTP date can hold, or an ISO date string (what `setExpiry` stores; `Date` for
 * `getExpiryAge({ expiry })`) in years 1 to 9999.
 *
 * @example
 * readExpiry(300, Date.now()); // 300
 * readExpiry('2026-11-22T08:00:00+00:00', Date.now()); // Date 2026-11-22T08:00:00.000Z
 * readExpiry(1e300, Date.now()); // null: the default lifetime
 */
export function readExpiry(value: unknown, modification: number): number | Date | null {
  if (typeof value === 'number') {
    // NaN fails both comparisons.
    const at = modification + Math.trunc(value) * 1000;
    return at >= FIRST_EXPIRY && at < END_EXPIRY ? value : null;
  }
  const date =
    value instanceof Date ? value : typeof value === 'string' ? parseIsoDate(value) : null;
  if (date === null) return null;
  const time = date.getTime();
  return time >= FIRST_EXPIRY && time < END_EXPIRY ? date : null;
}

/**
 * The absolute expiry, in milliseconds, of data whose custom expiry is `expiry` and which was
 * last modified at `modification`: the date, or `modification` plus the seconds, or plus
 * `cookieAge` when there is none (or `0`, or an invalid one: `readExpiry`). This is
 * `Session.getExpiryDate()`, and the deadline the `file` engine reads from a file's data and
 * modification time, as Django's `_expiry_date` does. Always finite and within HTTP dates when
 * `modification + cookieAge` is.
 *
 * @example
 * expiryDeadline({ _session_expiry: 300 }[EXPIRY_KEY], Date.now(), 1209600); // now + 300 s
 */
export function expiryDeadline(expiry: unknown, modification: number, cookieAge: number): number {
  const valid = readExpiry(expiry, modification);
  if (valid instanceof Date) return valid.getTime();
  const seconds = valid === null || valid === 0 ? cookieAge : Math.trunc(valid);
  return modification + seconds * 1000;
}

const TEST_COOKIE_NAME = 'testcookie';
const TEST_COOKIE_VALUE = 'worked';

/**
 * The settings a session reads; `SessionMiddleware` picks them once, at start-up.
 *
 * @example
 * const sessionSettings: SessionSettings = { SESSION_COOKIE_AGE: 1209600, SESSION_EXPIRE_AT_BROWSER_CLOSE: false };
 */
export type SessionSettings = Pick<
  Settings,
  'SESSION_COOKIE_AGE' | 'SESSION_EXPIRE_AT_BROWSER_CLOSE'
> &
  Partial<Pick<Settings, 'SESSION_LOCK_TIMEOUT' | 'SESSION_LOCK_EXPIRY'>>;

/**
 * What `setExpiry` accepts: seconds, an absolute date, `0` (browser close) or `null` (default).
 *
 * @example
 * const fiveMinutes: ExpiryValue = 300;
 */
export type ExpiryValue = number | Date | null;

/**
 * Options of `getExpiryAge`/`getExpiryDate`, as Django's keyword arguments.
 *
 * @example
 * session.getExpiryAge({ modification: lastSaved, expiry: 300 } satisfies ExpiryOptions);
 */
export interface ExpiryOptions {
  /** The moment the expiry counts from (default now): the session's last modification. */
  modification?: Date;
  /**
   * Use this expiry instead of the stored `_session_expiry` (seconds, a Date, an ISO string,
   * or `null`/`0` for the default; an invalid one also gives the default: `readExpiry`).
   * Passing it, even as `null`, means the data is not read.
   */
  expiry?: number | Date | string | null;
}

/**
 * A client's session. Built by `SessionMiddleware` for each request; views read and write it
 * synchronously, and the middleware saves it after the view when it was modified.
 *
 * Data follows Django's `JSONSerializer`: values must be JSON-serializable and keys are strings
 * (`set(0 as any, x)` is stored under `'0'`). A `Date` given to `setExpiry` is stored as an ISO
 * string, as Django 4.1+ does. Mutating a nested object does not mark the session modified;
 * set `session.modified = true` yourself (Django documents the same).
 *
 * A key the project declares in `SessionFields` (sessions/typing.ts) is typed in `get`, `set`,
 * `setDefault`, `pop` and `update`; any other key is `unknown`, as without a declaration.
 *
 * @example
 * export function hits(request: HttpRequest) {
 *   const n = request.session.get('hit', 0) + 1;
 *   request.session.set('hit', n);
 *   return render(request, 'app/hits.html', { hit: n });
 * }
 */
export class Session {
  /** True once the data was read or written (the middleware then adds `Vary: Cookie`). */
  accessed = false;
  #modified = false;

  readonly #store: SessionStore;
  readonly #cookieAge: number;
  readonly #expireAtBrowserClose: boolean;
  #key: string | null;
  /** Django's `_session_cache`: undefined until the data is first touched. */
  #cache: Map<string, unknown> | undefined;
  /**
   * What `load()` found: undefined = not loaded; null = nothing valid under the key. After a
   * save, what the store stored: the base `update` merges this request's changes onto.
   */
  #loaded: SessionData | null | undefined;
  /** Keys set since the load or the last save, in the order first set (values: `#cache`). */
  #setKeys = new Set<string>();
  /** Keys deleted since then (a key deleted and set again is in both sets). */
  #deletedKeys = new Set<string>();
  /** The next save writes the whole data: after `clear()`, or `modified` set by hand. */
  #wholeSave = false;
  /** The lock this request holds on its session (`lock()`), until `unlock()`. */
  #lock: SessionLock | undefined;
  readonly #lockOptions: SessionLockOptions;
  /** The store opened the data only with a `SECRET_KEY_FALLBACKS` key (sessions/rotation.ts). */
  #fallbackKey = false;

  /**
   * @param store the engine's store, built once at start-up.
   * @param settings `SESSION_COOKIE_AGE`, `SESSION_EXPIRE_AT_BROWSER_CLOSE`.
   * @param cookieValue the session cookie sent by the client, if any; values shorter than 8
   *   characters count as no key (Django's `_validate_session_key`).
   */
  constructor(store: SessionStore, settings: SessionSettings, cookieValue?: string | null) {
    this.#store = store;
    this.#cookieAge = settings.SESSION_COOKIE_AGE;
    this.#expireAtBrowserClose = settings.SESSION_EXPIRE_AT_BROWSER_CLOSE;
    this.#key = hasMinimumKeyLength(cookieValue) ? cookieValue : null;
    this.#lockOptions = {
      timeout: settings.SESSION_LOCK_TIMEOUT ?? DEFAULT_LOCK_TIMEOUT,
      expiry: settings.SESSION_LOCK_EXPIRY ?? DEFAULT_LOCK_EXPIRY,
    };
  }

  /**
   * True once the data changed; the middleware saves only then. Settable, as in Django: set it
   * after changing a nested value in place (`session.get('cart').push(item)`), which the
   * session cannot see. A save normally writes only the keys this request set or deleted,
   * merged into the latest stored data; after `modified = true` it writes the whole data, as
   * Django does (a concurrent request's write to another key is then lost).
   */
  get modified(): boolean {
    return this.#modified;
  }

  set modified(value: boolean) {
    this.#modified = value;
    if (value) this.#wholeSave = true;
  }

  /**
   * The session key, or `null` for a session not yet saved (or whose key turned out unknown).
   * For `signed_cookies` it is the whole signed cookie value. Read-only: assigning throws
   * `TypeError`, as Django's property raises `AttributeError`.
   */
  get sessionKey(): string | null {
    return this.#key;
  }

  /**
   * The engine's store this session lives in (Django's `request.session` *is* the store), for
   * what reaches beyond this session: `endUserSessions(request.session.store, userId)`,
   * `supportsUserSessions(request.session.store)`.
   *
   * @example
   * if (supportsUserSessions(request.session.store)) ...
   */
  get store(): SessionStore {
    return this.#store;
  }

  /**
   * Fetches the data for the cookie's key from the store, once. The middleware awaits this
   * before the view runs; the async methods (`save`, `cycleKey`) call it themselves. A key the
   * store does not know (or expired, or tampered data) makes the session new on first access:
   * the client's key is never adopted (session fixation guard, Django's
   * `test_session_load_does_not_create_record`).
   *
   * @example
   * const session = new Session(store, settings, request.cookies.get('sessionid'));
   * await session.load();
   */
  async load(): Promise<void> {
    const key = this.#key;
    if (key === null || this.#loaded !== undefined || this.#cache !== undefined) return;
    const data = await this.#store.load(key);
    this.#loaded = toSessionData(data);
    this.#fallbackKey = openedWithFallbackKey(data);
  }

  /**
   * True when `load()` found data that only a key from `SECRET_KEY_FALLBACKS` opened (an old
   * signature, or a cookie encrypted under an old key). `SessionMiddleware` then saves the
   * session even if the view changed nothing, so it leaves under `SECRET_KEY` and survives the
   * fallback's removal (docs/sessions-beyond-django.md).
   */
  get usedFallbackKey(): boolean {
    return this.#fallbackKey;
  }

  /** Django's `_get_session`: the data, applying what `load()` found on first use. */
  #data(): Map<string, unknown> {
    if (this.#cache === undefined) {
      if (this.#key === null) {
        this.#cache = new Map();
      } else if (this.#loaded === undefined) {
        throw new Error(
          'The session was read before it was loaded: await session.load() first (SessionMiddleware does this for request.session).',
        );
      } else if (this.#loaded === null) {
        this.#key = null;
        this.#cache = new Map();
      } else {
        this.#cache = new Map(this.#loaded);
      }
    }
    return this.#cache;
  }

  /** The data, marking the session accessed (every public read and write goes through here). */
  #session(): Map<string, unknown> {
    this.accessed = true;
    return this.#data();
  }

  /**
   * The value under `key`, or `defaultValue` (default `undefined`) when absent. Never modifies.
   *
   * @example
   * const hits = request.session.get('hit', 0);
   */
  get<K extends DeclaredKey<SessionFields>>(key: K): SessionFields[K] | undefined;
  get<K extends DeclaredKey<SessionFields>, V = Exclude<SessionFields[K], undefined>>(
    key: K,
    defaultValue: V,
  ): Exclude<SessionFields[K], undefined> | V;
  get<T = unknown, K extends string = string>(key: UndeclaredKey<SessionFields, K>): T | undefined;
  get<T, K extends string = string>(key: UndeclaredKey<SessionFields, K>, defaultValue: T): T;
  get(key: string, defaultValue?: unknown): unknown {
    const data = this.#session();
    const k = String(key);
    return data.has(k) ? data.get(k) : defaultValue;
  }

  /**
   * Stores `value` under `key` (Django's `session[key] = value`) and marks the session modified.
   *
   * @example
   * request.session.set('hit', 1);
   */
  set<K extends string>(key: K, value: SessionValue<SessionFields, K>): void;
  set(key: string, value: unknown): void {
    const k = String(key);
    this.#session().set(k, value);
    this.#wrote(k);
  }

  /** True when `key` is present (Django's `key in session`). Never modifies. */
  has(key: string): boolean {
    return this.#session().has(String(key));
  }

  /**
   * Removes `key` (Django's `del session[key]`): throws `KeyError` when absent.
   *
   * @example
   * if (request.session.has('user')) request.session.delete('user');
   */
  delete(key: string): void {
    const k = String(key);
    if (!this.#session().delete(k)) throw new KeyError(k);
    this.#removed(k);
  }

  /** The keys, in insertion order. */
  keys(): string[] {
    return [...this.#session().keys()];
  }

  /** The values, in insertion order. */
  values(): unknown[] {
    return [...this.#session().values()];
  }

  /** `[key, value]` pairs, in insertion order. */
  items(): [string, unknown][] {
    return [...this.#session().entries()];
  }

  /**
   * The value under `key`; when absent, stores `defaultValue` there first (and only then marks
   * the session modified).
   *
   * @example
   * const cart = request.session.setDefault('cart', []);
   */
  setDefault<K extends DeclaredKey<SessionFields>>(
    key: K,
    defaultValue: Exclude<SessionFields[K], undefined>,
  ): Exclude<SessionFields[K], undefined>;
  setDefault<T, K extends string = string>(
    key: UndeclaredKey<SessionFields, K>,
    defaultValue: T,
  ): T;
  setDefault<T>(key: string, defaultValue: T): T {
    const data = this.#session();
    const k = String(key);
    if (data.has(k)) return data.get(k) as T;
    data.set(k, defaultValue);
    this.#wrote(k);
    return defaultValue;
  }

  /**
   * Removes `key` and returns its value; when absent returns `defaultValue` if one was given,
   * else throws `KeyError`. Marks the session modified only if the key existed.
   *
   * @example
   * const flash = request.session.pop('flash', null);
   */
  pop<K extends DeclaredKey<SessionFields>>(key: K): Exclude<SessionFields[K], undefined>;
  pop<K extends DeclaredKey<SessionFields>, V>(
    key: K,
    defaultValue: V,
  ): Exclude<SessionFields[K], undefined> | V;
  pop<T = unknown>(key: string, ...defaultValue: [] | [T]): T;
  pop<T = unknown>(key: string, ...defaultValue: [] | [T]): T {
    const data = this.#session();
    const k = String(key);
    if (data.has(k)) {
      const value = data.get(k);
      data.delete(k);
      this.#removed(k);
      return value as T;
    }
    if (defaultValue.length > 0) return defaultValue[0] as T;
    throw new KeyError(k);
  }

  /**
   * Copies every pair of `values` into the session; always marks it modified (as Django's).
   *
   * @example
   * request.session.update({ theme: 'dark', lang: 'en' });
   */
  update(
    values:
      | (Readonly<Partial<SessionFields>> & Readonly<Record<string, unknown>>)
      | Iterable<readonly [string, unknown]>,
  ): void;
  update(values: Readonly<Record<string, unknown>> | Iterable<readonly [string, unknown]>): void {
    const data = this.#session();
    const pairs = Symbol.iterator in values ? values : Object.entries(values);
    for (const [k, v] of pairs as Iterable<readonly [string, unknown]>) {
      const key = String(k);
      data.set(key, v);
      this.#setKeys.add(key);
    }
    this.#modified = true;
  }

  /** Notes that `key` was set: the next save writes it (and the session is modified). */
  #wrote(key: string): void {
    this.#setKeys.add(key);
    this.#modified = true;
  }

  /** Notes that `key` was deleted: the next save removes it from the stored data. */
  #removed(key: string): void {
    this.#setKeys.delete(key);
    this.#deletedKeys.add(key);
    this.#modified = true;
  }

  /** After a load, save or cycle: `data` is what the store holds, and nothing is pending. */
  #stored(data: SessionData | null): void {
    this.#loaded = data;
    this.#setKeys = new Set();
    this.#deletedKeys = new Set();
    this.#wholeSave = false;
  }

  /**
   * Empties the data but keeps the key, so the next save stores `{}` under it and the cookie
   * is re-sent (Django's `clear`; use `flush()` to drop the key too).
   */
  clear(): void {
    // Django sets the cache directly to skip a pointless load. A key whose load already came
    // back empty-handed is dropped here, so the save mints a fresh key instead of failing with
    // UpdateError on a record that never existed.
    if (this.#key !== null && this.#loaded === null && this.#cache === undefined) this.#key = null;
    this.#cache = new Map();
    this.accessed = true;
    this.#modified = true;
    // The emptied data replaces what is stored, whatever other requests wrote meanwhile.
    this.#wholeSave = true;
  }

  /**
   * True when there is neither a key nor data: such a session is never saved ("empty sessions
   * won't be created"), and a request that sent a cookie gets the deletion cookie.
   */
  isEmpty(): boolean {
    return this.#key === null && (this.#cache === undefined || this.#cache.size === 0);
  }

  /**
   * Deletes the stored record, empties the data and drops the key (Django's `flush`; use it at
   * logout). The middleware then sends the deletion cookie.
   *
   * @example
   * await request.session.flush();
   */
  async flush(): Promise<void> {
    this.clear();
    const key = this.#key;
    if (key !== null) await this.#store.delete(key);
    this.#key = null;
  }

  /**
   * Moves the data to a new key and deletes the old record (Django's `cycle_key`; use it at
   * login against session fixation). The new record is created at once; the middleware sends
   * the new cookie.
   *
   * @example
   * await request.session.cycleKey();
   */
  async cycleKey(): Promise<void> {
    await this.load();
    const data = sessionData(this.#session());
    const oldKey = this.#key;
    this.#key = await this.#store.create(data, this.getExpiryDate());
    this.#modified = true;
    this.#stored(data);
    if (oldKey !== null) await this.#store.delete(oldKey);
  }

  /**
   * Writes the session to the store. A session without a key (or with `mustCreate`) is
   * inserted under a freshly minted key, with `expiresAt = getExpiryDate()`. Otherwise only
   * what this request changed is written, merged into the latest stored data
   * (`SessionStore.update`, one transaction or compare-and-swap): the keys it set take its
   * values, the keys it deleted go, and every other key keeps what concurrent requests stored
   * meanwhile; the session then holds the merged data. After `clear()`, after `modified = true`
   * set by hand, and on a store without `update` (`signed_cookies`, whose cookie is the data),
   * the whole data overwrites the record instead. A record deleted meanwhile rejects with
   * `UpdateError`; a store that is down rejects with its `ServiceUnavailable` subclass (503).
   *
   * @example
   * await request.session.save();
   */
  async save(mustCreate = false): Promise<void> {
    await this.load();
    const current = this.#session();
    const key = this.#key;
    const store = this.#store;
    const base = this.#loaded;
    if (key === null || mustCreate) {
      const data = sessionData(current);
      this.#key = await store.create(data, this.getExpiryDate());
      this.#modified = true;
      this.#stored(data);
    } else if (store.update !== undefined && !this.#wholeSave && base) {
      const set = new Map<string, unknown>();
      for (const k of this.#setKeys) set.set(k, current.get(k));
      const merged = await store.update(key, {
        base,
        set,
        deleted: new Set(this.#deletedKeys),
        expiresAt: (data) =>
          this.getExpiryDate({ expiry: data.get(EXPIRY_KEY) as ExpiryOptions['expiry'] }),
      });
      this.#cache = new Map(merged);
      this.#stored(merged);
    } else {
      const data = sessionData(current);
      this.#key = await store.save(key, data, this.getExpiryDate());
      this.#stored(data);
    }
  }

  /**
   * True while this request holds its session's lock (`lock()`), until `unlock()`.
   */
  get locked(): boolean {
    return this.#lock !== undefined;
  }

  /**
   * Locks the session against every other request that locks it, in any process, until
   * `unlock()` (which `SessionMiddleware` calls after saving): what `SESSION_LOCKING` does for
   * every request and `blockingSession(view)` for one view. Waits at most `timeout` seconds
   * (default `SESSION_LOCK_TIMEOUT`), then rejects with `SessionLockTimeout` (503); a lock
   * never released lapses after `expiry` seconds (`SESSION_LOCK_EXPIRY`). Data loaded before
   * the lock is reloaded under it, with this request's own changes kept on top. A session
   * without a key (a new visitor) has nothing to lock. Locking twice is a no-op.
   *
   * @example
   * await request.session.lock({ timeout: 5 });
   */
  async lock(options: Partial<SessionLockOptions> = {}): Promise<void> {
    const key = this.#key;
    if (this.#lock !== undefined || key === null) return;
    this.#lock = await acquireSessionLock(this.#store, key, { ...this.#lockOptions, ...options });
    if (this.#loaded === undefined) return;
    // Loaded before the lock: another request may have saved since.
    const fresh = toSessionData(await this.#store.load(key));
    if (this.#cache !== undefined && fresh !== null && !this.#wholeSave) {
      const cache = new Map(fresh);
      for (const k of this.#deletedKeys) cache.delete(k);
      for (const k of this.#setKeys) cache.set(k, this.#cache.get(k));
      this.#cache = cache;
    }
    this.#loaded = fresh;
  }

  /**
   * Releases the lock `lock()` took; nothing when none is held. `SessionMiddleware` calls it
   * after the save, on every path.
   *
   * @example
   * await request.session.unlock();
   */
  async unlock(): Promise<void> {
    const held = this.#lock;
    this.#lock = undefined;
    if (held !== undefined) await held.release();
  }

  /** `SESSION_COOKIE_AGE`; override in a subclass to change the default expiry. */
  getSessionCookieAge(): number {
    return this.#cookieAge;
  }

  /**
   * Seconds until the session expires, counted from `modification` (default now). With no
   * custom expiry (or `0`, or a value that is no valid expiry: `readExpiry`) it is
   * `getSessionCookieAge()`; an integer expiry is returned as is, even negative; a date gives
   * whole seconds from `modification` (rounded down).
   *
   * @example
   * session.getExpiryAge({ modification: lastSaved });
   */
  getExpiryAge(options: ExpiryOptions = {}): number {
    const modification = (options.modification ?? new Date()).getTime();
    const expiry = readExpiry(
      'expiry' in options ? options.expiry : this.get(EXPIRY_KEY),
      modification,
    );
    if (expiry === null || expiry === 0) return this.getSessionCookieAge();
    if (typeof expiry === 'number') return Math.trunc(expiry) + 0;
    return Math.floor((expiry.getTime() - modification) / 1000);
  }

  /**
   * When the session expires: the custom date if one was set, else `modification` (default
   * now) plus the expiry in seconds (or `getSessionCookieAge()`).
   *
   * @example
   * session.getExpiryDate(); // Date two weeks from now by default
   */
  getExpiryDate(options: ExpiryOptions = {}): Date {
    const modification = (options.modification ?? new Date()).getTime();
    const expiry = 'expiry' in options ? options.expiry : this.get(EXPIRY_KEY);
    return new Date(expiryDeadline(expiry, modification, this.getSessionCookieAge()));
  }

  /**
   * True when the cookie should last only until the browser closes: `SESSION_EXPIRE_AT_BROWSER_CLOSE`
   * unless `setExpiry` stored a (valid) value, in which case only `setExpiry(0)` means yes.
   */
  getExpireAtBrowserClose(): boolean {
    const expiry = readExpiry(this.get(EXPIRY_KEY), Date.now());
    if (expiry === null) return this.#expireAtBrowserClose;
    return expiry === 0;
  }

  /**
   * Sets a custom expiry, stored under `_session_expiry` in the data (so it travels with it):
   * - an integer: the session expires after that many seconds of inactivity;
   * - a `Date`: it expires then (stored as an ISO string, as Django 4.1+);
   * - `0`: the cookie expires when the browser closes (the server keeps it `SESSION_COOKIE_AGE`);
   * - `null`: back to the global policy.
   *
   * The expiry must fall in years 1 to 9999 (now plus the seconds, or the date), what an HTTP
   * date can hold: anything else, like a fraction, `NaN`, or a value that is not a number or a
   * `Date`, is a `TypeError` here, not when the response is written (DESIGN.md §7).
   *
   * @example
   * request.session.setExpiry(300); // five minutes of inactivity
   */
  setExpiry(value: ExpiryValue): void {
    if (value === null || value === undefined) {
      if (this.#session().delete(EXPIRY_KEY)) this.#removed(EXPIRY_KEY);
      return;
    }
    if (value instanceof Date) {
      const time = value.getTime();
      if (!Number.isFinite(time)) throw new TypeError('setExpiry() got an invalid Date.');
      if (!(time >= FIRST_EXPIRY && time < END_EXPIRY)) {
        throw new TypeError(`setExpiry() got ${value.toISOString()}: ${EXPIRY_RANGE}.`);
      }
      this.set(EXPIRY_KEY, formatIsoDate(value));
      return;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw new TypeError(
        `setExpiry() takes an integer number of seconds, a Date, 0 or null, got ${String(value)}.`,
      );
    }
    if (readExpiry(value, Date.now()) === null) {
      throw new TypeError(`setExpiry() got ${value} seconds: ${EXPIRY_RANGE}.`);
    }
    this.set(EXPIRY_KEY, value);
  }

  /** Stores the test value Django uses to check that the browser accepts cookies. */
  setTestCookie(): void {
    this.set(TEST_COOKIE_NAME, TEST_COOKIE_VALUE);
  }

  /** True when the browser sent back the session that `setTestCookie` marked. */
  testCookieWorked(): boolean {
    return this.get(TEST_COOKIE_NAME) === TEST_COOKIE_VALUE;
  }

  /** Removes the test value; throws `KeyError` when it is absent (as Django's). */
  deleteTestCookie(): void {
    this.delete(TEST_COOKIE_NAME);
  }
}
