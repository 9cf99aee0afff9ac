// The file engine: the shared store contract, then its specifics. Items cited as "checklist #N"
// (or §X, a section) are in docs/django-sessions-checklist.md.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { defineSettings } from '../../../../src/runtime/conf/define.js';
import { ImproperlyConfigured } from '../../../../src/runtime/conf/errors.js';
import { setLogSink } from '../../../../src/runtime/core/log.js';
import { ServiceUnavailable } from '../../../../src/runtime/http/errors.js';
import { FileStore } from '../../../../src/runtime/sessions/backends/file.js';
import {
  decodeSessionData,
  encodeSessionData,
  formatIsoDate,
} from '../../../../src/runtime/sessions/encoding.js';
import {
  SessionStoreUnavailable,
  UpdateError,
} from '../../../../src/runtime/sessions/exceptions.js';
import { Session } from '../../../../src/runtime/sessions/session.js';
import { describeServerSideStoreContract } from '../store-contract.js';
import { d, plain } from '../data.js';

const KEYS = { key: 'file-test-secret', fallbackKeys: [] };
const execFileAsync = promisify(execFile);

async function tempDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'tango-file-sessions-'));
}

describeServerSideStoreContract('file', async ({ now }) => {
  const directory = await tempDir();
  return {
    store: new FileStore({ directory, keys: KEYS, now }),
    cleanup: () => fs.rm(directory, { recursive: true, force: true }),
  };
});

describe('file engine specifics (checklist §J.4)', () => {
  let directory: string;
  let store: FileStore;
  beforeEach(async () => {
    directory = await tempDir();
    store = new FileStore({ directory, prefix: 'sessionid', keys: KEYS });
  });
  afterEach(async () => {
    await fs.rm(directory, { recursive: true, force: true });
  });

  it("one file per session, <prefix><key>, mode 0600, holding Django's encoded string (checklist #119)", async () => {
    const written = Date.UTC(2026, 0, 1, 12, 0, 0, 250);
    const store = new FileStore({ directory, keys: KEYS, now: () => written });
    const key = await store.create(d({ hit: 1 }), new Date(written + 1_209_600_000));
    expect(await fs.readdir(directory)).toEqual([`sessionid${key}`]);
    const file = path.join(directory, `sessionid${key}`);
    const stat = await fs.stat(file);
    expect(stat.mode & 0o777).toBe(0o600);
    const content = await fs.readFile(file, 'utf8');
    expect(content).toMatch(/^eyJoaXQiOjF9:[0-9A-Za-z]{6}:[A-Za-z0-9_-]{43}$/);
    expect(plain(decodeSessionData(content, KEYS))).toEqual({ hit: 1 });
    // The mtime is the last write, as Django's: the deadline comes from it and the data.
    expect(Math.round(stat.mtimeMs)).toBe(written);
  });

  it('save() replaces the file atomically and leaves no temporary file (checklist #119)', async () => {
    const clock = { now: Date.now() };
    const store = new FileStore({ directory, keys: KEYS, now: () => clock.now });
    const key = await store.create(d({ hit: 1 }), new Date(clock.now + 1_209_600_000));
    clock.now += 60_000;
    await store.save(key, d({ hit: 2 }), new Date(clock.now + 1_209_600_000));
    expect(await fs.readdir(directory)).toEqual([`sessionid${key}`]);
    const stat = await fs.stat(path.join(directory, `sessionid${key}`));
    expect(Math.round(stat.mtimeMs)).toBe(clock.now);
    expect(stat.mode & 0o777).toBe(0o600);
    expect(plain(await store.load(key))).toEqual({ hit: 2 });
  });

  it("the deadline is Django's _expiry_date: the data's _session_expiry date, else the mtime plus SESSION_COOKIE_AGE (hardening 6; checklist #120)", async () => {
    const T = Date.UTC(2026, 5, 1, 12);
    const store = new FileStore({ directory, keys: KEYS, cookieAge: 3600, now: () => T });
    const S = 1000;
    const iso = (ms: number) => formatIsoDate(new Date(ms));
    // [data (null: not Django's encoded data at all), last written, live?]
    const cases: [Record<string, unknown> | null, number, boolean][] = [
      [{ plain: 1 }, T - 3599 * S, true],
      [{ plain: 2 }, T - 3601 * S, false],
      [{ plain: 3 }, T + 60 * S, true], // written by a clock a minute ahead
      [{ date: 1, _session_expiry: iso(T + 3_600 * S) }, T - 30 * 86_400 * S, true],
      [{ date: 2, _session_expiry: iso(T - S) }, T, false],
      [{ date: 3, _session_expiry: '2026-06-01T13:00:00' }, T - 30 * 86_400 * S, true], // naive = UTC
      // Seconds count from the last write, as the cookie's Max-Age does; Django never expires
      // them (its #120 quirk), which outlives the cookie, so reading them stricter is safe.
      [{ seconds: 1, _session_expiry: 60 }, T - 59 * S, true],
      [{ seconds: 2, _session_expiry: 60 }, T - 61 * S, false],
      [{ seconds: 3, _session_expiry: 86_400 }, T - 7200 * S, true],
      [{ seconds: 4, _session_expiry: -10 }, T, false],
      [{ browser: 1, _session_expiry: 0 }, T - 3599 * S, true],
      [{ browser: 2, _session_expiry: 0 }, T - 3601 * S, false],
      // Not a valid expiry: none (Session.readExpiry), so SESSION_COOKIE_AGE from the mtime.
      [{ bad: 1, _session_expiry: 'garbage' }, T - 3599 * S, true],
      [{ bad: 2, _session_expiry: 1e300 }, T - 3601 * S, false],
      // Undecodable: Django counts it as {} for expiry; Tango never loads it.
      [null, T - 3599 * S, true],
      [null, T - 3601 * S, false],
    ];
    const files: [string, boolean][] = [];
    // The undecodable files log 'Session data corrupted' on purpose.
    const restore = setLogSink(() => {});
    onTestFinished(restore);
    for (const [i, [data, written, live]] of cases.entries()) {
      const key = `key${String(i).padStart(5, '0')}`.padEnd(32, 'x');
      const file = path.join(directory, `sessionid${key}`);
      await fs.writeFile(file, data === null ? 'garbage' : encodeSessionData(data, KEYS));
      await fs.utimes(file, new Date(written), new Date(written));
      files.push([`sessionid${key}`, live]);
      const label = `${JSON.stringify(data)} written ${(written - T) / S} s`;
      expect(plain(await store.load(key)), label).toEqual(live && data !== null ? data : null);
      expect(await store.exists(key), label).toBe(live && data !== null);
    }
    expect(await store.clearExpired()).toBe(files.filter(([, live]) => !live).length);
    expect((await fs.readdir(directory)).sort()).toEqual(
      files.filter(([, live]) => live).map(([name]) => name),
    );
  });

  it('fromSettings: SESSION_COOKIE_AGE is the lifetime of a session without its own expiry (hardening 6)', async () => {
    const settings = defineSettings({
      BASE_DIR: directory,
      SECRET_KEY: KEYS.key,
      SESSION_FILE_PATH: directory,
      SESSION_COOKIE_AGE: 600,
    });
    const store = await FileStore.fromSettings(settings);
    const key = await store.create(d({ hit: 1 }), new Date(Date.now() + 600_000));
    const file = path.join(directory, `sessionid${key}`);
    const at = (seconds: number) => new Date(Date.now() - seconds * 1000);
    await fs.utimes(file, at(590), at(590));
    expect(plain(await store.load(key))).toEqual({ hit: 1 });
    await fs.utimes(file, at(610), at(610));
    expect(plain(await store.load(key))).toBeNull();
  });

  it('save() of a vanished session rejects with UpdateError and leaves no file behind', async () => {
    const key = await store.create(d({ hit: 1 }), new Date(Date.now() + 60_000));
    await store.delete(key);
    await expect(
      store.save(key, d({ hit: 2 }), new Date(Date.now() + 60_000)),
    ).rejects.toBeInstanceOf(UpdateError);
    expect(await fs.readdir(directory)).toEqual([]);
  });

  it('keys outside [a-z0-9] never reach a path (checklist §O test_invalid_key_backslash/forwardslash)', async () => {
    const key = await store.create(d({ hit: 1 }), new Date(Date.now() + 60_000));
    // path.join would normalise this to the live session's own file: only the key check stops it.
    const climbing = `/../sessionid${key}`;
    for (const bad of [
      climbing,
      'a\\b\\c\\d\\e\\f',
      'a/b/c/d/e/f',
      '../../../../etc',
      'ABCDEFGH',
      'abcdefg',
      'a'.repeat(65),
    ]) {
      expect(plain(await store.load(bad)), bad).toBeNull();
      expect(await store.exists(bad), bad).toBe(false);
      await store.delete(bad);
      await expect(
        store.save(bad, d({ hit: 2 }), new Date(Date.now() + 60_000)),
        bad,
      ).rejects.toBeInstanceOf(UpdateError);
    }
    expect(await fs.readdir(directory)).toEqual([`sessionid${key}`]);
    expect(plain(await store.load(key))).toEqual({ hit: 1 });
  });

  it('a failing system call is SessionStoreUnavailable (503) naming the directory, not the key', async () => {
    const key = await store.create(d({ hit: 1 }), new Date(Date.now() + 60_000));
    await fs.rm(directory, { recursive: true });
    await fs.writeFile(directory, 'a file where the directory was');
    const error = await store.create(d({}), new Date(Date.now() + 60_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionStoreUnavailable);
    expect(error).toBeInstanceOf(ServiceUnavailable);
    expect((error as Error).message).toBe(
      `The 'file' session engine is unavailable: ENOTDIR (open) in '${directory}'`,
    );
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
    // A session that cannot be there is a missing session, as Django's file engine says.
    expect(plain(await store.load(key))).toBeNull();
    expect(await store.exists(key)).toBe(false);
    await expect(store.clearExpired()).rejects.toBeInstanceOf(SessionStoreUnavailable);
    await fs.rm(directory);
    await fs.mkdir(directory);
  });

  it('an unwritable directory (EACCES) is SessionStoreUnavailable for writes; load still reads', async () => {
    // Root writes through any mode bits (CAP_DAC_OVERRIDE), so as root the scenario runs in a
    // child that keeps uid 0, and so can read this checkout wherever it is, but has lost that
    // capability (util-linux's setpriv drops it from the bounding set).
    const node = [
      process.execPath,
      '--import',
      'tsx',
      path.join(import.meta.dirname, 'fixtures', 'unwritable.ts'),
    ];
    const [command, ...args] =
      process.getuid?.() === 0
        ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', ...node]
        : node;
    const { stdout } = await execFileAsync(command!, args);
    const result = JSON.parse(stdout) as {
      outcomes: { unavailable: boolean; message: string }[];
      loaded: unknown;
    };
    expect(result.outcomes).toHaveLength(3);
    for (const outcome of result.outcomes) {
      expect(outcome.unavailable).toBe(true);
      expect(outcome.message).toMatch(
        /^The 'file' session engine is unavailable: EACCES \(\w+\) in '/,
      );
    }
    expect(result.loaded).toEqual({ hit: 1 });
  }, 60_000);

  it('a programming error is not an outage: it passes through unchanged (a 500)', async () => {
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    const error = await store
      .create(d(circular), new Date(Date.now() + 60_000))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(ServiceUnavailable);
    expect(await fs.readdir(directory)).toEqual([]);
  });

  it('a corrupted file gives null and logs Session data corrupted (checklist #123)', async () => {
    const key = await store.create(d({ hit: 1 }), new Date(Date.now() + 60_000));
    const file = path.join(directory, `sessionid${key}`);
    const stat = await fs.stat(file);
    await fs.writeFile(file, 'garbage');
    await fs.utimes(file, stat.atime, stat.mtime);
    const lines: string[] = [];
    const restore = setLogSink((name, level, m) => lines.push(`${level} ${name} ${m}`));
    try {
      expect(plain(await store.load(key))).toBeNull();
    } finally {
      restore();
    }
    expect(lines).toEqual(['WARNING tango.security.SuspiciousSession Session data corrupted']);
  });

  it('clearExpired() removes expired files, keeps live ones and foreign files (checklist §O test_clearsessions_command)', async () => {
    const live = await store.create(d({ a: 1 }), new Date(Date.now() + 1_209_600_000));
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await store.create(d({ a: 2, _session_expiry: formatIsoDate(anHourAgo) }), anHourAgo);
    await store.create(d({ a: 3, _session_expiry: -1 }), new Date(Date.now() - 1000));
    await fs.writeFile(path.join(directory, 'unrelated.txt'), 'x');
    await fs.utimes(path.join(directory, 'unrelated.txt'), new Date(0), new Date(0));
    expect(await store.clearExpired()).toBe(2);
    expect((await fs.readdir(directory)).sort()).toEqual([`sessionid${live}`, 'unrelated.txt']);
  });

  it('clearExpired() removes temporary files left by interrupted writes, once stale', async () => {
    const temp = path.join(directory, 'sessionidabcdefgh12345678_out_0123456789ab');
    await fs.writeFile(temp, 'x');
    expect(await store.clearExpired()).toBe(0);
    expect(await fs.readdir(directory)).toEqual([path.basename(temp)]);
    // ctime cannot be set; an hour-old temporary file is simulated by moving the clock on.
    const later = new FileStore({ directory, keys: KEYS, now: () => Date.now() + 2 * 3_600_000 });
    expect(await later.clearExpired()).toBe(0);
    expect(await fs.readdir(directory)).toEqual([]);
  });

  it('clearExpired() removes lock files left by a crashed process, once stale', async () => {
    const names = ['sessionidabcdefgh12345678.lock', 'sessionidabcdefgh12345678.wlock'];
    for (const name of names) await fs.writeFile(path.join(directory, name), 'x');
    expect(await store.clearExpired()).toBe(0);
    expect((await fs.readdir(directory)).sort()).toEqual(names);
    const later = new FileStore({ directory, keys: KEYS, now: () => Date.now() + 2 * 3_600_000 });
    expect(await later.clearExpired()).toBe(0);
    expect(await fs.readdir(directory)).toEqual([]);
  });

  it('a lock is <file>.lock, created with O_EXCL, holding the token and deadline; a lapsed one is taken over', async () => {
    const key = await store.create(d({}), new Date(Date.now() + 3_600_000));
    const lock = path.join(directory, `sessionid${key}.lock`);
    const held = await store.lock(key, { timeout: 1, expiry: 30 });
    const [token, deadline] = (await fs.readFile(lock, 'utf8')).split(' ');
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(Math.abs(Number(deadline) - (Date.now() + 30_000))).toBeLessThan(5_000);
    expect((await fs.stat(lock)).mode & 0o777).toBe(0o600);
    await held.release();
    expect(await fs.readdir(directory)).toEqual([`sessionid${key}`]);
    // A crashed holder's lock, past its deadline: taken over at once.
    await fs.writeFile(lock, `deadbeef ${Date.now() - 1}`);
    const next = await store.lock(key, { timeout: 0.2, expiry: 30 });
    expect((await fs.readFile(lock, 'utf8')).startsWith('deadbeef')).toBe(false);
    await next.release();
  });

  it('a merged save waits for a write lock another process holds, and removes one a crash left', async () => {
    const key = await store.create(d({ a: 1 }), new Date(Date.now() + 3_600_000));
    const settings = { SESSION_COOKIE_AGE: 3600, SESSION_EXPIRE_AT_BROWSER_CLOSE: false };
    const wlock = path.join(directory, `sessionid${key}.wlock`);
    await fs.writeFile(wlock, '');
    const s = new Session(store, settings, key);
    await s.load();
    s.set('b', 2);
    const saving = s.save();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(plain(await store.load(key))).toEqual({ a: 1 });
    await fs.rm(wlock);
    await saving;
    expect(plain(await store.load(key))).toEqual({ a: 1, b: 2 });
    // Left by a process that died mid-merge (older than 5 s): removed, and the save goes on.
    await fs.writeFile(wlock, '');
    const old = new Date(Date.now() - 10_000);
    await fs.utimes(wlock, old, old);
    s.set('c', 3);
    await s.save();
    expect(plain(await store.load(key))).toEqual({ a: 1, b: 2, c: 3 });
    expect(await fs.readdir(directory)).toEqual([`sessionid${key}`]);
  });

  it('fromSettings: SESSION_FILE_PATH null is the OS temp dir; relative paths resolve against BASE_DIR', async () => {
    const base = defineSettings({ BASE_DIR: directory, SECRET_KEY: 'k' });
    expect((await FileStore.fromSettings(base)).directory).toBe(path.resolve(os.tmpdir()));
    await fs.mkdir(path.join(directory, 'sessions'));
    const relative = defineSettings({
      BASE_DIR: directory,
      SECRET_KEY: 'k',
      SESSION_FILE_PATH: 'sessions',
    });
    expect((await FileStore.fromSettings(relative)).directory).toBe(
      path.join(directory, 'sessions'),
    );
  });

  it("fromSettings: a missing directory is ImproperlyConfigured with Django's message (checklist #103, §O test_configuration_check)", async () => {
    const missing = path.join(directory, 'nope');
    const settings = defineSettings({
      BASE_DIR: directory,
      SECRET_KEY: 'k',
      SESSION_FILE_PATH: missing,
    });
    await expect(FileStore.fromSettings(settings)).rejects.toThrow(ImproperlyConfigured);
    await expect(FileStore.fromSettings(settings)).rejects.toThrow(
      `The session storage path '${missing}' doesn't exist. Please set your SESSION_FILE_PATH setting to an existing directory in which Tango can store session data.`,
    );
    await fs.writeFile(missing, 'a file, not a directory');
    await expect(FileStore.fromSettings(settings)).rejects.toThrow(ImproperlyConfigured);
  });

  it('sessions per user: reads the directory in key order, skipping lock, temp and foreign files', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 5; i++) {
      keys.push(
        await store.create(
          d({ _auth_user_id: String(i % 2), i }),
          new Date(Date.now() + 3_600_000),
        ),
      );
    }
    keys.sort();
    await store.lock(keys[0]!, { timeout: 1, expiry: 30 });
    await fs.writeFile(path.join(directory, `sessionid${keys[1]}_out_abc123`), 'half a write');
    await fs.writeFile(path.join(directory, 'notes.txt'), 'not a session');
    await fs.writeFile(path.join(directory, `sessionid${'z'.repeat(32)}`), 'undecodable');
    const first = await store.listSessions({ limit: 2 });
    expect(first.sessions.map((s) => s.key)).toEqual(keys.slice(0, 2));
    const rest = await store.listSessions({ limit: 3, cursor: first.cursor });
    expect(rest.sessions.map((s) => s.key)).toEqual(keys.slice(2));
    // The undecodable file sorts last: the page ended before it, so one more (empty) page.
    expect(await store.listSessions({ limit: 3, cursor: rest.cursor })).toEqual({
      sessions: [],
      cursor: null,
    });
    const ones = (await store.listSessions({ userId: 1 })).sessions;
    expect(ones.map((s) => s.data.get('i')).sort()).toEqual([1, 3]);
    expect(await store.deleteSessions({ userId: '1' })).toBe(2);
    expect(
      (await fs.readdir(directory)).filter((name) => /^sessionid[a-z0-9]{32}$/.test(name)),
    ).toHaveLength(4);
  });

  it('the file name prefix is SESSION_COOKIE_NAME', async () => {
    const settings = defineSettings({
      BASE_DIR: directory,
      SECRET_KEY: 'k',
      SESSION_FILE_PATH: directory,
      SESSION_COOKIE_NAME: 'sid',
    });
    const custom = await FileStore.fromSettings(settings);
    const key = await custom.create(d({}), new Date(Date.now() + 60_000));
    expect(await fs.readdir(directory)).toEqual([`sid${key}`]);
  });
});
