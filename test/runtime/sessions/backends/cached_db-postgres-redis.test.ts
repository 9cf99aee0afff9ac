/**
 * The `cached_db` engine on PostgreSQL + Redis (issue 7): the shared store contract suite, the
 * write-through copy in Redis, reads refilled from PostgreSQL, and a Redis outage that
 * costs nothing but speed — against a real cluster and redis-server started for this file.
 */
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisCache } from '../../../../src/runtime/cache/index.js';
import { setLogSink } from '../../../../src/runtime/core/log.js';
import { migrate, PostgresConnection } from '../../../../src/runtime/db/index.js';
import {
  CACHED_DB_KEY_PREFIX,
  CachedDatabaseStore,
} from '../../../../src/runtime/sessions/backends/cached_db.js';
import { DatabaseStore } from '../../../../src/runtime/sessions/backends/db.js';
import { decodeSessionData } from '../../../../src/runtime/sessions/encoding.js';
import { migrations } from '../../../../src/runtime/sessions/migrations/index.js';
import {
  type PostgresService,
  type RedisService,
  serviceSupport,
  startPostgres,
  startRedis,
} from '../../../support/services.js';
import { describeServerSideStoreContract } from '../store-contract.js';
import { d, plain } from '../data.js';

const KEYS = { key: 'cached-db-pg-redis-secret', fallbackKeys: [] };
const HOUR = 3_600_000;
const available = serviceSupport('postgresql').available && serviceSupport('redis').available;

describe.skipIf(!available)('cached_db engine on PostgreSQL + Redis', () => {
  let pg: PostgresService;
  let redis: RedisService;
  let raw: ReturnType<typeof createClient>;

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const setup = new PostgresConnection({ url: pg.url });
    const sessionsApp = {
      name: 'tango.sessions',
      label: 'sessions',
      path: '/nonexistent',
      templatesDir: undefined,
      migrationsDir: undefined,
      migrations,
    };
    await migrate(setup, { apps: [sessionsApp] }, {}, { write: () => undefined });
    await setup.close();
    raw = createClient({ url: redis.url });
    raw.on('error', () => undefined);
    await raw.connect();
  });
  afterAll(async () => {
    raw?.destroy();
    await Promise.all([pg?.close(), redis?.close()]);
  });

  /** A store on fresh connections over an empty table and an empty Redis database. */
  async function freshStore(now?: () => number) {
    const db = new PostgresConnection({ url: pg.url });
    await db.run('TRUNCATE django_session');
    await db.run('DROP TABLE IF EXISTS tango_session_user'); // sessions per user: rebuilt on use
    await raw.flushDb();
    const cache = new RedisCache({ location: redis.url, label: "CACHES['default']" });
    const store = new CachedDatabaseStore(db, cache, { keys: KEYS, now });
    return { db, cache, store, cleanup: () => store.close() };
  }

  describeServerSideStoreContract('cached_db (PostgreSQL + Redis)', async ({ now }) => {
    const { store, cleanup } = await freshStore(now);
    return { store, cleanup };
  });

  describe('specifics', () => {
    let fixture: Awaited<ReturnType<typeof freshStore>>;
    beforeEach(async () => {
      fixture = await freshStore();
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    /** The data of the cached copy (the row's encoded session_data, as a JSON string). */
    async function cached(redisKey: string): Promise<Record<string, unknown> | null> {
      const text = await raw.get(redisKey);
      return text === null ? null : plain(decodeSessionData(JSON.parse(text) as string, KEYS));
    }

    it('writes through to both: the row in PostgreSQL, its session_data in Redis with the same expiry', async () => {
      const { db, store } = fixture;
      const key = await store.create(d({ hit: 1 }), new Date(Date.now() + HOUR));
      expect(await db.get('SELECT session_key FROM django_session')).toEqual({ session_key: key });
      const redisKey = `:1:${CACHED_DB_KEY_PREFIX}${key}`;
      const row = await db.get<{ session_data: string }>('SELECT session_data FROM django_session');
      expect(await raw.get(redisKey)).toBe(JSON.stringify(row!.session_data));
      expect(await cached(redisKey)).toEqual({ hit: 1 });
      expect(await raw.pTTL(redisKey)).toBeGreaterThan(HOUR - 60_000);
      await store.save(key, d({ hit: 2 }), new Date(Date.now() + HOUR));
      expect(await cached(redisKey)).toEqual({ hit: 2 });
      await store.delete(key);
      expect(await raw.exists(redisKey)).toBe(0);
      expect(await db.get('SELECT count(*) AS n FROM django_session')).toEqual({ n: 0 });
    });

    it('reads from Redis first, and refills it from PostgreSQL after an eviction', async () => {
      const { db, store } = fixture;
      const key = await store.create(d({ hit: 1 }), new Date(Date.now() + HOUR));
      // Changing the row behind the cache's back shows which one a read used.
      const other = new DatabaseStore(new PostgresConnection({ url: pg.url }), { keys: KEYS });
      await other.save(key, d({ hit: 99 }), new Date(Date.now() + HOUR));
      await other.close();
      expect(plain(await store.load(key))).toEqual({ hit: 1 });
      await raw.flushDb();
      expect(plain(await store.load(key))).toEqual({ hit: 99 });
      expect(await cached(`:1:${CACHED_DB_KEY_PREFIX}${key}`)).toEqual({ hit: 99 });
      expect(await db.get('SELECT count(*) AS n FROM django_session')).toEqual({ n: 1 });
    });

    it('keeps serving from PostgreSQL while Redis is down, and uses Redis again once it is back', async () => {
      const { store } = fixture;
      const key = await store.create(d({ hit: 1 }), new Date(Date.now() + HOUR));
      const lines: string[] = [];
      const restore = setLogSink((name, level, message) =>
        lines.push(`${level} ${name} ${message}`),
      );
      await redis.stop();
      try {
        expect(plain(await store.load(key))).toEqual({ hit: 1 });
        await store.save(key, d({ hit: 2 }), new Date(Date.now() + HOUR));
        expect(plain(await store.load(key))).toEqual({ hit: 2 });
      } finally {
        restore();
        await redis.start();
      }
      expect(lines[0]).toMatch(
        new RegExp(
          `^ERROR tango\\.sessions Error reading from cache \\(RedisCache\\): Lost the connection to Redis at redis://127\\.0\\.0\\.1:${redis.port}/0 \\(CACHES\\['default'\\]\\): `,
        ),
      );
      const deadline = Date.now() + 5_000;
      while (
        Date.now() < deadline &&
        !(await fixture.cache.has('probe').then(
          () => true,
          () => false,
        ))
      ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(plain(await store.load(key))).toEqual({ hit: 2 });
      expect(await cached(`:1:${CACHED_DB_KEY_PREFIX}${key}`)).toEqual({ hit: 2 });
    });
  });
});
