/**
 * Concurrent requests on one session, end to end (issue "Sessions beyond every peer", item 1):
 * real servers of test/fixtures/concurrency, 50 requests at once on one session cookie, on
 * `runserver --workers 2` (SQLite `db`, `file`, Redis `cache` with SESSION_LOCKING) and on two
 * servers sharing PostgreSQL and/or Redis (`db`, `cache`, `cached_db`). For each:
 *
 * - 50 locked increments (`blockingSession`, or SESSION_LOCKING) give exactly 50;
 * - 50 requests that each set their own key, without locking, all survive (saves merge);
 * - and, for the record, what is lost without those: the unlocked counter (the same key read
 *   and written by every request: only a lock helps) and whole-data saves of different keys
 *   (`modified = true`, what every save did before merging). Printed, not asserted.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Connection,
  migrate,
  PostgresConnection,
  SqliteConnection,
} from '../../src/runtime/db/index.js';
import { migrations } from '../../src/runtime/sessions/migrations/index.js';
import {
  type PostgresService,
  type RedisService,
  serviceSupport,
  startPostgres,
  startRedis,
} from '../support/services.js';
import { freePort, REPO_ROOT, spawnServer } from './helpers.js';

const MANAGE = path.join(REPO_ROOT, 'test', 'fixtures', 'concurrency', 'manage.ts');
const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const N = 50;
const services = serviceSupport('postgresql').available && serviceSupport('redis').available;

interface Server {
  url: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<number | null>;
}

async function start(env: Record<string, string>, args: string[] = []): Promise<Server> {
  const port = await freePort();
  return spawnServer(TSX, [MANAGE, 'runserver', `127.0.0.1:${port}`, '--noreload', ...args], {
    cwd: REPO_ROOT,
    env,
    port,
  });
}

async function get(server: Server, route: string, session?: string): Promise<Response> {
  return fetch(`${server.url}${route}`, {
    headers: session ? { cookie: `sessionid=${session}` } : {},
  });
}

/** A new session whose counter is 1; its key. */
async function newSession(server: Server): Promise<string> {
  const response = await get(server, '/hits/');
  expect(response.status).toBe(200);
  return /sessionid=([a-z0-9]+)/.exec(response.headers.get('set-cookie') ?? '')![1]!;
}

/** N requests at once on `session`, alternating between `servers`; every one must be a 200. */
async function burst(servers: Server[], session: string, route: (i: number) => string) {
  const responses = await Promise.all(
    Array.from({ length: N }, (_, i) => get(servers[i % servers.length]!, route(i), session)),
  );
  expect(responses.map((r) => r.status)).toEqual(Array(N).fill(200));
  await Promise.all(responses.map((r) => r.text()));
}

async function count(server: Server, session: string): Promise<number> {
  return Number(await (await get(server, '/count/', session)).text());
}

async function keys(server: Server, session: string): Promise<string[]> {
  return JSON.parse(await (await get(server, '/keys/', session)).text()) as string[];
}

/**
 * The scenario on `servers` (one server with --workers 2, or two servers): the locked
 * counter is exact, different keys all survive; the losses without them are printed.
 */
async function scenario(name: string, servers: Server[], locked = '/locked-hits/') {
  const session = await newSession(servers[0]!);
  await burst(servers, session, () => '/hits/');
  const unlocked = (await count(servers[0]!, session)) - 1;
  await burst(servers, session, () => locked);
  expect(await count(servers[0]!, session)).toBe(1 + unlocked + N);

  await burst(servers, session, (i) => `/mark/k${i}/`);
  // cached_db: when two servers' cache writes cross, the cached copy can lag behind the row
  // (its documented trade-off; the row, the truth, has every key) until the next save, which
  // re-reads the row. One more save settles it; a key lost from the store stays lost.
  expect((await get(servers[0]!, '/mark/settle/', session)).status).toBe(200);
  const merged = await keys(servers[0]!, session);
  for (let i = 0; i < N; i++) expect(merged).toContain(`k${i}`);

  await burst(servers, session, (i) => `/mark-whole/w${i}/`);
  const whole = (await keys(servers[0]!, session)).filter((key) => /^w\d+$/.test(key)).length;
  console.log(
    `session-concurrency ${name}: unlocked counter lost ${N - unlocked}/${N}, locked lost 0/${N}; ` +
      `different keys lost 0/${N} merged, ${N - whole}/${N} with whole-data saves`,
  );
}

/**
 * The servers run under the tsx CLI, which relays SIGTERM to the node process it starts and
 * waits only 30 ms for that process to acknowledge it; on a loaded machine it then kills the
 * process and exits 143 (128 + SIGTERM) itself (seen on Node 24 in CI). 0 is runserver's own
 * graceful stop (tested in test/runtime/server); 143 is that relay, never a crash.
 */
function stoppedCleanly(code: number | null): boolean {
  return code === 0 || code === 143;
}

async function migrated(db: Connection): Promise<void> {
  const app = {
    name: 'tango.sessions',
    label: 'sessions',
    path: REPO_ROOT,
    templatesDir: undefined,
    migrationsDir: undefined,
    migrations,
  };
  await migrate(db, { apps: [app] }, {}, { write: () => undefined });
  await db.close();
}

describe('concurrent requests on one session, several processes', () => {
  let dir: string;
  const servers: Server[] = [];
  const started = async (env: Record<string, string>, args: string[] = [], list = servers) => {
    const server = await start(env, args);
    list.push(server);
    return server;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tango-session-concurrency-'));
    await migrated(new SqliteConnection(path.join(dir, 'db.sqlite3')));
  });

  afterAll(async () => {
    const codes = await Promise.all(servers.map((server) => server.stop()));
    await rm(dir, { recursive: true, force: true });
    expect(codes.every(stoppedCleanly), `exit codes ${codes.join(', ')}`).toBe(true);
  });

  it('db on SQLite, runserver --workers 2', async () => {
    const sqlite = path.join(dir, 'db.sqlite3');
    const server = await started({ CONC_ENGINE: 'db', CONC_SQLITE: sqlite }, ['--workers', '2']);
    await scenario('db/SQLite --workers 2', [server]);
  });

  it('file, runserver --workers 2', async () => {
    const server = await started({ CONC_ENGINE: 'file', CONC_FILE_PATH: dir }, ['--workers', '2']);
    await scenario('file --workers 2', [server]);
  });

  it('cached_db on SQLite and locmem, one process', async () => {
    const sqlite = path.join(dir, 'db.sqlite3');
    const server = await started({ CONC_ENGINE: 'cached_db', CONC_SQLITE: sqlite });
    await scenario('cached_db/SQLite+locmem', [server]);
  });

  describe.skipIf(!services)('sharing PostgreSQL and Redis', () => {
    let pg: PostgresService;
    let redis: RedisService;
    const shared: Server[] = [];
    beforeAll(async () => {
      [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
      await migrated(new PostgresConnection({ url: pg.url }));
    });
    afterAll(async () => {
      const codes = await Promise.all(shared.map((server) => server.stop()));
      await Promise.all([pg?.close(), redis?.close()]);
      expect(codes.every(stoppedCleanly), `exit codes ${codes.join(', ')}`).toBe(true);
    });

    it('db on PostgreSQL, cache on Redis and cached_db on both, two servers each', async () => {
      const env = (engine: string) => ({
        CONC_ENGINE: engine,
        CONC_DATABASE_URL: pg.url,
        CONC_REDIS_URL: redis.url,
      });
      const pairs = await Promise.all(
        ['db', 'cache', 'cached_db'].map(async (engine) =>
          Promise.all([started(env(engine), [], shared), started(env(engine), [], shared)]),
        ),
      );
      await scenario('db/PostgreSQL, two servers', pairs[0]!);
      await scenario('cache/Redis, two servers', pairs[1]!);
      await scenario('cached_db/PostgreSQL+Redis, two servers', pairs[2]!);
    });

    it('SESSION_LOCKING on Redis cache, runserver --workers 2: every /hits/ counts', async () => {
      const server = await started(
        { CONC_ENGINE: 'cache', CONC_REDIS_URL: redis.url, CONC_LOCKING: '1' },
        ['--workers', '2'],
        shared,
      );
      const session = await newSession(server);
      await burst([server], session, () => '/hits/');
      expect(await count(server, session)).toBe(1 + N);
    });
  });
});
