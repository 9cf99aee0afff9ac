/**
 * Authenticated encryption under `SECRET_KEY`, for values the client must hold but may neither
 * read nor forge (the `encrypted_cookies` session engine). Django has no counterpart: its
 * `signing` makes values unforgeable, not secret.
 *
 * The construction, all from node:crypto (OpenSSL: maintained, constant-time AES-NI/GHASH,
 * nothing to install):
 *
 * - **HKDF-SHA256** (RFC 5869). The extract step runs once per secret:
 *   `PRK = HMAC-SHA256(salt = 'tango.core.encryption', IKM = secret)`; the expand step runs
 *   per message and gives a fresh AES key,
 *   `K = HKDF-Expand(PRK, info = purpose || 0x00 || nonce[0:12], 32)` (one HMAC block).
 * - **AES-256-GCM** under `K` with `nonce[12:24]` as the IV and a 16-byte tag; the header
 *   (version, timestamp, nonce) is the associated data, so none of it can be changed either.
 *
 * The 24-byte random nonce is split as in XAES-256-GCM (C2SP): half selects the key, half is
 * the IV. AES-GCM with one key and random 96-bit IVs is limited to about 2^32 messages
 * (NIST SP 800-38D §8.3): a busy site re-encrypting a session cookie on every save would
 * reach that within a key's lifetime. With a key per message the limit is gone (two messages
 * share a key only if 96 random bits collide, and even then their IVs differ unless 96 more
 * do). `purpose` separates uses: a value encrypted for one purpose never decrypts for another.
 *
 * A token is base64url (no padding; cookie-safe, never quoted) of
 *
 * ```
 * version (1 byte, 0x01) | issued at (6 bytes, signed big-endian seconds) | nonce (24 bytes)
 *   | ciphertext (as long as the plaintext) | GCM tag (16 bytes)
 * ```
 *
 * 47 bytes of overhead, 63 characters once encoded. Decryption tries `SECRET_KEY`, then each
 * of `SECRET_KEY_FALLBACKS` in order, and says which one opened the token, so a caller can
 * re-encrypt what an old key opened (key rotation).
 *
 * Nothing here compresses: compressing before encrypting lets whoever can put text into the
 * plaintext and watch the token's length guess the rest (CRIME, BREACH).
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { getSettings, isConfigured } from '../conf/current.js';
import { fillRandom, HmacSha256 } from './crypto.js';

/** The format version, the token's first byte. */
const VERSION = 0x01;
const HEADER = 1 + 6 + 24;
const TAG = 16;
/** The smallest token: a header, an empty ciphertext and a tag. */
const MIN_BYTES = HEADER + TAG;
/** Base64url without padding, nothing else: a value Node's lenient decoder would change is refused. */
const TOKEN = /^[A-Za-z0-9_-]+$/;
/** HKDF's extract salt: fixed, so every process derives the same key from the same secret. */
const EXTRACT_SALT = 'tango.core.encryption';

/**
 * A token that does not decrypt under any key: malformed, tampered, truncated, for another
 * purpose, or from another secret. Deliberately one error for all of them.
 *
 * @example
 * try { encrypter.decrypt(token); } catch (e) { if (e instanceof DecryptionFailed) { ... } }
 */
export class DecryptionFailed extends Error {
  override name = 'DecryptionFailed';
}

/** What `Encrypter.decrypt` returns. */
export interface Decrypted {
  /** The plaintext bytes. */
  plaintext: Buffer;
  /** When the token was made, in whole seconds since the epoch (authenticated). */
  issuedAt: number;
  /**
   * True when `SECRET_KEY` did not open the token and one of `SECRET_KEY_FALLBACKS` did:
   * re-encrypt it (`encrypt` always uses `SECRET_KEY`) before the fallback is removed.
   */
  fallback: boolean;
}

/** Options of `new Encrypter()`, resolved once, at construction (as `Signer`'s). */
export interface EncrypterOptions {
  /** What the values are for; part of every key (domain separation). Required. */
  purpose: string;
  /** The secret. Default (also for `''`): `SECRET_KEY`. */
  key?: string;
  /** Older secrets that still decrypt. Default: `SECRET_KEY_FALLBACKS` (`[]` before settings are configured). */
  fallbackKeys?: readonly string[];
  /** The clock for `issuedAt`, in milliseconds. Default `Date.now`. */
  now?: () => number;
}

/**
 * HKDF-Extract of each secret, by secret: `HmacSha256` states keyed by the PRK. Bounded, like
 * the signing keys' cache in crypto.ts.
 */
const extracted = new Map<string, HmacSha256>();
const EXTRACTED_MAX = 64;

function prkHmac(secret: string): HmacSha256 {
  let hmac = extracted.get(secret);
  if (hmac === undefined) {
    if (extracted.size >= EXTRACTED_MAX) extracted.clear();
    const prk = new HmacSha256(Buffer.from(EXTRACT_SALT, 'utf8')).digest(secret);
    hmac = new HmacSha256(prk);
    extracted.set(secret, hmac);
  }
  return hmac;
}

/**
 * Authenticated encryption for one purpose, under `SECRET_KEY` with `SECRET_KEY_FALLBACKS`
 * still decrypting: AES-256-GCM under a key derived per message with HKDF-SHA256 (see the
 * module comment for the construction and the format).
 *
 * @example
 * const box = new Encrypter({ purpose: 'myapp.reset-token' });
 * const token = box.encrypt(JSON.stringify({ user: 42 }));
 * JSON.parse(box.decrypt(token).plaintext.toString()); // { user: 42 }
 */
export class Encrypter {
  readonly purpose: string;
  readonly #secrets: readonly string[];
  readonly #now: () => number;
  /** `purpose || 0x00 || nonce[0:12] || 0x01`: HKDF-Expand's input for T(1), refilled per message. */
  readonly #info: Buffer;
  readonly #infoNonce: number;

  constructor(options: EncrypterOptions) {
    if (typeof options.purpose !== 'string' || options.purpose === '') {
      throw new TypeError(
        'option purpose is required: a non-empty string naming what is encrypted',
      );
    }
    this.purpose = options.purpose;
    const key = options.key || getSettings().SECRET_KEY;
    const fallbackKeys =
      options.fallbackKeys ??
      (options.key && !isConfigured() ? [] : getSettings().SECRET_KEY_FALLBACKS);
    this.#secrets = [key, ...fallbackKeys];
    this.#now = options.now ?? Date.now;
    const purpose = Buffer.from(this.purpose, 'utf8');
    this.#info = Buffer.alloc(purpose.length + 1 + 12 + 1);
    purpose.copy(this.#info);
    this.#infoNonce = purpose.length + 1;
    this.#info[this.#info.length - 1] = 0x01;
  }

  /** HKDF-Expand(PRK(secret), purpose || 0x00 || nonce[0:12], 32): one HMAC block. */
  #messageKey(secret: string, header: Buffer): Buffer {
    header.copy(this.#info, this.#infoNonce, 7, 19);
    return prkHmac(secret).digest(this.#info);
  }

  /**
   * Encrypts under `SECRET_KEY` with a fresh random nonce and the clock's time: a base64url
   * token (63 characters plus 4/3 of the plaintext's bytes).
   *
   * @example
   * encrypter.encrypt('hello'); // 'AQAAaR...' (70 characters)
   */
  encrypt(plaintext: string | Uint8Array): string {
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    const header = Buffer.allocUnsafe(HEADER);
    header[0] = VERSION;
    header.writeIntBE(Math.floor(this.#now() / 1000), 1, 6);
    fillRandom(header.subarray(7));
    const cipher = createCipheriv(
      'aes-256-gcm',
      this.#messageKey(this.#secrets[0]!, header),
      header.subarray(19),
      {
        authTagLength: TAG,
      },
    );
    cipher.setAAD(header);
    const body = cipher.update(data);
    cipher.final();
    return Buffer.concat([header, body, cipher.getAuthTag()]).toString('base64url');
  }

  /**
   * Decrypts a token made by `encrypt` under `SECRET_KEY` or one of `SECRET_KEY_FALLBACKS`
   * (tried in that order). Throws `DecryptionFailed` for anything else; never another error
   * for untrusted input.
   *
   * @example
   * const { plaintext, issuedAt, fallback } = encrypter.decrypt(token);
   */
  decrypt(token: string): Decrypted {
    if (typeof token !== 'string' || !TOKEN.test(token)) {
      throw new DecryptionFailed('The token is not base64url');
    }
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length < MIN_BYTES) throw new DecryptionFailed('The token is too short');
    if (bytes[0] !== VERSION) throw new DecryptionFailed(`Unknown token version ${bytes[0]!}`);
    const header = bytes.subarray(0, HEADER);
    const body = bytes.subarray(HEADER, bytes.length - TAG);
    const tag = bytes.subarray(bytes.length - TAG);
    const iv = header.subarray(19);
    for (let i = 0; i < this.#secrets.length; i++) {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        this.#messageKey(this.#secrets[i]!, header),
        iv,
        {
          authTagLength: TAG,
        },
      );
      decipher.setAAD(header);
      decipher.setAuthTag(tag);
      const plaintext = decipher.update(body);
      try {
        decipher.final();
      } catch {
        continue; // not this key (or tampered): the tag did not verify
      }
      return { plaintext, issuedAt: header.readIntBE(1, 6), fallback: i > 0 };
    }
    throw new DecryptionFailed(
      'The token does not decrypt under SECRET_KEY or SECRET_KEY_FALLBACKS',
    );
  }
}
