/**
 * `tango/core/crypto`: the primitives of Django's `django.utils.crypto` that signing and
 * sessions build on. Everything here runs per request, so derived keys are cached.
 *
 * See https://docs.djangoproject.com/en/stable/topics/signing/
 */
import { createHash, createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';

/** Derived HMAC keys by `salt \0 secret`; bounded so that user-chosen salts cannot grow it forever. */
const derivedKeys = new Map<string, Buffer>();
const DERIVED_KEYS_MAX = 1024;

/**
 * The HMAC key Django's `salted_hmac` derives: `sha256(salt + secret)` over the UTF-8 bytes.
 * Cached, so a signer that runs on every request pays for the hash once.
 */
function derivedKey(salt: string, secret: string): Buffer {
  const id = salt + '\0' + secret;
  let key = derivedKeys.get(id);
  if (key === undefined) {
    if (derivedKeys.size >= DERIVED_KEYS_MAX) derivedKeys.clear();
    key = createHash('sha256')
      .update(salt + secret, 'utf8')
      .digest();
    derivedKeys.set(id, key);
  }
  return key;
}

/**
 * Django's `salted_hmac(key_salt, value, secret, algorithm='sha256')`: HMAC-SHA256 of `value`
 * under the key `sha256(key_salt + secret)`. Returns the 32-byte digest.
 *
 * @example
 * saltedHmac('django.core.signing.Signersigner', 'hello', 'secret').length; // 32
 */
export function saltedHmac(salt: string, value: string | Uint8Array, secret: string): Buffer {
  const hmac = createHmac('sha256', derivedKey(salt, secret));
  if (typeof value === 'string') hmac.update(value, 'utf8');
  else hmac.update(value);
  return hmac.digest();
}

/**
 * Django's `constant_time_compare`: equality of two strings in time independent of where they
 * differ (the length is not secret, as with Python's `hmac.compare_digest`).
 *
 * @example
 * constantTimeCompare(expectedSignature, givenSignature); // true or false
 */
export function constantTimeCompare(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
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
