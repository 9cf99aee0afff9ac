/**
 * `health()`: 200 when the stores the session engine needs answer within the deadline, 503
 * otherwise, without creating a session. SQLite, locmem, the file engine's directory and the
 * cookie engines here; real PostgreSQL and Redis frozen with SIGSTOP (test/support/services.ts)
 * below, skipped with a loud warning where they are not installed (failing under CI=true).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeCaches } from '../../../src/runtime/cache/index.js';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import type { Settings, SettingsInput } from '../../../src/runtime/conf/settings.js';
import { closeConnections } from '../../../src/runtime/db/index.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import type { HttpResponse } from '../../../src/runtime/http/response.js';
import { SessionMiddleware } from '../../../src/runtime/sessions/middleware.js';
import { health, type HealthOptions } from '../../../src/runtime/views/index.js';
import {
  type PostgresService,
  type RedisService,
  serviceSupport,
  startPostgres,
  startRedis,
} from '../../support/services.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tango-health-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(async () => {
  await closeConnections();
  await closeCaches();
});

function settingsWith(extra: Partial<SettingsInput>): Readonly<Settings> {
  return defineSettings({
    BASE_DIR: tmp,
    SECRET_KEY: 'k'.repeat(50),
    ALLOWED_HOSTS: ['testserver'],
    INSTALLED_APPS: ['tango.sessions'],
    DATABASES: { default: { ENGINE: 'sqlite', NAME: 'health.sqlite3' } },
    ...extra,
  });
}

type Body = {
  status: string;
  checks: Record<string, { ok: boolean; ms: number; error?: string }>;
};
type Probe = (method?: string) => Promise<{ response: HttpResponse; body: Body }>;

/**
 * The view behind SessionMiddleware, as a project mounts it: the chain is built once (the
 * session store's start-up check runs here, as at server start), then probed per request.
 */
async function mount(settings: Readonly<Settings>, options: HealthOptions = {}): Promise<Probe> {
  const view = health(options);
  const chain = await SessionMiddleware((request) => view(request), settings);
  return async (method = 'GET') => {
    const request = new HttpRequest({ method, url: '/health/', headers: { host: 'testserver' } });
    request.settings = settings;
    const response = await chain(request);
    const text = response.content.toString();
    return { response, body: text ? (JSON.parse(text) as Body) : { status: '', checks: {} } };
  };
}

async function probe(
  settings: Readonly<Settings>,
  options: HealthOptions = {},
  method = 'GET',
): Promise<{ response: HttpResponse; body: Body }> {
  return (await mount(settings, options))(method);
}

describe('health(): embedded stores', () => {
  it("'db' on SQLite: 200, the database checked, no session, no cookie, not cached", async () => {
    const { response, body } = await probe(settingsWith({ SESSION_ENGINE: 'db' }));
    expect(response.status).toBe(200);
    expect(body.status).toBe('ok');
    expect(Object.keys(body.checks)).toEqual(['database:default']);
    expect(body.checks['database:default']!.ok).toBe(true);
    expect(response.setCookieHeaders()).toEqual([]);
    expect(response.headers.get('Vary')).toBeUndefined();
    expect(response.headers.get('Cache-Control')).toBe('no-store');
    expect(response.headers.get('Content-Type')).toBe('application/json');
  });

  it("'cache' on locmem: the session cache alias is checked", async () => {
    const { response, body } = await probe(
      settingsWith({
        SESSION_ENGINE: 'cache',
        SESSION_CACHE_ALIAS: 'sessions',
        CACHES: { default: { BACKEND: 'locmem' }, sessions: { BACKEND: 'locmem' } },
      }),
    );
    expect(response.status).toBe(200);
    expect(Object.keys(body.checks)).toEqual(['cache:sessions']);
  });

  it('the cookie engines need no store: 200 with nothing to check', async () => {
    for (const engine of ['signed_cookies', 'encrypted_cookies'] as const) {
      const { response, body } = await probe(settingsWith({ SESSION_ENGINE: engine }));
      expect(response.status).toBe(200);
      expect(body.checks).toEqual({});
    }
  });

  it("'file': its directory must still exist", async () => {
    const dir = mkdtempSync(path.join(tmp, 'sessions-'));
    const check = await mount(settingsWith({ SESSION_ENGINE: 'file', SESSION_FILE_PATH: dir }));
    expect((await check()).response.status).toBe(200);
    rmSync(dir, { recursive: true });
    const bad = await check();
    expect(bad.response.status).toBe(503);
    expect(bad.body).toMatchObject({
      status: 'unavailable',
      checks: { 'sessions:directory': { ok: false, error: 'Error' } },
    });
  });

  it('an unopenable SQLite database is a 503 naming the alias, never a 500', async () => {
    const { response, body } = await probe(
      settingsWith({
        SESSION_ENGINE: 'db',
        DATABASES: { default: { ENGINE: 'sqlite', NAME: path.join(tmp, 'no', 'such', 'dir.db') } },
      }),
    );
    expect(response.status).toBe(503);
    expect(body.checks['database:default']!.ok).toBe(false);
  });

  it('explicit databases and caches replace what the engine implies', async () => {
    const { body } = await probe(settingsWith({ SESSION_ENGINE: 'signed_cookies' }), {
      databases: ['default'],
      caches: ['default'],
    });
    expect(Object.keys(body.checks)).toEqual(['database:default', 'cache:default']);
  });

  it('answers HEAD, refuses POST with 405, and rejects a bad deadline when mounted', async () => {
    const settings = settingsWith({ SESSION_ENGINE: 'signed_cookies' });
    expect((await probe(settings, {}, 'HEAD')).response.status).toBe(200);
    const post = await probe(settings, {}, 'POST');
    expect(post.response.status).toBe(405);
    expect(post.response.headers.get('Allow')).toBe('GET, HEAD');
    expect(() => health({ deadline: 0 })).toThrow(TypeError);
    expect(() => health({ deadline: Number.NaN })).toThrow('option deadline is invalid');
  });
});

const networked = serviceSupport('postgresql').available && serviceSupport('redis').available;

describe.skipIf(!networked)('health(): PostgreSQL and Redis, frozen with SIGSTOP', () => {
  const DEADLINE = 0.5;
  /** Slack for a loaded 2-core machine: far below how long the stores stay frozen. */
  const MARGIN_MS = 1_500;
  let pg: PostgresService;
  let redis: RedisService;

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  });
  afterEach(() => {
    // Thaw first: a failing test must never leave a server frozen.
    pg.thaw();
    redis.thaw();
  });
  afterAll(async () => {
    await Promise.all([pg?.close(), redis?.close()]);
  });

  const cachedDb = (): Readonly<Settings> =>
    settingsWith({
      SESSION_ENGINE: 'cached_db',
      // No driver timeouts: the view's own deadline is what must answer.
      DATABASES: { default: { ENGINE: 'postgresql', URL: pg.url } },
      CACHES: { default: { BACKEND: 'redis', LOCATION: redis.url } },
    });

  it('both answering: 200 with the database and the cache checked', async () => {
    const { response, body } = await probe(cachedDb(), { deadline: DEADLINE });
    expect(response.status).toBe(200);
    expect(Object.keys(body.checks)).toEqual(['database:default', 'cache:default']);
  });

  for (const frozen of ['redis', 'postgresql'] as const) {
    it(`${frozen} frozen: 503 within the deadline, the other store still ok; 200 after SIGCONT`, async () => {
      const check = await mount(cachedDb(), { deadline: DEADLINE });
      expect((await check()).response.status).toBe(200);
      (frozen === 'redis' ? redis : pg).freeze();
      const started = performance.now();
      const { response, body } = await check();
      const took = performance.now() - started;
      expect(response.status).toBe(503);
      expect(took).toBeLessThan(DEADLINE * 1000 + MARGIN_MS);
      const failed = frozen === 'redis' ? 'cache:default' : 'database:default';
      const fine = frozen === 'redis' ? 'database:default' : 'cache:default';
      expect(body.checks[failed]).toMatchObject({ ok: false, error: 'timeout' });
      expect(body.checks[fine]!.ok).toBe(true);
      expect(response.setCookieHeaders()).toEqual([]);
      (frozen === 'redis' ? redis : pg).thaw();
      let status = 0;
      for (let i = 0; i < 40 && status !== 200; i++) {
        status = (await check()).response.status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 250));
      }
      expect(status).toBe(200);
    });
  }

  it('probes during a freeze share one pending query instead of piling up', async () => {
    const settings = cachedDb();
    const view = health({ deadline: 0.2 });
    const call = async (): Promise<number> => {
      const request = new HttpRequest({
        method: 'GET',
        url: '/health/',
        headers: { host: 'testserver' },
      });
      request.settings = settings;
      return (await view(request)).status;
    };
    expect(await call()).toBe(200);
    pg.freeze();
    const statuses = await Promise.all([call(), call(), call()]);
    expect(statuses).toEqual([503, 503, 503]);
    expect(await call()).toBe(503);
    const { Client } = await import('pg');
    const observer = new Client({ connectionString: pg.url });
    pg.thaw();
    await observer.connect();
    // At most the one probe query was ever sent to the frozen server.
    const { rows } = await observer.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE query = 'SELECT 1 AS one'",
    );
    expect(Number(rows[0]!.n)).toBeLessThanOrEqual(1);
    await observer.end();
  });
});
