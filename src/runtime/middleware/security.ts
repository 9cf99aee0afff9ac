import { ImproperlyConfigured } from '../conf/errors.js';
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
 * Django's `SecurityMiddleware` response headers, set only when the view did not set them:
 * `X-Content-Type-Options: nosniff` (`SECURE_CONTENT_TYPE_NOSNIFF`, default true),
 * `Referrer-Policy` (`SECURE_REFERRER_POLICY`, default `'same-origin'`; a comma-separated list
 * is allowed) and `Cross-Origin-Opener-Policy: same-origin` (Django 4.0+'s
 * `SECURE_CROSS_ORIGIN_OPENER_POLICY` default). Invalid values fail at start-up.
 *
 * @example
 * MIDDLEWARE: ['tango.middleware.security.SecurityMiddleware']
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
  // Not a Settings field yet: read it when a project defines it, else Django's default.
  const configured = (settings as { SECURE_CROSS_ORIGIN_OPENER_POLICY?: string | null })
    .SECURE_CROSS_ORIGIN_OPENER_POLICY;
  const coop = configured === undefined ? 'same-origin' : configured;
  if (coop && !COOP_VALUES.has(coop)) {
    throw new ImproperlyConfigured(
      `SECURE_CROSS_ORIGIN_OPENER_POLICY '${coop}' is invalid; valid: ${[...COOP_VALUES].join(', ')}.`,
    );
  }
  return async function SecurityMiddleware(request) {
    const response = await getResponse(request);
    if (nosniff) response.headers.setDefault('X-Content-Type-Options', 'nosniff');
    if (referrerPolicy) response.headers.setDefault('Referrer-Policy', referrerPolicy);
    if (coop) response.headers.setDefault('Cross-Origin-Opener-Policy', coop);
    return response;
  };
};
