// Sessions per user (issue 19, requirement 2): what listing one user's sessions costs each
// server-side engine as the number of sessions grows, and why the db engine keeps a side
// table. Prints a markdown table for docs/session-store-contract.md and the JSON.
//
//   npx tsx bench/user-sessions.mjs                  # 10k and 100k sessions, every engine
//   SIZES=10000 ENGINES=db,file npx tsx bench/user-sessions.mjs
//   ENGINES=db-pg,cache-redis npx tsx bench/user-sessions.mjs   # starts its own servers
//
// Population: SIZES sessions, a fifth of them logged in (two sessions per user), the rest
// anonymous counters; the user looked up has 3 sessions. For the db engine (SQLite, and
// PostgreSQL when installed) it measures the two designs of docs/session-store-contract.md:
//   scan      SELECT every live row and decode it (no side table: O(all sessions) decodes);
//   first     the first listSessions({ userId }): the sweep decodes every row once and fills
//             tango_session_user (what a site pays once, on its first listing);
//   steady    a listing with the side table up to date (the usual case);
//   changed   a listing after 1% of the anonymous sessions were saved again (their rows are
//             decoded again: the cost tracks the writes since the last listing, not the size);
//   alone     the side table's lookup without the sweep (what a design that misses the rows
//             another program writes would cost).
// For file, cache (locmem) and cache (Redis): one listSessions({ userId }) walk (they scan).
// Each figure is the median of ROUNDS runs, in milliseconds.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const SIZES = (process.env.SIZES ?? '10000,100000').split(',').map(Number);
const ENGINES = (process.env.ENGINES ?? 'db,db-pg,file,cache,cache-redis').split(',');
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const KEYS = { key: 'bench-user-sessions-secret-key-0123456789abcdef', fallbackKeys: [] };
const TARGET = 'target-user';

const { encodeSessionData, decodeSessionData } = await import(
  '../src/runtime/sessions/encoding.ts'
);
const { DatabaseStore } = await import('../src/runtime/sessions/backends/db.ts');
const { FileStore } = await import('../src/runtime/sessions/backends/file.ts');
const { CacheStore } = await import('../src/runtime/sessions/backends/cache.ts');
const { SqliteConnection, PostgresConnection, migrate } = await import(
  '../src/runtime/db/index.ts'
);
const { getDialect } = await import('../src/runtime/db/dialect.ts');
const { LocMemCache, RedisCache } = await import('../src/runtime/cache/index.ts');
const { migrations } = await import('../src/runtime/sessions/migrations/index.ts');
const { generateSessionKey } = await import('../src/runtime/sessions/keys.ts');
const { serviceSupport, startPostgres, startRedis } = await import('../test/support/services.ts');

/** The sessions of a population of `n`: [key, data] with the target's 3 among them. */
function population(n) {
  const sessions = [];
  for (let i = 0; i < n; i++) {
    const loggedIn = i % 5 === 0;
    const user = i < 15 && loggedIn ? TARGET : `user${Math.floor(i / 10)}`;
    const data = loggedIn
      ? new Map([
          ['_auth_user_id', user],
          ['_auth_user_backend', 'tango.auth.backends.ModelBackend'],
          ['_auth_user_hash', 'ab12'.repeat(16)],
          ['hit', i],
        ])
      : new Map([['hit', i]]);
    sessions.push([generateSessionKey(), data]);
  }
  return sessions;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function time(fn) {
  const start = performance.now();
  const result = await fn();
  return { ms: performance.now() - start, result };
}

/** Median ms of `fn` over ROUNDS runs; checks it found the target's 3 sessions. */
async function measure(fn, check = (n) => n === 3) {
  const runs = [];
  for (let r = 0; r < ROUNDS; r++) {
    const { ms, result } = await time(fn);
    if (!check(result)) throw new Error(`found ${result} sessions of the target, not 3`);
    runs.push(ms);
  }
  return median(runs);
}

const sessionsApp = {
  name: 'tango.sessions',
  label: 'sessions',
  path: os.tmpdir(),
  templatesDir: undefined,
  migrationsDir: undefined,
  migrations,
};
const quiet = { write: () => undefined };

/** Fills django_session with `sessions`, expiring in a day. */
async function fillTable(db, sessions) {
  const expires = getDialect(db.dialect).datetime(new Date(Date.now() + 86_400_000));
  const rows = sessions.map(([key, data]) => [key, encodeSessionData(data, KEYS), expires]);
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const values = chunk.map(() => '(?, ?, ?)').join(', ');
    await db.run(
      `INSERT INTO django_session (session_key, session_data, expire_date) VALUES ${values}`,
      chunk.flat(),
    );
  }
}

/** The db engine's figures on a connection holding `sessions`. */
async function dbFigures(db, sessions) {
  const store = new DatabaseStore(db, { keys: KEYS });
  const now = getDialect(db.dialect).datetime(new Date());
  const scan = await measure(async () => {
    const rows = await db.all(
      'SELECT session_key, session_data FROM django_session WHERE expire_date > ?',
      [now],
    );
    let found = 0;
    for (const row of rows) {
      if (decodeSessionData(row.session_data, KEYS)?.get('_auth_user_id') === TARGET) found++;
    }
    return found;
  });
  const count = async () => (await store.listSessions({ userId: TARGET })).sessions.length;
  const first = [];
  for (let r = 0; r < Math.min(ROUNDS, 3); r++) {
    await db.exec('DROP TABLE IF EXISTS tango_session_user');
    const fresh = new DatabaseStore(db, { keys: KEYS });
    first.push((await time(() => fresh.listSessions({ userId: TARGET }))).ms);
  }
  await count(); // the table is up to date again
  const steady = await measure(count);
  // What the side table alone would cost (no sweep, so it would miss rows Django writes).
  const indexOnly = await measure(async () => {
    const rows = await db.all(
      'SELECT s.session_key, s.session_data FROM tango_session_user u JOIN django_session s ' +
        'ON s.session_key = u.session_key WHERE u.user_id = ? AND s.expire_date > ?',
      [TARGET, now],
    );
    return rows.filter((row) => decodeSessionData(row.session_data, KEYS)).length;
  });
  // 1% of the anonymous sessions saved again (a visit each), between two listings.
  const anonymous = sessions.filter(([, data]) => !data.has('_auth_user_id'));
  const changedRuns = [];
  for (let r = 0; r < ROUNDS; r++) {
    const touched = anonymous.slice(r * 1000, r * 1000 + Math.ceil(sessions.length / 100));
    await db.transaction(async (tx) => {
      for (const [key] of touched) {
        await tx.run('UPDATE django_session SET session_data = ? WHERE session_key = ?', [
          encodeSessionData(new Map([['hit', r]]), KEYS),
          key,
        ]);
      }
    });
    changedRuns.push((await time(count)).ms);
  }
  return { scan, first: median(first), steady, changed: median(changedRuns), indexOnly };
}

async function sqlite(sessions) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tango-bench-users-'));
  const db = new SqliteConnection(path.join(dir, 'db.sqlite3'));
  try {
    await migrate(db, { apps: [sessionsApp] }, {}, quiet);
    await fillTable(db, sessions);
    return await dbFigures(db, sessions);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgres(sessions, url) {
  const db = new PostgresConnection({ url });
  try {
    await db.exec('DROP TABLE IF EXISTS django_session; DROP TABLE IF EXISTS tango_migrations');
    await migrate(db, { apps: [sessionsApp] }, {}, quiet);
    await fillTable(db, sessions);
    await db.exec('ANALYZE django_session');
    return await dbFigures(db, sessions);
  } finally {
    await db.close();
  }
}

async function file(sessions) {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'tango-bench-users-'));
  const store = new FileStore({ directory, keys: KEYS });
  try {
    const expires = new Date(Date.now() + 86_400_000);
    for (const [, data] of sessions) await store.create(data, expires);
    const scan = await measure(
      async () => (await store.listSessions({ userId: TARGET, limit: 1000 })).sessions.length,
    );
    return { scan };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** A full walk of the cache engine's listing for the target (several pages on Redis). */
async function walkCount(store) {
  let found = 0;
  let cursor = null;
  do {
    const page = await store.listSessions({ userId: TARGET, limit: 1000, cursor });
    found += page.sessions.length;
    cursor = page.cursor;
  } while (cursor !== null);
  return found;
}

async function locmem(sessions) {
  const cache = new LocMemCache({
    location: `bench-${Date.now()}`,
    maxEntries: sessions.length * 2,
  });
  const store = new CacheStore(cache);
  const expires = new Date(Date.now() + 86_400_000);
  for (const [, data] of sessions) await store.create(data, expires);
  const scan = await measure(() => walkCount(store));
  await cache.clear();
  return { scan };
}

async function redis(sessions, url) {
  const cache = new RedisCache({ location: url });
  const store = new CacheStore(cache);
  try {
    await cache.clear();
    const expires = new Date(Date.now() + 86_400_000);
    for (let i = 0; i < sessions.length; i += 1000) {
      await Promise.all(sessions.slice(i, i + 1000).map(([, data]) => store.create(data, expires)));
    }
    const scan = await measure(() => walkCount(store));
    return { scan };
  } finally {
    await cache.clear();
    await cache.close();
  }
}

const services = [];
const results = {};
try {
  let pgUrl;
  let redisUrl;
  if (ENGINES.includes('db-pg') && serviceSupport('postgresql').available) {
    const pg = await startPostgres();
    services.push(pg);
    pgUrl = pg.url;
  }
  if (ENGINES.includes('cache-redis') && serviceSupport('redis').available) {
    const server = await startRedis();
    services.push(server);
    redisUrl = server.url;
  }
  for (const size of SIZES) {
    const sessions = population(size);
    const row = {};
    if (ENGINES.includes('db')) row.db = await sqlite(sessions);
    if (pgUrl) row['db-pg'] = await postgres(sessions, pgUrl);
    if (ENGINES.includes('file')) row.file = await file(sessions);
    if (ENGINES.includes('cache')) row.cache = await locmem(sessions);
    if (redisUrl) row['cache-redis'] = await redis(sessions, redisUrl);
    results[size] = row;
    console.error(`${size} sessions: ${JSON.stringify(row)}`);
  }
} finally {
  for (const service of services) await service.close();
}

const ms = (value) =>
  value === undefined ? '—' : value.toFixed(value < 1 ? 2 : value < 10 ? 1 : 0);
const sizes = Object.keys(results);
console.log(
  `\nListing one user's sessions (${ROUNDS} rounds, median ms; Node ${process.version}, ${os.cpus().length} CPUs).\n`,
);
console.log('The db engine, two designs (decode every row; the side table and its sweep):\n');
console.log(
  '| sessions | database | decode every row | first listing (fills the side table) | side table up to date | after 1% of the rows changed | side table alone, no sweep (misses rows Django writes) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const size of sizes) {
  for (const [engine, name] of [
    ['db', 'SQLite'],
    ['db-pg', 'PostgreSQL'],
  ]) {
    const f = results[size][engine];
    if (!f) continue;
    console.log(
      `| ${Number(size).toLocaleString('en')} | ${name} | ${ms(f.scan)} | ${ms(f.first)} | ${ms(f.steady)} | ${ms(f.changed)} | ${ms(f.indexOnly)} |`,
    );
  }
}
const columns = [
  ['db', 'db (SQLite)', 'steady'],
  ['db-pg', 'db (PostgreSQL)', 'steady'],
  ['file', 'file', 'scan'],
  ['cache', 'cache (locmem)', 'scan'],
  ['cache-redis', 'cache (Redis)', 'scan'],
].filter(([engine]) => sizes.some((size) => results[size][engine]));
console.log('\nEvery engine, as it lists (db: side table up to date):\n');
console.log(`| sessions | ${columns.map(([, name]) => name).join(' | ')} |`);
console.log(`| --- | ${columns.map(() => '---').join(' | ')} |`);
for (const size of sizes) {
  const cells = columns.map(([engine, , field]) => ms(results[size][engine]?.[field]));
  console.log(`| ${Number(size).toLocaleString('en')} | ${cells.join(' | ')} |`);
}
console.log(`\n${JSON.stringify({ node: process.version, rounds: ROUNDS, results })}`);
