/**
 * Django's `get_cookie_signer`, and the salts `set_signed_cookie`/`get_signed_cookie` use with
 * it (Django 5.2's `_cookie_signer_salt`, `_cookie_signer_legacy_salt` and `_unsign_cookie`):
 * the signer behind `setSignedCookie`/`getSignedCookie`, keyed with
 * `'django.http.cookies' + SECRET_KEY`.
 */
import { getSettings } from '../../conf/current.js';
import { DEFAULTS } from '../../conf/settings.js';
import { BadSignature, SignatureExpired, TimestampSigner } from './signer.js';

/** Cookie signers by salt, valid for the keys in `cookieSignerKeys`. */
const cookieSigners = new Map<string, TimestampSigner>();
const COOKIE_SIGNERS_MAX = 256;
let cookieSignerKeys: { secret: string; fallbacks: readonly string[] } | undefined;

/** Options of `getCookieSigner`. */
export interface CookieSignerOptions {
  /**
   * Default `'django.core.signing.get_cookie_signer'`. Signed cookies use
   * `cookieSignerSalt(name, salt)` (and, to read old cookies, `cookieSignerLegacySalt`).
   */
  salt?: string;
}

/**
 * Django's `get_cookie_signer`: a `TimestampSigner` keyed with
 * `'django.http.cookies' + SECRET_KEY` (and the fallbacks prefixed the same way). Instances are
 * cached per salt and rebuilt when the configured keys change, so this is cheap per request.
 *
 * @example
 * getCookieSigner({ salt: cookieSignerSalt('user', 'greeting') }).unsign(value);
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

/**
 * Django 5.2's `_cookie_signer_salt` (5.2.15+, CVE-2026-6873):
 * `django.http.cookies.v2:<len(salt)>:<salt><cookie name>`. The length (in code points, as
 * Python's `len`) keeps apart `(name, salt)` pairs that the legacy `name + salt` joined into
 * one string (`('ab', 'c')` and `('a', 'bc')`).
 *
 * @example
 * cookieSignerSalt('user', 'greeting'); // 'django.http.cookies.v2:8:greetinguser'
 */
export function cookieSignerSalt(cookieName: string, salt = ''): string {
  let length = 0;
  for (const _ of salt) length++;
  return `django.http.cookies.v2:${length}:${salt}${cookieName}`;
}

/**
 * Django's `_cookie_signer_legacy_salt`: `cookie name + salt`, what Django signed with before
 * 5.2.15 / 6.0.6 (CVE-2026-6873), Django 3.2 included. Only read, never written: see
 * `unsignCookie` and the `SIGNED_COOKIE_LEGACY_SALT_FALLBACK` setting.
 *
 * @example
 * cookieSignerLegacySalt('user', 'greeting'); // 'usergreeting'
 */
export function cookieSignerLegacySalt(cookieName: string, salt = ''): string {
  return cookieName + salt;
}

/** Options of `unsignCookie`. */
export interface UnsignCookieOptions {
  /** The `salt` the cookie was set with. Default `''`. */
  salt?: string;
  /** Seconds; an older signature throws `SignatureExpired`. Default: no limit. */
  maxAge?: number | null;
  /**
   * Also accept a cookie signed with the legacy salt (`name + salt`). Default: the
   * `SIGNED_COOKIE_LEGACY_SALT_FALLBACK` setting (true, as in Django).
   */
  legacySaltFallback?: boolean;
}

/**
 * What `setSignedCookie` stores (Django 5.2's `set_signed_cookie`): `value:timestamp:signature`,
 * signed by `getCookieSigner` with `cookieSignerSalt(name, salt)`.
 *
 * @example
 * signCookie('user', 'Raju', 'greeting'); // 'Raju:1r31eq:<signature>'
 */
export function signCookie(cookieName: string, value: string, salt = ''): string {
  return getCookieSigner({ salt: cookieSignerSalt(cookieName, salt) }).sign(value);
}

/**
 * Django 5.2's `_unsign_cookie`, what `getSignedCookie` verifies with: the `cookieSignerSalt`
 * first; if that fails with a `BadSignature` that is not `SignatureExpired` and the legacy
 * fallback is on, the legacy salt (`name + salt`, as Django 3.2 and earlier 5.x signed). A
 * signature that matched but is too old is never retried under the legacy salt.
 *
 * @example
 * unsignCookie('user', request.cookies.get('user')!, { salt: 'greeting', maxAge: 3600 });
 */
export function unsignCookie(
  cookieName: string,
  signedValue: string,
  options: UnsignCookieOptions = {},
): string {
  const salt = options.salt ?? '';
  try {
    return getCookieSigner({ salt: cookieSignerSalt(cookieName, salt) }).unsign(
      signedValue,
      options.maxAge,
    );
  } catch (error) {
    if (
      error instanceof BadSignature &&
      !(error instanceof SignatureExpired) &&
      (options.legacySaltFallback ?? legacySaltFallbackSetting())
    ) {
      return getCookieSigner({ salt: cookieSignerLegacySalt(cookieName, salt) }).unsign(
        signedValue,
        options.maxAge,
      );
    }
    throw error;
  }
}

/** The setting; settings built without `defineSettings` (tests) get Django's default. */
function legacySaltFallbackSetting(): boolean {
  return (
    getSettings().SIGNED_COOKIE_LEGACY_SALT_FALLBACK ?? DEFAULTS.SIGNED_COOKIE_LEGACY_SALT_FALLBACK
  );
}
