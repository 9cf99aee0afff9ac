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
 *   a signed empty session (checklist #126, in docs/django-sessions-checklist.md);
 * - a value that only a `SECRET_KEY_FALLBACKS` key verifies is re-signed under `SECRET_KEY`
 *   on the way out (sessions/rotation.ts), so removing the fallback later logs no one out.
 *
 * The signing timestamp and every age check use the store's clock (`now`, default
 * `Date.now`), as every engine's expiry does.
 *
 * This is the client-side kind of store (`kind: 'client'`, `ClientSideStoreBase` in
 * backends/client_side.ts, shared with `encrypted_cookies`): the cookie is the store, so there
 * is no key to check, no record to lose (`save()` never rejects with `UpdateError`) and
 * nothing to clear. Replaying an old cookie works until it expires ("no freshness guarantee",
 * as Django documents): `delete()` cannot revoke a value the client holds.
 *
 * See https://docs.djangoproject.com/en/stable/topics/http/sessions/#using-cookie-based-sessions
 */
import {
  b62decode,
  b62encode,
  BadSignature,
  SignatureExpired,
  type SignerOptions,
  TimestampSigner,
} from '../../core/signing/index.js';
import { securityLogger } from '../encoding.js';
import { verifyRotating } from '../rotation.js';
import type { SessionData } from '../store.js';
import { ClientSideStoreBase, type ClientSideStoreOptions } from './client_side.js';

/**
 * Django's salt for this engine.
 *
 * @example
 * dumps(data, { salt: SIGNED_COOKIES_SALT, compress: true }); // what create() returns
 */
export const SIGNED_COOKIES_SALT = 'django.contrib.sessions.backends.signed_cookies';

/**
 * Options of `SignedCookieStore`.
 *
 * @example
 * new SignedCookieStore({ key: SECRET_KEY, fallbackKeys: [], maxAge: 1209600 });
 */
export type SignedCookieStoreOptions = ClientSideStoreOptions;

/**
 * Django's `TimestampSigner` on the store's clock: the timestamp it signs and the age it
 * checks both come from `now`, so the signed value is byte for byte what `signing.dumps`
 * gives at that time.
 */
class ClockedTimestampSigner extends TimestampSigner {
  readonly #now: () => number;

  constructor(options: SignerOptions, now: () => number) {
    super(options);
    this.#now = now;
  }

  override timestamp(): string {
    return b62encode(Math.floor(this.#now() / 1000));
  }

  /** `TimestampSigner.unsign` (signature first, then `age > maxAge` expires) on `now`. */
  override unsign(value: string, maxAge?: number | null): string {
    const result = super.unsign(value);
    if (maxAge !== undefined && maxAge !== null) {
      // Verified: value is `result + sep + timestamp + sep + signature`.
      const start = result.length + this.sep.length;
      const timestamp = b62decode(value.slice(start, value.lastIndexOf(this.sep)));
      const age = this.#now() / 1000 - timestamp;
      if (age > maxAge) throw new SignatureExpired(`Signature age ${age} > ${maxAge} seconds`);
    }
    return result;
  }
}

/**
 * A client-side store: `create`/`save` return the signed cookie value, `load` verifies it.
 *
 * @example
 * const store = new SignedCookieStore({ key: 'secret', maxAge: 1209600 });
 * const cookie = await store.create({ hit: 1 }, expiresAt); // 'eyJoaXQiOjF9:1xV1k1:UMJ_...'
 * await store.load(cookie); // { hit: 1 }
 */
export class SignedCookieStore extends ClientSideStoreBase {
  /** Built on first use, so the settings' keys are read then, as `signing.dumps` would. */
  #signer: ClockedTimestampSigner | undefined;
  #currentSigner: ClockedTimestampSigner | undefined;

  get #signing(): ClockedTimestampSigner {
    const { key, fallbackKeys } = this.options;
    return (this.#signer ??= new ClockedTimestampSigner(
      { key, fallbackKeys, salt: SIGNED_COOKIES_SALT },
      this.now,
    ));
  }

  /** `SECRET_KEY` alone: what `#loads` tries first, to learn whether a fallback was needed. */
  get #currentSigning(): ClockedTimestampSigner {
    const signing = this.#signing;
    if (signing.fallbackKeys.length === 0) return signing;
    return (this.#currentSigner ??= new ClockedTimestampSigner(
      { key: signing.key, fallbackKeys: [], salt: SIGNED_COOKIES_SALT },
      this.now,
    ));
  }

  /** Verifies and decodes; a value only a `SECRET_KEY_FALLBACKS` key verifies is marked for re-signing. */
  #loads(value: string, maxAge: number): unknown {
    // ordered: a Map in the cookie's key order, Python's dict order (integer-like keys too).
    return verifyRotating(
      () => this.#currentSigning.unsignObject(value, { maxAge, ordered: true }),
      this.#signing === this.#currentSigning
        ? null
        : () => this.#signing.unsignObject(value, { maxAge, ordered: true }),
    );
  }

  async load(key: string): Promise<SessionData | null> {
    const { maxAge } = this.options;
    let data: unknown;
    try {
      data = this.#loads(key, maxAge);
    } catch (error) {
      // Expiry is routine; a bad signature is someone editing or forging the cookie.
      if (error instanceof BadSignature && !(error instanceof SignatureExpired)) {
        securityLogger.warning('Session data corrupted');
      }
      return null;
    }
    // A custom expiry shorter than maxAge: the signature must also be younger than it.
    return this.unexpired(data, (expiry) => {
      if (expiry >= maxAge) return false;
      try {
        this.#loads(key, expiry);
        return false;
      } catch {
        return true;
      }
    });
  }

  /**
   * The signed value, Django's `signing.dumps(data, salt=SIGNED_COOKIES_SALT, compress=True)`;
   * `expiresAt` is not stored (custom expiries live in the data).
   */
  async create(data: SessionData, _expiresAt?: Date): Promise<string> {
    return this.#signing.signObject(data, { compress: true });
  }
}
