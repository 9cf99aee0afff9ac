/**
 * Hardening item 2 end to end: requests through the test Client on session engines backed by
 * a Redis or PostgreSQL that stops answering (SIGSTOP). A request gets its 503 (with one
 * `Service Unavailable` log line) within the store's deadline instead of waiting as long as
 * the store is frozen; `cached_db` falls back to the database within the Redis deadline and
 * answers 200; after SIGCONT the session continues.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeCaches } from '../../src/runtime/cache/index.js';
import { defineSettings, loadSettings } from '../../src/runtime/conf/index.js';
import type { SessionEngineName } from '../../src/runtime/conf/settings.js';
import { setLogSink } from '../../src/runtime/core/log.js';
import { closeConnections, migrate, PostgresConnection } from '../../src/runtime/db/index.js';
import { type Application, createApplication } from '../../src/runtime/handlers/base.js';
import { migrations } from '../../src/runtime/sessions/migrations/index.js';
import { Client } from '../../src/runtime/test/index.js';
import {
  type PostgresService,
  type RedisService,
  serviceSupport,
  startPostgres,
  startRedis,
} from '../support/services.js';
import { FIXTURE_SETTINGS } from './fixture.js';

const available = serviceSupport('postgresql').available && serviceSupport('redis').available;

/** The deadlines these tests configure, in seconds. */
const DEADLINE = 0.5;
/** Slack for a loaded 2-core machine: well under the old hang, which lasted as long as the freeze. */
const MARGIN_MS = 2_000;

describe.skipIf(!available)('requests while a session store is frozen (SIGSTOP)', () => {
  let pg: PostgresService;
  let redis: RedisService;
  let app: Application | undefined;
  let logged: string[] = [];
  let restoreLog: (() => void) | undefined;

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
  });
  afterEach(async () => {
    // Thaw first: a failed or timed-out test must never leave a server frozen.
    pg.thaw();
    redis.thaw();
    restoreLog?.();
    await app?.close();
    app = undefined;
    await closeConnections();
    await closeCaches();
  });
  afterAll(async () => {
    await Promise.all([pg?.close(), redis?.close()]);
  });

  /** A Client on the fixture site with `engine` on PostgreSQL and Redis, small deadlines. */
  async function clientFor(engine: SessionEngineName): Promise<Client> {
    const fixture = await loadSettings(FIXTURE_SETTINGS);
    app = await createApplication(
      defineSettings({
        ...fixture,
        DATABASES: {
          default: {
            ENGINE: 'postgresql',
            URL: pg.url,
            OPTIONS: { query_timeout: DEADLINE, connect_timeout: DEADLINE },
          },
        },
        CACHES: {
          default: {
            BACKEND: 'redis',
            LOCATION: redis.url,
            KEY_PREFIX: engine,
            OPTIONS: { socket_timeout: DEADLINE, connect_timeout: DEADLINE },
          },
        },
        SESSION_ENGINE: engine,
      }),
    );
    logged = [];
    restoreLog = setLogSink((_name, level, message) => logged.push(`${level} ${message}`));
    return new Client({ app });
  }

  /** GET /hits/: status, body and how long it took. */
  async function hit(client: Client): Promise<{ status: number; body: string; ms: number }> {
    const started = performance.now();
    const response = await client.get('/hits/');
    return { status: response.status, body: response.text(), ms: performance.now() - started };
  }

  /** GET /hits/ until it answers 200 (recovery after SIGCONT), at most 5 s. */
  async function until200(client: Client) {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const response = await hit(client);
      if (response.status === 200 || Date.now() > deadline) return response;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const serviceUnavailable = () => logged.filter((line) => line.includes('Service Unavailable'));

  it("'cache' engine, Redis frozen: 503 within socket_timeout with one log line, then the session continues after SIGCONT", async () => {
    const client = await clientFor('cache');
    expect((await hit(client)).body).toBe('hits=1');
    redis.freeze();
    const down = await hit(client);
    expect(down.status).toBe(503);
    expect(down.ms).toBeLessThan(DEADLINE * 1000 + MARGIN_MS);
    expect(serviceUnavailable()).toEqual([
      expect.stringMatching(
        /^ERROR Service Unavailable: \/hits\/: .*Redis at redis:\/\/127\.0\.0\.1:\d+\/0 \(CACHES\['default'\]\) did not answer within 0\.5 s \(OPTIONS\.socket_timeout\)$/,
      ),
    ]);
    redis.thaw();
    const back = await until200(client);
    expect(back.status).toBe(200);
    expect(back.body).toBe('hits=2'); // only paused: Redis kept the session
  });

  it("'db' engine, PostgreSQL frozen: 503 within query_timeout with one log line, then the session continues after SIGCONT", async () => {
    const client = await clientFor('db');
    expect((await hit(client)).body).toBe('hits=1');
    pg.freeze();
    const down = await hit(client);
    expect(down.status).toBe(503);
    expect(down.ms).toBeLessThan(DEADLINE * 1000 + MARGIN_MS);
    expect(serviceUnavailable()).toEqual([
      expect.stringMatching(
        /^ERROR Service Unavailable: \/hits\/: .*PostgreSQL at postgres:\/\/tango@127\.0\.0\.1:\d+\/tango \(DATABASES\['default'\]\) did not answer within 0\.5 s \(OPTIONS\.query_timeout\)$/,
      ),
    ]);
    pg.thaw();
    const back = await until200(client);
    expect(back.status).toBe(200);
    expect(back.body).toBe('hits=2');
  });

  it("'cached_db' engine, Redis frozen: 200 from the database within socket_timeout, the next request without waiting, and the cache serves again after SIGCONT", async () => {
    const client = await clientFor('cached_db');
    expect((await hit(client)).body).toBe('hits=1');
    redis.freeze();
    const first = await hit(client);
    expect(first.status).toBe(200);
    expect(first.body).toBe('hits=2');
    expect(first.ms).toBeLessThan(DEADLINE * 1000 + MARGIN_MS);
    // The cache was found stalled: later calls fail at once and fall back without a wait.
    const second = await hit(client);
    expect(second.status).toBe(200);
    expect(second.body).toBe('hits=3');
    expect(second.ms).toBeLessThan(DEADLINE * 1000);
    expect(serviceUnavailable()).toEqual([]);
    expect(logged.some((line) => line.startsWith('ERROR Error reading from cache'))).toBe(true);
    redis.thaw();
    const back = await until200(client);
    expect(back.body).toBe('hits=4');
  });
});
