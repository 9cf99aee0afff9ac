// The file engine: the shared store contract, then its specifics. Items cited as "checklist #N"
// (or §X, a section) are in docs/django-sessions-checklist.md.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineSettings } from '../../../../src/runtime/conf/define.js';
import { ImproperlyConfigured } from '../../../../src/runtime/conf/errors.js';
import { setLogSink } from '../../../../src/runtime/core/log.js';
import { ServiceUnavailable } from '../../../../src/runtime/http/errors.js';
import { FileStore } from '../../../../src/runtime/sessions/backends/file.js';
import { decodeSessionData } from '../../../../src/runtime/sessions/encoding.js';
import {
  SessionStoreUnavailable,
  UpdateError,
} from '../../../../src/runtime/sessions/exceptions.js';
import { describeServerSideStoreContract } from '../store-contract.js';

const KEYS = { key: 'file-test-secret', fallbackKeys: [] };

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
    const expiresAt = new Date(Date.UTC(2099, 0, 1, 12, 0, 0, 250));
    const key = await store.create({ hit: 1 }, expiresAt);
    expect(await fs.readdir(directory)).toEqual([`sessionid${key}`]);
    const file = path.join(directory, `sessionid${key}`);
    const stat = await fs.stat(file);
    expect(stat.mode & 0o777).toBe(0o600);
    const content = await fs.readFile(file, 'utf8');
    expect(content).toMatch(/^eyJoaXQiOjF9:[0-9A-Za-z]{6}:[A-Za-z0-9_-]{43}$/);
    expect(decodeSessionData(content, KEYS)).toEqual({ hit: 1 });
    // The deadline is the file's mtime: no int-expiry quirk (checklist #120 not copied).
    expect(stat.mtimeMs).toBe(expiresAt.getTime());
  });

  it('save() replaces the file atomically and leaves no temporary file (checklist #119)', async () => {
    const key = await store.create({ hit: 1 }, new Date(Date.now() + 60_000));
    const later = new Date(Date.UTC(2099, 5, 1));
    await store.save(key, { hit: 2 }, later);
    expect(await fs.readdir(directory)).toEqual([`sessionid${key}`]);
    const stat = await fs.stat(path.join(directory, `sessionid${key}`));
    expect(stat.mtimeMs).toBe(later.getTime());
    expect(stat.mode & 0o777).toBe(0o600);
    expect(await store.load(key)).toEqual({ hit: 2 });
  });

  it('save() of a vanished session rejects with UpdateError and leaves no file behind', async () => {
    const key = await store.create({ hit: 1 }, new Date(Date.now() + 60_000));
    await store.delete(key);
    await expect(store.save(key, { hit: 2 }, new Date(Date.now() + 60_000))).rejects.toBeInstanceOf(
      UpdateError,
    );
    expect(await fs.readdir(directory)).toEqual([]);
  });

  it('keys outside [a-z0-9] never reach a path (checklist §O test_invalid_key_backslash/forwardslash)', async () => {
    const key = await store.create({ hit: 1 }, new Date(Date.now() + 60_000));
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
      expect(await store.load(bad), bad).toBeNull();
      expect(await store.exists(bad), bad).toBe(false);
      await store.delete(bad);
      await expect(
        store.save(bad, { hit: 2 }, new Date(Date.now() + 60_000)),
        bad,
      ).rejects.toBeInstanceOf(UpdateError);
    }
    expect(await fs.readdir(directory)).toEqual([`sessionid${key}`]);
    expect(await store.load(key)).toEqual({ hit: 1 });
  });

  it('a failing system call is SessionStoreUnavailable (503) naming the directory, not the key', async () => {
    const key = await store.create({ hit: 1 }, new Date(Date.now() + 60_000));
    await fs.rm(directory, { recursive: true });
    await fs.writeFile(directory, 'a file where the directory was');
    const error = await store.create({}, new Date(Date.now() + 60_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionStoreUnavailable);
    expect(error).toBeInstanceOf(ServiceUnavailable);
    expect((error as Error).message).toBe(
      `The 'file' session engine is unavailable: ENOTDIR (open) in '${directory}'`,
    );
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
    // A session that cannot be there is a missing session, as Django's file engine says.
    expect(await store.load(key)).toBeNull();
    expect(await store.exists(key)).toBe(false);
    await expect(store.clearExpired()).rejects.toBeInstanceOf(SessionStoreUnavailable);
    await fs.rm(directory);
    await fs.mkdir(directory);
  });

  it.skipIf(process.getuid?.() === 0)(
    'an unwritable directory (EACCES) is SessionStoreUnavailable for writes',
    async () => {
      const key = await store.create({ hit: 1 }, new Date(Date.now() + 60_000));
      await fs.chmod(directory, 0o500);
      try {
        for (const write of [
          () => store.create({}, new Date(Date.now() + 60_000)),
          () => store.save(key, { hit: 2 }, new Date(Date.now() + 60_000)),
          () => store.delete(key),
        ]) {
          const error = await write().catch((e: unknown) => e);
          expect(error).toBeInstanceOf(SessionStoreUnavailable);
          expect((error as Error).message).toMatch(
            /^The 'file' session engine is unavailable: EACCES \(\w+\) in '/,
          );
        }
        expect(await store.load(key)).toEqual({ hit: 1 });
      } finally {
        await fs.chmod(directory, 0o700);
      }
    },
  );

  it('a programming error is not an outage: it passes through unchanged (a 500)', async () => {
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    const error = await store
      .create(circular, new Date(Date.now() + 60_000))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(ServiceUnavailable);
    expect(await fs.readdir(directory)).toEqual([]);
  });

  it('a corrupted file gives null and logs Session data corrupted (checklist #123)', async () => {
    const key = await store.create({ hit: 1 }, new Date(Date.now() + 60_000));
    const file = path.join(directory, `sessionid${key}`);
    const stat = await fs.stat(file);
    await fs.writeFile(file, 'garbage');
    await fs.utimes(file, stat.atime, stat.mtime);
    const lines: string[] = [];
    const restore = setLogSink((name, level, m) => lines.push(`${level} ${name} ${m}`));
    try {
      expect(await store.load(key)).toBeNull();
    } finally {
      restore();
    }
    expect(lines).toEqual(['WARNING tango.security.SuspiciousSession Session data corrupted']);
  });

  it('clearExpired() removes expired files, keeps live ones and foreign files (checklist §O test_clearsessions_command)', async () => {
    const live = await store.create({ a: 1 }, new Date(Date.now() + 3_600_000));
    await store.create({ a: 2 }, new Date(Date.now() - 3_600_000));
    await store.create({ a: 3 }, new Date(Date.now() - 1));
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

  it('the file name prefix is SESSION_COOKIE_NAME', async () => {
    const settings = defineSettings({
      BASE_DIR: directory,
      SECRET_KEY: 'k',
      SESSION_FILE_PATH: directory,
      SESSION_COOKIE_NAME: 'sid',
    });
    const custom = await FileStore.fromSettings(settings);
    const key = await custom.create({}, new Date(Date.now() + 60_000));
    expect(await fs.readdir(directory)).toEqual([`sid${key}`]);
  });
});
