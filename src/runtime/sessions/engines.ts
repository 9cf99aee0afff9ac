/**
 * `SESSION_ENGINE` -> store. Built-in engines are imported on demand, so a project on the
 * `file` engine never loads better-sqlite3 or a Redis client. Every store a project uses comes
 * from `createSessionStore`, which puts a custom server-side store that does not extend
 * `ServerSideStoreBase` behind one, so that every engine, built-in or custom, has its keys
 * checked in one place (docs/session-store-contract.md).
 */
import { ImproperlyConfigured } from '../conf/errors.js';
import { SESSION_ENGINES, type SessionEngineName, type Settings } from '../conf/settings.js';
import { validateSessionData } from './schema.js';
import {
  applyChanges,
  checkExpiresAt,
  type ClientSideStore,
  type ServerSideStore,
  type SessionChanges,
  type SessionData,
  type SessionEngine,
  type SessionLock,
  type SessionLockOptions,
  type SessionPage,
  type SessionQuery,
  type SessionStore,
  type SessionStoreMethods,
  ServerSideStoreBase,
  toSessionData,
  type UserSessionsDeletion,
} from './store.js';

/**
 * The built-in engines, one per `SESSION_ENGINES` name (the `Record` keeps the two in step).
 *
 * @example
 * const FileStore = await BUILTIN_ENGINES.file();
 */
export const BUILTIN_ENGINES: Readonly<Record<SessionEngineName, () => Promise<SessionEngine>>> = {
  db: async () => (await import('./backends/db.js')).DatabaseStore,
  file: async () => (await import('./backends/file.js')).FileStore,
  cache: async () => (await import('./backends/cache.js')).CacheStore,
  cached_db: async () => (await import('./backends/cached_db.js')).CachedDatabaseStore,
  signed_cookies: async () => (await import('./backends/signed_cookies.js')).SignedCookieStore,
  encrypted_cookies: async () =>
    (await import('./backends/encrypted_cookies.js')).EncryptedCookieStore,
};

/**
 * The engine's name for messages: the built-in name, or a custom engine class's name.
 *
 * @example
 * engineLabel('db'); // 'db'
 * engineLabel(MyStore); // 'MyStore'
 */
export function engineLabel(engine: Settings['SESSION_ENGINE']): string {
  return typeof engine === 'string' ? engine : ((engine as { name?: string }).name ?? 'custom');
}

const STORE_METHODS = ['load', 'create', 'save', 'delete', 'exists', 'clearExpired'] as const;

/**
 * A `Map` whose `JSON.stringify` is the object rather than `{}`: what a custom store that does
 * not extend `ServerSideStoreBase` gets, since it may predate `SessionData` being a `Map` and
 * stringify it (integer-like keys then come first, as they always did there).
 */
class JsonSafeSessionData extends Map<string, unknown> {
  toJSON(): Record<string, unknown> {
    return Object.fromEntries(this);
  }
}

/**
 * A custom server-side store behind the key check of `ServerSideStoreBase`. It passes on
 * `update` and `lock` when the store has them; without `update`, a save writes the whole data
 * (the base class's `updateChecked`), without `lock` the session cannot be locked. It passes
 * on `listSessions` and `deleteSessions` too (with listed data turned into `Map`s), when the
 * store has both.
 */
class GuardedStore extends ServerSideStoreBase {
  readonly #store: SessionStoreMethods;
  readonly lock: ((key: string, options: SessionLockOptions) => Promise<SessionLock>) | undefined;
  readonly countExpired: (() => Promise<number | null>) | undefined;
  readonly listSessions: ((query?: SessionQuery) => Promise<SessionPage>) | undefined;
  readonly deleteSessions: ((query: UserSessionsDeletion) => Promise<number>) | undefined;
  /** The custom store's class name, for messages (`UserSessionsNotSupported`). */
  readonly engineName: string;

  constructor(store: SessionStoreMethods) {
    super();
    this.#store = store;
    this.engineName = (store as { constructor?: { name?: string } }).constructor?.name ?? 'custom';
    this.lock =
      typeof store.lock === 'function'
        ? (key, options) => this.lockWith(key, () => store.lock!(key, options))
        : undefined;
    this.countExpired =
      typeof store.countExpired === 'function' ? () => store.countExpired!() : undefined;
    const canList =
      typeof store.listSessions === 'function' && typeof store.deleteSessions === 'function';
    this.listSessions = canList
      ? async (query) => {
          const page = await store.listSessions!(query);
          const sessions = page.sessions.map((session) => ({
            ...session,
            data: toSessionData(session.data) ?? new Map(),
          }));
          return { sessions, cursor: page.cursor };
        }
      : undefined;
    this.deleteSessions = canList ? (query) => store.deleteSessions!(query) : undefined;
  }

  async create(data: SessionData, expiresAt: Date): Promise<string> {
    checkExpiresAt(expiresAt);
    return this.#store.create(new JsonSafeSessionData(data), expiresAt);
  }

  clearExpired(): Promise<number | null> {
    return this.#store.clearExpired();
  }

  override close(): Promise<void> {
    return this.#store.close ? this.#store.close() : super.close();
  }

  protected async loadChecked(key: string): Promise<SessionData | null> {
    return toSessionData(await this.#store.load(key));
  }

  protected saveChecked(key: string, data: SessionData, expiresAt: Date): Promise<string> {
    return this.#store.save(key, new JsonSafeSessionData(data), expiresAt);
  }

  protected override async updateChecked(
    key: string,
    changes: SessionChanges,
  ): Promise<SessionData> {
    if (!this.#store.update) return super.updateChecked(key, changes);
    const merged = await this.#store.update(key, changes);
    return toSessionData(merged) ?? applyChanges(changes.base, changes);
  }

  protected deleteChecked(key: string): Promise<void> {
    return this.#store.delete(key);
  }

  protected existsChecked(key: string): Promise<boolean> {
    return this.#store.exists(key);
  }
}

/**
 * The store with its keys checked once: a server-side store that does not extend
 * `ServerSideStoreBase` is wrapped in one, so its methods only ever see well-formed keys and
 * a malformed key answers `null`, `false`, nothing or `UpdateError` without reaching it.
 * Stores that extend the base, and client-side stores (whose signature check is their key
 * check), are returned as they are.
 *
 * @example
 * const store = guardSessionStore(new MyCustomStore());
 * await store.load('../../etc/passwd'); // null; MyCustomStore.load is not called
 */
export function guardSessionStore(store: ServerSideStore): ServerSideStore;
export function guardSessionStore(store: ClientSideStore): ClientSideStore;
export function guardSessionStore(store: SessionStore): SessionStore;
export function guardSessionStore(store: SessionStore): SessionStore {
  return store.kind === 'client' || store instanceof ServerSideStoreBase
    ? store
    : new GuardedStore(store);
}

/**
 * Builds the session store named by `SESSION_ENGINE` (a built-in name, or a custom class with
 * `static fromSettings(settings)`), behind `guardSessionStore`. Called once at start-up by
 * `SessionMiddleware` and by `clearsessions`; configuration mistakes throw
 * `ImproperlyConfigured` naming the setting. A custom store without `kind` is taken as
 * server-side. With `SESSION_SCHEMA`, every load is validated (`validateSessionData`).
 *
 * @example
 * const store = await createSessionStore(settings);
 * await store.clearExpired();
 */
export async function createSessionStore(settings: Readonly<Settings>): Promise<SessionStore> {
  const engine = settings.SESSION_ENGINE;
  let factory: SessionEngine;
  if (typeof engine === 'string') {
    const load = Object.hasOwn(BUILTIN_ENGINES, engine) ? BUILTIN_ENGINES[engine] : undefined;
    if (!load) {
      throw new ImproperlyConfigured(
        `The SESSION_ENGINE setting '${engine}' is not one of: ${SESSION_ENGINES.join(', ')} (or a store class).`,
      );
    }
    factory = await load();
  } else if (engine && typeof (engine as Partial<SessionEngine>).fromSettings === 'function') {
    factory = engine as SessionEngine;
  } else {
    throw new ImproperlyConfigured(
      'The SESSION_ENGINE setting must be an engine name or a store class with a static fromSettings(settings).',
    );
  }
  const store = await factory.fromSettings(settings);
  const fields = store as unknown as Record<string, unknown> | null;
  const missing = STORE_METHODS.filter((method) => typeof fields?.[method] !== 'function');
  if (missing.length > 0) {
    throw new ImproperlyConfigured(
      `The SESSION_ENGINE store is not a SessionStore: fromSettings() returned an object without ${missing.join(', ')}().`,
    );
  }
  const kind = fields!['kind'];
  if (kind === undefined && fields!['stateless'] === true) {
    throw new ImproperlyConfigured(
      "The SESSION_ENGINE store declares 'stateless', which is gone: declare kind = 'client' (the cookie holds the session) instead.",
    );
  }
  if (kind !== undefined && kind !== 'server' && kind !== 'client') {
    throw new ImproperlyConfigured(
      `The SESSION_ENGINE store's kind must be 'server' or 'client', got ${JSON.stringify(kind)}.`,
    );
  }
  const guarded = guardSessionStore(store);
  // SESSION_SCHEMA: data that fails it loads as nothing, like corrupt data (sessions/schema.ts).
  return settings.SESSION_SCHEMA ? validateSessionData(guarded, settings.SESSION_SCHEMA) : guarded;
}
