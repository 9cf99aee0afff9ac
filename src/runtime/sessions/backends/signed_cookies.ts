/**
 * The `signed_cookies` engine (Django's `django.contrib.sessions.backends.signed_cookies`): the
 * whole session is the cookie value, `signing.dumps(data, salt=SALT, compress=True)`, so the
 * server keeps no state. The data is signed, not encrypted: the client can read it.
 *
 * Differences from Django, on purpose:
 * - a custom integer or date expiry (`setExpiry`) is enforced on load, from the signing
 *   timestamp (Django ticket #19201 leaves it unenforced); expiries longer than
 *   `SESSION_COOKIE_AGE` are still capped by it, as in Django;
 * - a tampered cookie logs `Session data corrupted` on `tango.security.SuspiciousSession`, and
 *   the session becomes new, so the middleware sends the deletion cookie instead of re-issuing
 *   a signed empty session (spec item 126).
 *
 * Replaying an old cookie works until it expires ("no freshness guarantee", as Django
 * documents): `delete()` cannot revoke a value the client holds.
 *
 * See https://docs.djangoproject.com/en/stable/topics/http/sessions/#using-cookie-based-sessions
 */
import type { Settings } from '../../conf/settings.js';
import { BadSignature, SignatureExpired, dumps, loads } from '../../core/signing/index.js';
import { isSessionData, parseIsoDate, securityLogger } from '../encoding.js';
import { EXPIRY_KEY } from '../session.js';
import type { SessionData, SessionStore } from '../store.js';

/** Django's salt for this engine. */
export const SIGNED_COOKIES_SALT = 'django.contrib.sessions.backends.signed_cookies';

/** Options of `SignedCookieStore`. */
export interface SignedCookieStoreOptions {
  /** `SECRET_KEY`; default: the configured settings'. */
  key?: string;
  /** `SECRET_KEY_FALLBACKS`: older keys still accepted on load. */
  fallbackKeys?: readonly string[];
  /** Oldest accepted signature, in seconds (`SESSION_COOKIE_AGE`). */
  maxAge: number;
}

/**
 * A stateless store: `create`/`save` return the signed cookie value, `load` verifies it.
 *
 * @example
 * const store = new SignedCookieStore({ key: 'secret', maxAge: 1209600 });
 * const cookie = await store.create({ hit: 1 }, expiresAt); // 'eyJoaXQiOjF9:1xV1k1:UMJ_...'
 * await store.load(cookie); // { hit: 1 }
 */
export class SignedCookieStore implements SessionStore {
  readonly stateless = true;
  readonly #options: SignedCookieStoreOptions;

  constructor(options: SignedCookieStoreOptions) {
    this.#options = options;
  }

  static async fromSettings(settings: Readonly<Settings>): Promise<SignedCookieStore> {
    return new SignedCookieStore({
      key: settings.SECRET_KEY,
      fallbackKeys: settings.SECRET_KEY_FALLBACKS,
      maxAge: settings.SESSION_COOKIE_AGE,
    });
  }

  #loads(value: string, maxAge: number): unknown {
    const { key, fallbackKeys } = this.#options;
    return loads(value, { key, fallbackKeys, salt: SIGNED_COOKIES_SALT, maxAge });
  }

  async load(key: string): Promise<SessionData | null> {
    let data: unknown;
    try {
      data = this.#loads(key, this.#options.maxAge);
    } catch (error) {
      // Expiry is routine; a bad signature is someone editing or forging the cookie.
      if (error instanceof BadSignature && !(error instanceof SignatureExpired)) {
        securityLogger.warning('Session data corrupted');
      }
      return null;
    }
    if (!isSessionData(data)) return null;
    const expiry = data[EXPIRY_KEY];
    if (typeof expiry === 'number' && expiry !== 0) {
      // The value is re-signed on every save, so its timestamp is the last modification.
      if (expiry < 0) return null;
      if (expiry < this.#options.maxAge) {
        try {
          this.#loads(key, expiry);
        } catch {
          return null;
        }
      }
    } else if (typeof expiry === 'string') {
      const deadline = parseIsoDate(expiry);
      if (deadline !== null && deadline.getTime() <= Date.now()) return null;
    }
    return data;
  }

  /** The signed value; `expiresAt` is not stored (custom expiries live in the data). */
  async create(data: SessionData, _expiresAt?: Date): Promise<string> {
    return dumps(data, { key: this.#options.key, salt: SIGNED_COOKIES_SALT, compress: true });
  }

  async save(_key: string, data: SessionData, expiresAt?: Date): Promise<string> {
    return this.create(data, expiresAt);
  }

  /** No server state to remove: the old value stays valid if replayed, until it expires. */
  async delete(): Promise<void> {}

  /** True when `key` is a currently valid signed session. */
  async exists(key: string): Promise<boolean> {
    return (await this.load(key)) !== null;
  }

  /** Nothing to clear: expiry is checked on load. */
  async clearExpired(): Promise<null> {
    return null;
  }
}
