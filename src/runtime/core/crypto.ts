/**
 * `tango/core/crypto`: the primitives of Django's `django.utils.crypto` that signing and
 * sessions build on. Everything here runs per request, so derived keys are cached.
 *
 * See https://docs.djangoproject.com/en/stable/topics/signing/
 */
import { createHmac, hash, randomFillSync } from 'node:crypto';

/** SHA-256's block size: HMAC pads its key to this many bytes. */
const BLOCK = 64;
/** Messages longer than this go through `createHmac` rather than the scratch buffer. */
const SCRATCH_MAX = 16 * 1024;

/**
 * HMAC-SHA256 under one fixed key, computed as RFC 2104 spells it,
 * `sha256((K ^ opad) || sha256((K ^ ipad) || m))`, with two one-shot `crypto.hash` calls on
 * buffers prepared once per key. Signing runs on every session request, and this is about
 * twice as fast as `createHmac(...).update(...).digest()`, which builds a key object and a
 * stateful hash per call. Checked against `createHmac` in test/runtime/core/crypto.test.ts.
 * Exported for `core/encryption.ts`, which derives a key per message with it (HKDF-Expand).
 *
 * @example
 * new HmacSha256(prk).digest(info); // HMAC-SHA256(prk, info), 32 bytes
 */
export class HmacSha256 {
  /** `K ^ ipad` followed by room for the message. */
  #inner: Buffer;
  /** `K ^ opad` followed by the 32-byte inner digest. */
  readonly #outer = Buffer.alloc(BLOCK + 32);
  readonly #key: Buffer;

  /** @param key A SHA-256 digest (32 bytes, shorter than a block: RFC 2104's zero padding). */
  constructor(key: Buffer) {
    this.#key = key;
    this.#inner = Buffer.alloc(BLOCK + 256);
    for (let i = 0; i < BLOCK; i++) {
      const k = key[i] ?? 0;
      this.#inner[i] = k ^ 0x36;
      this.#outer[i] = k ^ 0x5c;
    }
  }

  digest(value: string | Uint8Array): Buffer {
    const size = typeof value === 'string' ? value.length * 3 : value.length;
    if (size > SCRATCH_MAX) {
      return createHmac('sha256', this.#key).update(value).digest();
    }
    if (BLOCK + size > this.#inner.length) {
      const grown = Buffer.alloc(Math.max(BLOCK + size, this.#inner.length * 2));
      this.#inner.copy(grown, 0, 0, BLOCK);
      this.#inner = grown;
    }
    const length =
      typeof value === 'string'
        ? this.#inner.write(value, BLOCK, 'utf8')
        : (this.#inner.set(value, BLOCK), value.length);
    hash('sha256', this.#inner.subarray(0, BLOCK + length), 'buffer').copy(this.#outer, BLOCK);
    return hash('sha256', this.#outer, 'buffer');
  }
}

/**
 * HMAC states by salt, then secret: two lookups on strings that are usually the same objects
 * every call (their hashes are cached), rather than hashing a concatenation per request.
 * Bounded, so that user-chosen salts cannot grow it forever.
 */
const derivedKeys = new Map<string, Map<string, HmacSha256>>();
let derivedCount = 0;
const DERIVED_KEYS_MAX = 1024;

/**
 * The HMAC under the key Django's `salted_hmac` derives, `sha256(salt + secret)` over the
 * UTF-8 bytes. Cached, so a signer that runs on every request pays for the derivation once.
 */
function derivedHmac(salt: string, secret: string): HmacSha256 {
  let bySecret = derivedKeys.get(salt);
  let hmac = bySecret?.get(secret);
  if (hmac === undefined) {
    if (derivedCount >= DERIVED_KEYS_MAX) {
      derivedKeys.clear();
      derivedCount = 0;
      bySecret = undefined;
    }
    if (bySecret === undefined) derivedKeys.set(salt, (bySecret = new Map()));
    hmac = new HmacSha256(hash('sha256', salt + secret, 'buffer'));
    bySecret.set(secret, hmac);
    derivedCount++;
  }
  return hmac;
}

/**
 * Django's `salted_hmac(key_salt, value, secret, algorithm='sha256')`: HMAC-SHA256 of `value`
 * under the key `sha256(key_salt + secret)`. Returns the 32-byte digest.
 *
 * @example
 * saltedHmac('django.core.signing.Signersigner', 'hello', 'secret').length; // 32
 */
export function saltedHmac(salt: string, value: string | Uint8Array, secret: string): Buffer {
  return derivedHmac(salt, secret).digest(value);
}

/**
 * Django's `constant_time_compare`: equality of two strings in time independent of where they
 * differ (the length is not secret, as with Python's `hmac.compare_digest`).
 *
 * @example
 * constantTimeCompare(expectedSignature, givenSignature); // true or false
 */
export function constantTimeCompare(a: string, b: string): boolean {
  // Every code unit is compared, whatever differs first (no early exit, no allocation); equal
  // code units are equal UTF-8 bytes, so this is Python's compare_digest on the encodings.
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

// Random bytes are drawn in batches (one randomFillSync per ~8 session keys, not one per key):
// session keys are minted on the request path.
const POOL_SIZE = 256;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function randomByte(): number {
  if (poolOffset === POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

/**
 * Fills `target` with bytes from the CSPRNG, drawn from the same batch as `getRandomString`'s
 * (one `randomFillSync` per 256 bytes rather than one system call per nonce).
 *
 * @example
 * const nonce = fillRandom(Buffer.alloc(24));
 */
export function fillRandom<T extends Uint8Array>(target: T): T {
  let filled = 0;
  while (filled < target.length) {
    if (poolOffset === POOL_SIZE) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const n = Math.min(target.length - filled, POOL_SIZE - poolOffset);
    target.set(pool.subarray(poolOffset, poolOffset + n), filled);
    poolOffset += n;
    filled += n;
  }
  return target;
}

/** Django's `RANDOM_STRING_CHARS`. */
export const RANDOM_STRING_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Django's `get_random_string(length, allowed_chars)`: `length` characters drawn uniformly
 * from `allowedChars` with a CSPRNG (rejection sampling, so no modulo bias).
 *
 * @example
 * getRandomString(32, 'abcdefghijklmnopqrstuvwxyz0123456789'); // a session key
 */
export function getRandomString(
  length: number,
  allowedChars: string = RANDOM_STRING_CHARS,
): string {
  const n = allowedChars.length;
  if (!Number.isInteger(length) || length < 0) {
    throw new TypeError(`argument length is invalid: ${String(length)} (expected an integer >= 0)`);
  }
  if (n === 0 || n > 256) {
    throw new TypeError(`argument allowedChars is invalid: expected 1 to 256 characters, got ${n}`);
  }
  // Largest multiple of n that fits a byte: bytes at or above it are redrawn.
  const limit = 256 - (256 % n);
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < limit) out += allowedChars[byte % n];
  }
  return out;
}
