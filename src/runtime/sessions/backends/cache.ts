/**
 * The `cache` engine (Django's `django.contrib.sessions.backends.cache`): the session's data
 * (not the signed string) under `django.contrib.sessions.cache<key>` in the
 * `SESSION_CACHE_ALIAS` cache, with the cache's own expiry. Fast and non-persistent: with the
 * default `locmem` cache it is single-process only (checklist #117, in
 * docs/django-sessions-checklist.md); use Redis across processes.
 *
 * The data is stored as its entries, `[[key, value], ...]`, which keep Python's dict order
 * (JSON objects lose it for integer-like keys); a plain object, as earlier versions stored, is
 * still read. A save merges (`update`): a compare-and-swap loop on the cache's versioned
 * writes (Redis: one Lua script comparing the stored text) applies this request's changes to
 * the latest data until no other write came in between. Locks (`SESSION_LOCKING`,
 * `blockingSession`) are cache keys `tango.sessions.lock<key>` taken with the atomic `add`
 * (Redis `SET NX PX`: they lapse by themselves) and released by a compare-and-delete.
 *
 * Sessions per user (`listSessions`, `deleteSessions`) walk the session keys with the cache's
 * `scan` (Redis `SCAN`; locmem's map) and read each one's data, rather than keeping a set of
 * keys per user: such a set is one more cache entry that can lapse or be evicted (locmem culls
 * a third of its entries when full; Redis evicts under `maxmemory`) while the sessions it
 * names live on, and "log out other devices" would then silently miss them. The walk cannot
 * miss a session; its cost is measured in docs/session-store-contract.md.
 *
 * See https://docs.djangoproject.com/en/stable/topics/http/sessions/#using-cached-sessions
 */
import { randomBytes } from 'node:crypto';
import type { Cache, CacheVersion } from '../../cache/cache.js';
import { getCache } from '../../cache/caches.js';
import type { Settings } from '../../conf/settings.js';
import { SessionStoreUnavailable, UpdateError } from '../exceptions.js';
import { createWithFreshKey } from '../keys.js';
import { pollForLock } from '../locking.js';
import {
  applyChanges,
  checkExpiresAt,
  type SessionChanges,
  type SessionData,
  type SessionInfo,
  type SessionLock,
  type SessionLockOptions,
  type SessionPage,
  type SessionQuery,
  type SessionStoreOptions,
  ServerSideStoreBase,
  toSessionData,
  type UserSessionsDeletion,
} from '../store.js';
import { isServerSideKey } from '../keys.js';
import { deleteListedSessions, resolveSessionQuery, sessionUserId } from '../users.js';

/**
 * Django's `KEY_PREFIX` of the cache engine (`'django.contrib.sessions.cache'`).
 *
 * @example
 * await cache.get(CACHE_KEY_PREFIX + key); // the session's data object
 */
export const CACHE_KEY_PREFIX = 'django.contrib.sessions.cache';

/**
 * The cache key prefix of session locks (`lock`): `tango.sessions.lock<session key>`.
 *
 * @example
 * await cache.get(LOCK_KEY_PREFIX + key); // the holder's token, while locked
 */
export const LOCK_KEY_PREFIX = 'tango.sessions.lock';

/** Keys a listing's scan step looks at when walking for one user's sessions. */
const USER_SCAN_COUNT = 1000;

/** A cursor `listSessions` can have returned: the cache's own (locmem: a key; Redis: digits). */
function isCacheCursor(cursor: string): boolean {
  return /^[\x21-\x7e]{1,300}$/.test(cursor);
}

/** Rounds of `update`'s compare-and-swap before giving up: each lost round is another write. */
const MAX_UPDATE_ROUNDS = 100;

/**
 * Session data as the cache engines store it: its entries, `[[key, value], ...]`, in order.
 *
 * @example
 * toCachedEntries(new Map([['zz', 1], ['1', 2]])); // [['zz', 1], ['1', 2]]
 */
export function toCachedEntries(data: SessionData): [string, unknown][] {
  return [...data];
}

/**
 * Reads cached session data: entries (`toCachedEntries`) in their order, or a plain object
 * (what earlier versions stored), else `null`.
 *
 * @example
 * fromCachedEntries([['zz', 1], ['1', 2]]); // Map { 'zz' => 1, '1' => 2 }
 * fromCachedEntries({ hit: 1 }); // Map { 'hit' => 1 }
 */
export function fromCachedEntries(value: unknown): SessionData | null {
  if (!Array.isArray(value)) return toSessionData(value);
  const data: SessionData = new Map();
  for (const entry of value as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') return null;
    data.set(entry[0], entry[1]);
  }
  return data;
}

/**
 * Seconds from `now` until `expiresAt`, rounded up so a record never expires before its
 * session; 0 or less (already expired) makes the cache drop it at once. Django passes
 * `get_expiry_age()`, the same number. Never NaN: an invalid date is a `TypeError`
 * (a cache given a NaN timeout would keep the record forever).
 *
 * @example
 * secondsUntil(new Date(Date.now() + 1500), Date.now()); // 2
 */
export function secondsUntil(expiresAt: Date, now: number): number {
  const seconds = Math.ceil((expiresAt.getTime() - now) / 1000);
  if (Number.isNaN(seconds)) {
    checkExpiresAt(expiresAt);
    throw new TypeError(`The session store's clock returned ${now}, not milliseconds.`);
  }
  return Math.max(0, seconds);
}

/**
 * Options of `CacheStore`: the clock, which sets the cache timeout of each write.
 *
 * @example
 * new CacheStore(cache, { now: () => clock.now });
 */
export type CacheStoreOptions = SessionStoreOptions;

/**
 * Sessions in a `tango/cache` cache. Cache failures are the cache's own (`CacheUnavailable`
 * from Redis: 503).
 *
 * Unlike Django, a cache error while loading is not swallowed into an empty session: it
 * rejects, and the request gets a 503 (DESIGN.md §7), instead of silently logging the user out
 * and then failing to save anyway.
 *
 * @example
 * const store = await CacheStore.fromSettings(settings); // CACHES[SESSION_CACHE_ALIAS]
 * const key = await store.create({ hit: 1 }, new Date(Date.now() + 3600_000));
 */
export class CacheStore extends ServerSideStoreBase {
  /** The cache version each data object was read at: what `update` compares against. */
  readonly #versions = new WeakMap<SessionData, CacheVersion>();

  /**
   * A page of the live sessions: every one, or `query.userId`'s, found by walking the session
   * keys with the cache's `scan` (in key order on locmem; in Redis's order, a key perhaps
   * twice, on Redis) and reading each one's data. `expiresAt` is the cache entry's. A page
   * ends after the scan step that filled it, so on Redis it may hold a few more than `limit`.
   * `undefined` on a cache without `scan` (dummy, a custom one): `supportsUserSessions` is
   * then false.
   *
   * @example
   * const { sessions, cursor } = await store.listSessions!({ userId: '42' });
   */
  readonly listSessions: ((query?: SessionQuery) => Promise<SessionPage>) | undefined;

  /**
   * Deletes every live session of `query.userId` but `query.exceptKey` (found as
   * `listSessions` finds them); resolves to how many. `undefined` without `scan`.
   *
   * @example
   * await store.deleteSessions!({ userId: '42', exceptKey: request.session.sessionKey });
   */
  readonly deleteSessions: ((query: UserSessionsDeletion) => Promise<number>) | undefined;

  constructor(
    readonly cache: Cache,
    options: CacheStoreOptions = {},
  ) {
    super(options);
    if (typeof cache.scan === 'function') {
      const list = (query?: SessionQuery) => this.#list(query);
      this.listSessions = list;
      this.deleteSessions = (query) => deleteListedSessions(query, list, (key) => this.delete(key));
    }
  }

  /**
   * Uses `CACHES[SESSION_CACHE_ALIAS]`; an alias missing from `CACHES` is a start-up error
   * (`InvalidCacheBackendError`, as Django's test_non_default_cache expects).
   */
  static async fromSettings(settings: Readonly<Settings>): Promise<CacheStore> {
    const cache = getCache(settings, settings.SESSION_CACHE_ALIAS);
    await cache.connect?.(); // an unreachable Redis stops start-up, naming it
    return new CacheStore(cache);
  }

  #timeout(expiresAt: Date): number {
    return secondsUntil(expiresAt, this.now());
  }

  /** The data under `key` and the version it was read at (when the cache has versions). */
  async #read(key: string): Promise<{ data: SessionData | null; version?: CacheVersion } | null> {
    const cache = this.cache;
    if (!cache.getVersioned) {
      const value = await cache.get(CACHE_KEY_PREFIX + key);
      return value === undefined ? null : { data: fromCachedEntries(value) };
    }
    const found = await cache.getVersioned(CACHE_KEY_PREFIX + key);
    if (found === undefined) return null;
    const data = fromCachedEntries(found.value);
    if (data !== null) this.#versions.set(data, found.version);
    return { data, version: found.version };
  }

  protected async loadChecked(key: string): Promise<SessionData | null> {
    return (await this.#read(key))?.data ?? null;
  }

  /** Inserts with the cache's atomic `add`, so two requests can never share a fresh key. */
  async create(data: SessionData, expiresAt: Date): Promise<string> {
    checkExpiresAt(expiresAt);
    const entries = toCachedEntries(data);
    return createWithFreshKey((key) =>
      this.cache.add(CACHE_KEY_PREFIX + key, entries, this.#timeout(expiresAt)),
    );
  }

  /**
   * Overwrites a record that still exists; otherwise `UpdateError`. As in Django this is a
   * check-then-set, best effort (`update`, which sessions use, is the atomic one).
   */
  protected async saveChecked(key: string, data: SessionData, expiresAt: Date): Promise<string> {
    if (!(await this.cache.has(CACHE_KEY_PREFIX + key))) throw new UpdateError();
    await this.cache.set(CACHE_KEY_PREFIX + key, toCachedEntries(data), this.#timeout(expiresAt));
    return key;
  }

  /**
   * Merges with a compare-and-swap loop: `changes` applied to the data this request read,
   * written only if the record still holds that version; else re-read, re-apply, retry (each
   * lost round means another request's write went in). `UpdateError` when the record is
   * gone. A cache without versioned writes (`dummy`, a custom one) gets the whole-data save.
   */
  protected override async updateChecked(
    key: string,
    changes: SessionChanges,
  ): Promise<SessionData> {
    const cache = this.cache;
    if (!cache.getVersioned || !cache.setIfVersion) return super.updateChecked(key, changes);
    let current: SessionData = changes.base;
    let version = this.#versions.get(current);
    for (let round = 0; round < MAX_UPDATE_ROUNDS; round++) {
      if (version === undefined) {
        const found = await this.#read(key);
        if (found === null) throw new UpdateError();
        current = found.data ?? new Map();
        version = found.version;
      }
      const merged = applyChanges(current, changes);
      const expiresAt = changes.expiresAt(merged);
      checkExpiresAt(expiresAt);
      const stored = await cache.setIfVersion(
        CACHE_KEY_PREFIX + key,
        version,
        toCachedEntries(merged),
        this.#timeout(expiresAt),
      );
      if (stored) return merged;
      version = undefined;
    }
    throw new SessionStoreUnavailable(
      'cache',
      `the session changed ${MAX_UPDATE_ROUNDS} times while this request tried to save it`,
    );
  }

  /**
   * Locks the session with the cache key `tango.sessions.lock<key>`, taken with the atomic
   * `add` (Redis `SET NX PX`, lapsing after `options.expiry` seconds), retried while another
   * process holds it, until `options.timeout` (`SessionLockTimeout`). `release()` deletes it
   * only if it still holds this holder's token (one Lua script on Redis).
   */
  lock(key: string, options: SessionLockOptions): Promise<SessionLock> {
    return this.lockWith(key, async () => {
      const lockKey = LOCK_KEY_PREFIX + key;
      const token = randomBytes(16).toString('hex');
      await pollForLock(() => this.cache.add(lockKey, token, options.expiry), options.timeout);
      return { release: () => this.#unlock(lockKey, token) };
    });
  }

  async #unlock(lockKey: string, token: string): Promise<void> {
    const cache = this.cache;
    if (cache.getVersioned && cache.deleteIfVersion) {
      const found = await cache.getVersioned(lockKey);
      if (found?.value === token) await cache.deleteIfVersion(lockKey, found.version);
    } else if ((await cache.get(lockKey)) === token) {
      await cache.delete(lockKey);
    }
  }

  protected async deleteChecked(key: string): Promise<void> {
    await this.cache.delete(CACHE_KEY_PREFIX + key);
  }

  protected existsChecked(key: string): Promise<boolean> {
    return this.cache.has(CACHE_KEY_PREFIX + key);
  }

  /** `listSessions`, on a cache with `scan`. */
  async #list(query?: SessionQuery): Promise<SessionPage> {
    const { userId, limit, cursor: from } = resolveSessionQuery(query, isCacheCursor);
    const now = this.now();
    const sessions: SessionInfo[] = [];
    let cursor = from;
    do {
      const count = userId === null ? limit - sessions.length : USER_SCAN_COUNT;
      const step = await this.cache.scan!(CACHE_KEY_PREFIX, { cursor, count });
      for (const { key: cacheKey, value, ttl } of step.entries) {
        const key = cacheKey.slice(CACHE_KEY_PREFIX.length);
        // The prefix also starts cached_db's keys ('...cached_db<key>'): not a session key.
        if (!isServerSideKey(key)) continue;
        const data = fromCachedEntries(value);
        if (data === null) continue;
        const owner = sessionUserId(data);
        if (userId !== null && owner !== userId) continue;
        const expiresAt = ttl === null ? null : new Date(now + ttl);
        sessions.push({ key, expiresAt, userId: owner, data });
      }
      cursor = step.cursor;
    } while (cursor !== null && sessions.length < limit);
    return { sessions, cursor };
  }

  /** The cache expires records itself: nothing to clear (Django's no-op `clear_expired`). */
  async clearExpired(): Promise<null> {
    return null;
  }

  /** Nothing to count either. */
  async countExpired(): Promise<null> {
    return null;
  }

  override async close(): Promise<void> {
    await this.cache.close();
  }
}
