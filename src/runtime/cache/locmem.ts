/**
 * The in-process cache (Django's `LocMemCache`): a bounded LRU map per `LOCATION`.
 *
 * Single-process only: every worker process has its own copy, so with several workers a
 * `cache` session written by one is invisible to the others and sessions seem to reset at
 * random (spec 117; Django's docs warn about the same). Use it for development, tests and a
 * single-process server; use Redis when you run more than one process.
 *
 * See https://docs.djangoproject.com/en/stable/topics/cache/#local-memory-caching
 */
import { deserialize, serialize } from 'node:v8';
import type {
  Cache,
  CacheOptions,
  CacheScanOptions,
  CacheScanStep,
  CacheVersion,
  VersionedValue,
} from './cache.js';
import {
  checkScanCount,
  DEFAULT_SCAN_COUNT,
  DEFAULT_TIMEOUT,
  expiryTime,
  makeKey,
} from './cache.js';

/** Options of `LocMemCache`; every field has Django's default. */
export interface LocMemOptions extends Partial<CacheOptions> {
  /** Instances with the same location share one store, as Django's. Default `''`. */
  location?: string;
  /** Entries kept before culling (`OPTIONS.MAX_ENTRIES`). Default 300. */
  maxEntries?: number;
  /** Cull 1/N of the entries when full; 0 empties the cache (`OPTIONS.CULL_FREQUENCY`). Default 3. */
  cullFrequency?: number;
  /** The clock in milliseconds (tests inject one instead of sleeping). Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  /**
   * A primitive as is; anything else serialized (Django pickles), so callers never share it:
   * JSON text for plain JSON values (a session's data, by contract), else `v8.serialize`.
   */
  value: unknown;
  encoding: 'none' | 'json' | 'v8';
  /** Milliseconds since the epoch, or null for never. */
  expires: number | null;
}

/** Stores by location; Map order is recency (least recently used first). */
const stores = new Map<string, Map<string, Entry>>();

/** Nesting beyond this (or a cycle) goes through v8.serialize. */
const JSON_MAX_DEPTH = 32;

/**
 * True if `JSON.parse(JSON.stringify(value))` gives back an equal value: plain objects and
 * dense arrays of strings, finite numbers (not -0), booleans and null. JSON text is several
 * times cheaper to write and read than `v8.serialize` for the small objects sessions hold.
 */
function isPlainJson(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth >= JSON_MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value) || !isPlainJson(value[i], depth + 1)) return false;
    }
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return false; // an enumerable inherited key: not plain
    if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  // Symbol keys and non-enumerable properties would be dropped by JSON.
  return Object.getOwnPropertySymbols(value).length === 0;
}

function pack(value: unknown, expires: number | null): Entry {
  if (value === null || value === undefined || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol') {
      throw new TypeError(`A ${typeof value} cannot be stored in the cache.`);
    }
    return { value, encoding: 'none', expires };
  }
  if (isPlainJson(value)) return { value: JSON.stringify(value), encoding: 'json', expires };
  return { value: serialize(value), encoding: 'v8', expires };
}

function unpack(entry: Entry): unknown {
  switch (entry.encoding) {
    case 'json':
      return JSON.parse(entry.value as string);
    case 'v8':
      return deserialize(entry.value as Buffer);
    default:
      return entry.value;
  }
}

/**
 * A bounded, least-recently-used in-memory cache. Expiry is checked on read; when full, expired
 * entries go first and then the least recently used third (Django's `CULL_FREQUENCY = 3`).
 *
 * @example
 * const cache = new LocMemCache({ location: 'sessions', maxEntries: 10_000 });
 * await cache.set('k', { a: 1 }, 60);
 */
export class LocMemCache implements Cache {
  readonly #store: Map<string, Entry>;
  readonly #options: CacheOptions;
  readonly #maxEntries: number;
  readonly #cullFrequency: number;
  readonly #now: () => number;
  /** The walk `scan` is in: its sorted keys and where the next step starts. */
  #walk: { start: string; keys: string[]; next: number } | undefined;

  constructor(options: LocMemOptions = {}) {
    const location = options.location ?? '';
    let store = stores.get(location);
    if (!store) stores.set(location, (store = new Map()));
    this.#store = store;
    this.#options = {
      timeout: options.timeout === undefined ? DEFAULT_TIMEOUT : options.timeout,
      keyPrefix: options.keyPrefix ?? '',
      version: options.version ?? 1,
    };
    this.#maxEntries = options.maxEntries ?? 300;
    this.#cullFrequency = options.cullFrequency ?? 3;
    this.#now = options.now ?? Date.now;
  }

  /** The live entry for a full key, refreshed as most recently used; expired ones are dropped. */
  #live(fullKey: string): Entry | undefined {
    const entry = this.#store.get(fullKey);
    if (!entry) return undefined;
    this.#store.delete(fullKey);
    if (entry.expires !== null && entry.expires <= this.#now()) return undefined;
    this.#store.set(fullKey, entry);
    return entry;
  }

  #put(fullKey: string, value: unknown, timeout: number | null | undefined): void {
    const now = this.#now();
    const expires = expiryTime(timeout, this.#options, now);
    const entry = pack(value, expires);
    this.#store.delete(fullKey);
    // Already expired (timeout <= 0): Django stores it expired; not storing it is the same.
    if (expires !== null && expires <= now) return;
    if (this.#store.size >= this.#maxEntries) this.#cull(now);
    this.#store.set(fullKey, entry);
  }

  /** Django's `_cull`, plus expired entries go before live ones. */
  #cull(now: number): void {
    for (const [key, entry] of this.#store) {
      if (entry.expires !== null && entry.expires <= now) this.#store.delete(key);
    }
    if (this.#store.size < this.#maxEntries) return;
    if (this.#cullFrequency === 0) {
      this.#store.clear();
      return;
    }
    let count = Math.floor(this.#store.size / this.#cullFrequency);
    for (const key of this.#store.keys()) {
      if (count-- <= 0) break;
      this.#store.delete(key);
    }
  }

  /** Number of entries held, live or not yet noticed as expired (tests, monitoring). */
  get size(): number {
    return this.#store.size;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const entry = this.#live(makeKey(key, this.#options));
    return entry ? (unpack(entry) as T) : undefined;
  }

  async set(key: string, value: unknown, timeout?: number | null): Promise<void> {
    this.#put(makeKey(key, this.#options), value, timeout);
  }

  async add(key: string, value: unknown, timeout?: number | null): Promise<boolean> {
    const fullKey = makeKey(key, this.#options);
    if (this.#live(fullKey)) return false;
    this.#put(fullKey, value, timeout);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    const fullKey = makeKey(key, this.#options);
    const live = this.#live(fullKey) !== undefined;
    this.#store.delete(fullKey);
    return live;
  }

  async has(key: string): Promise<boolean> {
    return this.#live(makeKey(key, this.#options)) !== undefined;
  }

  async clear(): Promise<void> {
    this.#store.clear();
  }

  /** The value and its entry (the version: every write makes a new one). */
  async getVersioned<T = unknown>(key: string): Promise<VersionedValue<T> | undefined> {
    const entry = this.#live(makeKey(key, this.#options));
    return entry ? { value: unpack(entry) as T, version: entry } : undefined;
  }

  async setIfVersion(
    key: string,
    version: CacheVersion,
    value: unknown,
    timeout?: number | null,
  ): Promise<boolean> {
    const fullKey = makeKey(key, this.#options);
    if (this.#live(fullKey) !== version) return false;
    this.#put(fullKey, value, timeout);
    return true;
  }

  async deleteIfVersion(key: string, version: CacheVersion): Promise<boolean> {
    const fullKey = makeKey(key, this.#options);
    if (this.#live(fullKey) !== version) return false;
    this.#store.delete(fullKey);
    return true;
  }

  /**
   * One step of a walk over the live keys starting with `prefix`, in key order: the first
   * `count` keys after the cursor (the last key of the previous step). A walk sorts the keys
   * once, at its first step, and the following steps go on from that snapshot (a step with
   * any other cursor sorts again), so a whole walk costs one sort, not one per step. Reading
   * does not make an entry recently used.
   */
  async scan<T = unknown>(
    prefix: string,
    options: CacheScanOptions = {},
  ): Promise<CacheScanStep<T>> {
    const count = options.count ?? DEFAULT_SCAN_COUNT;
    checkScanCount(count);
    const head = makeKey('', this.#options);
    const start = head + prefix;
    const after =
      options.cursor === undefined || options.cursor === null ? null : head + options.cursor;
    const now = this.#now();
    const walk = this.#walk;
    let keys: string[];
    let next = 0;
    if (after !== null && walk?.start === start && walk.keys[walk.next - 1] === after) {
      ({ keys, next } = walk);
    } else {
      keys = [];
      for (const key of this.#store.keys()) {
        if (key.startsWith(start) && (after === null || key > after)) keys.push(key);
      }
      keys.sort();
    }
    const entries: CacheScanStep<T>['entries'] = [];
    while (next < keys.length && entries.length < count) {
      const key = keys[next++]!;
      const entry = this.#store.get(key);
      if (entry === undefined || (entry.expires !== null && entry.expires <= now)) continue;
      const ttl = entry.expires === null ? null : entry.expires - now;
      entries.push({ key: key.slice(head.length), value: unpack(entry) as T, ttl });
    }
    if (next >= keys.length) {
      this.#walk = undefined;
      return { entries, cursor: null };
    }
    this.#walk = { start, keys, next };
    return { entries, cursor: keys[next - 1]!.slice(head.length) };
  }

  /** Nothing to release: as with Django's locmem, the data stays for the next user. */
  async close(): Promise<void> {}
}
