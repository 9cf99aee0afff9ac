import type { Settings } from '../conf/settings.js';

/** Session data: a JSON object (Django's JSONSerializer), including reserved `_`-prefixed keys. */
export type SessionData = Record<string, unknown>;

/**
 * The save found no record to update: another request deleted the session meanwhile
 * (Django's `UpdateError`). The middleware turns it into `SessionInterrupted` (400).
 */
export class UpdateError extends Error {
  override name = 'UpdateError';
}

/** Collision retries ran out while creating a key (the store is probably down). */
export class CreateError extends Error {
  override name = 'CreateError';
}

/**
 * The contract every session engine implements (DESIGN.md §5), tested by one shared suite.
 * All methods are async; synchronous drivers hide behind them. `expiresAt` is the absolute
 * server-side expiry (Django's `get_expiry_date()` at save time).
 *
 * @example
 * const key = await store.create({ hit: 1 }, new Date(Date.now() + 1209600_000));
 * await store.load(key); // { hit: 1 }
 */
export interface SessionStore {
  /** The data, or `null` when missing, expired or undecodable. Never throws for bad keys. */
  load(key: string): Promise<SessionData | null>;
  /** Atomically inserts under a fresh key (retried on collision) and returns the key. */
  create(data: SessionData, expiresAt: Date): Promise<string>;
  /**
   * Overwrites an existing record and returns the key it now lives under (the same key for
   * server-side stores; a new signed value for `signed_cookies`). Rejects with `UpdateError`
   * when the record vanished.
   */
  save(key: string, data: SessionData, expiresAt: Date): Promise<string>;
  /** Removes the record; a missing record is not an error. */
  delete(key: string): Promise<void>;
  /** True when a live record exists under `key`. */
  exists(key: string): Promise<boolean>;
  /**
   * Removes expired records and returns how many were removed, or `null` when the engine
   * has nothing to clear (cache: native expiry; signed_cookies: no server state).
   */
  clearExpired(): Promise<number | null>;
  /** True when the store keeps no server state (signed_cookies): the key *is* the data. */
  readonly stateless?: boolean;
  /** Releases connections at shutdown. */
  close?(): Promise<void>;
}

/**
 * A session engine: builds its store once at start-up from the settings. Built-ins are named
 * by `SESSION_ENGINE` (`'db'`, `'file'`, ...); a custom engine is a class with this static.
 *
 * @example
 * class MyStore implements SessionStore {
 *   static async fromSettings(settings) { return new MyStore(settings); }
 *   ...
 * }
 */
export interface SessionEngine {
  fromSettings(settings: Readonly<Settings>): Promise<SessionStore>;
}
