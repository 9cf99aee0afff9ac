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
 * See https://docs.djangoproject.com/en/stable/topics/cache/#redis
 */
import type { createClient } from 'redis';
import { ImproperlyConfigured } from '../conf/errors.js';
import { ServiceUnavailable } from '../core/exceptions.js';
import type { CacheSettings } from '../conf/settings.js';
import { type Cache, type CacheOptions, cacheOptions, DEFAULT_TIMEOUT, makeKey } from './cache.js';

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
  /** Named in error messages, e.g. `CACHES['default']`. Default `'Redis'`. */
  label?: string;
}

/** Longest pause between reconnection attempts while Redis is down, in milliseconds. */
const MAX_RECONNECT_DELAY_MS = 1000;
/** Server replies that mean "not now" rather than "wrong command". */
const TRANSIENT_REPLY =
  /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|READONLY|NOAUTH|WRONGPASS)\b/;

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
  readonly #label: string;
  #client: Client | undefined;
  #opening: Promise<Client> | undefined;
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
    this.#connectTimeoutMs = Math.round((options.connectTimeout ?? 2) * 1000);
    this.#label = options.label ?? 'Redis';
  }

  get #where(): string {
    return `Redis at ${this.address} (${this.#label})`;
  }

  /** The connected (or reconnecting) client; connects when there is none. */
  async #ready(): Promise<Client> {
    if (this.#client?.isOpen) return this.#client;
    this.#client = undefined;
    this.#opening ??= this.#open().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #open(): Promise<Client> {
    const { createClient, ErrorReply, ClientOfflineError } = await import('redis');
    this.#errorReply = ErrorReply;
    this.#offline = ClientOfflineError;
    let connected = false;
    const client = createClient({
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
      this.#lastError = error;
    });
    client.on('ready', () => {
      this.#lastError = undefined;
    });
    try {
      await client.connect();
    } catch (error) {
      if (client.isOpen) client.destroy();
      throw new CacheUnavailable(`Cannot connect to ${this.#where}: ${reason(error)}`, {
        cause: error,
      });
    }
    connected = true;
    this.#client = client;
    return client;
  }

  /** Runs a command, converting connection failures into `CacheUnavailable`. */
  async #run<T>(command: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.#ready();
    try {
      return await command(client);
    } catch (error) {
      if (error instanceof TypeError) throw error;
      // A reply such as WRONGTYPE is a programming error; LOADING or NOAUTH mean "not now".
      if (
        this.#errorReply &&
        error instanceof this.#errorReply &&
        !TRANSIENT_REPLY.test(error.message)
      )
        throw error;
      // While offline the driver only says "The client is offline"; the socket error says why.
      const cause =
        this.#offline && error instanceof this.#offline && this.#lastError
          ? this.#lastError
          : error;
      throw new CacheUnavailable(`Lost the connection to ${this.#where}: ${reason(cause)}`, {
        cause: error,
      });
    }
  }

  /** Milliseconds for `SET ... PX`, `null` for no expiry, or 0 for "expire at once". */
  #ttl(timeout: number | null | undefined): number | null {
    const seconds = timeout === undefined ? this.#options.timeout : timeout;
    if (seconds === null) return null;
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

  /** `FLUSHDB`: removes every key of this Redis database, whatever its prefix (as Django). */
  async clear(): Promise<void> {
    await this.#run((client) => client.flushDb());
  }

  /** Closes the connection (pending replies first); a later call reconnects. */
  async close(): Promise<void> {
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
 * (required), `OPTIONS.connect_timeout` in seconds (default 2), plus the shared `TIMEOUT`,
 * `KEY_PREFIX` and `VERSION`. Mistakes name the setting. No connection is made.
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
  const connectTimeout = config.OPTIONS?.['connect_timeout'];
  if (
    connectTimeout !== undefined &&
    (typeof connectTimeout !== 'number' ||
      !(connectTimeout > 0) ||
      !Number.isFinite(connectTimeout))
  ) {
    throw new ImproperlyConfigured(
      `${where}.OPTIONS.connect_timeout must be a positive number of seconds, got ${JSON.stringify(connectTimeout)}.`,
    );
  }
  return {
    ...cacheOptions(alias, config),
    location: location!,
    connectTimeout: (connectTimeout as number | undefined) ?? 2,
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
