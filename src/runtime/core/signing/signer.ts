/**
 * Django's `Signer` and `TimestampSigner` (`django/core/signing.py`): salted HMAC-SHA256 over a
 * string, URL-safe base64 without padding, base62 timestamps, and signed JSON objects with
 * optional zlib compression. Keys default to `SECRET_KEY` and `SECRET_KEY_FALLBACKS`, read
 * through the settings accessor (`conf/current.ts`), which loads nothing else.
 *
 * See https://docs.djangoproject.com/en/stable/topics/signing/
 */
import { inflateSync } from 'node:zlib';
import { getSettings, isConfigured } from '../../conf/current.js';
import { constantTimeCompare, saltedHmac } from '../crypto.js';
import { zlibCompress, zlibSizeLowerBound } from '../deflate.js';
import { b62decode, b62encode } from './base62.js';
import { pythonJsonDumps, pythonJsonLoads } from './python-json.js';

/**
 * The signature does not match, or the value is malformed (Django's `BadSignature`). Not a
 * `SuspiciousOperation`: uncaught, it is a 500, as in Django (checklist #34).
 *
 * @example
 * try { signer.unsign(value); } catch (e) { if (e instanceof BadSignature) { ... } }
 */
export class BadSignature extends Error {
  override name = 'BadSignature';
}

/**
 * The signature is valid but older than `maxAge` (Django's `SignatureExpired`).
 *
 * @example
 * try { loads(token, { maxAge: 3600 }); } catch (e) { if (e instanceof SignatureExpired) { ... } }
 */
export class SignatureExpired extends BadSignature {
  override name = 'SignatureExpired';
}

/**
 * Django's `b64_encode`: URL-safe base64 with the `=` padding stripped.
 *
 * @example
 * b64Encode(Buffer.from('{"a":1}')); // 'eyJhIjoxfQ'
 */
export function b64Encode(data: Uint8Array | string): string {
  return (
    typeof data === 'string'
      ? Buffer.from(data, 'utf8')
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  ).toString('base64url');
}

/**
 * Django's `b64_decode`: URL-safe base64, padding optional. Lenient like Python's
 * `urlsafe_b64decode` (stray characters are skipped); callers verify a signature first.
 *
 * @example
 * b64Decode('eyJhIjoxfQ').toString(); // '{"a":1}'
 */
export function b64Decode(s: string): Buffer {
  return Buffer.from(s, 'base64url');
}

/** Options of `new Signer()` / `new TimestampSigner()`; each resolved once, at construction. */
export interface SignerOptions {
  /** Signing key. Default (also for `''`, as Django's `key or settings.SECRET_KEY`): `SECRET_KEY`. */
  key?: string;
  /** Older keys accepted by `unsign`. Default: `SECRET_KEY_FALLBACKS` (`[]` before settings are configured). */
  fallbackKeys?: readonly string[];
  /** Separator between value, timestamp and signature. Default `':'`; must not be base64-ish. */
  sep?: string;
  /**
   * Namespace of the signature. Default (also for `''`): Django's class path,
   * `'django.core.signing.Signer'` or `'django.core.signing.TimestampSigner'`, so that
   * default-salted values interoperate with Django.
   */
  salt?: string;
  /** Only `'sha256'` (Django's default since 3.1; sha1 is gone since 4.0). */
  algorithm?: 'sha256';
}

/** Options of `signObject`. */
export interface SignObjectOptions {
  /** zlib-compress the JSON when that saves at least two bytes (Django's rule). Default false. */
  compress?: boolean;
}

/** Options of `unsignObject`. */
export interface UnsignObjectOptions {
  /** Seconds; only for `TimestampSigner`. A value exactly `maxAge` old is still valid. */
  maxAge?: number | null;
  /**
   * Return a top-level JSON object as a `Map` in the signed text's key order (Python's dict
   * order; a plain object lists integer-like keys first). Default false. See `pythonJsonLoads`.
   */
  ordered?: boolean;
}

/** Django's `_SEP_UNSAFE = r'^[A-z0-9-_=]*$'` (note: `A-z` also covers ``[\]^_` ``). */
const SEP_UNSAFE = /^[A-z0-9\-_=]*$/;

/**
 * Django's `Signer`: appends `sep + base64url(HMAC-SHA256)` to a string, with a key derived
 * from `salt + 'signer'` and the secret.
 *
 * @example
 * const signer = new Signer({ key: 'secret', salt: 'greeting' });
 * const signed = signer.sign('hello'); // 'hello:<43 characters>'
 * signer.unsign(signed); // 'hello'
 */
export class Signer {
  /** The salt used when none (or `''`) is given: Django's module path and class name. */
  static defaultSalt = 'django.core.signing.Signer';

  readonly key: string;
  readonly fallbackKeys: readonly string[];
  readonly sep: string;
  readonly salt: string;
  readonly algorithm: 'sha256';
  /** `salt + 'signer'`: the `key_salt` of every signature, computed once. */
  readonly #keySalt: string;

  constructor(options: SignerOptions = {}) {
    this.key = options.key || getSettings().SECRET_KEY;
    this.fallbackKeys =
      options.fallbackKeys ??
      (options.key && !isConfigured() ? [] : getSettings().SECRET_KEY_FALLBACKS);
    this.sep = options.sep ?? ':';
    if (typeof this.sep !== 'string' || SEP_UNSAFE.test(this.sep)) {
      throw new TypeError(
        `option sep is unsafe: ${JSON.stringify(this.sep)} (cannot be empty or consist of only A-z0-9-_=)`,
      );
    }
    this.salt = options.salt || (this.constructor as typeof Signer).defaultSalt;
    const algorithm = options.algorithm ?? 'sha256';
    if (algorithm !== 'sha256') {
      throw new TypeError(
        `option algorithm is invalid: ${JSON.stringify(algorithm)} (expected "sha256")`,
      );
    }
    this.algorithm = algorithm;
    this.#keySalt = this.salt + 'signer';
  }

  /** Django's `signature(value, key)`: base64url of the salted HMAC, 43 characters. */
  signature(value: string, key: string = this.key): string {
    return saltedHmac(this.#keySalt, value, key).toString('base64url');
  }

  /** `value + sep + signature(value)`. */
  sign(value: string): string {
    return value + this.sep + this.signature(value);
  }

  /**
   * Returns the value if its signature matches `key` or one of `fallbackKeys`; throws
   * `BadSignature` otherwise (`No ":" found in value` when there is no separator).
   */
  unsign(signedValue: string): string {
    if (typeof signedValue !== 'string') throw new BadSignature('Signed value must be a string');
    const at = signedValue.lastIndexOf(this.sep);
    if (at === -1) throw new BadSignature(`No "${this.sep}" found in value`);
    const value = signedValue.slice(0, at);
    const sig = signedValue.slice(at + this.sep.length);
    if (constantTimeCompare(sig, this.signature(value, this.key))) return value;
    for (const key of this.fallbackKeys) {
      if (constantTimeCompare(sig, this.signature(value, key))) return value;
    }
    throw new BadSignature(`Signature "${sig}" does not match`);
  }

  /**
   * Django's `sign_object`: Python-compatible JSON, optionally zlib-compressed (prefixed with
   * `.`), URL-safe base64, then signed.
   *
   * @example
   * new Signer({ key: 'k' }).signObject({ a: 1 }); // 'eyJhIjoxfQ:...'
   */
  signObject(obj: unknown, options: SignObjectOptions = {}): string {
    return this.sign(encodeObject(obj, options.compress ?? false));
  }

  /**
   * Django's `unsign_object`: verifies, then decodes. A payload that verifies but does not
   * decode (bad base64, zlib or JSON) also throws `BadSignature`.
   */
  unsignObject(signedObject: string, options: UnsignObjectOptions = {}): unknown {
    return decodeObject(this.unsignForObject(signedObject, options), options.ordered ?? false);
  }

  /** The unsign step of `unsignObject`; `TimestampSigner` adds the age check. */
  protected unsignForObject(signedObject: string, options: UnsignObjectOptions): string {
    if (options.maxAge !== undefined && options.maxAge !== null) {
      throw new TypeError('option maxAge needs a TimestampSigner (a Signer has no timestamp)');
    }
    return this.unsign(signedObject);
  }
}

/**
 * Django's `TimestampSigner`: signs `value + sep + base62(now)`, so `unsign` can refuse values
 * older than `maxAge` seconds with `SignatureExpired`.
 *
 * @example
 * const signer = new TimestampSigner({ key: 'secret' });
 * const token = signer.sign('hello'); // 'hello:1r31eq:<signature>'
 * signer.unsign(token, 3600); // 'hello', or SignatureExpired after an hour
 */
export class TimestampSigner extends Signer {
  static override defaultSalt = 'django.core.signing.TimestampSigner';

  /** `base62(int(time.time()))`. */
  timestamp(): string {
    return b62encode(Math.floor(Date.now() / 1000));
  }

  override sign(value: string): string {
    return super.sign(value + this.sep + this.timestamp());
  }

  /**
   * Verifies the signature, then the age: `now - timestamp > maxAge` (seconds) throws
   * `SignatureExpired`, so a value exactly `maxAge` old is still valid (checklist #32).
   * A `maxAge` that is not a number, or `NaN` (which every comparison would let pass), is a
   * `TypeError` before anything is verified; `Infinity` means no limit.
   */
  override unsign(value: string, maxAge?: number | null): string {
    if (
      maxAge !== undefined &&
      maxAge !== null &&
      (typeof maxAge !== 'number' || Number.isNaN(maxAge))
    ) {
      throw new TypeError(
        `option maxAge is invalid: ${String(maxAge)} (a number of seconds, or null for no limit)`,
      );
    }
    const result = super.unsign(value);
    const at = result.lastIndexOf(this.sep);
    if (at === -1) throw new BadSignature(`No "${this.sep}" found in value`);
    let timestamp: number;
    try {
      timestamp = b62decode(result.slice(at + this.sep.length));
    } catch {
      throw new BadSignature('Timestamp is not base62');
    }
    if (maxAge !== undefined && maxAge !== null) {
      const age = Date.now() / 1000 - timestamp;
      if (age > maxAge) throw new SignatureExpired(`Signature age ${age} > ${maxAge} seconds`);
    }
    return result.slice(0, at);
  }

  protected override unsignForObject(signedObject: string, options: UnsignObjectOptions): string {
    return this.unsign(signedObject, options.maxAge);
  }
}

function encodeObject(obj: unknown, compress: boolean): string {
  // ensure_ascii output is pure ASCII, so latin-1 (Django's encoding) and UTF-8 agree.
  let data: Buffer = Buffer.from(pythonJsonDumps(obj), 'latin1');
  let isCompressed = false;
  // Django keeps the compressed form only when it is at least 2 bytes shorter; skip the
  // attempt when zlibSizeLowerBound proves it cannot be (a short session payload).
  if (compress && zlibSizeLowerBound(data) < data.length - 1) {
    // CPython's exact zlib bytes, so the signed string is Django's (see deflate.ts).
    const compressed = zlibCompress(data);
    if (compressed.length < data.length - 1) {
      data = compressed;
      isCompressed = true;
    }
  }
  const base64d = data.toString('base64url');
  return isCompressed ? '.' + base64d : base64d;
}

function decodeObject(base64d: string, ordered: boolean): unknown {
  try {
    const decompress = base64d.startsWith('.');
    let data = b64Decode(decompress ? base64d.slice(1) : base64d);
    if (decompress) data = inflateSync(data);
    return pythonJsonLoads(data.toString('latin1'), { ordered });
  } catch (error) {
    throw new BadSignature('Signed data could not be decoded', { cause: error });
  }
}

/** Options of `dumps`. */
export interface DumpsOptions {
  /** Default `SECRET_KEY`. */
  key?: string;
  /** Default `'django.core.signing'`. */
  salt?: string;
  /** zlib-compress when shorter. Default false. */
  compress?: boolean;
  /** Default `SECRET_KEY_FALLBACKS`; unused when signing, accepted for symmetry. */
  fallbackKeys?: readonly string[];
}

/** Options of `loads`. */
export interface LoadsOptions {
  /** Default `SECRET_KEY`. */
  key?: string;
  /** Default `'django.core.signing'`. */
  salt?: string;
  /** Seconds since signing after which `SignatureExpired` is thrown. Default: no limit. */
  maxAge?: number | null;
  /** Older keys accepted. Default `SECRET_KEY_FALLBACKS`. */
  fallbackKeys?: readonly string[];
  /** A top-level object as a `Map` in the text's key order (`UnsignObjectOptions.ordered`). */
  ordered?: boolean;
}

/**
 * Django's `signing.dumps`: a URL-safe, signed, timestamped JSON string
 * (`TimestampSigner.signObject`). A `Map` is written as a JSON object in its insertion order,
 * as Python writes a dict (`loads(..., { ordered: true })` reads it back so).
 *
 * @example
 * const token = dumps({ user: 42 }, { salt: 'password-reset' });
 * loads(token, { salt: 'password-reset', maxAge: 3600 }); // { user: 42 }
 */
export function dumps(obj: unknown, options: DumpsOptions = {}): string {
  return new TimestampSigner({
    key: options.key,
    salt: options.salt ?? 'django.core.signing',
    fallbackKeys: options.fallbackKeys,
  }).signObject(obj, { compress: options.compress ?? false });
}

/**
 * Django's `signing.loads`: the reverse of `dumps`. Throws `BadSignature` (tampered, wrong
 * key or salt, undecodable) or `SignatureExpired` (older than `maxAge` seconds).
 *
 * @example
 * loads(token, { salt: 'password-reset', maxAge: 3600 });
 */
export function loads(s: string, options: LoadsOptions = {}): unknown {
  return new TimestampSigner({
    key: options.key,
    salt: options.salt ?? 'django.core.signing',
    fallbackKeys: options.fallbackKeys,
  }).unsignObject(s, { maxAge: options.maxAge, ordered: options.ordered });
}
