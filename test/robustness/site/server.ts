// The server process of test/robustness/cookies.test.ts: the sessions app with the default
// MIDDLEWARE on node:http, on 127.0.0.1 and a free port, printed as `listening <port>`.
// Run as `node --import tsx test/robustness/site/server.ts` (one process, so its RSS is the
// server's). Environment:
//   ROBUSTNESS_ENGINE        a SESSION_ENGINE name (default db)
//   ROBUSTNESS_REDIS_URL     redis://... for CACHES['default'] (default: locmem)
//   ROBUSTNESS_SESSION_DIR   SESSION_FILE_PATH for the file engine
import { BUILTIN_MIDDLEWARE, type SessionEngineName } from '../../../src/runtime/conf/settings.js';
import { configure, defineSettings } from '../../../src/runtime/conf/index.js';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { getConnection, migrate } from '../../../src/runtime/db/index.js';
import { createApplication } from '../../../src/runtime/handlers/base.js';
import { serve } from '../../../src/runtime/server/node.js';
import { ROBUSTNESS_SECRET_KEY } from './constants.js';

// Each record starts with its level and logger, so the test can count them.
setLogSink((name, level, message) => {
  process.stderr.write(`${level} ${name} ${message}\n`);
});

const redisUrl = process.env.ROBUSTNESS_REDIS_URL;

const settings = configure(
  defineSettings({
    BASE_DIR: import.meta.dirname,
    SECRET_KEY: ROBUSTNESS_SECRET_KEY,
    DEBUG: false,
    ALLOWED_HOSTS: ['127.0.0.1'],
    INSTALLED_APPS: ['tango.sessions'],
    MIDDLEWARE: [...BUILTIN_MIDDLEWARE],
    ROOT_URLCONF: 'urls',
    TEMPLATES: [],
    DATABASES: { default: { ENGINE: 'sqlite', NAME: ':memory:' } },
    CACHES: {
      default: redisUrl
        ? { BACKEND: 'redis', LOCATION: redisUrl, KEY_PREFIX: 'robustness' }
        : // Large enough that culling never drops the sessions the fuzzer replays.
          { BACKEND: 'locmem', OPTIONS: { MAX_ENTRIES: 1_000_000 } },
    },
    SESSION_ENGINE: (process.env.ROBUSTNESS_ENGINE ?? 'db') as SessionEngineName,
    SESSION_FILE_PATH: process.env.ROBUSTNESS_SESSION_DIR ?? null,
  }),
);

const app = await createApplication(settings);
await migrate(getConnection(settings), app.apps, {}, { write: () => undefined });
const running = await serve(app, { port: 0, log: null });
process.stdout.write(`listening ${running.port}\n`);

const stop = () => {
  void running.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
