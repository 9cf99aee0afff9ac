import { describe, expect, it } from 'vitest';
import { getCache, closeCaches } from '../../../src/runtime/cache/caches.js';
import { redisCacheOptions } from '../../../src/runtime/cache/redis.js';
import { createEnv, env, ImproperlyConfigured } from '../../../src/runtime/conf/index.js';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { postgresOptions } from '../../../src/runtime/db/postgres.js';

/** The error `fn` throws: an ImproperlyConfigured with a one-line message. */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ImproperlyConfigured);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected an ImproperlyConfigured error');
}

const DATABASE_FORMS =
  'sqlite:///relative/path.sqlite3, sqlite:////absolute/path.sqlite3, sqlite://:memory: or postgres://user:password@host:5432/name';
const CACHE_FORMS = 'redis://host:6379/0, rediss://host:6379/0, locmem:// or dummy://';

describe('env.str', () => {
  it.each([
    ['set', { V: 'value' }, 'fallback', 'value'],
    ['set, kept as it is', { V: '  spaced  ' }, 'fallback', '  spaced  '],
    ['set to the empty string', { V: '' }, 'fallback', ''],
    ['unset', {}, 'fallback', 'fallback'],
  ])('%s', (_case, source, fallback, expected) => {
    expect(createEnv(source).str('V', fallback)).toBe(expected);
  });

  it('refuses an unset variable without a default, naming it', () => {
    expect(failure(() => createEnv({}).str('TANGO_SECRET_KEY'))).toBe(
      'The TANGO_SECRET_KEY environment variable is not set; it must be a string.',
    );
  });
});

describe('env.bool', () => {
  it.each([
    ...['true', 'TRUE', 'True', '1', 'yes', 'YES', 'on', 'On', ' true '].map(
      (text) => [text, true] as const,
    ),
    ...['false', 'FALSE', '0', 'no', 'No', 'off', 'OFF', '\tfalse\n'].map(
      (text) => [text, false] as const,
    ),
  ])('reads %j as %s', (text, expected) => {
    expect(createEnv({ TANGO_DEBUG: text }).bool('TANGO_DEBUG', !expected)).toBe(expected);
  });

  it.each([[true], [false]])('uses the default %s when unset', (fallback) => {
    expect(createEnv({}).bool('TANGO_DEBUG', fallback)).toBe(fallback);
  });

  it.each(['', 'maybe', 'y', 'n', 't', '2', 'ok', 'truee', 'yes please'])(
    'refuses %j, naming the variable and the spellings',
    (text) => {
      expect(failure(() => createEnv({ TANGO_DEBUG: text }).bool('TANGO_DEBUG', true))).toBe(
        `The TANGO_DEBUG environment variable must be true or false (also 1/0, yes/no, on/off), got ${JSON.stringify(text)}.`,
      );
    },
  );

  it('refuses an unset variable without a default', () => {
    expect(failure(() => createEnv({}).bool('TANGO_DEBUG'))).toBe(
      'The TANGO_DEBUG environment variable is not set; it must be true or false (also 1/0, yes/no, on/off).',
    );
  });
});

describe('env.int', () => {
  it.each([
    ['0', 0],
    ['300', 300],
    [' 31536000 ', 31536000],
    ['-1', -1],
    ['+5', 5],
  ])('reads %j as %d', (text, expected) => {
    expect(createEnv({ N: text }).int('N', 7)).toBe(expected);
  });

  it('uses the default when unset', () => {
    expect(createEnv({}).int('N', 7)).toBe(7);
  });

  it.each(['', '1.5', '1e3', '0x10', 'ten', '9007199254740993', '3 600'])('refuses %j', (text) => {
    expect(failure(() => createEnv({ N: text }).int('N', 7))).toBe(
      `The N environment variable must be a whole number such as 300, got ${JSON.stringify(text)}.`,
    );
  });
});

describe('env.list', () => {
  it.each([
    ['example.com', ['example.com']],
    ['example.com,www.example.com', ['example.com', 'www.example.com']],
    [' example.com , .example.org ,', ['example.com', '.example.org']],
    [',,a,,b,,', ['a', 'b']],
    ['', []],
    [' , ', []],
  ])('reads %j as %j', (text, expected) => {
    expect(createEnv({ L: text }).list('L', ['default'])).toEqual(expected);
  });

  it('uses a copy of the default when unset', () => {
    const fallback = ['a'];
    const value = createEnv({}).list('L', fallback);
    expect(value).toEqual(['a']);
    expect(value).not.toBe(fallback);
  });

  it('refuses an unset variable without a default', () => {
    expect(failure(() => createEnv({}).list('TANGO_ALLOWED_HOSTS'))).toBe(
      'The TANGO_ALLOWED_HOSTS environment variable is not set; it must be a comma-separated list.',
    );
  });
});

describe('env.databaseUrl', () => {
  it.each([
    ['sqlite:///db.sqlite3', { ENGINE: 'sqlite', NAME: 'db.sqlite3' }],
    ['sqlite:///data/site.sqlite3', { ENGINE: 'sqlite', NAME: 'data/site.sqlite3' }],
    ['sqlite:////var/lib/site/db.sqlite3', { ENGINE: 'sqlite', NAME: '/var/lib/site/db.sqlite3' }],
    ['sqlite:///my%20site.sqlite3', { ENGINE: 'sqlite', NAME: 'my site.sqlite3' }],
    ['sqlite://:memory:', { ENGINE: 'sqlite', NAME: ':memory:' }],
    ['sqlite:///:memory:', { ENGINE: 'sqlite', NAME: ':memory:' }],
    [
      'sqlite:///db.sqlite3?timeout=20',
      { ENGINE: 'sqlite', NAME: 'db.sqlite3', OPTIONS: { timeout: 20 } },
    ],
    [
      'postgres://app:secret@db.internal:5432/site',
      { ENGINE: 'postgresql', URL: 'postgres://app:secret@db.internal:5432/site' },
    ],
    [
      'postgresql://app@127.0.0.1/site',
      { ENGINE: 'postgresql', URL: 'postgresql://app@127.0.0.1/site' },
    ],
    [
      'postgres://app:p%40ss@db/site?sslmode=require&connect_timeout=3&query_timeout=10&pool_max_size=20&application_name=web',
      {
        ENGINE: 'postgresql',
        URL: 'postgres://app:p%40ss@db/site?sslmode=require&application_name=web',
        OPTIONS: { connect_timeout: 3, query_timeout: 10, pool: { max_size: 20 } },
      },
    ],
    [
      'postgres:///site?host=/var/run/postgresql',
      { ENGINE: 'postgresql', URL: 'postgres:///site?host=%2Fvar%2Frun%2Fpostgresql' },
    ],
  ])('reads %s', (text, expected) => {
    expect(createEnv({ DATABASE_URL: text }).databaseUrl('DATABASE_URL')).toEqual(expected);
  });

  it('reads DATABASE_URL by default, and parses the default URL when it is unset', () => {
    expect(createEnv({ DATABASE_URL: 'sqlite:///a.sqlite3' }).databaseUrl()).toEqual({
      ENGINE: 'sqlite',
      NAME: 'a.sqlite3',
    });
    expect(createEnv({}).databaseUrl('DATABASE_URL', 'sqlite:///db.sqlite3')).toEqual({
      ENGINE: 'sqlite',
      NAME: 'db.sqlite3',
    });
  });

  it.each([
    ['', `must be ${DATABASE_FORMS}, got "".`],
    ['db.sqlite3', `must be ${DATABASE_FORMS}, got "db.sqlite3".`],
    ['mysql://app:secret@db/site', `must be ${DATABASE_FORMS}, got "mysql://app@db/site".`],
    [
      'postgres://app:secret@db:notaport/site',
      `must be ${DATABASE_FORMS}, got "postgres://app@db:notaport/site".`,
    ],
    // A password with an unescaped `/`, `#`, `?` or `@` (what made the URL malformed) is
    // never shown, not even in part.
    ['postgres://app:se/cret@db/site', `must be ${DATABASE_FORMS}, got "postgres://app@db/site".`],
    [
      'postgres://app:se#cret@db:notaport/site',
      `must be ${DATABASE_FORMS}, got "postgres://app@db:notaport/site".`,
    ],
    ['postgres://app:s?cret@db/site', `must be ${DATABASE_FORMS}, got "postgres://app@db/site".`],
    [
      'postgres://app:p@ss@db:notaport/site',
      `must be ${DATABASE_FORMS}, got "postgres://app@db:notaport/site".`,
    ],
    ['sqlite://', 'must name a file, got "sqlite://".'],
    ['sqlite:///', 'must name a file, got "sqlite:///".'],
    ['sqlite://host/db.sqlite3', 'must name a file, got "sqlite://host/db.sqlite3".'],
    [
      'sqlite:///%E0%A4%A.sqlite3',
      'has a malformed %-escape in its path, got "sqlite:///%E0%A4%A.sqlite3".',
    ],
    [
      'sqlite:///db.sqlite3?timeout=soon',
      'has timeout="soon"; it must be a number of seconds, got "sqlite:///db.sqlite3?timeout=soon".',
    ],
    [
      'sqlite:///db.sqlite3?journal=wal',
      `has an unknown option 'journal' (sqlite URLs take timeout), got "sqlite:///db.sqlite3?journal=wal".`,
    ],
    ['postgres:///site', 'must name a host, got "postgres:///site".'],
    [
      'postgres://app:secret@db/site?connect_timeout=0',
      'has connect_timeout="0"; it must be a positive number of seconds, got "postgres://app@db/site?connect_timeout=0".',
    ],
    [
      'postgres://db/site?query_timeout=-1',
      'has query_timeout="-1"; it must be a positive number of seconds, got "postgres://db/site?query_timeout=-1".',
    ],
    [
      'postgres://db/site?pool_max_size=0',
      'has pool_max_size="0"; it must be a positive whole number, got "postgres://db/site?pool_max_size=0".',
    ],
  ])('refuses %j', (text, reason) => {
    expect(failure(() => createEnv({ DATABASE_URL: text }).databaseUrl('DATABASE_URL'))).toBe(
      `The DATABASE_URL environment variable ${reason}`,
    );
  });

  it('names a malformed default as the default, and an unset variable without one', () => {
    expect(failure(() => createEnv({}).databaseUrl('DATABASE_URL', 'db.sqlite3'))).toBe(
      `The default of DATABASE_URL must be ${DATABASE_FORMS}, got "db.sqlite3".`,
    );
    expect(failure(() => createEnv({}).databaseUrl())).toBe(
      `The DATABASE_URL environment variable is not set; it must be ${DATABASE_FORMS}.`,
    );
  });

  it('gives PostgreSQL entries the backend accepts, with the options it reads', () => {
    const entry = createEnv({
      DATABASE_URL:
        'postgres://app:secret@127.0.0.1:5433/site?connect_timeout=3&query_timeout=7&pool_max_size=4',
    }).databaseUrl();
    if (entry.ENGINE !== 'postgresql') throw new Error('expected postgresql');
    expect(postgresOptions(entry, 'default')).toMatchObject({
      url: 'postgres://app:secret@127.0.0.1:5433/site',
      connectTimeout: 3,
      queryTimeout: 7,
      maxConnections: 4,
    });
  });

  it('gives SQLite entries defineSettings accepts', () => {
    const settings = defineSettings({
      BASE_DIR: '/srv/site',
      SECRET_KEY: 'k',
      DATABASES: {
        default: createEnv({ DATABASE_URL: 'sqlite:///db.sqlite3?timeout=5' }).databaseUrl(),
      },
    });
    expect(settings.DATABASES.default).toEqual({
      ENGINE: 'sqlite',
      NAME: 'db.sqlite3',
      OPTIONS: { timeout: 5 },
    });
  });
});

describe('env.cacheUrl', () => {
  it.each([
    ['redis://127.0.0.1:6379/0', { BACKEND: 'redis', LOCATION: 'redis://127.0.0.1:6379/0' }],
    ['redis://cache.internal', { BACKEND: 'redis', LOCATION: 'redis://cache.internal' }],
    [
      'rediss://user:secret@cache.internal:6380/2',
      { BACKEND: 'redis', LOCATION: 'rediss://user:secret@cache.internal:6380/2' },
    ],
    [
      'redis://127.0.0.1:6379/1?timeout=600&key_prefix=site&connect_timeout=1&socket_timeout=0.5',
      {
        BACKEND: 'redis',
        LOCATION: 'redis://127.0.0.1:6379/1',
        TIMEOUT: 600,
        KEY_PREFIX: 'site',
        OPTIONS: { connect_timeout: 1, socket_timeout: 0.5 },
      },
    ],
    [
      'redis://127.0.0.1/0?timeout=none',
      { BACKEND: 'redis', LOCATION: 'redis://127.0.0.1/0', TIMEOUT: null },
    ],
    ['locmem://', { BACKEND: 'locmem' }],
    ['locmem://sessions', { BACKEND: 'locmem', LOCATION: 'sessions' }],
    [
      'locmem://?max_entries=10000&cull_frequency=4',
      { BACKEND: 'locmem', OPTIONS: { MAX_ENTRIES: 10000, CULL_FREQUENCY: 4 } },
    ],
    ['dummy://', { BACKEND: 'dummy' }],
    ['dummy://?timeout=0', { BACKEND: 'dummy', TIMEOUT: 0 }],
  ])('reads %s', (text, expected) => {
    expect(createEnv({ CACHE_URL: text }).cacheUrl('CACHE_URL')).toEqual(expected);
  });

  it('reads CACHE_URL by default, and parses the default URL when it is unset', () => {
    expect(createEnv({ CACHE_URL: 'dummy://' }).cacheUrl()).toEqual({ BACKEND: 'dummy' });
    expect(createEnv({}).cacheUrl('CACHE_URL', 'locmem://')).toEqual({ BACKEND: 'locmem' });
  });

  it.each([
    ['', `must be ${CACHE_FORMS}, got "".`],
    ['127.0.0.1:6379', `must be ${CACHE_FORMS}, got "127.0.0.1:6379".`],
    ['memcached://127.0.0.1:11211', `must be ${CACHE_FORMS}, got "memcached://127.0.0.1:11211".`],
    ['redis:///0', 'must name a host, got "redis:///0".'],
    ['redis://:secret@/0', `must be ${CACHE_FORMS}, got "redis://@/0".`],
    [
      'redis://:secret@cache/sessions',
      'must end with a database number such as /0, got "redis://@cache/sessions".',
    ],
    ['locmem:///x', 'takes no path, got "locmem:///x".'],
    ['dummy://host', 'takes no host, got "dummy://host".'],
    [
      'redis://cache/0?socket_timeout=0',
      'has socket_timeout="0"; it must be a positive number of seconds, got "redis://cache/0?socket_timeout=0".',
    ],
    [
      'redis://cache/0?timeout=forever',
      `has timeout="forever"; it must be a number of seconds, or 'none' for never, got "redis://cache/0?timeout=forever".`,
    ],
    [
      'redis://cache/0?max_entries=5',
      `has an unknown option 'max_entries' (redis URLs take timeout, key_prefix, connect_timeout, socket_timeout), got "redis://cache/0?max_entries=5".`,
    ],
    [
      'locmem://?max_entries=0',
      'has max_entries="0"; it must be a positive whole number, got "locmem://?max_entries=0".',
    ],
    [
      'dummy://?socket_timeout=1',
      `has an unknown option 'socket_timeout' (dummy URLs take timeout, key_prefix), got "dummy://?socket_timeout=1".`,
    ],
  ])('refuses %j', (text, reason) => {
    expect(failure(() => createEnv({ CACHE_URL: text }).cacheUrl('CACHE_URL'))).toBe(
      `The CACHE_URL environment variable ${reason}`,
    );
  });

  it('gives entries the cache backends accept', async () => {
    const redis = createEnv({
      CACHE_URL: 'rediss://u:p@127.0.0.1:6380/3?connect_timeout=1&socket_timeout=4&key_prefix=x',
    }).cacheUrl();
    expect(redisCacheOptions(redis, 'default')).toMatchObject({
      location: 'rediss://u:p@127.0.0.1:6380/3',
      connectTimeout: 1,
      socketTimeout: 4,
      keyPrefix: 'x',
    });
    const settings = defineSettings({
      BASE_DIR: '/srv/site',
      SECRET_KEY: 'k',
      CACHES: {
        default: createEnv({ CACHE_URL: 'locmem://?max_entries=2&cull_frequency=0' }).cacheUrl(),
      },
    });
    try {
      const cache = getCache(settings);
      await cache.set('a', 1);
      await cache.set('b', 2);
      await cache.set('c', 3);
      // MAX_ENTRIES 2 with CULL_FREQUENCY 0 clears the whole cache when it is full.
      expect(await cache.get('a')).toBeUndefined();
      expect(await cache.get('c')).toBe(3);
    } finally {
      await closeCaches();
    }
  });
});

describe('env.proxySslHeader', () => {
  it.each([
    ['X-Forwarded-Proto,https', ['X-Forwarded-Proto', 'https']],
    [' X-Forwarded-Proto , https ', ['X-Forwarded-Proto', 'https']],
    ['X-Forwarded-Ssl,on', ['X-Forwarded-Ssl', 'on']],
  ])('reads %j', (text, expected) => {
    expect(createEnv({ H: text }).proxySslHeader('H')).toEqual(expected);
  });

  it('is null (or the default) when unset', () => {
    expect(createEnv({}).proxySslHeader('H')).toBeNull();
    expect(createEnv({}).proxySslHeader('H', ['X-Scheme', 'https'])).toEqual(['X-Scheme', 'https']);
  });

  it.each([
    '',
    'X-Forwarded-Proto',
    'X-Forwarded-Proto,',
    'X-Forwarded-Proto,https,http',
    'X Forwarded,https',
    'HTTP_X_FORWARDED_PROTO,https',
  ])('refuses %j', (text) => {
    expect(failure(() => createEnv({ H: text }).proxySslHeader('H'))).toBe(
      `The H environment variable must be a header name and a value separated by a comma, such as X-Forwarded-Proto,https, got ${JSON.stringify(text)}.`,
    );
  });
});

describe('env', () => {
  it('reads process.env at each call', () => {
    const name = 'TANGO_ENV_TEST_VARIABLE';
    try {
      process.env.TANGO_ENV_TEST_VARIABLE = 'yes';
      expect(env.bool(name, false)).toBe(true);
      process.env.TANGO_ENV_TEST_VARIABLE = 'off';
      expect(env.bool(name, true)).toBe(false);
    } finally {
      delete process.env.TANGO_ENV_TEST_VARIABLE;
    }
    expect(env.bool(name, true)).toBe(true);
  });
});
