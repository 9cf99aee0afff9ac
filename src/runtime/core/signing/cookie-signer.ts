/**
 * Django's `get_cookie_signer`: the signer behind `setSignedCookie`/`getSignedCookie` and the
 * `signed_cookies` session engine, keyed with `'django.http.cookies' + SECRET_KEY`.
 */
import { getSettings } from '../../conf/current.js';
import { TimestampSigner } from './signer.js';

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
