/**
 * What the client-side engines (`signed_cookies`, `encrypted_cookies`) share: the cookie value
 * *is* the session, sealed under `SECRET_KEY` (signed or encrypted), so the server keeps no
 * state. `ClientSideStoreBase` holds their options and clock, builds them from the settings
 * (`fromSettings`), checks a loaded value's custom expiry (`setExpiry`), and answers the
 * methods that have nothing to do without server state: `save` is a new `create`, `delete`
 * and `clearExpired` do nothing, `exists` is a successful `load`.
 *
 * An engine only seals and opens: `create` returns the cookie value, `load` opens it (and
 * rejects one older than `maxAge`) and passes the data through `unexpired`.
 */
import type { Settings } from '../../conf/settings.js';
import { isSessionData } from '../encoding.js';
import { EXPIRY_KEY, readExpiry } from '../session.js';
import type { ClientSideStore, SessionData, SessionStoreOptions } from '../store.js';

/**
 * Options of a client-side store (`SignedCookieStore`, `EncryptedCookieStore`).
 *
 * @example
 * new SignedCookieStore({ key: SECRET_KEY, fallbackKeys: [], maxAge: 1209600 });
 */
export interface ClientSideStoreOptions extends SessionStoreOptions {
  /** `SECRET_KEY`; default: the configured settings'. */
  key?: string;
  /** `SECRET_KEY_FALLBACKS`: older keys still accepted on load; default: the configured settings'. */
  fallbackKeys?: readonly string[];
  /** Oldest accepted value, in seconds since it was sealed (`SESSION_COOKIE_AGE`). */
  maxAge: number;
}

/**
 * The base of the cookie engines: `kind: 'client'`, no key to check, no record to lose
 * (`save()` never rejects with `UpdateError`), nothing to clear, and `delete()` cannot revoke
 * a value the client holds: a copied cookie stays valid until it expires ("no freshness
 * guarantee", as Django documents for `signed_cookies`).
 *
 * @example
 * class PlainCookieStore extends ClientSideStoreBase {
 *   async create(data: SessionData) { return seal(data); }
 *   async load(key: string) { return this.unexpired(open(key), (s) => ageOf(key) > s); }
 * }
 */
export abstract class ClientSideStoreBase implements ClientSideStore {
  readonly kind = 'client';
  /** The clock, for sealing timestamps and every age and expiry check (`SessionStoreOptions.now`). */
  protected readonly now: () => number;
  /** Private, so the keys stay out of `console.log(store)`. */
  readonly #options: ClientSideStoreOptions;

  constructor(options: ClientSideStoreOptions) {
    this.#options = options;
    this.now = options.now ?? Date.now;
  }

  /**
   * The store for `SECRET_KEY`, `SECRET_KEY_FALLBACKS` and `SESSION_COOKIE_AGE` (an instance of
   * the class it is called on).
   *
   * @example
   * const store = await SignedCookieStore.fromSettings(settings);
   */
  static async fromSettings<T>(
    this: new (options: ClientSideStoreOptions) => T,
    settings: Readonly<Settings>,
  ): Promise<T> {
    return new this({
      key: settings.SECRET_KEY,
      fallbackKeys: settings.SECRET_KEY_FALLBACKS,
      maxAge: settings.SESSION_COOKIE_AGE,
    });
  }

  /** The options the store was built with. */
  protected get options(): Readonly<ClientSideStoreOptions> {
    return this.#options;
  }

  /** The opened data, or `null` for a value that is not valid, not live session data. */
  abstract load(key: string): Promise<SessionData | null>;

  /** The sealed cookie value; `expiresAt` is not stored (custom expiries live in the data). */
  abstract create(data: SessionData, expiresAt?: Date): Promise<string>;

  /**
   * `data` when it is session data whose custom expiry (`setExpiry`) has not passed, else
   * `null`. The value is sealed again on every save, so its age is the time since the last
   * modification: `olderThan(seconds)` tells whether the value is older than a custom integer
   * expiry. A value that is no valid expiry counts as none, as in `Session` (`readExpiry`).
   */
  protected unexpired(data: unknown, olderThan: (seconds: number) => boolean): SessionData | null {
    if (!isSessionData(data)) return null;
    const expiry = readExpiry(data.get(EXPIRY_KEY), this.now());
    if (typeof expiry === 'number' && expiry !== 0) {
      if (expiry < 0 || olderThan(expiry)) return null;
    } else if (expiry instanceof Date && expiry.getTime() <= this.now()) {
      return null;
    }
    return data;
  }

  /** A newly sealed value; nothing on the server can have vanished, so never `UpdateError`. */
  async save(_key: string, data: SessionData, expiresAt?: Date): Promise<string> {
    return this.create(data, expiresAt);
  }

  /** No server state to remove: the old value stays valid if replayed, until it expires. */
  async delete(): Promise<void> {}

  /** True when `key` (the cookie value) is a currently valid session. */
  async exists(key: string): Promise<boolean> {
    return (await this.load(key)) !== null;
  }

  /** Nothing to clear: expiry is checked on load. */
  async clearExpired(): Promise<null> {
    return null;
  }
}
