/**
 * `SESSION_ENGINE` -> store. Built-in engines are imported on demand, so a project on the
 * `file` engine never loads better-sqlite3 or a Redis client.
 */
import { ImproperlyConfigured } from '../conf/errors.js';
import { SESSION_ENGINES, type SessionEngineName, type Settings } from '../conf/settings.js';
import type { SessionEngine, SessionStore } from './store.js';

/** The built-in engines, one per `SESSION_ENGINES` name (the `Record` keeps the two in step). */
export const BUILTIN_ENGINES: Readonly<Record<SessionEngineName, () => Promise<SessionEngine>>> = {
  db: async () => (await import('./backends/db.js')).DatabaseStore,
  file: async () => (await import('./backends/file.js')).FileStore,
  cache: async () => (await import('./backends/cache.js')).CacheStore,
  cached_db: async () => (await import('./backends/cached_db.js')).CachedDatabaseStore,
  signed_cookies: async () => (await import('./backends/signed_cookies.js')).SignedCookieStore,
};

const STORE_METHODS = ['load', 'create', 'save', 'delete', 'exists', 'clearExpired'] as const;

/**
 * Builds the session store named by `SESSION_ENGINE` (a built-in name, or a custom class with
 * `static fromSettings(settings)`). Called once at start-up by `SessionMiddleware` and by
 * `clearsessions`; configuration mistakes throw `ImproperlyConfigured` naming the setting.
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
  const missing = STORE_METHODS.filter(
    (method) =>
      typeof (store as unknown as Record<string, unknown> | null)?.[method] !== 'function',
  );
  if (missing.length > 0) {
    throw new ImproperlyConfigured(
      `The SESSION_ENGINE store is not a SessionStore: fromSettings() returned an object without ${missing.join(', ')}().`,
    );
  }
  return store;
}
