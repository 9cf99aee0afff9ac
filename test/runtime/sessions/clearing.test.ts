// SESSION_CLEAR_EXPIRED_EVERY: the server clears expired sessions itself, one process of the
// pool per period and never two at once (sessions/clearing.ts). Several "processes" here are
// several stores on one directory or database, each with its own schedule.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { migrate, SqliteConnection } from '../../../src/runtime/db/index.js';
import { DatabaseStore } from '../../../src/runtime/sessions/backends/db.js';
import { FileStore } from '../../../src/runtime/sessions/backends/file.js';
import { clearExpiredOnce, scheduleClearExpired } from '../../../src/runtime/sessions/clearing.js';
import { formatIsoDate } from '../../../src/runtime/sessions/encoding.js';
import {
  SessionMiddleware,
  type SessionMiddlewareHandler,
} from '../../../src/runtime/sessions/middleware.js';
import { migrations } from '../../../src/runtime/sessions/migrations/index.js';
import type { ServerSideStore } from '../../../src/runtime/sessions/store.js';
import { d } from './data.js';

const KEYS = { key: 'clearing-test', fallbackKeys: [] };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tango-clearing-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Counts clearExpired() calls and the most that ever ran at once, across `stores`. */
function instrument(stores: ServerSideStore[]) {
  const seen = { calls: 0, running: 0, most: 0 };
  for (const store of stores) {
    const clear = store.clearExpired.bind(store);
    store.clearExpired = async () => {
      seen.calls++;
      seen.most = Math.max(seen.most, ++seen.running);
      try {
        await sleep(30); // a clearing that takes a while
        return await clear();
      } finally {
        seen.running--;
      }
    };
  }
  return seen;
}

async function expired(store: ServerSideStore, n: number): Promise<void> {
  const anHourAgo = new Date(Date.now() - 3_600_000);
  for (let i = 0; i < n; i++) {
    await store.create(d({ i, _session_expiry: formatIsoDate(anHourAgo) }), anHourAgo);
  }
}

describe('clearing expired sessions on a schedule', () => {
  it('file: four processes, a 0.1 s period: one clearing per period, never two at once', async () => {
    const stores = Array.from({ length: 4 }, () => new FileStore({ directory: dir, keys: KEYS }));
    await expired(stores[0]!, 5);
    const seen = instrument(stores);
    const lines: string[] = [];
    const restore = setLogSink((name, level, message) => lines.push(`${level} ${name} ${message}`));
    const schedules = stores.map((store) => scheduleClearExpired(store, 0.1));
    try {
      await sleep(650);
    } finally {
      await Promise.all(schedules.map((schedule) => schedule.stop()));
      restore();
    }
    expect(seen.most).toBe(1);
    // Six periods: one clearing each (give or take the timers), not one per process.
    expect(seen.calls).toBeGreaterThanOrEqual(3);
    expect(seen.calls).toBeLessThanOrEqual(8);
    expect(lines).toContain('INFO tango.sessions Cleared 5 expired session(s).');
    expect(await fs.readdir(dir)).not.toContainEqual(expect.stringMatching(/^sessionid[a-z0-9]+$/));
  });

  it('db: a second process in the same period skips; after the period, it clears', async () => {
    const file = path.join(dir, 'db.sqlite3');
    const app = {
      name: 'tango.sessions',
      label: 'sessions',
      path: dir,
      templatesDir: undefined,
      migrationsDir: undefined,
      migrations,
    };
    const one = new DatabaseStore(new SqliteConnection(file), { keys: KEYS });
    const two = new DatabaseStore(new SqliteConnection(file), { keys: KEYS });
    await migrate(one.db, { apps: [app] }, {}, { write: () => undefined });
    await expired(one, 2);
    expect(await clearExpiredOnce(one, 0.3)).toBe(2);
    await expired(one, 1);
    expect(await clearExpiredOnce(two, 0.3)).toBeNull();
    expect(await two.countExpired()).toBe(1);
    await sleep(350);
    expect(await clearExpiredOnce(two, 0.3)).toBe(1);
    await one.close();
    await two.close();
  });

  it('a failing clearing is logged, and the next period tries again', async () => {
    const store = new FileStore({ directory: dir, keys: KEYS });
    let calls = 0;
    store.clearExpired = async () => {
      calls++;
      throw new Error('EIO on the disk');
    };
    const lines: string[] = [];
    const restore = setLogSink((name, level, message) => lines.push(`${level} ${name} ${message}`));
    const schedule = scheduleClearExpired(store, 0.05);
    try {
      await sleep(300);
    } finally {
      await schedule.stop();
      restore();
    }
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(lines[0]).toBe(
      'ERROR tango.sessions Could not clear expired sessions (SESSION_CLEAR_EXPIRED_EVERY): EIO on the disk',
    );
  });

  it('SessionMiddleware schedules it from the setting, stops it on close, and refuses an engine that cannot', async () => {
    const base = {
      BASE_DIR: dir,
      SECRET_KEY: 'k',
      SESSION_ENGINE: 'file',
      SESSION_FILE_PATH: dir,
    } as const;
    await expired(new FileStore({ directory: dir, keys: { key: 'k', fallbackKeys: [] } }), 2);
    const restore = setLogSink(() => undefined);
    try {
      const handler = (await SessionMiddleware(
        async () => {
          throw new Error('no request is made');
        },
        defineSettings({ ...base, SESSION_CLEAR_EXPIRED_EVERY: 0.05 }),
      )) as SessionMiddlewareHandler;
      await sleep(250);
      await handler.close();
    } finally {
      restore();
    }
    expect((await fs.readdir(dir)).filter((name) => /^sessionid[a-z0-9]+$/.test(name))).toEqual([]);
    await expect(
      SessionMiddleware(
        async () => {
          throw new Error('unused');
        },
        defineSettings({
          ...base,
          SESSION_ENGINE: 'signed_cookies',
          SESSION_CLEAR_EXPIRED_EVERY: 60,
        }),
      ),
    ).rejects.toThrow(ImproperlyConfigured);
    expect(() => defineSettings({ ...base, SESSION_CLEAR_EXPIRED_EVERY: 0 })).toThrow(
      'The SESSION_CLEAR_EXPIRED_EVERY setting must be a positive number of seconds or null, got 0.',
    );
  });
});
