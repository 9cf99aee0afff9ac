/**
 * The `file` engine (Django's `django.contrib.sessions.backends.file`): one file per session,
 * `<SESSION_FILE_PATH>/<SESSION_COOKIE_NAME><key>`, mode 0600, holding exactly the string
 * Django's file engine writes (`encodeSessionData`).
 *
 * Expiry: the file's **mtime is set to the absolute expiry** (`expiresAt`). Django instead
 * derives it from mtime + SESSION_COOKIE_AGE unless `_session_expiry` is a datetime, which lets
 * an integer `set_expiry(n)` session live forever (checklist #120, in
 * docs/django-sessions-checklist.md); here every session carries its own deadline, and
 * `clearExpired()` is one `stat` per file. A tool that rewrites mtimes (e.g. a restore without
 * `--times`) would shift deadlines; the data itself stays valid.
 *
 * I/O on the request path is synchronous, as in Django: a session file is a few hundred bytes
 * in a local directory, where each call takes microseconds, while every `fs.promises` call is
 * a round trip through libuv's thread pool (measured with bench/ab.mjs: the async version
 * needed ~38 % more CPU per returning-client request). Do not point `SESSION_FILE_PATH` at a
 * network file system that can stall: use the `db` or `cache` engine there. `clearExpired()`
 * (a command) stays async.
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
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ImproperlyConfigured } from '../../conf/errors.js';
import type { Settings } from '../../conf/settings.js';
import { decodeSessionData, encodeSessionData, type SessionSigningKeys } from '../encoding.js';
import { SessionStoreUnavailable, UpdateError } from '../exceptions.js';
import { createWithFreshKey } from '../keys.js';
import { type SessionData, type SessionStoreOptions, ServerSideStoreBase } from '../store.js';

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
}

/** Temporary files of interrupted writes older than this are removed by `clearExpired()`. */
const STALE_TEMP_MS = 60 * 60 * 1000;

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
  readonly #filePattern: RegExp;

  constructor(options: FileStoreOptions) {
    super(options);
    this.directory = options.directory;
    this.#prefix = options.prefix ?? 'sessionid';
    this.#keys = options.keys ?? {};
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

  protected async loadChecked(key: string): Promise<SessionData | null> {
    let fd: number;
    try {
      fd = openSync(this.#fileFor(key), 'r');
    } catch (error) {
      if (isMissing(error)) return null;
      throw this.#failure(error);
    }
    let content: string | null = null;
    try {
      try {
        // Both on the same descriptor, so they see the same file even if a save renames over it.
        const stat = fstatSync(fd);
        if (stat.isFile() && stat.mtimeMs > this.now()) content = readFileSync(fd, 'utf8');
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw this.#failure(error);
    }
    return content === null ? null : decodeSessionData(content, this.#keys);
  }

  async create(data: SessionData, expiresAt: Date): Promise<string> {
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
        writeAndClose(fd, content, expiresAt);
      } catch (error) {
        throw this.#failure(error);
      }
      return true;
    });
  }

  protected async saveChecked(key: string, data: SessionData, expiresAt: Date): Promise<string> {
    const file = this.#fileFor(key);
    const content = encodeSessionData(data, this.#keys);
    // Deleted meanwhile (logout in a concurrent request): Django's UpdateError.
    if (!this.#isPresent(file)) throw new UpdateError();
    const temp = `${file}_out_${randomBytes(6).toString('hex')}`;
    try {
      writeAndClose(openSync(temp, 'wx', 0o600), content, expiresAt);
      renameSync(temp, file);
    } catch (error) {
      try {
        rmSync(temp, { force: true });
      } catch {
        // The write's failure is the one to report; clearExpired() removes stale temp files.
      }
      throw this.#failure(error);
    }
    return key;
  }

  protected async deleteChecked(key: string): Promise<void> {
    try {
      rmSync(this.#fileFor(key), { force: true });
    } catch (error) {
      throw this.#failure(error);
    }
  }

  protected async existsChecked(key: string): Promise<boolean> {
    try {
      const stat = statSync(this.#fileFor(key));
      return stat.isFile() && stat.mtimeMs > this.now();
    } catch (error) {
      if (isMissing(error)) return false;
      throw this.#failure(error);
    }
  }

  /**
   * Deletes every session file whose deadline has passed (and temporary files left by
   * interrupted writes), returning how many sessions were removed.
   */
  async clearExpired(): Promise<number> {
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
      if (!isSession && !name.includes('_out_')) continue;
      const file = path.join(this.directory, name);
      try {
        const stat = await fs.stat(file);
        if (!stat.isFile()) continue;
        if (isSession ? stat.mtimeMs <= now : stat.ctimeMs < now - STALE_TEMP_MS) {
          await fs.rm(file, { force: true });
          if (isSession) removed++;
        }
      } catch (error) {
        if (!isMissing(error)) throw this.#failure(error);
      }
    }
    return removed;
  }
}

/** Writes the session, sets its deadline as the mtime, and closes `fd` whatever happens. */
function writeAndClose(fd: number, content: string, expiresAt: Date): void {
  try {
    writeFileSync(fd, content, 'utf8');
    futimesSync(fd, expiresAt, expiresAt);
  } finally {
    closeSync(fd);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
