/**
 * The `file` engine (Django's `django.contrib.sessions.backends.file`): one file per session,
 * `<SESSION_FILE_PATH>/<SESSION_COOKIE_NAME><key>`, mode 0600, holding exactly the string
 * Django's file engine writes (`encodeSessionData`).
 *
 * On disk it is Django's format in every respect, so Tango and Django can share one
 * `SESSION_FILE_PATH` (same `SECRET_KEY`, `SESSION_COOKIE_NAME` and `SESSION_COOKIE_AGE`): each
 * reads the other's files, and each one's `clearsessions` keeps the other's live sessions. The
 * file's mtime is its last write; the deadline is Django's `_expiry_date`: the data's
 * `_session_expiry` when it is a date, else the mtime plus `SESSION_COOKIE_AGE` (`expiryDeadline`
 * in session.ts). Like `signed_cookies`, the engine therefore reads the deadline from the data
 * and takes `expiresAt` only as a check: `Session.save()` passes `getExpiryDate()`, the same
 * deadline. One reading is stricter than Django's: an integer `_session_expiry` n counts from
 * the mtime (the session expires n seconds after its last write, when its cookie, sent with
 * `Max-Age=n`, does), where Django never expires it on the server (checklist #120, in
 * docs/django-sessions-checklist.md). A value that is no valid expiry counts as none
 * (`readExpiry`), and a file that does not decode counts as `{}`, as in Django.
 *
 * I/O on the request path is synchronous, as in Django: a session file is a few hundred bytes
 * in a local directory, where each call takes microseconds, while every `fs.promises` call is
 * a round trip through libuv's thread pool (measured with bench/ab.mjs: the async version
 * needed ~38 % more CPU per returning-client request). Do not point `SESSION_FILE_PATH` at a
 * network file system that can stall: use the `db` or `cache` engine there. `clearExpired()`
 * (a command) stays async.
 *
 * A save merges (`update`): under a write lock file (`<file>.wlock`, created with `O_EXCL`
 * and removed at once: it only covers the synchronous read-merge-rename, so requests of one
 * process never wait on it and other processes wait microseconds) the file is re-read, this
 * request's changes are applied to it and it is replaced. Locks (`SESSION_LOCKING`,
 * `blockingSession`) are `<file>.lock`, created with `O_EXCL`, holding the holder's token and
 * deadline; a lock past its deadline is taken over. Django ignores both kinds of file, and
 * `clearExpired()` removes those left behind by a crashed process.
 *
 * Sessions per user (`listSessions`, `deleteSessions`) read the directory and decode every
 * session file (the file is the only record, as in Django, so there is nothing to index
 * without changing the format): a cost that grows with the number of sessions, measured in
 * docs/session-store-contract.md.
 *
 * A failing system call on the directory (EACCES, ENOSPC, EMFILE, EIO, ...) is an outage:
 * `SessionStoreUnavailable` (503), naming the directory but not the key. A missing file is a
 * missing session, never an error.
 *
 * See https://docs.djangoproject.com/en/stable/topics/http/sessions/#using-file-based-sessions
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  fstatSync,
  futimesSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ImproperlyConfigured } from '../../conf/errors.js';
import type { Settings } from '../../conf/settings.js';
import { decodeSessionData, encodeSessionData, type SessionSigningKeys } from '../encoding.js';
import { SessionStoreUnavailable, UpdateError } from '../exceptions.js';
import { createWithFreshKey } from '../keys.js';
import { pollForLock } from '../locking.js';
import { EXPIRY_KEY, expiryDeadline } from '../session.js';
import {
  applyChanges,
  checkExpiresAt,
  type SessionChanges,
  type SessionData,
  type SessionInfo,
  type SessionLock,
  type SessionLockOptions,
  type SessionPage,
  type SessionQuery,
  type SessionStoreOptions,
  ServerSideStoreBase,
  type UserSessionsDeletion,
} from '../store.js';
import { deleteListedSessions, resolveSessionQuery, sessionUserId } from '../users.js';

/**
 * Options of `FileStore`.
 *
 * @example
 * new FileStore({ directory: '/var/lib/mysite/sessions', prefix: 'sessionid', keys: { key: SECRET_KEY } });
 */
export interface FileStoreOptions extends SessionStoreOptions {
  /** Existing, writable directory holding the session files (`SESSION_FILE_PATH`). */
  directory: string;
  /** File name prefix (`SESSION_COOKIE_NAME`, as Django). Default `'sessionid'`. */
  prefix?: string;
  /** Signing keys for the data (`SECRET_KEY`, `SECRET_KEY_FALLBACKS`). */
  keys?: SessionSigningKeys;
  /**
   * `SESSION_COOKIE_AGE`, in seconds: a session without its own expiry lives this long after
   * its file was last written, as in Django. Default 1209600 (two weeks).
   */
  cookieAge?: number;
}

/** A session file as read: its content and its stat, both from one descriptor. */
interface SessionFile {
  content: string;
  mtimeMs: number;
  ino: number;
}

/** Temporary files of interrupted writes older than this are removed by `clearExpired()`. */
const STALE_TEMP_MS = 60 * 60 * 1000;
/** A write lock this old was left by a process that died inside the synchronous merge. */
const STALE_WRITE_LOCK_MS = 5_000;
/** Longest wait for another process's write lock (it is normally held for microseconds). */
const WRITE_LOCK_WAIT_MS = 10_000;
/** Suffixes of the lock files next to a session file (write lock, session lock). */
const WRITE_LOCK = '.wlock';
const SESSION_LOCK = '.lock';

const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

function isMissing(error: unknown): boolean {
  return MISSING.has((error as NodeJS.ErrnoException).code ?? '');
}

/**
 * Sessions as files in one directory. Keys reach it checked by `ServerSideStoreBase`
 * (`[a-z0-9]`, 8-64 characters), so no path is ever built from anything else; writes go to a
 * temporary file in the same directory that is renamed over the target, so readers never see
 * half a session.
 *
 * @example
 * const store = await FileStore.fromSettings(settings);
 * const key = await store.create({ hit: 1 }, new Date(Date.now() + 3600_000));
 */
export class FileStore extends ServerSideStoreBase {
  readonly directory: string;
  readonly #prefix: string;
  readonly #keys: SessionSigningKeys;
  readonly #cookieAge: number;
  readonly #filePattern: RegExp;
  /** The content each data object was read from or written as: a merge skips a re-decode. */
  readonly #contents = new WeakMap<SessionData, string>();

  constructor(options: FileStoreOptions) {
    super(options);
    this.directory = options.directory;
    this.#prefix = options.prefix ?? 'sessionid';
    this.#keys = options.keys ?? {};
    this.#cookieAge = options.cookieAge ?? 1_209_600;
    this.#filePattern = new RegExp(`^${escapeRegExp(this.#prefix)}[a-z0-9]{8,64}$`);
  }

  /**
   * Builds the store from `SESSION_FILE_PATH` (relative paths resolve against `BASE_DIR`;
   * `null` is the OS temp dir). A missing or unwritable directory is a start-up error.
   */
  static async fromSettings(settings: Readonly<Settings>): Promise<FileStore> {
    const directory = path.resolve(settings.BASE_DIR, settings.SESSION_FILE_PATH ?? os.tmpdir());
    let isDirectory = false;
    try {
      isDirectory = (await fs.stat(directory)).isDirectory();
    } catch {
      isDirectory = false;
    }
    if (!isDirectory) {
      throw new ImproperlyConfigured(
        `The session storage path '${directory}' doesn't exist. Please set your SESSION_FILE_PATH setting to an existing directory in which Tango can store session data.`,
      );
    }
    try {
      await fs.access(directory, constants.W_OK | constants.X_OK);
    } catch {
      throw new ImproperlyConfigured(
        `The session storage path '${directory}' is not writable. Please set your SESSION_FILE_PATH setting to a directory in which Tango can store session data.`,
      );
    }
    return new FileStore({
      directory,
      prefix: settings.SESSION_COOKIE_NAME,
      keys: { key: settings.SECRET_KEY, fallbackKeys: settings.SECRET_KEY_FALLBACKS },
      cookieAge: settings.SESSION_COOKIE_AGE,
    });
  }

  /** Django's `_key_to_file`, for a key the base class checked. */
  #fileFor(key: string): string {
    return path.join(this.directory, this.#prefix + key);
  }

  /**
   * A failed system call as the outage it is: `SessionStoreUnavailable` naming the error code,
   * the call and the directory (not the path, which holds the key). Errors that are not system
   * call failures (a bad argument is a bug) are returned unchanged.
   */
  #failure(error: unknown): unknown {
    const syscall = (error as NodeJS.ErrnoException | null)?.syscall;
    if (!(error instanceof Error) || typeof syscall !== 'string') return error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return new SessionStoreUnavailable('file', `${code} (${syscall}) in '${this.directory}'`, {
      cause: error,
    });
  }

  /** True when the session file exists. */
  #isPresent(file: string): boolean {
    try {
      accessSync(file);
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw this.#failure(error);
    }
  }

  /**
   * Django's `_expiry_date` (the data's `_session_expiry`, else the mtime plus
   * `SESSION_COOKIE_AGE`), read as `Session.getExpiryDate()` reads it: in milliseconds.
   * Undecodable data counts as `{}`, as in Django.
   */
  #deadline(data: SessionData | null, mtimeMs: number): number {
    return expiryDeadline(data?.get(EXPIRY_KEY), mtimeMs, this.#cookieAge);
  }

  /** The session file's content and stat, or `null` when there is no such file. */
  #read(file: string): SessionFile | null {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (error) {
      if (isMissing(error)) return null;
      throw this.#failure(error);
    }
    try {
      try {
        // Both on the same descriptor, so they see the same file even if a save renames over it.
        const stat = fstatSync(fd);
        if (!stat.isFile()) return null;
        return { content: readFileSync(fd, 'utf8'), mtimeMs: stat.mtimeMs, ino: stat.ino };
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw this.#failure(error);
    }
  }

  protected async loadChecked(key: string): Promise<SessionData | null> {
    const file = this.#read(this.#fileFor(key));
    if (file === null) return null;
    const data = decodeSessionData(file.content, this.#keys);
    if (data === null) return null;
    if (this.#deadline(data, file.mtimeMs) <= this.now()) return null;
    this.#contents.set(data, file.content);
    return data;
  }

  async create(data: SessionData, expiresAt: Date): Promise<string> {
    checkExpiresAt(expiresAt);
    const content = encodeSessionData(data, this.#keys);
    return createWithFreshKey(async (key) => {
      let fd: number;
      try {
        // O_EXCL: two requests can never both claim a key. Nobody knows the key until this
        // returns, so writing into the claimed file directly is as good as a rename.
        fd = openSync(this.#fileFor(key), 'wx', 0o600);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw this.#failure(error);
      }
      try {
        writeAndClose(fd, content, this.now());
      } catch (error) {
        throw this.#failure(error);
      }
      return true;
    });
  }

  /** `expiresAt` was checked by the base class; the deadline is read from the data (above). */
  protected async saveChecked(key: string, data: SessionData, _expiresAt: Date): Promise<string> {
    const file = this.#fileFor(key);
    const content = encodeSessionData(data, this.#keys);
    // Deleted meanwhile (logout in a concurrent request): Django's UpdateError.
    if (!this.#isPresent(file)) throw new UpdateError();
    this.#replace(file, content);
    return key;
  }

  /**
   * Merges under the write lock: re-reads the file, applies `changes` to what it holds (the
   * data this request loaded, if the file is unchanged; undecodable content counts as `{}`)
   * and replaces it, all synchronously once the lock is taken. `UpdateError` when the file is
   * gone. `expiresAt` is not needed: the deadline is read from the data, as in `saveChecked`.
   */
  protected override async updateChecked(
    key: string,
    changes: SessionChanges,
  ): Promise<SessionData> {
    const file = this.#fileFor(key);
    const lock = file + WRITE_LOCK;
    if (!this.#tryWriteLock(lock)) await this.#waitForWriteLock(lock);
    try {
      const found = this.#read(file);
      if (found === null) throw new UpdateError();
      const current =
        found.content === this.#contents.get(changes.base)
          ? changes.base
          : (decodeSessionData(found.content, this.#keys) ?? new Map());
      const merged = applyChanges(current, changes);
      checkExpiresAt(changes.expiresAt(merged));
      const content = encodeSessionData(merged, this.#keys);
      this.#replace(file, content);
      this.#contents.set(merged, content);
      return merged;
    } finally {
      this.#unlink(lock);
    }
  }

  /** Creates the write lock file; false when another process holds it. */
  #tryWriteLock(lock: string): boolean {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw this.#failure(error);
      return false;
    }
  }

  /**
   * Waits for another process's write lock (held for the microseconds of a merge), removing
   * one left by a process that died inside it (older than `STALE_WRITE_LOCK_MS`).
   */
  async #waitForWriteLock(lock: string): Promise<void> {
    const deadline = Date.now() + WRITE_LOCK_WAIT_MS;
    for (;;) {
      await sleep(1);
      if (this.#tryWriteLock(lock)) return;
      try {
        if (statSync(lock).mtimeMs < Date.now() - STALE_WRITE_LOCK_MS) this.#unlink(lock);
      } catch (error) {
        if (!isMissing(error)) throw this.#failure(error);
      }
      if (Date.now() > deadline) {
        throw new SessionStoreUnavailable(
          'file',
          `a session's write lock in '${this.directory}' stayed taken for ${WRITE_LOCK_WAIT_MS / 1000} s`,
        );
      }
    }
  }

  #unlink(file: string): void {
    try {
      rmSync(file, { force: true });
    } catch (error) {
      throw this.#failure(error);
    }
  }

  /**
   * Locks the session with the file `<file>.lock`, created with `O_EXCL` and holding
   * `<token> <deadline in ms>`; a lock past its deadline (its holder died, or overran
   * `options.expiry`) is removed and taken. Retried while another process holds it, until
   * `options.timeout` (`SessionLockTimeout`). `release()` removes the file if it is still
   * this holder's.
   */
  lock(key: string, options: SessionLockOptions): Promise<SessionLock> {
    return this.lockWith(key, async () => {
      const lock = this.#fileFor(key) + SESSION_LOCK;
      const token = randomBytes(16).toString('hex');
      await pollForLock(() => this.#tryLock(lock, token, options.expiry), options.timeout);
      return {
        release: async () => {
          if (this.#lockHolder(lock)?.token === token) this.#unlink(lock);
        },
      };
    });
  }

  /** One attempt at the session lock file, taking over a lapsed one. */
  #tryLock(lock: string, token: string, expiry: number): boolean {
    for (let attempt = 0; attempt < 2; attempt++) {
      let fd: number;
      try {
        fd = openSync(lock, 'wx', 0o600);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw this.#failure(error);
        const holder = this.#lockHolder(lock);
        // Gone meanwhile: try again at once. Lapsed: remove it (if unchanged) and try again.
        if (holder === null) continue;
        if (holder.deadline >= Date.now()) return false;
        if (this.#lockHolder(lock)?.token === holder.token) this.#unlink(lock);
        continue;
      }
      try {
        writeFileSync(fd, `${token} ${Date.now() + expiry * 1000}`, 'utf8');
      } catch (error) {
        throw this.#failure(error);
      } finally {
        closeSync(fd);
      }
      return true;
    }
    return false;
  }

  /**
   * The token and deadline in a lock file, `null` when there is none. A file still being
   * written (empty) counts as held until the longest expiry could have passed.
   */
  #lockHolder(lock: string): { token: string; deadline: number } | null {
    const found = this.#read(lock);
    if (found === null) return null;
    const [token = '', deadline = ''] = found.content.split(' ');
    const time = Number(deadline);
    return {
      token,
      deadline: token && Number.isFinite(time) ? time : found.mtimeMs + STALE_TEMP_MS,
    };
  }

  /** Writes `content` to a temporary file and renames it over `file` (readers see either). */
  #replace(file: string, content: string): void {
    const temp = `${file}_out_${randomBytes(6).toString('hex')}`;
    try {
      writeAndClose(openSync(temp, 'wx', 0o600), content, this.now());
      renameSync(temp, file);
    } catch (error) {
      try {
        rmSync(temp, { force: true });
      } catch {
        // The write's failure is the one to report; clearExpired() removes stale temp files.
      }
      throw this.#failure(error);
    }
  }

  protected async deleteChecked(key: string): Promise<void> {
    try {
      rmSync(this.#fileFor(key), { force: true });
    } catch (error) {
      throw this.#failure(error);
    }
  }

  protected async existsChecked(key: string): Promise<boolean> {
    return (await this.loadChecked(key)) !== null;
  }

  /**
   * A page of the live sessions in key order (the key follows the file name's prefix): every
   * one, or `query.userId`'s. Every session file after the cursor is read and decoded until
   * the page is full; files that do not decode, or whose deadline passed, are skipped. The
   * cursor is the last key looked at. The reads are synchronous, as on the request path, but
   * other requests get their turn every 256 files.
   *
   * @example
   * const { sessions, cursor } = await store.listSessions({ userId: '42' });
   */
  async listSessions(query?: SessionQuery): Promise<SessionPage> {
    const { userId, limit, cursor } = resolveSessionQuery(query);
    let names: string[];
    try {
      names = await fs.readdir(this.directory);
    } catch (error) {
      throw this.#failure(error);
    }
    const keys = names
      .filter((name) => this.#filePattern.test(name))
      .map((name) => name.slice(this.#prefix.length))
      .filter((key) => cursor === null || key > cursor)
      .sort();
    const now = this.now();
    const sessions: SessionInfo[] = [];
    for (const [i, key] of keys.entries()) {
      if (i % 256 === 255) await yieldToEventLoop();
      const found = this.#read(this.#fileFor(key));
      const data = found && decodeSessionData(found.content, this.#keys);
      if (found && data) {
        const deadline = this.#deadline(data, found.mtimeMs);
        const owner = sessionUserId(data);
        if (deadline > now && (userId === null || owner === userId)) {
          sessions.push({ key, expiresAt: new Date(deadline), userId: owner, data });
        }
      }
      if (sessions.length === limit) {
        return { sessions, cursor: i === keys.length - 1 ? null : key };
      }
    }
    return { sessions, cursor: null };
  }

  /**
   * Deletes every live session of `query.userId` but `query.exceptKey` (found as
   * `listSessions` finds them); resolves to how many.
   *
   * @example
   * await store.deleteSessions({ userId: '42', exceptKey: request.session.sessionKey });
   */
  deleteSessions(query: UserSessionsDeletion): Promise<number> {
    return deleteListedSessions(
      query,
      (page) => this.listSessions(page),
      (key) => this.delete(key),
    );
  }

  /**
   * Django's `clear_expired`: reads every session file and deletes those whose deadline has
   * passed (a file that does not decode lives `SESSION_COOKIE_AGE` from its mtime, as in
   * Django), and temporary files left by interrupted writes once stale (Tango's or Django's,
   * which Django itself leaves), as well as lock files an hour old (left by a crashed
   * process). Returns how many sessions were removed.
   */
  async clearExpired(): Promise<number> {
    return this.#sweep(true);
  }

  /** The sessions `clearExpired()` would remove now, removing nothing (`--dry-run`). */
  async countExpired(): Promise<number> {
    return this.#sweep(false);
  }

  /** `clearExpired()`, or with `remove` false only its count. */
  async #sweep(remove: boolean): Promise<number> {
    const now = this.now();
    let names: string[];
    try {
      names = await fs.readdir(this.directory);
    } catch (error) {
      throw this.#failure(error);
    }
    let removed = 0;
    for (const name of names) {
      if (!name.startsWith(this.#prefix)) continue;
      const isSession = this.#filePattern.test(name);
      const isLeftOver =
        name.includes('_out_') || name.endsWith(WRITE_LOCK) || name.endsWith(SESSION_LOCK);
      if (!isSession && !isLeftOver) continue;
      const file = path.join(this.directory, name);
      try {
        if (!isSession) {
          const stat = await fs.stat(file);
          if (remove && stat.isFile() && stat.ctimeMs < now - STALE_TEMP_MS)
            await fs.rm(file, { force: true });
          continue;
        }
        const found = this.#read(file);
        if (found === null) continue;
        const data = decodeSessionData(found.content, this.#keys);
        if (this.#deadline(data, found.mtimeMs) > now) continue;
        if (!remove) {
          removed++;
          continue;
        }
        // A save renames a new file over the old one: remove only the file that was judged.
        const current = statSync(file);
        if (current.ino !== found.ino || current.mtimeMs !== found.mtimeMs) continue;
        rmSync(file, { force: true });
        removed++;
      } catch (error) {
        if (error instanceof SessionStoreUnavailable) throw error;
        if (!isMissing(error)) throw this.#failure(error);
      }
    }
    return removed;
  }
}

/**
 * Writes the session, sets its mtime to `now` (its last write, as Django's file is; the store's
 * clock, which is the wall clock outside tests), and closes `fd` whatever happens.
 */
function writeAndClose(fd: number, content: string, now: number): void {
  try {
    writeFileSync(fd, content, 'utf8');
    const time = now / 1000;
    futimesSync(fd, time, time);
  } finally {
    closeSync(fd);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
