// The cost of merged saves and of per-session locking (issue "Sessions beyond every peer",
// item 1). The fixture site test/fixtures/concurrency (run by tsx, one process) is loaded by
// wrk with 50 keep-alive connections, per engine, in three variants:
//
//   whole    GET /hits-whole/: the counter, saved as the whole data (`modified = true`), as
//            every save was before saves merged: the baseline
//   merged   GET /hits/: the same counter, saved by merging (the default now)
//   locked   GET /hits/ with SESSION_LOCKING = true: every request locks its session
//
// and two session patterns: `one session` (all 50 connections send one cookie: every request
// contends for the same session, the worst case for locking) and `50 sessions` (each request
// takes the next of 50 cookies: little contention, the usual case). For each row: requests per
// second, p99 latency, and how many counter updates were lost (counter views the server ran
// minus what the counters grew by).
//
//   node bench/concurrency.mjs [--quick] [--engines db,file,cache,cached_db] [--no-services]
//
// --quick measures 2 s after a 1 s warm-up (default 5 s after 2 s). Needs wrk. Redis and
// PostgreSQL rows (db/PostgreSQL, cache/Redis, cached_db/PostgreSQL+Redis) need their server
// binaries (test/support/services.ts starts them); --no-services skips them.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { runCommand, startServer } from './lib/process.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const manage = path.join(root, 'test/fixtures/concurrency/manage.ts');
const tsx = path.join(root, 'node_modules/.bin/tsx');
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    engines: { type: 'string', default: 'db,file,cache,cached_db' },
    services: { type: 'boolean', default: true },
    'no-services': { type: 'boolean', default: false },
    connections: { type: 'string', default: '50' },
  },
});
const seconds = values.quick ? 2 : 5;
const warmup = values.quick ? 1 : 2;
const connections = Number(values.connections);
const engines = values.engines.split(',');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tango-bench-concurrency-'));
const script = path.join(tmp, 'sessions.lua');

/** wrk with `cookies` sent round-robin, one per request; the report line of wrk-report.lua. */
function load(url, cookies, duration) {
  writeFileSync(
    script,
    `local cookies = {${cookies.map((c) => JSON.stringify(`sessionid=${c}`)).join(',')}}\n` +
      'local i = 0\n' +
      'request = function()\n  i = i % #cookies + 1\n' +
      '  return wrk.format(nil, nil, { Cookie = cookies[i] })\nend\n' +
      readFileSync(path.join(root, 'bench/lib/wrk-report.lua'), 'utf8'),
  );
  const args = ['-t1', `-c${connections}`, `-d${duration}s`, '--timeout', '10s', '-s', script, url];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      if (code !== 0 || !line) return reject(new Error(`wrk exited with ${code}: ${out}`));
      const r = JSON.parse(line);
      const e = r.errors;
      resolve({
        requests: r.requests,
        rps: r.requests / (r.duration_us / 1e6),
        p99: r.p99_us / 1000,
        failed: e.connect + e.read + e.write + e.timeout + e.status,
      });
    });
  });
}

async function get(url, cookie) {
  const response = await fetch(url, { headers: cookie ? { cookie: `sessionid=${cookie}` } : {} });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

async function newSession(base) {
  const { headers } = await get(`${base}/hits/`);
  return /sessionid=([a-z0-9]+)/.exec(headers.get('set-cookie') ?? '')[1];
}

async function counters(base, cookies) {
  let sum = 0;
  for (const cookie of cookies) sum += Number((await get(`${base}/count/`, cookie)).body);
  return sum;
}

/** The configurations to measure: [label, env]. */
async function configurations() {
  const sqlite = path.join(tmp, 'db.sqlite3');
  const files = path.join(tmp, 'files');
  const list = [];
  const local = {
    db: ['db/SQLite', { CONC_ENGINE: 'db', CONC_SQLITE: sqlite }],
    file: ['file', { CONC_ENGINE: 'file', CONC_FILE_PATH: files }],
    cache: ['cache/locmem', { CONC_ENGINE: 'cache' }],
    cached_db: ['cached_db/SQLite+locmem', { CONC_ENGINE: 'cached_db', CONC_SQLITE: sqlite }],
  };
  await runCommand('mkdir', ['-p', files]);
  await migrate({ CONC_SQLITE: sqlite });
  for (const engine of engines) list.push(local[engine]);
  let services = null;
  if (values.services && !values['no-services']) {
    const { tsImport } = await import('tsx/esm/api');
    const support = await tsImport(
      pathToFileURL(path.join(root, 'test/support/services.ts')).href,
      import.meta.url,
    );
    const quiet = console.warn;
    console.warn = () => {};
    const ok =
      support.serviceSupport('redis').available && support.serviceSupport('postgresql').available;
    console.warn = quiet;
    if (ok) {
      const [pg, redis] = await Promise.all([support.startPostgres(), support.startRedis()]);
      services = { pg, redis };
      await migrate({ CONC_DATABASE_URL: pg.url });
      const shared = { CONC_DATABASE_URL: pg.url, CONC_REDIS_URL: redis.url };
      const remote = {
        db: ['db/PostgreSQL', { ...shared, CONC_ENGINE: 'db' }],
        cache: ['cache/Redis', { ...shared, CONC_ENGINE: 'cache' }],
        cached_db: ['cached_db/PostgreSQL+Redis', { ...shared, CONC_ENGINE: 'cached_db' }],
      };
      for (const engine of engines) if (remote[engine]) list.push(remote[engine]);
    } else {
      console.log('Redis/PostgreSQL rows skipped: their server binaries are not installed.');
    }
  }
  return { list, services };
}

async function migrate(env) {
  const result = await runCommand(tsx, [manage, 'migrate'], { cwd: root, env });
  if (result.code !== 0) throw new Error(`migrate failed: ${result.stderr}`);
}

async function server(env) {
  return startServer({
    name: 'concurrency',
    command: tsx,
    args: [manage, 'runserver', '127.0.0.1:0', '--noreload', '--noaccesslog'],
    cwd: root,
    env,
  });
}

/** One row: the route under load with `cookies`, after a warm-up; lost counter updates. */
async function measure(base, route, cookies) {
  await load(`${base}${route}`, cookies, warmup);
  await new Promise((resolve) => setTimeout(resolve, 200)); // the warm-up's last requests
  const served = async () => Number((await get(`${base}/served/`)).body);
  const before = [await counters(base, cookies), await served()];
  const result = await load(`${base}${route}`, cookies, seconds);
  // wrk does not count the requests still in flight when it stops: the server does.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const ran = (await served()) - before[1];
  const grew = (await counters(base, cookies)) - before[0];
  return { ...result, lost: ran - grew };
}

const rows = [];
const { list, services } = await configurations();
try {
  for (const [label, env] of list) {
    for (const locking of [false, true]) {
      const running = await server({ ...env, CONC_LOCKING: locking ? '1' : '0' });
      try {
        const one = [await newSession(running.url)];
        const fifty = [];
        for (let i = 0; i < 50; i++) fifty.push(await newSession(running.url));
        const variants = locking
          ? [['locked', '/hits/']]
          : [
              ['whole', '/hits-whole/'],
              ['merged', '/hits/'],
            ];
        for (const [variant, route] of variants) {
          for (const [pattern, cookies] of [
            ['one session', one],
            ['50 sessions', fifty],
          ]) {
            const r = await measure(running.url, route, cookies);
            rows.push({ label, variant, pattern, ...r });
            console.log(
              `${label.padEnd(26)} ${variant.padEnd(7)} ${pattern.padEnd(12)} ${Math.round(r.rps).toString().padStart(6)} req/s  p99 ${r.p99.toFixed(1).padStart(7)} ms  lost ${r.lost}/${r.requests}${r.failed ? `  failed ${r.failed}` : ''}`,
            );
          }
        }
      } finally {
        await running.stop();
      }
    }
  }
} finally {
  await Promise.all([services?.pg.close(), services?.redis.close()]);
  rmSync(tmp, { recursive: true, force: true });
}

// A markdown table for docs/benchmarks.md.
console.log(
  '\n| engine | save | sessions | req/s | p99 ms | updates lost |\n| --- | --- | --- | ---: | ---: | ---: |',
);
for (const r of rows) {
  console.log(
    `| ${r.label} | ${r.variant} | ${r.pattern} | ${Math.round(r.rps).toLocaleString('en-US')} | ${r.p99.toFixed(1)} | ${r.lost} of ${r.requests.toLocaleString('en-US')} |`,
  );
}
