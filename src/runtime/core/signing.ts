/**
 * `tango/core/signing`: Django's `django.core.signing`, byte for byte. A value signed here
 * verifies in Django and the reverse, given the same `SECRET_KEY`: salted HMAC-SHA256,
 * URL-safe base64 without padding, base62 timestamps, `JSONSerializer` output
 * (`json.dumps(obj, separators=(',', ':'))`, ASCII-only) and optional zlib compression.
 *
 * See https://docs.djangoproject.com/en/stable/topics/signing/ and `django/core/signing.py`.
 */
import { inflateSync } from 'node:zlib';
import { getSettings, isConfigured } from '../conf/index.js';
import { constantTimeCompare, saltedHmac } from './crypto.js';
import { zlibCompress, zlibSizeLowerBound } from './deflate.js';

export { saltedHmac, constantTimeCompare } from './crypto.js';

/**
 * The signature does not match, or the value is malformed (Django's `BadSignature`). Not a
 * `SuspiciousOperation`: uncaught, it is a 500, as in Django (spec item 34).
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

// ---------------------------------------------------------------------------------------------
// Encodings

const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE62_VALUE = new Map<string, number>(Array.from(BASE62_ALPHABET, (c, i) => [c, i]));

/**
 * Django's `b62_encode` (alphabet `0-9A-Za-z`, `-` for negatives), used for timestamps.
 *
 * @example
 * b62encode(1700000000); // '1r31eq'
 */
export function b62encode(n: number): string {
  if (!Number.isSafeInteger(n)) throw new TypeError(`b62encode() needs a safe integer, got ${n}`);
  if (n === 0) return '0';
  const sign = n < 0 ? '-' : '';
  let rest = Math.abs(n);
  let encoded = '';
  while (rest > 0) {
    encoded = BASE62_ALPHABET[rest % 62]! + encoded;
    rest = Math.floor(rest / 62);
  }
  return sign + encoded;
}

/**
 * Django's `b62_decode`. Throws `TypeError` for a character outside the alphabet (Python
 * raises `ValueError` from `str.index`).
 *
 * @example
 * b62decode('1r31eq'); // 1700000000
 */
export function b62decode(s: string): number {
  if (s === '0') return 0;
  let sign = 1;
  let digits = s;
  if (digits.startsWith('-')) {
    sign = -1;
    digits = digits.slice(1);
  }
  let decoded = 0;
  for (const c of digits) {
    const v = BASE62_VALUE.get(c);
    if (v === undefined)
      throw new TypeError(`b62decode(): invalid base62 digit ${JSON.stringify(c)}`);
    decoded = decoded * 62 + v;
  }
  return sign * decoded;
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

// ---------------------------------------------------------------------------------------------
// Python's json.dumps / json.loads, as Django's JSONSerializer uses them

// eslint-disable-next-line no-control-regex -- JSON must escape control characters
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\u007f-\uffff]/;
const SHORT_ESCAPES: Record<number, string> = {
  0x22: '\\"',
  0x5c: '\\\\',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x08: '\\b',
  0x0c: '\\f',
};

/** Python's `py_encode_basestring_ascii`: everything outside `' '..'~'` becomes an escape. */
function quoteJsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    // Astral characters are already UTF-16 surrogate pairs here: each half is escaped on its
    // own, which is exactly Python's `\ud83d\ude00`.
    out += s.slice(last, i) + (SHORT_ESCAPES[c] ?? '\\u' + c.toString(16).padStart(4, '0'));
    last = i + 1;
  }
  return out + s.slice(last) + '"';
}

/**
 * Python's `float.__repr__`/`int.__str__` for a JavaScript number. Integer-valued numbers
 * print as Python ints (what they almost always were on the Django side); other finite
 * numbers agree with JavaScript except below 1e-4, where Python switches to `1e-05` form.
 */
function formatJsonNumber(n: number): string {
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Math.abs(n) >= 1e-4) return String(n);
  const [mantissa, exponent = '0'] = n.toExponential().split('e');
  const e = Number(exponent);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

function jsonKey(key: unknown): string {
  // Python's json.dumps converts these dict key types to strings; anything else is a TypeError.
  if (typeof key === 'string') return key;
  if (typeof key === 'number') return formatJsonNumber(key);
  if (typeof key === 'bigint') return key.toString();
  if (typeof key === 'boolean') return key ? 'true' : 'false';
  if (key === null) return 'null';
  throw new TypeError(`keys must be str, int, float, bool or None, not ${typeof key}`);
}

function serializeJson(value: unknown, key: string, stack: unknown[]): string | undefined {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    value = (value as { toJSON(key: string): unknown }).toJSON(key);
  }
  switch (typeof value) {
    case 'string':
      return quoteJsonString(value);
    case 'number':
      return formatJsonNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  if (stack.includes(value)) throw new TypeError('Circular reference detected');
  stack.push(value);
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += serializeJson(value[i], String(i), stack) ?? 'null';
    }
    out += ']';
  } else if (value instanceof Map) {
    out = '{';
    let first = true;
    for (const [k, v] of value) {
      const name = jsonKey(k);
      const item = serializeJson(v, name, stack);
      if (item === undefined) continue;
      out += (first ? '' : ',') + quoteJsonString(name) + ':' + item;
      first = false;
    }
    out += '}';
  } else if (value instanceof Set) {
    throw new TypeError('Object of type Set is not JSON serializable');
  } else {
    out = '{';
    let first = true;
    for (const name of Object.keys(value as object)) {
      const item = serializeJson((value as Record<string, unknown>)[name], name, stack);
      if (item === undefined) continue;
      out += (first ? '' : ',') + quoteJsonString(name) + ':' + item;
      first = false;
    }
    out += '}';
  }
  stack.pop();
  return out;
}

/**
 * Python's `json.dumps(value, separators=(',', ':'))` with its default `ensure_ascii=True`:
 * the exact bytes Django's `JSONSerializer` signs. Unlike `JSON.stringify`, non-ASCII and DEL
 * become `\uXXXX` (lower-case hex, astral characters as surrogate pairs), floats below 1e-4
 * use Python's exponent form, and NaN/Infinity are written as Python writes them.
 * `toJSON()` is honoured and `undefined` is skipped as in `JSON.stringify`; a `Map` keeps its
 * insertion order (a plain object puts integer-like keys first, a JavaScript rule).
 *
 * @example
 * pythonJsonDumps({ name: 'Zoë', n: [1, 2.5] }); // '{"name":"Zo\\u00eb","n":[1,2.5]}'
 */
export function pythonJsonDumps(value: unknown): string {
  const out = serializeJson(value, '', []);
  if (out === undefined)
    throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
  return out;
}

/**
 * Python's `json.loads`: standard JSON plus the `NaN`, `Infinity` and `-Infinity` literals
 * Python writes. Throws `SyntaxError` on malformed input.
 *
 * @example
 * pythonJsonLoads('{"a":NaN}'); // { a: NaN }
 */
export function pythonJsonLoads(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // Only Python's non-standard literals justify the slow path.
    if (!/NaN|Infinity/.test(text)) throw error;
    return new PythonJsonParser(text).parseDocument();
  }
}

/** A small recursive-descent JSON parser that also accepts NaN/Infinity (slow path only). */
class PythonJsonParser {
  #i = 0;
  constructor(readonly text: string) {}

  parseDocument(): unknown {
    const value = this.#value();
    this.#ws();
    if (this.#i !== this.text.length) this.#fail();
    return value;
  }

  #fail(): never {
    throw new SyntaxError(`Invalid JSON at position ${this.#i}`);
  }

  #ws(): void {
    const t = this.text;
    while (this.#i < t.length && ' \t\n\r'.includes(t[this.#i]!)) this.#i++;
  }

  #literal(word: string, value: unknown): unknown {
    if (!this.text.startsWith(word, this.#i)) this.#fail();
    this.#i += word.length;
    return value;
  }

  #value(): unknown {
    this.#ws();
    const c = this.text[this.#i];
    switch (c) {
      case '{':
        return this.#object();
      case '[':
        return this.#array();
      case '"':
        return this.#string();
      case 't':
        return this.#literal('true', true);
      case 'f':
        return this.#literal('false', false);
      case 'n':
        return this.#literal('null', null);
      case 'N':
        return this.#literal('NaN', NaN);
      case 'I':
        return this.#literal('Infinity', Infinity);
      default:
        if (c === '-' && this.text.startsWith('-Infinity', this.#i))
          return this.#literal('-Infinity', -Infinity);
        return this.#number();
    }
  }

  #number(): number {
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.#i;
    const match = m.exec(this.text);
    if (!match) this.#fail();
    this.#i += match[0].length;
    return Number(match[0]);
  }

  #string(): string {
    // eslint-disable-next-line no-control-regex -- JSON strings exclude raw control characters
    const m = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
    m.lastIndex = this.#i;
    const match = m.exec(this.text);
    if (!match) this.#fail();
    this.#i += match[0].length;
    return JSON.parse(match[0]) as string;
  }

  #array(): unknown[] {
    this.#i++;
    const out: unknown[] = [];
    this.#ws();
    if (this.text[this.#i] === ']') {
      this.#i++;
      return out;
    }
    for (;;) {
      out.push(this.#value());
      this.#ws();
      const c = this.text[this.#i++];
      if (c === ']') return out;
      if (c !== ',') this.#fail();
    }
  }

  #object(): Record<string, unknown> {
    this.#i++;
    const out: Record<string, unknown> = {};
    this.#ws();
    if (this.text[this.#i] === '}') {
      this.#i++;
      return out;
    }
    for (;;) {
      this.#ws();
      if (this.text[this.#i] !== '"') this.#fail();
      const key = this.#string();
      this.#ws();
      if (this.text[this.#i++] !== ':') this.#fail();
      // defineProperty, so that a "__proto__" key is data, as with JSON.parse.
      Object.defineProperty(out, key, {
        value: this.#value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.#ws();
      const c = this.text[this.#i++];
      if (c === '}') return out;
      if (c !== ',') this.#fail();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Signers

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
    return decodeObject(this.unsignForObject(signedObject, options));
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
   * `SignatureExpired`, so a value exactly `maxAge` old is still valid (spec item 32).
   */
  override unsign(value: string, maxAge?: number | null): string {
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

function decodeObject(base64d: string): unknown {
  try {
    const decompress = base64d.startsWith('.');
    let data = b64Decode(decompress ? base64d.slice(1) : base64d);
    if (decompress) data = inflateSync(data);
    return pythonJsonLoads(data.toString('latin1'));
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
}

/**
 * Django's `signing.dumps`: a URL-safe, signed, timestamped JSON string
 * (`TimestampSigner.signObject`).
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
  }).unsignObject(s, { maxAge: options.maxAge });
}

// ---------------------------------------------------------------------------------------------
// Cookie signer

/** Cookie signers by salt, valid for the keys in `cookieSignerKeys`. */
const cookieSigners = new Map<string, TimestampSigner>();
const COOKIE_SIGNERS_MAX = 256;
let cookieSignerKeys: { secret: string; fallbacks: readonly string[] } | undefined;

/** Options of `getCookieSigner`. */
export interface CookieSignerOptions {
  /** Default `'django.core.signing.get_cookie_signer'`; cookies use `name + salt`. */
  salt?: string;
}

/**
 * Django's `get_cookie_signer`: a `TimestampSigner` keyed with
 * `'django.http.cookies' + SECRET_KEY` (and the fallbacks prefixed the same way). Instances are
 * cached per salt and rebuilt when the configured keys change, so this is cheap per request.
 *
 * @example
 * getCookieSigner({ salt: 'user' + 'greeting' }).unsign(request.cookies.get('user')!);
 */
export function getCookieSigner(options: CookieSignerOptions = {}): TimestampSigner {
  const salt = options.salt ?? 'django.core.signing.get_cookie_signer';
  const settings = getSettings();
  if (
    cookieSignerKeys === undefined ||
    cookieSignerKeys.secret !== settings.SECRET_KEY ||
    cookieSignerKeys.fallbacks !== settings.SECRET_KEY_FALLBACKS
  ) {
    cookieSigners.clear();
    cookieSignerKeys = { secret: settings.SECRET_KEY, fallbacks: settings.SECRET_KEY_FALLBACKS };
  }
  let signer = cookieSigners.get(salt);
  if (signer === undefined) {
    if (cookieSigners.size >= COOKIE_SIGNERS_MAX) cookieSigners.clear();
    signer = new TimestampSigner({
      key: 'django.http.cookies' + settings.SECRET_KEY,
      fallbackKeys: settings.SECRET_KEY_FALLBACKS.map((k) => 'django.http.cookies' + k),
      salt,
    });
    cookieSigners.set(salt, signer);
  }
  return signer;
}
