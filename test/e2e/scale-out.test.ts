/**
 * Issue 7 end to end: Tango server processes (test/fixtures/scale) sharing one PostgreSQL and
 * one Redis started for this file. Two servers on different ports share sessions on the db,
 * cache and cached_db engines; an outage of either store is a 503 with one log line and the
 * server serves again once the store is back on the same port; `runserver --workers 2`
 * shares one port between two processes; start-up against an unreachable store is one line.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { execa } from 'execa';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, PostgresConnection } from '../../src/runtime/db/index.js';
import { migrations } from '../../src/runtime/sessions/migrations/index.js';
import {
  freePort,
  type PostgresService,
  type RedisService,
  serviceSupport,
  startPostgres,
  startRedis,
} from '../support/services.js';
import { CookieJar, REPO_ROOT, spawnServer } from './helpers.js';

const MANAGE = path.join(REPO_ROOT, 'test', 'fixtures', 'scale', 'manage.ts');
const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const available = serviceSupport('postgresql').available && serviceSupport('redis').available;

type Engine = 'db' | 'cache' | 'cached_db';

/** A `manage.ts runserver` child process of the scale fixture. */
interface ScaleServer {
  url: string;
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the fixture's runserver with `env` and resolves once it serves. */
async function startScaleServer(
  env: Record<string, string>,
  args: string[] = [],
): Promise<ScaleServer> {
  const port = await freePort();
  const server = await spawnServer(
    TSX,
    [MANAGE, 'runserver', `127.0.0.1:${port}`, '--noreload', ...args],
    {
      cwd: REPO_ROOT,
      env,
      port,
    },
  );
  return { ...server, child: server.process };
}

/** GET `/hits/` through the jar: status, body, and the session cookie after it. */
async function hit(
  jar: CookieJar,
  server: ScaleServer,
): Promise<{ status: number; body: string; session: string | undefined }> {
  const response = await jar.fetch(`${server.url}/hits/`);
  return {
    status: response.status,
    body: await response.text(),
    session: jar.cookies.get('sessionid'),
  };
}

/** Polls `/hits/` until it answers 200 (the store is back), at most `ms`. */
async function until200(
  jar: CookieJar,
  server: ScaleServer,
  ms = 10_000,
): Promise<{ status: number; body: string; waited: number }> {
  const started = Date.now();
  for (;;) {
    const { status, body } = await hit(jar, server);
    if (status === 200 || Date.now() - started > ms)
      return { status, body, waited: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The lines a server printed after `mark` characters, without request-log lines. */
function logLinesSince(server: ScaleServer, mark: number): string[] {
  return server
    .output()
    .slice(mark)
    .split('\n')
    .filter((line) => line && !/^\[[^\]]+\] "GET /.test(line));
}

describe.skipIf(!available)('scale-out: Tango servers sharing PostgreSQL and Redis', () => {
  let pg: PostgresService;
  let redis: RedisService;
  const servers: ScaleServer[] = [];
  const pairs = new Map<Engine, [ScaleServer, ScaleServer]>();
  const env = (engine: Engine): Record<string, string> => ({
    SCALE_ENGINE: engine,
    SCALE_DATABASE_URL: pg.url,
    SCALE_REDIS_URL: redis.url,
  });

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    const db = new PostgresConnection({ url: pg.url });
    const sessionsApp = {
      name: 'tango.sessions',
      label: 'sessions',
      path: REPO_ROOT,
      templatesDir: undefined,
      migrationsDir: undefined,
      migrations,
    };
    await migrate(db, { apps: [sessionsApp] }, {}, { write: () => undefined });
    await db.close();
    // Two servers per engine, all started together (each is its own process, as on two machines).
    const engines: Engine[] = ['db', 'cache', 'cached_db'];
    const started = await Promise.all(
      engines.flatMap((engine) => [startScaleServer(env(engine)), startScaleServer(env(engine))]),
    );
    servers.push(...started);
    engines.forEach((engine, i) => pairs.set(engine, [started[2 * i]!, started[2 * i + 1]!]));
  });

  afterAll(async () => {
    const codes = await Promise.all(servers.map((s) => s.stop()));
    await Promise.all([pg?.close(), redis?.close()]);
    expect(codes.every((code) => code === 0)).toBe(true);
  });

  for (const engine of ['db', 'cache', 'cached_db'] as const) {
    it(`${engine}: a session created through one server is read and updated through the other`, async () => {
      const [a, b] = pairs.get(engine)!;
      expect(a.url).not.toBe(b.url);
      const jar = new CookieJar();
      const first = await hit(jar, a);
      expect(first.status).toBe(200);
      expect(first.body).toMatch(/^hits=1 pid=\d+$/);
      expect(first.session).toMatch(/^[a-z0-9]{32}$/);
      const second = await hit(jar, b);
      expect(second.body).toMatch(/^hits=2 pid=\d+$/);
      expect(second.body.split('pid=')[1]).not.toBe(first.body.split('pid=')[1]);
      expect(second.session).toBe(first.session);
      expect((await hit(jar, a)).body).toMatch(/^hits=3 /);
      expect((await hit(jar, b)).body).toMatch(/^hits=4 /);

      // And it really lives in the shared store(s) this engine names.
      const key = first.session!;
      const db = new PostgresConnection({ url: pg.url });
      const row = await db.get<{ session_data: string }>(
        'SELECT session_data FROM django_session WHERE session_key = ?',
        [key],
      );
      await db.close();
      expect(Boolean(row)).toBe(engine !== 'cache');
      const raw = createClient({ url: redis.url });
      await raw.connect();
      const prefix =
        engine === 'cache' ? 'django.contrib.sessions.cache' : 'django.contrib.sessions.cached_db';
      const cached = await raw.get(`scale:1:${prefix}${key}`);
      raw.destroy();
      if (engine === 'db') expect(cached).toBeNull();
      // cache: the data's entries, in order; cached_db: the row's encoded session_data.
      else if (engine === 'cache') expect(JSON.parse(cached!)).toEqual([['hit', 4]]);
      else expect(JSON.parse(cached!)).toBe(row!.session_data);
    });
  }

  it('Redis stopped mid-test: 503 with one log line naming it, the server stays up, and serves again once Redis is back', async () => {
    const [server] = pairs.get('cache')!;
    const jar = new CookieJar();
    expect((await hit(jar, server)).status).toBe(200);
    await redis.stop();
    let mark = server.output().length;
    try {
      const down = await hit(jar, server);
      expect(down.status).toBe(503);
      await new Promise((resolve) => setTimeout(resolve, 100)); // let stderr arrive
      const lines = logLinesSince(server, mark);
      expect(lines).toHaveLength(1);
      // The client reports the refused reconnect or the socket it saw close, whichever it hit first.
      expect(lines[0]).toMatch(
        new RegExp(
          `^Service Unavailable: /hits/: Lost the connection to Redis at redis://127\\.0\\.0\\.1:${redis.port}/0 \\(CACHES\\['default'\\]\\): (ECONNREFUSED|Socket closed unexpectedly)$`,
        ),
      );
      expect(server.child.exitCode).toBeNull();
    } finally {
      await redis.start();
    }
    mark = server.output().length;
    const back = await until200(jar, server);
    expect(back.status).toBe(200);
    expect(back.waited).toBeLessThan(5_000);
    // Redis here keeps nothing on disk, so the session starts over; the server just works.
    expect(back.body).toMatch(/^hits=1 /);
  });

  it('PostgreSQL stopped mid-test: 503 with one log line naming it, then the session continues once it is back', async () => {
    const [server, other] = pairs.get('db')!;
    const jar = new CookieJar();
    expect((await hit(jar, server)).body).toMatch(/^hits=1 /);
    await pg.stop();
    const mark = server.output().length;
    try {
      const down = await hit(jar, server);
      expect(down.status).toBe(503);
      expect(down.body).toContain('503');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const lines = logLinesSince(server, mark);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^Service Unavailable: /hits/: (Cannot connect to|Lost the connection to) PostgreSQL at postgres://tango@127\\.0\\.0\\.1:${pg.port}/tango \\(DATABASES\\['default'\\]\\): `,
        ),
      );
      expect((await hit(jar, other)).status).toBe(503);
    } finally {
      await pg.start();
    }
    const back = await until200(jar, server);
    expect(back.status).toBe(200);
    expect(back.waited).toBeLessThan(5_000);
    expect(back.body).toMatch(/^hits=2 /);
    expect((await hit(jar, other)).body).toMatch(/^hits=3 /);
  });

  it('runserver --workers 2: two processes on one port share the session through Redis, and stop together', async () => {
    const server = await startScaleServer(env('cache'), ['--workers', '2']);
    try {
      expect(server.output()).toContain('with 2 worker processes');
      expect(server.output()).not.toContain('Warning');
      const jar = new CookieJar();
      const pids = new Set<string>();
      for (let i = 1; i <= 6; i++) {
        const { status, body } = await hit(jar, server);
        expect(status).toBe(200);
        expect(body).toMatch(new RegExp(`^hits=${i} pid=\\d+$`));
        pids.add(body.split('pid=')[1]!);
      }
      expect(pids.size).toBe(2);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    expect(server.output()).not.toMatch(/Error|exited unexpectedly/);
  });

  it('warns that sessions are not shared when several workers use the locmem cache', async () => {
    const server = await startScaleServer({ SCALE_ENGINE: 'cache' }, ['--workers', '2']);
    expect(await server.stop()).toBe(0);
    expect(server.output()).toContain(
      "Warning: SESSION_ENGINE 'cache' uses the locmem cache CACHES['default'], which each of the 2 worker processes keeps in its own memory: sessions will not be shared across workers",
    );
  });

  it('start-up with an unreachable store fails with one line naming the store and address', async () => {
    const port = await freePort();
    const run = (env: Record<string, string>) =>
      execa(TSX, [MANAGE, 'runserver', '127.0.0.1:0', '--noreload'], {
        cwd: REPO_ROOT,
        reject: false,
        env,
        timeout: 30_000,
      });
    const noRedis = await run({
      SCALE_ENGINE: 'cache',
      SCALE_REDIS_URL: `redis://127.0.0.1:${port}/0`,
    });
    expect(noRedis.exitCode).toBe(1);
    expect(noRedis.stderr).toBe(
      `ImproperlyConfigured: Cannot connect to Redis at redis://127.0.0.1:${port}/0 (CACHES['default']): ECONNREFUSED`,
    );
    const noPostgres = await run({
      SCALE_ENGINE: 'db',
      SCALE_DATABASE_URL: `postgres://app@127.0.0.1:${port}/site`,
    });
    expect(noPostgres.exitCode).toBe(1);
    expect(noPostgres.stderr).toBe(
      `ImproperlyConfigured: Cannot connect to PostgreSQL at postgres://app@127.0.0.1:${port}/site (DATABASES['default']): ECONNREFUSED`,
    );
  });
});
