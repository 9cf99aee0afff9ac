/**
 * `env`: typed readers of environment variables for a project's `settings.ts`, so what differs
 * between machines (the secret key, DEBUG, the hosts, the database and the cache) comes from
 * the environment while the settings file stays the same everywhere (The Twelve-Factor App's
 * "config"; Django projects do this with django-environ's `Env`, whose spellings these follow).
 *
 * Each reader takes the variable's name and a default used when the variable is unset. Without
 * a default an unset variable is an error. A variable that is set but malformed is an error
 * too, never a silent fallback: `ImproperlyConfigured`, one line naming the variable and the
 * forms it accepts, which `manage.ts` prints without a stack trace. A variable set to the empty
 * string is set: `str` returns `''`, `list` returns `[]`, and the other readers refuse it.
 *
 * This module reads `process.env` (or the object given to `createEnv`) and nothing else; it
 * loads no `.env` file: the generated `manage.ts` does that, before any setting is read
 * (docs/deployment.md).
 */
import { ImproperlyConfigured } from './errors.js';
import type { CacheSettings, DatabaseSettings } from './settings.js';

/** Where variables are read from: `process.env` or a plain object (tests). */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** The readers `env` and `createEnv()` return. */
export interface Env {
  /**
   * The variable as it is.
   *
   * @example
   * SECRET_KEY: env.str('TANGO_SECRET_KEY', 'tango-insecure-...'),
   */
  str(name: string, fallback?: string): string;
  /**
   * `true`, `1`, `yes`, `on` or `false`, `0`, `no`, `off` (any case, django-environ's
   * spellings); anything else is refused.
   *
   * @example
   * DEBUG: env.bool('TANGO_DEBUG', true),
   */
  bool(name: string, fallback?: boolean): boolean;
  /**
   * A whole number in decimal (`300`, `-1`).
   *
   * @example
   * SECURE_HSTS_SECONDS: env.int('TANGO_SECURE_HSTS_SECONDS', 0),
   */
  int(name: string, fallback?: number): number;
  /**
   * Comma-separated values, each trimmed, empty ones dropped: `'a.example, b.example,'` is
   * `['a.example', 'b.example']`.
   *
   * @example
   * ALLOWED_HOSTS: env.list('TANGO_ALLOWED_HOSTS', []),
   */
  list(name: string, fallback?: readonly string[]): string[];
  /**
   * A database URL as a `DATABASES` entry (dj-database-url's forms):
   * `sqlite:///relative/path.sqlite3` (relative to `BASE_DIR`), `sqlite:////absolute/path`,
   * `sqlite://:memory:`, `postgres://user:password@host:5432/name` or `postgresql://...`. Query
   * options: SQLite's `timeout`; PostgreSQL's `connect_timeout`, `query_timeout` and
   * `pool_max_size` (Tango's `OPTIONS`), any other (`sslmode`, `application_name`) stays in
   * the URL for the driver.
   *
   * @example
   * env.databaseUrl('DATABASE_URL', 'sqlite:///db.sqlite3'); // { ENGINE: 'sqlite', NAME: 'db.sqlite3' }
   */
  databaseUrl(name?: string, fallback?: string): DatabaseSettings;
  /**
   * A cache URL as a `CACHES` entry: `redis://[user:password@]host:6379/0`, `rediss://...`
   * (TLS), `locmem://` (or `locmem://name`) or `dummy://`. Query options: `timeout` (seconds,
   * or `none` for never) and `key_prefix` for every backend, Redis's `connect_timeout` and
   * `socket_timeout`, locmem's `max_entries` and `cull_frequency`.
   *
   * @example
   * env.cacheUrl('CACHE_URL', 'locmem://'); // { BACKEND: 'locmem' }
   */
  cacheUrl(name?: string, fallback?: string): CacheSettings;
  /**
   * `SECURE_PROXY_SSL_HEADER` from `Header-Name,value` (`X-Forwarded-Proto,https`), or `null`
   * when unset and no default is given. Set it only behind a proxy that always sets (or
   * strips) that header: otherwise any client can claim to be on HTTPS.
   *
   * @example
   * SECURE_PROXY_SSL_HEADER: env.proxySslHeader('TANGO_SECURE_PROXY_SSL_HEADER'),
   */
  proxySslHeader(name: string, fallback?: [string, string] | null): [string, string] | null;
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

const BOOL_FORMS = 'true or false (also 1/0, yes/no, on/off)';
const INT_FORMS = 'a whole number such as 300';
const DATABASE_FORMS =
  'sqlite:///relative/path.sqlite3, sqlite:////absolute/path.sqlite3, sqlite://:memory: or postgres://user:password@host:5432/name';
const CACHE_FORMS = 'redis://host:6379/0, rediss://host:6379/0, locmem:// or dummy://';
const HEADER_FORMS =
  'a header name and a value separated by a comma, such as X-Forwarded-Proto,https';

/**
 * A URL for messages: without its password, as the backends print theirs. Everything up to the
 * last `@` goes, since a password that makes the URL malformed is often one with an unescaped
 * `/`, `?`, `#` or `@` in it (a message may hide too much of the rest, never the password).
 */
function redact(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[\s\S]*@/i, '$1@');
}

/** The value as a message shows it: quoted and escaped, so the message stays one line. */
function shown(value: string): string {
  return JSON.stringify(value);
}

/** A `seconds`-style option value: a positive finite number (`0` is allowed when `zero`). */
function parseSeconds(text: string, zero = false): number | undefined {
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) && (zero ? value >= 0 : value > 0) ? value : undefined;
}

function parseInteger(text: string, min: number): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= min ? value : undefined;
}

/** One query option of a URL: what it must be (for the message) and where it goes. */
interface UrlOption<T> {
  expected: string;
  apply(entry: T, text: string): boolean;
}

type Fail = (reason: string) => never;

/** Applies a URL's query options to `entry`; an unknown or malformed one fails. */
function applyOptions<T>(
  query: URLSearchParams,
  options: Readonly<Record<string, UrlOption<T>>>,
  entry: T,
  kind: string,
  fail: Fail,
): void {
  for (const [key, text] of query) {
    const option = Object.hasOwn(options, key) ? options[key] : undefined;
    if (!option) {
      const known = Object.keys(options);
      fail(
        `has an unknown option '${key}' (${kind} URLs take ${known.length ? known.join(', ') : 'none'})`,
      );
    }
    if (!option.apply(entry, text))
      fail(`has ${key}=${shown(text)}; it must be ${option.expected}`);
  }
}

function secondsOption<T>(set: (entry: T, value: number) => void, zero = false): UrlOption<T> {
  return {
    expected: zero ? 'a number of seconds' : 'a positive number of seconds',
    apply(entry, text) {
      const value = parseSeconds(text, zero);
      if (value === undefined) return false;
      set(entry, value);
      return true;
    },
  };
}

function integerOption<T>(set: (entry: T, value: number) => void, min: number): UrlOption<T> {
  return {
    expected: min > 0 ? 'a positive whole number' : 'a whole number',
    apply(entry, text) {
      const value = parseInteger(text, min);
      if (value === undefined) return false;
      set(entry, value);
      return true;
    },
  };
}

type SqliteEntry = Extract<DatabaseSettings, { ENGINE: 'sqlite' }>;
type PostgresEntry = Extract<DatabaseSettings, { ENGINE: 'postgresql' }>;

const SQLITE_OPTIONS: Record<string, UrlOption<SqliteEntry>> = {
  timeout: secondsOption((e, v) => (e.OPTIONS = { ...e.OPTIONS, timeout: v }), true),
};

/** PostgreSQL options that are Tango's `OPTIONS`; they are taken out of the driver's URL. */
const POSTGRES_OPTIONS: Record<string, UrlOption<PostgresEntry>> = {
  connect_timeout: secondsOption((e, v) => (e.OPTIONS = { ...e.OPTIONS, connect_timeout: v })),
  query_timeout: secondsOption((e, v) => (e.OPTIONS = { ...e.OPTIONS, query_timeout: v })),
  pool_max_size: integerOption((e, v) => (e.OPTIONS = { ...e.OPTIONS, pool: { max_size: v } }), 1),
};

function sqliteEntry(value: string, fail: Fail): SqliteEntry {
  const query = value.indexOf('?');
  const rest = value.slice('sqlite://'.length, query === -1 ? undefined : query);
  const entry: SqliteEntry = { ENGINE: 'sqlite', NAME: '' };
  if (rest === ':memory:' || rest === '/:memory:') {
    entry.NAME = ':memory:';
  } else {
    // sqlite:///name is "no host, path name"; sqlite:////abs is the absolute path /abs.
    if (!rest.startsWith('/') || rest.length < 2) fail('must name a file');
    try {
      entry.NAME = decodeURIComponent(rest.slice(1));
    } catch {
      fail('has a malformed %-escape in its path');
    }
  }
  if (query !== -1) {
    applyOptions(
      new URLSearchParams(value.slice(query + 1)),
      SQLITE_OPTIONS,
      entry,
      'sqlite',
      fail,
    );
  }
  return entry;
}

function postgresEntry(value: string, fail: Fail): PostgresEntry {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail('');
  }
  if (!url.hostname && !url.searchParams.has('host')) fail('must name a host');
  const entry: PostgresEntry = { ENGINE: 'postgresql', URL: '' };
  const ours = new URLSearchParams();
  const driver = new URLSearchParams();
  for (const [key, text] of url.searchParams) {
    (Object.hasOwn(POSTGRES_OPTIONS, key) ? ours : driver).append(key, text);
  }
  applyOptions(ours, POSTGRES_OPTIONS, entry, 'postgres', fail);
  url.search = driver.toString();
  entry.URL = url.toString();
  return entry;
}

/** Options every cache backend takes (`TIMEOUT`, `KEY_PREFIX`). */
const COMMON_CACHE_OPTIONS: Record<string, UrlOption<CacheSettings>> = {
  timeout: {
    expected: "a number of seconds, or 'none' for never",
    apply(entry, text) {
      const value = text.toLowerCase() === 'none' ? null : parseSeconds(text, true);
      if (value === undefined) return false;
      entry.TIMEOUT = value;
      return true;
    },
  },
  key_prefix: {
    expected: 'a string',
    apply(entry, text) {
      entry.KEY_PREFIX = text;
      return true;
    },
  },
};

const CACHE_OPTIONS: Record<CacheSettings['BACKEND'], Record<string, UrlOption<CacheSettings>>> = {
  redis: {
    ...COMMON_CACHE_OPTIONS,
    connect_timeout: secondsOption((e, v) => (e.OPTIONS = { ...e.OPTIONS, connect_timeout: v })),
    socket_timeout: secondsOption((e, v) => (e.OPTIONS = { ...e.OPTIONS, socket_timeout: v })),
  },
  locmem: {
    ...COMMON_CACHE_OPTIONS,
    max_entries: integerOption((e, v) => (e.OPTIONS = { ...e.OPTIONS, MAX_ENTRIES: v }), 1),
    cull_frequency: integerOption((e, v) => (e.OPTIONS = { ...e.OPTIONS, CULL_FREQUENCY: v }), 0),
  },
  dummy: { ...COMMON_CACHE_OPTIONS },
};

function cacheEntry(value: string, fail: Fail): CacheSettings {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail('');
  }
  const scheme = url.protocol.slice(0, -1);
  let entry: CacheSettings;
  if (scheme === 'redis' || scheme === 'rediss') {
    if (!url.hostname) fail('must name a host');
    if (url.pathname.length > 1 && !/^\/\d+$/.test(url.pathname))
      fail('must end with a database number such as /0');
    entry = { BACKEND: 'redis', LOCATION: '' };
  } else if (scheme === 'locmem' || scheme === 'dummy') {
    if (url.pathname && url.pathname !== '/') fail('takes no path');
    entry = { BACKEND: scheme };
    if (scheme === 'locmem' && url.hostname) entry.LOCATION = decodeURIComponent(url.hostname);
    if (scheme === 'dummy' && url.host) fail('takes no host');
  } else {
    return fail('');
  }
  applyOptions(url.searchParams, CACHE_OPTIONS[entry.BACKEND], entry, scheme, fail);
  if (entry.BACKEND === 'redis') {
    url.search = '';
    entry.LOCATION = url.toString();
  }
  return entry;
}

/**
 * Readers over `source` (default `process.env`, read at each call). `env` is
 * `createEnv()`; tests pass a plain object.
 *
 * @example
 * const e = createEnv({ TANGO_DEBUG: 'off' });
 * e.bool('TANGO_DEBUG', true); // false
 */
export function createEnv(source: EnvSource = process.env): Env {
  /** The raw value, or the default as text; `undefined` when neither exists. */
  const read = <T>(
    name: string,
    fallback: T | undefined,
    expected: string,
  ): { text: string; origin: string } | { value: T } => {
    const text = source[name];
    if (text !== undefined) return { text, origin: `The ${name} environment variable` };
    if (fallback !== undefined) return { value: fallback };
    throw new ImproperlyConfigured(
      `The ${name} environment variable is not set; it must be ${expected}.`,
    );
  };
  const refuse = (origin: string, expected: string, text: string): never => {
    throw new ImproperlyConfigured(`${origin} must be ${expected}, got ${shown(text)}.`);
  };

  /** Parses a URL variable (or its URL default) with `parse`; `origin` names it in messages. */
  const url = <T>(
    name: string,
    fallback: string | undefined,
    forms: string,
    parse: (value: string, fail: Fail) => T,
  ): T => {
    const got = read(name, fallback, forms);
    const [text, origin] =
      'text' in got ? [got.text, got.origin] : [got.value, `The default of ${name}`];
    const fail: Fail = (reason) => {
      throw new ImproperlyConfigured(
        reason
          ? `${origin} ${reason}, got ${shown(redact(text))}.`
          : `${origin} must be ${forms}, got ${shown(redact(text))}.`,
      );
    };
    return parse(text.trim(), fail);
  };

  return {
    str(name, fallback) {
      const got = read(name, fallback, 'a string');
      return 'text' in got ? got.text : got.value;
    },
    bool(name, fallback) {
      const got = read(name, fallback, BOOL_FORMS);
      if (!('text' in got)) return got.value;
      const word = got.text.trim().toLowerCase();
      if (TRUE.has(word)) return true;
      if (FALSE.has(word)) return false;
      return refuse(got.origin, BOOL_FORMS, got.text);
    },
    int(name, fallback) {
      const got = read(name, fallback, INT_FORMS);
      if (!('text' in got)) return got.value;
      const text = got.text.trim();
      const value = Number(text);
      if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(value))
        refuse(got.origin, INT_FORMS, got.text);
      return value;
    },
    list(name, fallback) {
      const got = read(name, fallback, 'a comma-separated list');
      if (!('text' in got)) return [...got.value];
      return got.text
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    },
    databaseUrl(name = 'DATABASE_URL', fallback) {
      return url(name, fallback, DATABASE_FORMS, (value, fail) => {
        if (/^sqlite:\/\//i.test(value)) return sqliteEntry(value, fail);
        if (/^postgres(ql)?:\/\//i.test(value)) return postgresEntry(value, fail);
        return fail('');
      });
    },
    cacheUrl(name = 'CACHE_URL', fallback) {
      return url(name, fallback, CACHE_FORMS, cacheEntry);
    },
    proxySslHeader(name, fallback = null) {
      const text = source[name];
      if (text === undefined) return fallback;
      const parts = text.split(',').map((part) => part.trim());
      if (parts.length !== 2 || !/^[A-Za-z0-9-]+$/.test(parts[0]!) || !parts[1]) {
        refuse(`The ${name} environment variable`, HEADER_FORMS, text);
      }
      return [parts[0]!, parts[1]!];
    },
  };
}

/**
 * The readers over `process.env`, for `settings.ts`.
 *
 * @example
 * import { defineSettings, env } from 'tango/conf';
 * export default defineSettings({
 *   BASE_DIR,
 *   SECRET_KEY: env.str('TANGO_SECRET_KEY', 'tango-insecure-...'),
 *   DEBUG: env.bool('TANGO_DEBUG', true),
 *   ALLOWED_HOSTS: env.list('TANGO_ALLOWED_HOSTS', []),
 *   DATABASES: { default: env.databaseUrl('DATABASE_URL', 'sqlite:///db.sqlite3') },
 *   CACHES: { default: env.cacheUrl('CACHE_URL', 'locmem://') },
 * });
 */
export const env: Env = createEnv();
