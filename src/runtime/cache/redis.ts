/**
 * The Redis cache (Django's `django.core.cache.backends.redis.RedisCache`) through node-redis
 * (`redis`), chosen by measurement against ioredis (docs/scale-out.md, bench/drivers.mjs).
 *
 * Keys are Django's `make_key` (`prefix:version:key`), values JSON, expiry native (`SET ... PX`;
 * `add` is `SET ... NX PX`), so nothing ever needs sweeping and several processes or machines
 * share one cache. `clear()` is `FLUSHDB`, as in Django.
 *
 * Failure behaviour (DESIGN.md §7): commands never wait in an offline queue. While Redis is
 * unreachable every call rejects at once with `CacheUnavailable` naming the server (`Cannot
 * connect to Redis at redis://127.0.0.1:6379/0 (CACHES['default']): ECONNREFUSED`), which the
 * session layer answers with a 503; the client reconnects in the background (backing off to
 * one attempt a second), so service resumes within a second of Redis coming back.
 *
 * A Redis that stops answering without closing the connection (hung host, frozen process)
 * gives no socket event at all, and node-redis's own per-command `timeout` stops counting
 * once the command is written. So a `StallWatchdog` gives every call a deadline,
 * `OPTIONS.socket_timeout` (redis-py's name, as Django passes it): when calls waited that long
 * without any reply, the connection is destroyed, the calls reject with `CacheUnavailable`
 * (`Redis at ... did not answer within 2 s (OPTIONS.socket_timeout)`), and until a new
 * connection gets an answer (tried in the background, one attempt at a time, a second apart)
 * calls reject at once, as while Redis is unreachable, instead of each waiting out its own
 * deadline.
 *
 * See https://docs.djangoproject.com/en/stable/topics/cache/#redis
 */
import type { createClient } from 'redis';
import { ImproperlyConfigured } from '../conf/errors.js';
import { ServiceUnavailable } from '../core/exceptions.js';
import type { CacheSettings } from '../conf/settings.js';
import {
  type Cache,
  type CacheOptions,
  cacheOptions,
  type CacheScanOptions,
  type CacheScanStep,
  type CacheVersion,
  checkScanCount,
  checkTimeout,
  DEFAULT_SCAN_COUNT,
  DEFAULT_TIMEOUT,
  makeKey,
  type VersionedValue,
} from './cache.js';
import { StallWatchdog } from './stall-watchdog.js';

type Client = ReturnType<typeof createClient>;

/**
 * Redis cannot be reached, or dropped the connection (Django's redis backend lets the
 * driver's `ConnectionError` through; here it is one named class). A `ServiceUnavailable`:
 * a request that meets it gets a 503.
 *
 * @example
 * try { await cache.get('k'); } catch (e) { if (e instanceof CacheUnavailable) ... }
 */
export class CacheUnavailable extends ServiceUnavailable {
  override name = 'CacheUnavailable';
}

/** Options of `RedisCache`; every field but `location` has a default. */
export interface RedisCacheOptions extends Partial<CacheOptions> {
  /** `redis://[user:password@]host:port/db` or `rediss://...` (TLS) (Django's `LOCATION`). */
  location: string;
  /** Seconds to wait for a connection before failing (`OPTIONS.connect_timeout`). Default 2. */
  connectTimeout?: number;
  /**
   * Seconds a call waits for Redis to answer before failing with `CacheUnavailable`
   * (`OPTIONS.socket_timeout`, redis-py's name). Default 2.
   */
  socketTimeout?: number;
  /** Named in error messages, e.g. `CACHES['default']`. Default `'Redis'`. */
  label?: string;
}

/** Longest pause between reconnection attempts while Redis is down, in milliseconds. */
const MAX_RECONNECT_DELAY_MS = 1000;
/** Default `connect_timeout` and `socket_timeout`, in seconds (docs/scale-out.md). */
const DEFAULT_CONNECT_TIMEOUT = 2;
const DEFAULT_SOCKET_TIMEOUT = 2;
/** Server replies that mean "not now" rather than "wrong command". */
const TRANSIENT_REPLY =
  /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY|NOAUTH|WRONGPASS)\b/;

/**
 * `setIfVersion`: SET (with PX, or DEL for a timeout of 0 or less) only if the key still
 * holds the text it was read with. KEYS[1] the key; ARGV the expected text, the new text, and
 * the milliseconds (`''`: no expiry, `'0'`: delete). Runs atomically in Redis.
 */
const SET_IF_VERSION = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[2])
elseif ARGV[3] == '0' then redis.call('DEL', KEYS[1])
else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1`;

/** `deleteIfVersion`: DEL only if the key still holds the expected text (ARGV[1]). */
const DELETE_IF_VERSION = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`;

/**
 * `scan`'s second half: each key's text and milliseconds left, flat (`text1, pttl1, ...`), in
 * one round trip. A key gone since the SCAN (or not a string) gives `''` and -2.
 */
const GET_WITH_TTL = `local out = {}
for _, key in ipairs(KEYS) do
  local text = redis.pcall('GET', key)
  if type(text) ~= 'string' then out[#out + 1] = ''; out[#out + 1] = -2
  else out[#out + 1] = text; out[#out + 1] = redis.call('PTTL', key) end
end
return out`;

/** Escapes Redis glob characters, so a key prefix matches only itself in `SCAN ... MATCH`. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * Formats a URL for messages without its password.
 *
 * @example
 * redactRedisUrl('redis://:secret@cache:6379/0'); // 'redis://cache:6379/0'
 */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString().replace(/^(rediss?:\/\/)@/, '$1');
  } catch {
    return url.replace(/:[^:@/]*@/, '@');
  }
}

/** The errno code of a socket error (`ECONNREFUSED`), else its message. */
function reason(error: unknown): string {
  const inner =
    (error as { originalError?: unknown; socketError?: unknown }).originalError ?? error;
  const code = (inner as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
  if (inner instanceof AggregateError && inner.errors[0]) return reason(inner.errors[0]);
  return inner instanceof Error ? inner.message : String(inner);
}

/** A value as stored: JSON (readable by any client); `undefined`, functions and symbols are refused. */
function encode(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined)
    throw new TypeError(`A ${typeof value} cannot be stored in the cache (values are JSON).`);
  return text;
}

/**
 * A cache in Redis, shared by every process that points at the same `LOCATION`.
 * The connection opens on first use (or with `connect()`, the start-up check).
 *
 * @example
 * const cache = new RedisCache({ location: 'redis://127.0.0.1:6379/0', keyPrefix: 'site' });
 * await cache.connect(); // ImproperlyConfigured if Redis is unreachable
 * await cache.set('greeting', { text: 'hi' }, 60); // SET site:1:greeting '{"text":"hi"}' PX 60000
 */
export class RedisCache implements Cache {
  /** Where Redis is, for messages (no password). */
  readonly address: string;
  readonly #location: string;
  readonly #options: CacheOptions;
  readonly #connectTimeoutMs: number;
  /** `socket_timeout` in seconds, for messages. */
  readonly #socketTimeout: number;
  readonly #label: string;
  readonly #watchdog: StallWatchdog;
  #client: Client | undefined;
  #opening: Promise<Client> | undefined;
  /** The client `#opening` is connecting. */
  #connecting: Client | undefined;
  /** Clients given up on for not answering in time; their calls fail with the stall message. */
  readonly #abandoned = new WeakSet<Client>();
  /** While Redis is stalled: the message every call fails with at once, until it answers. */
  #stalled: string | undefined;
  /** The background reconnection attempt while stalled, and the timer of the next one. */
  #probe: Promise<void> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  /** The last socket error of the current outage, for messages (`ECONNREFUSED`). */
  #lastError: unknown;
  /** The driver's class of server error replies (loaded with the driver). */
  #errorReply: (new (...args: never[]) => Error) | undefined;
  #offline: (new (...args: never[]) => Error) | undefined;

  constructor(options: RedisCacheOptions) {
    this.#location = options.location;
    this.address = redactRedisUrl(options.location);
    this.#options = {
      timeout: options.timeout === undefined ? DEFAULT_TIMEOUT : options.timeout,
      keyPrefix: options.keyPrefix ?? '',
      version: options.version ?? 1,
    };
    this.#connectTimeoutMs = Math.round((options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT) * 1000);
    this.#socketTimeout = options.socketTimeout ?? DEFAULT_SOCKET_TIMEOUT;
    this.#label = options.label ?? 'Redis';
    this.#watchdog = new StallWatchdog(Math.max(1, Math.round(this.#socketTimeout * 1000)), () =>
      this.#stall(),
    );
  }

  get #where(): string {
    return `Redis at ${this.address} (${this.#label})`;
  }

  /**
   * The connected (or reconnecting) client; connects when there is none. While Redis is
   * stalled it rejects at once, leaving the reconnection to the background.
   */
  async #ready(): Promise<Client> {
    if (this.#client?.isOpen) return this.#client;
    this.#client = undefined;
    if (this.#stalled !== undefined) {
      this.#reconnect();
      throw new CacheUnavailable(this.#stalled);
    }
    return this.#connect();
  }

  /** The connection being opened, or a new one. */
  #connect(): Promise<Client> {
    this.#opening ??= this.#open().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  /** Loads node-redis, once (only projects that use Redis load it). */
  async #load(): Promise<typeof createClient> {
    const driver = await import('redis');
    this.#errorReply = driver.ErrorReply;
    this.#offline = driver.ClientOfflineError;
    return driver.createClient;
  }

  async #open(): Promise<Client> {
    const makeClient = await this.#load();
    let connected = false;
    const client = makeClient({
      url: this.#location,
      // Never queue commands while disconnected: they reject at once (a 503), not after a hang.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: this.#connectTimeoutMs,
        // The first connection fails fast with its cause; once connected, a lost connection
        // is retried in the background, backing off to one attempt a second.
        reconnectStrategy: (retries: number, cause: Error) =>
          connected ? Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS) : cause,
      },
    });
    // Socket errors are reported to callers as CacheUnavailable; without a listener the
    // process would crash on the first one.
    client.on('error', (error: unknown) => {
      if (!this.#abandoned.has(client)) this.#lastError = error;
    });
    client.on('ready', () => {
      this.#lastError = undefined;
    });
    // The socket connects within connect_timeout; then Redis must answer the handshake and a
    // PING (a frozen Redis accepts the connection but never answers) within socket_timeout.
    // Calls waiting for this connection are bounded by the watchdog; this bounds the
    // background attempts while stalled.
    const limit = setTimeout(
      () => this.#abandon(client),
      this.#connectTimeoutMs + Math.round(this.#socketTimeout * 1000),
    );
    this.#connecting = client;
    try {
      await client.connect();
      await client.ping();
      if (this.#abandoned.has(client)) throw new Error('abandoned');
    } catch (error) {
      if (client.isOpen) client.destroy();
      throw new CacheUnavailable(
        this.#abandoned.has(client)
          ? this.#stallMessage()
          : `Cannot connect to ${this.#where}: ${reason(error)}`,
        { cause: error },
      );
    } finally {
      clearTimeout(limit);
      if (this.#connecting === client) this.#connecting = undefined;
    }
    connected = true;
    this.#client = client;
    this.#stalled = undefined;
    return client;
  }

  #stallMessage(): string {
    return `${this.#where} did not answer within ${this.#socketTimeout} s (OPTIONS.socket_timeout)`;
  }

  /** Gives up on a client that does not answer: its calls reject at once. */
  #abandon(client: Client): void {
    this.#abandoned.add(client);
    if (client.isOpen) client.destroy();
  }

  /**
   * The watchdog's verdict: calls waited `socket_timeout` without a reply. Drops the
   * connection (so nothing queues behind it), fails its calls, and reconnects in the
   * background; calls fail at once until a new connection answers.
   */
  #stall(): void {
    this.#stalled = this.#stallMessage();
    const client = this.#client;
    this.#client = undefined;
    if (client) this.#abandon(client);
    if (this.#connecting) this.#abandon(this.#connecting);
    this.#reconnect();
  }

  /** While stalled: one background connection attempt at a time, then one a second. */
  #reconnect(): void {
    if (this.#probe || this.#retry) return;
    this.#probe = this.#connect().then(
      () => {
        this.#probe = undefined;
      },
      () => {
        this.#probe = undefined;
        if (this.#stalled === undefined) return;
        this.#retry = setTimeout(() => {
          this.#retry = undefined;
          if (this.#stalled !== undefined) this.#reconnect();
        }, MAX_RECONNECT_DELAY_MS);
        this.#retry.unref();
      },
    );
  }

  /**
   * Runs a command under the watchdog, converting connection failures and stalls into
   * `CacheUnavailable`.
   */
  async #run<T>(command: (client: Client) => Promise<T>): Promise<T> {
    // Loading the driver on first use is no wait for Redis.
    if (!this.#errorReply) await this.#load();
    const watchdog = this.#watchdog;
    watchdog.begin();
    let client: Client | undefined;
    let answered = false;
    try {
      client = await this.#ready();
      const result = await command(client);
      answered = true;
      return result;
    } catch (error) {
      if (error instanceof CacheUnavailable || error instanceof TypeError) throw error;
      if (this.#errorReply && error instanceof this.#errorReply) {
        answered = true;
        // A reply such as WRONGTYPE is a programming error; LOADING or NOAUTH mean "not now".
        if (!TRANSIENT_REPLY.test(error.message)) throw error;
      }
      if (client && this.#abandoned.has(client)) {
        throw new CacheUnavailable(this.#stallMessage(), { cause: error });
      }
      // While offline the driver only says "The client is offline"; the socket error says why.
      const cause =
        this.#offline && error instanceof this.#offline && this.#lastError
          ? this.#lastError
          : error;
      throw new CacheUnavailable(`Lost the connection to ${this.#where}: ${reason(cause)}`, {
        cause: error,
      });
    } finally {
      watchdog.end(answered);
    }
  }

  /** Milliseconds for `SET ... PX`, `null` for no expiry, or 0 for "expire at once". */
  #ttl(timeout: number | null | undefined): number | null {
    const seconds = timeout === undefined ? this.#options.timeout : timeout;
    if (seconds === null) return null;
    checkTimeout(seconds);
    return seconds <= 0 ? 0 : Math.max(1, Math.round(seconds * 1000));
  }

  #key(key: string): string {
    return makeKey(key, this.#options);
  }

  /**
   * Connects now and checks that Redis answers: the start-up check, so an unreachable Redis
   * stops start-up with one clear line. Rejects with `ImproperlyConfigured`:
   * `Cannot connect to Redis at redis://127.0.0.1:6390/0 (CACHES['default']): ECONNREFUSED`.
   *
   * @example
   * await getCache(settings).connect?.();
   */
  async connect(): Promise<void> {
    try {
      await this.#run((client) => client.ping());
    } catch (error) {
      if (error instanceof CacheUnavailable)
        throw new ImproperlyConfigured(error.message, { cause: error });
      throw error;
    }
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const text = await this.#run((client) => client.get(this.#key(key)));
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      // Written by something else (not JSON): a miss, as for any undecodable entry.
      return undefined;
    }
  }

  async set(key: string, value: unknown, timeout?: number | null): Promise<void> {
    const text = encode(value);
    const ttl = this.#ttl(timeout);
    const k = this.#key(key);
    await this.#run(async (client) => {
      // Django: a timeout of 0 or less deletes the key instead of storing it.
      if (ttl === 0) await client.del(k);
      else if (ttl === null) await client.set(k, text);
      else await client.set(k, text, { expiration: { type: 'PX', value: ttl } });
    });
  }

  async add(key: string, value: unknown, timeout?: number | null): Promise<boolean> {
    const text = encode(value);
    const ttl = this.#ttl(timeout);
    const k = this.#key(key);
    return this.#run(async (client) => {
      if (ttl === 0) {
        // Django's add with timeout 0: reports whether it would have stored, stores nothing.
        const stored =
          (await client.set(k, text, { condition: 'NX', expiration: { type: 'PX', value: 1 } })) ===
          'OK';
        if (stored) await client.del(k);
        return stored;
      }
      const reply =
        ttl === null
          ? await client.set(k, text, { condition: 'NX' })
          : await client.set(k, text, { condition: 'NX', expiration: { type: 'PX', value: ttl } });
      return reply === 'OK';
    });
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#run((client) => client.del(this.#key(key)))) > 0;
  }

  async has(key: string): Promise<boolean> {
    return (await this.#run((client) => client.exists(this.#key(key)))) > 0;
  }

  /** The value and the text it is stored as (the version: `GET`). */
  async getVersioned<T = unknown>(key: string): Promise<VersionedValue<T> | undefined> {
    const text = await this.#run((client) => client.get(this.#key(key)));
    if (text === null) return undefined;
    try {
      return { value: JSON.parse(text) as T, version: text };
    } catch {
      return undefined;
    }
  }

  /** One Lua script (`SET_IF_VERSION`): compares the stored text, then sets, atomically. */
  async setIfVersion(
    key: string,
    version: CacheVersion,
    value: unknown,
    timeout?: number | null,
  ): Promise<boolean> {
    if (typeof version !== 'string') return false;
    const text = encode(value);
    const ttl = this.#ttl(timeout);
    const k = this.#key(key);
    const reply = await this.#run((client) =>
      client.eval(SET_IF_VERSION, {
        keys: [k],
        arguments: [version, text, ttl === null ? '' : String(ttl)],
      }),
    );
    return reply === 1;
  }

  /** One Lua script (`DELETE_IF_VERSION`): compares the stored text, then deletes, atomically. */
  async deleteIfVersion(key: string, version: CacheVersion): Promise<boolean> {
    if (typeof version !== 'string') return false;
    const k = this.#key(key);
    const reply = await this.#run((client) =>
      client.eval(DELETE_IF_VERSION, { keys: [k], arguments: [version] }),
    );
    return reply === 1;
  }

  /**
   * One step of a walk over the keys starting with `prefix`: `SCAN <cursor> MATCH
   * <prefix>* COUNT <count>`, then each key's value and `PTTL` in one script (two round
   * trips). The cursor is Redis's; SCAN's guarantee holds (a key present for the whole walk is
   * returned, perhaps twice).
   */
  async scan<T = unknown>(
    prefix: string,
    options: CacheScanOptions = {},
  ): Promise<CacheScanStep<T>> {
    const count = options.count ?? DEFAULT_SCAN_COUNT;
    checkScanCount(count);
    const cursor = options.cursor ?? '0';
    if (typeof cursor !== 'string' || !/^\d{1,20}$/.test(cursor)) {
      throw new TypeError(
        `cache scan cursor must be one a previous scan returned, got ${JSON.stringify(String(cursor).slice(0, 40))}`,
      );
    }
    const head = this.#key('');
    const pattern = `${escapeGlob(head + prefix)}*`;
    return this.#run(async (client) => {
      const step = await client.scan(cursor, { MATCH: pattern, COUNT: count });
      const keys = step.keys.map(String);
      const reply =
        keys.length === 0
          ? []
          : ((await client.eval(GET_WITH_TTL, { keys, arguments: [] })) as unknown[]);
      const entries: CacheScanStep<T>['entries'] = [];
      for (const [i, key] of keys.entries()) {
        const text = String(reply[2 * i] ?? '');
        const pttl = Number(reply[2 * i + 1]);
        if (text === '' || pttl === -2) continue;
        let value: T;
        try {
          value = JSON.parse(text) as T;
        } catch {
          continue; // written by something else (not JSON): a miss, as in get()
        }
        entries.push({ key: key.slice(head.length), value, ttl: pttl === -1 ? null : pttl });
      }
      const next = String(step.cursor);
      return { entries, cursor: next === '0' ? null : next };
    });
  }

  /** `FLUSHDB`: removes every key of this Redis database, whatever its prefix (as Django). */
  async clear(): Promise<void> {
    await this.#run((client) => client.flushDb());
  }

  /**
   * Closes the connection (pending replies first, at most `socket_timeout` from a silent
   * Redis); a later call reconnects.
   */
  async close(): Promise<void> {
    await this.#watchdog.drained();
    // Stop reconnecting in the background.
    const stalled = this.#stalled !== undefined;
    this.#stalled = undefined;
    clearTimeout(this.#retry);
    this.#retry = undefined;
    if (stalled && this.#connecting) this.#abandon(this.#connecting);
    const client =
      this.#client ?? (this.#opening ? await this.#opening.catch(() => undefined) : undefined);
    this.#client = undefined;
    if (!client) return;
    if (client.isReady) await client.close().catch(() => undefined);
    else if (client.isOpen) client.destroy();
  }
}

/**
 * Validates a `redis` `CACHES` entry and resolves its options: `LOCATION` is the URL
 * (required), `OPTIONS.connect_timeout` and `OPTIONS.socket_timeout` in seconds (default 2
 * each), plus the shared `TIMEOUT`, `KEY_PREFIX` and `VERSION`. Mistakes name the setting. No
 * connection is made.
 *
 * @example
 * redisCacheOptions({ BACKEND: 'redis', LOCATION: 'redis://127.0.0.1:6379/0' }, 'default');
 */
export function redisCacheOptions(config: CacheSettings, alias: string): RedisCacheOptions {
  const where = `CACHES['${alias}']`;
  const location = config.LOCATION;
  let url: URL | undefined;
  try {
    url = typeof location === 'string' ? new URL(location) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || !['redis:', 'rediss:'].includes(url.protocol) || !url.hostname) {
    throw new ImproperlyConfigured(
      `${where}.LOCATION must be a Redis URL such as 'redis://127.0.0.1:6379/0', got ${JSON.stringify(location === undefined ? undefined : redactRedisUrl(String(location)))}.`,
    );
  }
  if (url.pathname.length > 1 && !/^\/\d+$/.test(url.pathname)) {
    throw new ImproperlyConfigured(
      `${where}.LOCATION must end with a database number such as /0, got '${redactRedisUrl(location!)}'.`,
    );
  }
  const seconds = (name: 'connect_timeout' | 'socket_timeout', fallback: number): number => {
    const value = config.OPTIONS?.[name];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
      throw new ImproperlyConfigured(
        `${where}.OPTIONS.${name} must be a positive number of seconds, got ${JSON.stringify(value)}.`,
      );
    }
    return value;
  };
  return {
    ...cacheOptions(alias, config),
    location: location!,
    connectTimeout: seconds('connect_timeout', DEFAULT_CONNECT_TIMEOUT),
    socketTimeout: seconds('socket_timeout', DEFAULT_SOCKET_TIMEOUT),
    label: where,
  };
}

/**
 * Builds the `RedisCache` of a `CACHES` entry (see `redisCacheOptions`); it connects on
 * first use.
 *
 * @example
 * redisCacheFromSettings({ BACKEND: 'redis', LOCATION: 'redis://127.0.0.1:6379/0' }, 'default');
 */
export function redisCacheFromSettings(config: CacheSettings, alias: string): RedisCache {
  return new RedisCache(redisCacheOptions(config, alias));
}
