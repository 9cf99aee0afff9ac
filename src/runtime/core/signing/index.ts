/**
 * `tango/core/signing`: Django's `django.core.signing`, byte for byte. A value signed here
 * verifies in Django and the reverse, given the same `SECRET_KEY`: salted HMAC-SHA256,
 * URL-safe base64 without padding, base62 timestamps, `JSONSerializer` output
 * (`json.dumps(obj, separators=(',', ':'))`, ASCII-only) and optional zlib compression.
 *
 * One concept a module: `signer.ts` (Signer, TimestampSigner, dumps/loads), `base62.ts`,
 * `python-json.ts`, `cookie-signer.ts`.
 *
 * See https://docs.djangoproject.com/en/stable/topics/signing/ and `django/core/signing.py`.
 */
export { constantTimeCompare, saltedHmac } from '../crypto.js';
export { b62decode, b62encode } from './base62.js';
export {
  cookieSignerLegacySalt,
  cookieSignerSalt,
  getCookieSigner,
  signCookie,
  unsignCookie,
  type CookieSignerOptions,
  type UnsignCookieOptions,
} from './cookie-signer.js';
export { pythonJsonDumps, pythonJsonLoads, type PythonJsonLoadsOptions } from './python-json.js';
export {
  b64Decode,
  b64Encode,
  BadSignature,
  dumps,
  loads,
  SignatureExpired,
  Signer,
  TimestampSigner,
  type DumpsOptions,
  type LoadsOptions,
  type SignerOptions,
  type SignObjectOptions,
  type UnsignObjectOptions,
} from './signer.js';
