/**
 * The `encrypted_cookies` engine (`SESSION_ENGINE: 'encrypted_cookies'`; Django has none): the
 * whole session is the cookie value, as with `signed_cookies`, but encrypted and authenticated
 * (AES-256-GCM under a key derived from `SECRET_KEY` with HKDF, `core/encryption.ts`), so the
 * browser can neither read nor forge it. Django's `signed_cookies` value is base64 JSON that
 * anyone holding the cookie can decode.
 *
 * Everything else is `signed_cookies`' behaviour, on purpose:
 * - `SESSION_COOKIE_AGE` is the oldest accepted value, counted from when it was encrypted (the
 *   token's authenticated timestamp); a custom integer or date expiry (`setExpiry`) is enforced
 *   on load too, and cannot exceed `SESSION_COOKIE_AGE`;
 * - a value that does not decrypt logs `Session data corrupted` on
 *   `tango.security.SuspiciousSession`, and the session becomes new (the middleware sends the
 *   deletion cookie); an expired one is dropped silently;
 * - `SECRET_KEY_FALLBACKS` still decrypt, and what a fallback opened is re-encrypted under
 *   `SECRET_KEY` on the way out (sessions/rotation.ts);
 * - the handler's cookie size guard (4096 bytes, `checkCookieSizes`) applies; the data is not compressed
 *   (compression before encryption leaks the data's content through the cookie's length), so
 *   it fills up somewhat sooner than `signed_cookies`, which compresses.
 *
 * A client-side store (`kind: 'client'`, `ClientSideStoreBase` in backends/client_side.ts): no
 * key to check, no record to lose (`save()` never rejects with `UpdateError`), nothing to
 * clear, and `delete()` cannot revoke a value the client holds: a copied cookie stays valid
 * until it expires, as with `signed_cookies`.
 *
 * The data is serialized as Django's JSONSerializer writes it (`pythonJsonDumps`, keys in the
 * `Map`'s order) and loaded back as a `Map` in that order, as on every other engine.
 */
import { DecryptionFailed, Encrypter } from '../../core/encryption.js';
import { pythonJsonDumps, pythonJsonLoads } from '../../core/signing/index.js';
import { securityLogger } from '../encoding.js';
import { markFallbackKey } from '../rotation.js';
import type { SessionData } from '../store.js';
import { ClientSideStoreBase, type ClientSideStoreOptions } from './client_side.js';

/**
 * This engine's purpose string: part of every key it derives, so its cookies decrypt nowhere
 * else, and nothing encrypted for another purpose decrypts here.
 *
 * @example
 * new Encrypter({ purpose: ENCRYPTED_COOKIES_PURPOSE }); // what the store uses
 */
export const ENCRYPTED_COOKIES_PURPOSE = 'tango.sessions.backends.encrypted_cookies';

/**
 * Options of `EncryptedCookieStore`.
 *
 * @example
 * new EncryptedCookieStore({ key: SECRET_KEY, fallbackKeys: [], maxAge: 1209600 });
 */
export type EncryptedCookieStoreOptions = ClientSideStoreOptions;

/**
 * A client-side store whose values are encrypted: `create`/`save` return the cookie value,
 * `load` decrypts and checks its age.
 *
 * @example
 * const store = new EncryptedCookieStore({ key: 'secret', maxAge: 1209600 });
 * const cookie = await store.create(sessionData({ hit: 1 }), expiresAt); // 'AQAAaR...' (opaque)
 * await store.load(cookie); // Map { 'hit' => 1 }
 */
export class EncryptedCookieStore extends ClientSideStoreBase {
  /** Built on first use, so the settings' keys are read then (as `signed_cookies`' signer). */
  #encrypter: Encrypter | undefined;

  get #box(): Encrypter {
    const { key, fallbackKeys } = this.options;
    return (this.#encrypter ??= new Encrypter({
      purpose: ENCRYPTED_COOKIES_PURPOSE,
      key,
      fallbackKeys,
      now: this.now,
    }));
  }

  async load(key: string): Promise<SessionData | null> {
    let opened;
    try {
      opened = this.#box.decrypt(key);
    } catch (error) {
      if (!(error instanceof DecryptionFailed)) throw error;
      securityLogger.warning('Session data corrupted');
      return null;
    }
    // Authenticated first, then aged, as TimestampSigner: an expired value is routine.
    const age = this.now() / 1000 - opened.issuedAt;
    if (age > this.options.maxAge) return null;
    let loaded: unknown;
    try {
      // ordered: a Map in the text's key order, Python's dict order (as every engine loads).
      loaded = pythonJsonLoads(opened.plaintext.toString('latin1'), { ordered: true });
    } catch {
      return null; // it decrypted, so this process wrote it: not an attack, just unreadable
    }
    const data = this.unexpired(loaded, (expiry) => age > expiry);
    return opened.fallback ? markFallbackKey(data) : data;
  }

  /** The encrypted value; `expiresAt` is not stored (custom expiries live in the data). */
  async create(data: SessionData, _expiresAt?: Date): Promise<string> {
    // ensure_ascii JSON is pure ASCII, so latin-1 and UTF-8 agree (as signing's encodeObject).
    return this.#box.encrypt(Buffer.from(pythonJsonDumps(data), 'latin1'));
  }
}
