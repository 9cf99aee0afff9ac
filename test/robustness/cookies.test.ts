/**
 * Hardening item 11, the live-server fuzz: at least 10,000 generated Cookie headers (malformed
 * syntax, huge values, control characters, non-ASCII and invalid UTF-8 bytes over raw sockets,
 * duplicate names, quoted and escaped values, many cookies, session keys of every shape)
 * against a real server on 127.0.0.1 and a random port, once per session engine. Asserted:
 * no 5xx and no ERROR log record; every request answered within HANG_MS; a client-chosen
 * session key or signed value is never adopted nor echoed as a session; the server's RSS
 * grows by less than RSS_LIMIT_MB, and the heap it still uses after a full GC by less than
 * HEAP_LIMIT_MB. A clean replay of issued values (3 % of requests) must be
 * adopted, so the checks cannot pass vacuously.
 *
 * Reproduce a run with `ROBUSTNESS_SEED=<seed printed> npx vitest run --project robustness`;
 * `ROBUSTNESS_REQUESTS` changes the number of requests per engine (default 2,500).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TimestampSigner } from '../../src/runtime/core/signing/index.js';
import { SIGNED_COOKIES_SALT } from '../../src/runtime/sessions/backends/signed_cookies.js';
import { type RedisService, serviceSupport, startRedis } from '../support/services.js';
import { ROBUSTNESS_SECRET_KEY } from './site/constants.js';
import { type FuzzContext, type FuzzRequest, fuzzRequest } from './support/cookie-fuzz.js';
import { suiteSeed } from './support/prng.js';
import {
  Dropped,
  NoAnswer,
  RawConnection,
  type RawResponse,
  setCookieValue,
} from './support/raw-http.js';
import { type Memory, type ServerProcess, startServer } from './support/server-process.js';

const SEED = suiteSeed();
const PER_ENGINE = Number(process.env.ROBUSTNESS_REQUESTS ?? 2_500);
/** Connections in flight at once (the machine has 2 shared cores). */
const CONCURRENCY = 4;
/** A request unanswered for this long is a hang. */
const HANG_MS = 10_000;
/** Allowed growth of the server's RSS over the run. */
const RSS_LIMIT_MB = 100;
/**
 * Allowed growth of the heap still in use after a full GC: sessions kept in the process
 * (SQLite in memory, locmem) take well under 1 MB per 2,500 requests; a leak of the request
 * or its cookies would show here first, whatever the GC's slack does to the RSS.
 */
const HEAP_LIMIT_MB = 32;
/** The suite's promise: at least this many generated Cookie headers in total. */
const MIN_TOTAL = 10_000;
/** Failures listed in full (the rest are counted). */
const SHOW_FAILURES = 10;

/** The engines under test; Redis only where it can run (always under CI). */
const redisAvailable = serviceSupport('redis').available;
const ENGINES: { label: string; engine: string; redis?: boolean }[] = [
  { label: 'db (SQLite)', engine: 'db' },
  { label: 'signed_cookies', engine: 'signed_cookies' },
  { label: 'file', engine: 'file' },
  { label: 'cache (locmem)', engine: 'cache' },
  { label: 'cached_db (locmem + SQLite)', engine: 'cached_db' },
  ...(redisAvailable ? [{ label: 'cache (Redis)', engine: 'cache', redis: true }] : []),
];

/** The signer of the server's `signed_cookies` sessions (`signing.dumps` with SECRET_KEY). */
const sessionSigner = new TimestampSigner({
  key: ROBUSTNESS_SECRET_KEY,
  fallbackKeys: [],
  salt: SIGNED_COOKIES_SALT,
});

interface EngineStats {
  label: string;
  requests: number;
  cookieBytes: number;
  /** Requests carrying a session value the server never issued. */
  forged: number;
  /** Positive controls adopted. */
  controls: number;
  /** Refused by node's HTTP parser (400/431 without a body) before the application. */
  parserRefused: number;
  statuses: Map<number, number>;
  maxMs: number;
  latencies: number[];
  memoryBefore: Memory;
  /** After a fifth of the requests (modules loaded, code optimised, pools filled). */
  memoryWarm: Memory;
  memoryAfter: Memory;
  /** V8 heap in use after a full GC (MB): after setup, after a fifth, at the end. */
  heap: [number, number, number];
  logs: ReadonlyMap<string, number>;
  failures: number;
  seconds: number;
}

const results: EngineStats[] = [];
/** Servers still running (stopped by the test, or here if a timeout abandoned it). */
const live = new Set<ServerProcess>();
afterAll(async () => {
  await Promise.all([...live].map((s) => s.stop()));
});

afterAll(() => {
  if (results.length === 0) return;
  const sum = (f: (s: EngineStats) => number) => results.reduce((n, s) => n + f(s), 0);
  const fmt = (n: number) => n.toLocaleString('en-US');
  const mb = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(1)} MB`;
  const lines = results.map((s) => {
    const statuses = [...s.statuses].sort(([a], [b]) => a - b).map(([k, v]) => `${k}:${fmt(v)}`);
    const sorted = [...s.latencies].sort((a, b) => a - b);
    const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? 0;
    const security = [...s.logs]
      .filter(([k]) => k.includes('security'))
      .map(([k, v]) => `${k.split(' ')[1]} ${fmt(v)}`);
    return (
      `  ${s.label}: ${fmt(s.requests)} headers (${fmt(s.forged)} with forged session values, ` +
      `${fmt(s.controls)} controls adopted, ${fmt(s.requests - s.parserRefused)} reached the application) in ${s.seconds.toFixed(1)} s; statuses ${statuses.join(' ')}; ` +
      `p99 ${p99.toFixed(1)} ms, max ${s.maxMs.toFixed(1)} ms; RSS ${s.memoryBefore.rss.toFixed(1)} MB, ` +
      `${s.memoryWarm.rss.toFixed(1)} after a fifth, ${s.memoryAfter.rss.toFixed(1)} at the end ` +
      `(${mb(s.memoryAfter.rss - s.memoryBefore.rss)}; peak ${s.memoryAfter.peak.toFixed(1)} MB); ` +
      `heap after GC ${s.heap.map((h) => h.toFixed(1)).join(' -> ')} MB` +
      (security.length ? `; security log: ${security.join(', ')}` : '')
    );
  });
  const fivexx = sum((s) =>
    [...s.statuses].filter(([k]) => k >= 500).reduce((n, [, v]) => n + v, 0),
  );
  console.log(
    [
      `robustness: ${fmt(sum((s) => s.requests))} cookie headers (${fmt(sum((s) => s.cookieBytes))} bytes) ` +
        `on ${results.length} engines, ${fivexx} 5xx, ${sum((s) => s.failures)} failed checks, ` +
        `max latency ${Math.max(...results.map((s) => s.maxMs)).toFixed(1)} ms, ` +
        `RSS ${mb(Math.max(...results.map((s) => s.memoryAfter.rss - s.memoryBefore.rss)))} at most ` +
        `(seed ${SEED}; ROBUSTNESS_SEED=${SEED} reproduces it)`,
      ...lines,
    ].join('\n'),
  );
});

/** What one response must satisfy; returns the broken rule, or undefined. */
function check(req: FuzzRequest, res: RawResponse, ctx: FuzzContext): string | undefined {
  if (res.status >= 500) return `status ${res.status}`;
  const signedEngine = ctx.engine === 'signed_cookies';
  const body = res.body.toString('latin1');
  const session = setCookieValue(res, 'sessionid');
  let sessionData: Record<string, unknown> | undefined;
  if (session) {
    // A session value the server sends is one it minted, never one the client chose.
    if (!ctx.sessions.includes(session) && req.bytes.includes(session)) {
      return `echoed a client-chosen session value as the session cookie: ${session}`;
    }
    if (signedEngine) {
      try {
        sessionData = sessionSigner.unsignObject(session) as Record<string, unknown>;
      } catch (error) {
        return `set a session cookie that does not verify (${String(error)}): ${session}`;
      }
    } else if (!/^[a-z0-9]{32}$/.test(session)) {
      return `set a session key that the server cannot have minted: ${session}`;
    }
  }
  if (req.method === 'POST' && res.status < 300)
    return `POST without a CSRF token got ${res.status}`;
  if (
    req.control &&
    req.path !== '/nowhere/' &&
    res.status !== (req.method === 'POST' ? 403 : 200)
  ) {
    return `control request got ${res.status}`;
  }
  if (res.status !== 200 || req.method !== 'GET') return undefined;
  switch (req.path) {
    case '/hits/': {
      const hits = Number(/^hits=(\d+)$/.exec(body)?.[1]);
      if (!Number.isInteger(hits)) return `unexpected body ${JSON.stringify(body)}`;
      if (hits > 1 && !req.mayAdoptSession) return `adopted a forged session (hits=${hits})`;
      if (req.control && hits < 2) return 'did not adopt the issued session (control)';
      if (!session) return 'saved the session but sent no session cookie';
      if (signedEngine && sessionData?.hit !== hits) {
        return `signed session holds ${JSON.stringify(sessionData)}, the view counted ${hits}`;
      }
      return undefined;
    }
    case '/peek/': {
      const m = /^hit=(none|\d+)$/.exec(body);
      if (!m) return `unexpected body ${JSON.stringify(body)}`;
      if (m[1] !== 'none' && !req.mayAdoptSession) return `read a forged session (hit=${m[1]})`;
      if (req.control && m[1] === 'none') return 'did not read the issued session (control)';
      if (session) return `a read-only view sent a session cookie: ${session}`;
      return undefined;
    }
    case '/signed/': {
      const m = /^sig=(.*)$/s.exec(body);
      if (!m) return `unexpected body ${JSON.stringify(body)}`;
      if (m[1] !== 'none') {
        if (!req.mayAdoptSigned) return `accepted a forged signed cookie: ${JSON.stringify(m[1])}`;
        if (!ctx.signed.some((s) => s.payload === m[1]))
          return `signed cookie read as ${JSON.stringify(m[1])}`;
      } else if (req.control) {
        return 'did not accept the issued signed cookie (control)';
      }
      return undefined;
    }
    case '/csrf/': {
      const token = setCookieValue(res, 'csrftoken');
      if (token === undefined || !/^[A-Za-z0-9]{32}$/.test(token)) {
        return `the CSRF cookie sent is not a secret the server could mint: ${String(token)}`;
      }
      return undefined;
    }
    default:
      return `status 200 for ${req.path}`;
  }
}

/** One GET on a fresh connection, for setting up the context. */
async function get(port: number, target: string, cookie?: string): Promise<RawResponse> {
  const conn = await RawConnection.open(port);
  try {
    const head = `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${cookie ? `Cookie: ${cookie}\r\n` : ''}\r\n`;
    return await conn.request(Buffer.from(head, 'latin1'), HANG_MS);
  } finally {
    conn.close();
  }
}

/** The server's V8 heap in use after a full garbage collection, in MB. */
async function retainedHeap(port: number): Promise<number> {
  const res = await get(port, '/memory/');
  return (JSON.parse(res.body.toString()) as { heapUsed: number }).heapUsed / 2 ** 20;
}

/** Issues the values a request may replay: six sessions (1 to 6 hits), four `sig` cookies, a CSRF secret. */
async function issue(port: number, engine: string): Promise<FuzzContext> {
  const sessions: string[] = [];
  for (let i = 0; i < 6; i++) {
    let value: string | undefined;
    for (let hit = 0; hit <= i; hit++) {
      const res = await get(port, '/hits/', value && `sessionid=${value}`);
      expect(
        res.body.toString(),
        `${engine}: the server must keep a session between two requests before the fuzz means anything`,
      ).toBe(`hits=${hit + 1}`);
      value = setCookieValue(res, 'sessionid');
      expect(value).toBeTruthy();
    }
    sessions.push(value!);
  }
  const signed: { value: string; payload: string }[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await get(port, '/sign/');
    signed.push({ value: setCookieValue(res, 'sig')!, payload: res.body.toString().slice(4) });
  }
  const csrf = setCookieValue(await get(port, '/csrf/'), 'csrftoken')!;
  expect(csrf).toMatch(/^[A-Za-z0-9]{32}$/);
  return { engine, sessions, signed, csrf };
}

describe.each(ENGINES)(
  '$label: generated Cookie headers against a live server',
  ({ label, engine, redis: useRedis }) => {
    it(`answers ${PER_ENGINE.toLocaleString('en-US')} of them without a 5xx, a hang, an adopted forgery or unbounded memory`, async () => {
      let redis: RedisService | undefined;
      let server: ServerProcess | undefined;
      const tmp = mkdtempSync(path.join(os.tmpdir(), 'tango-robustness-'));
      const sessionDir = path.join(tmp, 'sessions');
      mkdirSync(sessionDir);
      try {
        if (useRedis) redis = await startRedis();
        server = await startServer({
          ROBUSTNESS_ENGINE: engine,
          ROBUSTNESS_SESSION_DIR: sessionDir,
          ...(redis ? { ROBUSTNESS_REDIS_URL: redis.url } : {}),
        });
        live.add(server);
        const memoryBefore = server.memory();
        const started = performance.now();
        const ctx = await issue(server.port, engine);

        const stats: EngineStats = {
          label,
          requests: 0,
          cookieBytes: 0,
          forged: 0,
          controls: 0,
          parserRefused: 0,
          statuses: new Map(),
          maxMs: 0,
          latencies: [],
          memoryBefore,
          memoryWarm: memoryBefore,
          memoryAfter: memoryBefore,
          heap: [await retainedHeap(server.port), 0, 0],
          logs: new Map(),
          failures: 0,
          seconds: 0,
        };
        const failures: string[] = [];
        const fail = (req: FuzzRequest, why: string, res?: RawResponse) => {
          stats.failures++;
          if (failures.length >= SHOW_FAILURES) return;
          failures.push(
            `#${req.index} [${req.kind}] ${why}\n    request: ${JSON.stringify(req.bytes.subarray(0, 400).toString('latin1'))}` +
              (res
                ? `\n    response: ${res.status} ${JSON.stringify(res.body.subarray(0, 200).toString('latin1'))}`
                : ''),
          );
        };

        let next = 0;
        let warmed = false;
        const worker = async () => {
          let conn: RawConnection | undefined;
          try {
            while (next < PER_ENGINE) {
              if (!warmed && next >= Math.floor(PER_ENGINE / 5)) {
                warmed = true;
                stats.memoryWarm = server!.memory();
                stats.heap[1] = await retainedHeap(server!.port);
                continue;
              }
              const req = fuzzRequest(SEED, ctx, next++);
              if (!conn?.usable) conn = await RawConnection.open(server!.port);
              let res: RawResponse;
              try {
                res = await conn.request(req.bytes, HANG_MS);
              } catch (error) {
                if (error instanceof NoAnswer || error instanceof Dropped) {
                  fail(req, `${error.name}: ${error.message}`);
                  conn.close();
                  conn = undefined;
                  continue;
                }
                throw error;
              }
              stats.requests++;
              stats.cookieBytes += req.cookieBytes;
              if (!req.mayAdoptSession && /session:/.test(req.kind)) stats.forged++;
              if (req.control && res.status < 300) stats.controls++;
              if (!res.headers.some(([name]) => name === 'content-type')) stats.parserRefused++;
              stats.statuses.set(res.status, (stats.statuses.get(res.status) ?? 0) + 1);
              stats.maxMs = Math.max(stats.maxMs, res.ms);
              stats.latencies.push(res.ms);
              const broken = check(req, res, ctx);
              if (broken) fail(req, broken, res);
              if (res.closes) {
                conn.close();
                conn = undefined;
              }
            }
          } finally {
            conn?.close();
          }
        };
        try {
          await Promise.all(Array.from({ length: CONCURRENCY }, worker));
        } catch (error) {
          // Cannot connect any more: the server died or stopped listening.
          throw new Error(
            `${String(error)} after ${next} requests (seed ${SEED}, engine ${label}); ` +
              `the server ${server.alive() ? 'still runs' : 'exited'}; its output (end):\n${server.output().slice(-3000)}`,
          );
        }
        stats.seconds = (performance.now() - started) / 1000;
        stats.memoryAfter = server.memory();
        stats.heap[2] = await retainedHeap(server.port);
        stats.logs = new Map(server.logTally());
        results.push(stats);

        expect(server.alive(), 'the server process is still running').toBe(true);
        expect(
          failures,
          `${stats.failures} failed checks (seed ${SEED}, engine ${label}; ROBUSTNESS_SEED=${SEED} reproduces them)\n` +
            `server output (end):\n${server.output().slice(-2000)}`,
        ).toEqual([]);
        expect(stats.requests).toBe(PER_ENGINE);
        expect(stats.controls, 'the positive controls were adopted').toBeGreaterThan(0);
        expect(
          [...stats.logs].filter(([k]) => k.startsWith('ERROR')),
          'no ERROR log records',
        ).toEqual([]);
        expect(stats.memoryAfter.rss - stats.memoryBefore.rss).toBeLessThan(RSS_LIMIT_MB);
        expect(stats.heap[2] - stats.heap[0]).toBeLessThan(HEAP_LIMIT_MB);
        if (engine === 'file') {
          // Nothing was written outside the session directory, and only files of minted keys in it.
          expect(readdirSync(tmp)).toEqual(['sessions']);
          const strays = readdirSync(sessionDir).filter((f) => !/^sessionid[a-z0-9]{32}$/.test(f));
          expect(strays).toEqual([]);
        }
      } finally {
        await server?.stop();
        if (server) live.delete(server);
        await redis?.close();
        rmSync(tmp, { recursive: true, force: true });
      }
    }, 180_000);
  },
);

describe('the suite as a whole', () => {
  it(`sends at least ${MIN_TOTAL.toLocaleString('en-US')} generated Cookie headers`, () => {
    // Runs after the engines above (tests in a file run in order).
    expect(results.reduce((n, s) => n + s.requests, 0)).toBeGreaterThanOrEqual(
      process.env.ROBUSTNESS_REQUESTS ? 0 : MIN_TOTAL,
    );
  });
});
