// Peer: express 5 + express-session, with the store named by $BENCH_STORE:
// memory (MemoryStore), sqlite (better-sqlite3-session-store, WAL), redis (connect-redis +
// node-redis, $BENCH_REDIS_URL), pg (connect-pg-simple + pg, $BENCH_PG_URL).
// Defaults otherwise (ETag, X-Powered-By), as a user would deploy it. `form/` is the CSRF
// scenario: csrf-csrf (double-submit cookie, HMAC-signed token) with cookie-parser.
import http from 'node:http';
import cookieParser from 'cookie-parser';
import { doubleCsrf } from 'csrf-csrf';
import express from 'express';
import session from 'express-session';
import { HELLO, SECRET, formDone, formPage, listen, loadPage } from './common.mjs';

const page = loadPage();
const storeName = process.env.BENCH_STORE ?? 'memory';

async function makeStore() {
  switch (storeName) {
    case 'memory':
      return undefined; // express-session's MemoryStore
    case 'sqlite': {
      const { default: Database } = await import('better-sqlite3');
      const { default: sqliteStore } = await import('better-sqlite3-session-store');
      const db = new Database(process.env.BENCH_SQLITE_FILE ?? 'express-sessions.sqlite3');
      db.pragma('journal_mode = WAL');
      const SqliteStore = sqliteStore(session);
      return new SqliteStore({ client: db, expired: { clear: true, intervalMs: 900_000 } });
    }
    case 'redis': {
      const { createClient } = await import('redis');
      const { RedisStore } = await import('connect-redis');
      const client = createClient({ url: process.env.BENCH_REDIS_URL });
      await client.connect();
      return new RedisStore({ client, prefix: 'express-sess:' });
    }
    case 'pg': {
      const { default: pg } = await import('pg');
      const { default: pgSimple } = await import('connect-pg-simple');
      const pool = new pg.Pool({ connectionString: process.env.BENCH_PG_URL, max: 10 });
      const PgStore = pgSimple(session);
      const store = new PgStore({ pool, createTableIfMissing: true, pruneSessionInterval: false });
      return store;
    }
    default:
      throw new Error(`unknown BENCH_STORE ${storeName}`);
  }
}

const app = express();
app.use(
  session({ secret: SECRET, resave: false, saveUninitialized: false, store: await makeStore() }),
);
app.get('/hits/', (req, res) => {
  const hit = (req.session.hit ?? 0) + 1;
  req.session.hit = hit;
  res.type('html').send(page.prefix + hit + page.suffix);
});
app.get('/hello/', (req, res) => {
  res.type('text').send(HELLO);
});
const { generateCsrfToken, doubleCsrfProtection } = doubleCsrf({
  getSecret: () => SECRET,
  // No login in this scenario: the token is bound to no session.
  getSessionIdentifier: () => '',
  cookieName: 'csrf',
  cookieOptions: { sameSite: 'lax', secure: false, path: '/' },
  getCsrfTokenFromRequest: (req) => req.body?._csrf,
});
app.get('/form/', cookieParser(), (req, res) => {
  res.type('html').send(formPage('_csrf', generateCsrfToken(req, res)));
});
app.post(
  '/form/',
  cookieParser(),
  express.urlencoded({ extended: false }),
  doubleCsrfProtection,
  (req, res) => {
    res.type('html').send(formDone(req.body.name));
  },
);
listen(http.createServer(app));
