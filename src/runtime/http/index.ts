/**
 * `tango/http`: requests, responses and cookies, like `django.http`.
 */
export * from './request.js';
export * from './response.js';
export * from './errors.js';
export {
  parseCookie,
  serializeSetCookie,
  validateCookie,
  quoteCookieValue,
  setCookieSize,
  oversizeCookie,
  MAX_COOKIE_SIZE,
  type CookieOptions,
  type ResolvedCookieOptions,
  type SameSite,
} from './cookie.js';
