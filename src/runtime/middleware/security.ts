import { ImproperlyConfigured } from '../conf/errors.js';
import { HttpResponsePermanentRedirect } from '../http/response.js';
import type { MiddlewareFactory } from './types.js';

/** Valid `Referrer-Policy` values (Django's check security.E023, from the W3C spec). */
const REFERRER_POLICY_VALUES = new Set([
  'no-referrer',
  'no-referrer-when-downgrade',
  'origin',
  'origin-when-cross-origin',
  'same-origin',
  'strict-origin',
  'strict-origin-when-cross-origin',
  'unsafe-url',
]);

/** Valid `Cross-Origin-Opener-Policy` values (Django's check security.E024). */
const COOP_VALUES = new Set(['same-origin', 'same-origin-allow-popups', 'unsafe-none']);

/**
 * Django's `SecurityMiddleware` (django/middleware/security.py), setting for setting:
 *
 * - `SECURE_SSL_REDIRECT`: a request that is not secure (`request.isSecure()`, which honours
 *   `SECURE_PROXY_SSL_HEADER`) gets a 301 to `https://` + (`SECURE_SSL_HOST` or its own host)
 *   + its full path, unless its path, without the leading slash, matches one of
 *   `SECURE_REDIRECT_EXEMPT`.
 * - `SECURE_HSTS_SECONDS` (with `SECURE_HSTS_INCLUDE_SUBDOMAINS`, `SECURE_HSTS_PRELOAD`):
 *   `Strict-Transport-Security` on secure responses only.
 * - `X-Content-Type-Options: nosniff` (`SECURE_CONTENT_TYPE_NOSNIFF`, default true),
 *   `Referrer-Policy` (`SECURE_REFERRER_POLICY`, default `'same-origin'`; a comma-separated
 *   list is allowed) and `Cross-Origin-Opener-Policy` (`SECURE_CROSS_ORIGIN_OPENER_POLICY`,
 *   default `'same-origin'`).
 *
 * A header the view already set is never replaced. Invalid policy values, which Django
 * reports in `check --deploy` (security.E023, E024), fail here at start-up (DESIGN.md §7).
 *
 * @example
 * MIDDLEWARE: ['tango.middleware.security.SecurityMiddleware']
 * // settings: SECURE_SSL_REDIRECT: true, SECURE_HSTS_SECONDS: 31536000,
 * //           SECURE_REDIRECT_EXEMPT: ['^health/$']
 */
export const SecurityMiddleware: MiddlewareFactory = function SecurityMiddleware(
  getResponse,
  settings,
) {
  const nosniff = settings.SECURE_CONTENT_TYPE_NOSNIFF;
  let referrerPolicy: string | null = null;
  if (settings.SECURE_REFERRER_POLICY) {
    const values = settings.SECURE_REFERRER_POLICY.split(',').map((v) => v.trim());
    const invalid = values.filter((v) => !REFERRER_POLICY_VALUES.has(v));
    if (invalid.length > 0) {
      throw new ImproperlyConfigured(
        `SECURE_REFERRER_POLICY has invalid value(s) ${invalid.map((v) => `'${v}'`).join(', ')}; valid: ${[...REFERRER_POLICY_VALUES].join(', ')}.`,
      );
    }
    referrerPolicy = values.join(',');
  }
  const coop = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY;
  if (coop && !COOP_VALUES.has(coop)) {
    throw new ImproperlyConfigured(
      `SECURE_CROSS_ORIGIN_OPENER_POLICY '${coop}' is invalid; valid: ${[...COOP_VALUES].join(', ')}.`,
    );
  }
  let sts: string | null = null;
  if (settings.SECURE_HSTS_SECONDS) {
    sts = `max-age=${settings.SECURE_HSTS_SECONDS}`;
    if (settings.SECURE_HSTS_INCLUDE_SUBDOMAINS) sts += '; includeSubDomains';
    if (settings.SECURE_HSTS_PRELOAD) sts += '; preload';
  }
  const redirect = settings.SECURE_SSL_REDIRECT;
  const redirectHost = settings.SECURE_SSL_HOST;
  // Python's re.search: unanchored unless the pattern anchors itself.
  const exempt = settings.SECURE_REDIRECT_EXEMPT.map((p) =>
    p instanceof RegExp ? new RegExp(p.source, p.flags.replace(/[gy]/g, '')) : new RegExp(p),
  );

  return async function SecurityMiddleware(request) {
    if (redirect && !request.isSecure()) {
      const path = request.path.replace(/^\/+/, '');
      if (!exempt.some((pattern) => pattern.test(path))) {
        const host = redirectHost || request.getHost();
        return new HttpResponsePermanentRedirect(`https://${host}${request.getFullPath()}`);
      }
    }
    const response = await getResponse(request);
    if (sts && request.isSecure()) response.headers.setDefault('Strict-Transport-Security', sts);
    if (nosniff) response.headers.setDefault('X-Content-Type-Options', 'nosniff');
    if (referrerPolicy) response.headers.setDefault('Referrer-Policy', referrerPolicy);
    if (coop) response.headers.setDefault('Cross-Origin-Opener-Policy', coop);
    return response;
  };
};
