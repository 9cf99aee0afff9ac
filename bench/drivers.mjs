// Driver comparison for the scale-out engines (issue 7): pg vs postgres for PostgreSQL, ioredis
// vs redis (node-redis) for Redis, on the session engines' own access pattern.
//
//   npx tsx bench/drivers.mjs            # starts its own redis-server and PostgreSQL (test/support/services.ts)
//   PG_URL=postgres://... REDIS_URL=redis://... node bench/drivers.mjs   # or use running servers
//   OPS=20000 CONCURRENCY=1,32 ROUNDS=3 ONLY=redis npx tsx bench/drivers.mjs   # ONLY=postgresql|redis
//
// One "op" is what a session request costs a store: PostgreSQL = one prepared
// `SELECT ... WHERE session_key = $1 AND expire_date > $2` plus one prepared `UPDATE ... WHERE
// session_key = $3` on django_session (pooled, 10 connections); Redis = one GET plus one SET PX.
// Each driver runs ROUNDS times, interleaved with the others so drift hits all alike, after a
// warm-up; the median ops/s is printed. Results go to stdout as a table and as JSON.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

const OPS = Number(process.env.OPS ?? 20_000);
const CONCURRENCY = (process.env.CONCURRENCY ?? '1,32').split(',').map(Number);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const POOL = 10;
const KEYS = 1000;
const ONLY = process.env.ONLY;

const keys = Array.from({ length: KEYS }, () => randomBytes(16).toString('hex'));
const payload = 'eyJoaXQiOjF9:1tZ0aB:' + 'x'.repeat(120);
const future = () => new Date(Date.now() + 3_600_000).toISOString();

const SELECT =
  'SELECT session_data, expire_date FROM django_session WHERE session_key = $1 AND expire_date > $2';
const UPDATE =
  'UPDATE django_session SET session_data = $1, expire_date = $2 WHERE session_key = $3';

/** Runs `op(i)` OPS times with `concurrency` loops in flight; returns ops/s. */
async function measure(op, concurrency) {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < OPS) await op(next++);
    }),
  );
  return OPS / ((performance.now() - start) / 1000);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function postgresDrivers(url) {
  const [{ default: pg }, { default: postgres }] = await Promise.all([
    import('pg'),
    import('postgres'),
  ]);
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(
    'CREATE TABLE IF NOT EXISTS django_session (session_key varchar(40) NOT NULL PRIMARY KEY, ' +
      'session_data text NOT NULL, expire_date timestamp with time zone NOT NULL)',
  );
  await setup.query('TRUNCATE django_session');
  for (const key of keys) {
    await setup.query('INSERT INTO django_session VALUES ($1, $2, $3)', [key, payload, future()]);
  }
  await setup.end();

  const pgPool = new pg.Pool({ connectionString: url, max: POOL });
  const porsager = postgres(url, { max: POOL, prepare: true, onnotice: () => {} });
  return {
    drivers: {
      // Named queries are pg's prepared statements (parsed once per connection).
      pg: async (i) => {
        const key = keys[i % KEYS];
        await pgPool.query({ name: 'load', text: SELECT, values: [key, new Date().toISOString()] });
        await pgPool.query({ name: 'save', text: UPDATE, values: [payload, future(), key] });
      },
      // `unsafe(sql, params, { prepare: true })` is how a Connection with SQL strings must call it.
      postgres: async (i) => {
        const key = keys[i % KEYS];
        await porsager.unsafe(SELECT, [key, new Date().toISOString()], { prepare: true });
        await porsager.unsafe(UPDATE, [payload, future(), key], { prepare: true });
      },
      // For reference: postgres's tagged templates (not usable with SQL kept as strings).
      'postgres (tagged template)': async (i) => {
        const key = keys[i % KEYS];
        const now = new Date().toISOString();
        await porsager`SELECT session_data, expire_date FROM django_session WHERE session_key = ${key} AND expire_date > ${now}`;
        await porsager`UPDATE django_session SET session_data = ${payload}, expire_date = ${future()} WHERE session_key = ${key}`;
      },
    },
    close: () => Promise.all([pgPool.end(), porsager.end()]),
  };
}

async function redisDrivers(url) {
  const [{ Redis }, { createClient }] = await Promise.all([import('ioredis'), import('redis')]);
  const io = new Redis(url, { lazyConnect: true });
  const ioAuto = new Redis(url, { lazyConnect: true, enableAutoPipelining: true });
  const node = createClient({ url });
  await Promise.all([io.connect(), ioAuto.connect(), node.connect()]);
  for (const key of keys) await io.set(`:1:s${key}`, payload, 'PX', 3_600_000);
  return {
    drivers: {
      ioredis: async (i) => {
        const key = `:1:s${keys[i % KEYS]}`;
        await io.get(key);
        await io.set(key, payload, 'PX', 3_600_000);
      },
      'ioredis (autopipelining)': async (i) => {
        const key = `:1:s${keys[i % KEYS]}`;
        await ioAuto.get(key);
        await ioAuto.set(key, payload, 'PX', 3_600_000);
      },
      redis: async (i) => {
        const key = `:1:s${keys[i % KEYS]}`;
        await node.get(key);
        await node.set(key, payload, { PX: 3_600_000 });
      },
    },
    close: () => Promise.all([io.quit(), ioAuto.quit(), node.quit()]),
  };
}

async function compare(title, drivers) {
  const results = {};
  for (const concurrency of CONCURRENCY) {
    for (const op of Object.values(drivers)) await measure(op, concurrency); // warm-up
    const runs = Object.fromEntries(Object.keys(drivers).map((name) => [name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, op] of Object.entries(drivers))
        runs[name].push(await measure(op, concurrency));
    }
    for (const [name, xs] of Object.entries(runs)) {
      results[name] ??= {};
      results[name][`c${concurrency}`] = Math.round(median(xs));
    }
  }
  console.log(
    `\n${title}: ${OPS} ops per run, median of ${ROUNDS} (ops/s; one op = 2 round trips)`,
  );
  console.log(
    ['driver'.padEnd(26), ...CONCURRENCY.map((c) => `concurrency ${c}`.padStart(16))].join(''),
  );
  for (const [name, byC] of Object.entries(results)) {
    console.log(
      [name.padEnd(26), ...CONCURRENCY.map((c) => String(byC[`c${c}`]).padStart(16))].join(''),
    );
  }
  return results;
}

let services = [];
let pgUrl = process.env.PG_URL;
let redisUrl = process.env.REDIS_URL;
const wantPg = ONLY !== 'redis';
const wantRedis = ONLY !== 'postgresql';
if ((wantPg && !pgUrl) || (wantRedis && !redisUrl)) {
  // Needs tsx to load the TypeScript helper.
  const { startPostgres, startRedis } = await import('../test/support/services.ts');
  if (wantPg && !pgUrl) {
    const pg = await startPostgres();
    services.push(pg);
    pgUrl = pg.url;
  }
  if (wantRedis && !redisUrl) {
    const redis = await startRedis();
    services.push(redis);
    redisUrl = redis.url;
  }
}

try {
  let pgResults;
  let redisResults;
  if (wantPg) {
    const pg = await postgresDrivers(pgUrl);
    pgResults = await compare('PostgreSQL (SELECT + UPDATE by key, pool of 10)', pg.drivers);
    await pg.close();
  }
  if (wantRedis) {
    const redis = await redisDrivers(redisUrl);
    redisResults = await compare('Redis (GET + SET PX)', redis.drivers);
    await redis.close();
  }
  console.log(
    '\n' +
      JSON.stringify({
        node: process.version,
        ops: OPS,
        rounds: ROUNDS,
        postgresql: pgResults,
        redis: redisResults,
      }),
  );
} finally {
  for (const service of services) await service.close();
}
