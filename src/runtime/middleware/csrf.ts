/**
 * `tango/middleware/csrf`: Django's cross-site request forgery protection
 * (`django.middleware.csrf` and `django.views.decorators.csrf`, as of Django 5.2).
 *
 * A secret of 32 characters lives in the `CSRF_COOKIE_NAME` cookie (or, with
 * `CSRF_USE_SESSIONS`, in the session under `_csrftoken`). Pages put a *masked* token in their
 * forms (`{{csrf_input}}`): a fresh 32-character mask followed by the secret shifted by it, 64
 * characters, so the token differs on every page (BREACH) while it still unmasks to the secret.
 * Every unsafe request (anything but GET, HEAD, OPTIONS, TRACE) must carry a token that
 * unmasks to the cookie's secret, in the form field `csrfmiddlewaretoken` or in the header named
 * by `CSRF_HEADER_NAME`; its `Origin` must be this host or a `CSRF_TRUSTED_ORIGINS` entry, and
 * over HTTPS without `Origin` its `Referer` must be. Formats, algorithm and reason strings are
 * Django's, so a cookie and a form token issued by Django verify here, and the reverse.
 *
 * See https://docs.djangoproject.com/en/5.2/ref/csrf/. Where Tango differs from Django:
 * - the port of the cookie-domain Referer rule is the Host header's (Django reads the server's
 *   `SERVER_PORT`, or `X-Forwarded-Port` with `USE_X_FORWARDED_PORT`, which Tango lacks);
 * - the form token is read from urlencoded bodies only (`request.form`): Tango parses no
 *   multipart bodies, so a multipart form sends the token in the `X-CSRFToken` header;
 * - with `CSRF_USE_SESSIONS`, a malformed value in the session is replaced like a malformed
 *   cookie (Django uses whatever the session holds);
 * - the failure page tells how to write the token in a Handlebars template (`{{csrf_input}}`).
 */
import { ImproperlyConfigured } from '../conf/errors.js';
import type { CsrfFailureView, Settings } from '../conf/settings.js';
import { getSettings } from '../conf/current.js';
import { getRandomString, constantTimeCompare } from '../core/crypto.js';
import { DisallowedHost } from '../core/exceptions.js';
import { importString } from '../core/import-string.js';
import { getLogger } from '../core/log.js';
import { type CookieOptions, validateCookie } from '../http/cookie.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import { type SplitUrl, UrlSplitError, urlsplit } from '../http/urlsplit.js';
import { setCsrfTokenProvider } from '../template/helpers.js';
import { getResolver } from '../urls/base.js';
import type { View } from '../urls/conf.js';
import type { UrlResolver } from '../urls/resolver.js';
import { csrfFailure, REASON_NO_CSRF_COOKIE, REASON_NO_REFERER } from '../views/csrf.js';
import type { MiddlewareFactory } from './types.js';
import { patchVaryHeaders } from './vary.js';

export { csrfFailure, REASON_NO_CSRF_COOKIE, REASON_NO_REFERER };

// Django's reason strings (django/middleware/csrf.py), word for word: they are what the log
// line and the DEBUG page show.
export const REASON_BAD_ORIGIN = 'Origin checking failed - %s does not match any trusted origins.';
export const REASON_BAD_REFERER =
  'Referer checking failed - %s does not match any trusted origins.';
export const REASON_CSRF_TOKEN_MISSING = 'CSRF token missing.';
export const REASON_MALFORMED_REFERER = 'Referer checking failed - Referer is malformed.';
export const REASON_INSECURE_REFERER =
  'Referer checking failed - Referer is insecure while host is secure.';
/** Phrases without a subject: they follow "CSRF cookie" or "CSRF token from …". */
export const REASON_INCORRECT_LENGTH = 'has incorrect length';
export const REASON_INVALID_CHARACTERS = 'has invalid characters';

export const CSRF_SECRET_LENGTH = 32;
export const CSRF_TOKEN_LENGTH = 2 * CSRF_SECRET_LENGTH;
/** Python's `string.ascii_letters + string.digits`: the alphabet of secrets, masks and tokens. */
export const CSRF_ALLOWED_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** The session key of the secret with `CSRF_USE_SESSIONS`. */
export const CSRF_SESSION_KEY = '_csrftoken';
/** The form field carrying the token. */
export const CSRF_FORM_FIELD = 'csrfmiddlewaretoken';

const DEFAULT_FAILURE_VIEW = 'tango.views.csrf.csrfFailure';
/** "Safe" methods (RFC 9110 §9.2.1): never checked. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
const INVALID_TOKEN_CHARS = /[^a-zA-Z0-9]/;
const logger = getLogger('tango.security.csrf');

/** Position of each allowed character in `CSRF_ALLOWED_CHARS`, by char code (-1: not allowed). */
const CHAR_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < CSRF_ALLOWED_CHARS.length; i++)
  CHAR_INDEX[CSRF_ALLOWED_CHARS.charCodeAt(i)] = i;
const N = CSRF_ALLOWED_CHARS.length;

/**
 * Django's `_mask_cipher_secret`: `mask + cipher`, where each cipher character is the secret's
 * character shifted by the mask's (mod 62). `mask` defaults to 32 fresh random characters;
 * passing one is for tests and vectors.
 *
 * @example
 * maskCipherSecret('a'.repeat(32)).length; // 64
 */
export function maskCipherSecret(
  secret: string,
  mask: string = getRandomString(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS),
): string {
  let cipher = '';
  const length = Math.min(secret.length, mask.length);
  for (let i = 0; i < length; i++) {
    cipher +=
      CSRF_ALLOWED_CHARS[
        (CHAR_INDEX[secret.charCodeAt(i)]! + CHAR_INDEX[mask.charCodeAt(i)]!) % N
      ]!;
  }
  return mask + cipher;
}

/**
 * Django's `_unmask_cipher_token`: the secret a 64-character masked token carries. The token is
 * assumed well-formed (`checkTokenFormat`).
 *
 * @example
 * unmaskCipherToken(maskCipherSecret(secret)) === secret; // true
 */
export function unmaskCipherToken(token: string): string {
  let secret = '';
  for (let i = 0; i < CSRF_SECRET_LENGTH; i++) {
    const x = CHAR_INDEX[token.charCodeAt(CSRF_SECRET_LENGTH + i)]!;
    const y = CHAR_INDEX[token.charCodeAt(i)]!;
    secret += CSRF_ALLOWED_CHARS[(x - y + N) % N]!;
  }
  return secret;
}

/** Django's `InvalidTokenFormat`: `reason` is `REASON_INCORRECT_LENGTH` or `REASON_INVALID_CHARACTERS`. */
export class InvalidTokenFormat extends Error {
  override name = 'InvalidTokenFormat';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Django's `RejectRequest`: why a request was refused (the failure view's `reason`). */
export class RejectRequest extends Error {
  override name = 'RejectRequest';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Django's `_check_token_format`: a secret or token, masked (64) or not (32), of
 * `CSRF_ALLOWED_CHARS` only; throws `InvalidTokenFormat` otherwise.
 */
export function checkTokenFormat(token: string): void {
  if (token.length !== CSRF_TOKEN_LENGTH && token.length !== CSRF_SECRET_LENGTH) {
    throw new InvalidTokenFormat(REASON_INCORRECT_LENGTH);
  }
  if (INVALID_TOKEN_CHARS.test(token)) throw new InvalidTokenFormat(REASON_INVALID_CHARACTERS);
}

/**
 * Django's `_does_token_match`: a well-formed token (masked or bare) against the secret, in
 * constant time.
 */
export function doesTokenMatch(token: string, secret: string): boolean {
  const bare = token.length === CSRF_TOKEN_LENGTH ? unmaskCipherToken(token) : token;
  return constantTimeCompare(bare, secret);
}

/** What Django keeps in `request.META` and on the request for one request. */
interface CsrfState {
  /** `META['CSRF_COOKIE']`: the (unmasked) secret in use, once known. */
  secret: string | undefined;
  /** `META['CSRF_COOKIE_NEEDS_UPDATE']`: send the secret back in `processResponse`. */
  needsUpdate: boolean;
  /** `request.csrf_processing_done`: a check already accepted this request. */
  processingDone: boolean;
}

const states = new WeakMap<HttpRequest, CsrfState>();
const notEnforced = new WeakSet<HttpRequest>();

function stateOf(request: HttpRequest): CsrfState {
  let state = states.get(request);
  if (state === undefined) {
    state = { secret: undefined, needsUpdate: false, processingDone: false };
    states.set(request, state);
  }
  return state;
}

/** Django's `_add_new_csrf_cookie`: a new random secret, to be sent with the response. */
function addNewCsrfCookie(request: HttpRequest): string {
  const state = stateOf(request);
  state.secret = getRandomString(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS);
  state.needsUpdate = true;
  return state.secret;
}

/**
 * The CSRF token for a form or an AJAX header, like Django's `get_token(request)`: the request's
 * secret (a new one if it has none) masked afresh. Using it makes the middleware send the CSRF
 * cookie (renewing its age) and `Vary: Cookie` with the response. Templates rendered with
 * `render(request, …)` call it lazily through `{{csrf_input}}` and `{{csrf_token}}`.
 *
 * @example
 * return new JsonResponse({ csrfToken: getToken(request) });
 */
export function getToken(request: HttpRequest): string {
  const state = states.get(request);
  let secret: string;
  if (state?.secret !== undefined) {
    secret = state.secret;
    state.needsUpdate = true;
  } else {
    secret = addNewCsrfCookie(request);
  }
  return maskCipherSecret(secret);
}

/**
 * Replaces the request's CSRF secret with a new one, sent with the response, like Django's
 * `rotate_token(request)`: do it at login, so a token seen before no longer works.
 *
 * @example
 * await request.session.cycleKey();
 * rotateToken(request);
 */
export function rotateToken(request: HttpRequest): void {
  addNewCsrfCookie(request);
}

/**
 * Skips the CSRF check of this request (its cookie is still read and sent), Django's
 * `request._dont_enforce_csrf_checks`. The test `Client` calls it unless created with
 * `enforceCsrfChecks: true`.
 *
 * @example
 * dontEnforceCsrfChecks(request);
 */
export function dontEnforceCsrfChecks(request: HttpRequest): void {
  notEnforced.add(request);
}

// Installs the token of `{{csrf_input}}` / `{{csrf_token}}` (Django's built-in `csrf` context
// processor); the template layer cannot import this module.
setCsrfTokenProvider(getToken);

// ---------------------------------------------------------------------------------------------
// URL parsing as Django does it (Python's urlsplit, in http/urlsplit.ts; is_same_domain)

/** Python's `urlunsplit` of an URL with a netloc (`SplitResult.geturl()`), for messages. */
function geturl(u: SplitUrl): string {
  const path = u.path && !u.path.startsWith('/') ? '/' + u.path : u.path;
  let url = '//' + u.netloc + path;
  if (u.scheme) url = u.scheme + ':' + url;
  if (u.query) url += '?' + u.query;
  if (u.fragment) url += '#' + u.fragment;
  return url;
}

/**
 * Django's `is_same_domain(host, pattern)`: `pattern` exactly (case-insensitively on its side,
 * as Django), or with a leading dot the domain and all its subdomains.
 *
 * @example
 * isSameDomain('foo.example.com', '.example.com'); // true
 */
export function isSameDomain(host: string, pattern: string): boolean {
  if (!pattern) return false;
  const p = pattern.toLowerCase();
  return (p.startsWith('.') && (host.endsWith(p) || host === p.slice(1))) || p === host;
}

/** Django's `HttpHeaders.parse_header_name(...)`: `'HTTP_X_CSRFTOKEN'` -> `'X-Csrftoken'`. */
function headerLabel(metaName: string): string {
  return metaName
    .slice('HTTP_'.length)
    .replace(/_/g, '-')
    .toLowerCase()
    .replace(
      /(^|[^a-z])([a-z])/g,
      (_, before: string, letter: string) => before + letter.toUpperCase(),
    );
}

// ---------------------------------------------------------------------------------------------
// The check, shared by the middleware and the view wrappers

/** Which of Django's middleware classes: the middleware, `_EnsureCsrfToken` or `_EnsureCsrfCookie`. */
type Variant = 'protect' | 'requiresToken' | 'ensureCookie';

/**
 * Resolves `CSRF_FAILURE_VIEW` at start-up: a missing module or export stops start-up with
 * Django's security.E102 message, a value that is not a function with security.E101's.
 */
async function resolveFailureView(settings: Readonly<Settings>): Promise<CsrfFailureView> {
  const configured = settings.CSRF_FAILURE_VIEW;
  if (typeof configured === 'function') return configured;
  if (configured === DEFAULT_FAILURE_VIEW) return csrfFailure;
  let view: unknown;
  try {
    view = await importString(configured, 'CSRF_FAILURE_VIEW', settings.BASE_DIR);
  } catch (error) {
    throw new ImproperlyConfigured(
      `The CSRF failure view '${configured}' could not be imported (security.E102): ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (typeof view !== 'function') {
    throw new ImproperlyConfigured(
      `The CSRF failure view '${configured}' does not take the correct number of arguments (security.E101): it is not a function (request, reason).`,
    );
  }
  return view as CsrfFailureView;
}

/**
 * Django's `CsrfViewMiddleware` with the settings resolved once: `processRequest`,
 * `processView` and `processResponse` as Django's, for the middleware and the view wrappers.
 */
class CsrfCheck {
  readonly #variant: Variant;
  readonly #failureView: CsrfFailureView;
  readonly #useSessions: boolean;
  readonly #cookieName: string;
  readonly #cookieOptions: CookieOptions;
  /** `CSRF_HEADER_NAME` as a lower-case header name, and as Django's messages print it. */
  readonly #header: string;
  readonly #headerLabel: string;
  readonly #allowedOriginsExact: ReadonlySet<string>;
  readonly #allowedOriginSubdomains: ReadonlyMap<string, readonly string[]>;
  readonly #trustedOriginsHosts: readonly string[];
  /** What a Referer may match besides the trusted origins: the cookie's domain, or null (the host). */
  readonly #goodRefererDomain: string | null;
  readonly #useForwardedHost: boolean;

  private constructor(settings: Readonly<Settings>, variant: Variant, view: CsrfFailureView) {
    this.#variant = variant;
    this.#failureView = view;
    this.#useSessions = settings.CSRF_USE_SESSIONS;
    this.#cookieName = settings.CSRF_COOKIE_NAME;
    this.#cookieOptions = {
      ...(settings.CSRF_COOKIE_AGE === null ? {} : { maxAge: settings.CSRF_COOKIE_AGE }),
      domain: settings.CSRF_COOKIE_DOMAIN,
      path: settings.CSRF_COOKIE_PATH,
      secure: settings.CSRF_COOKIE_SECURE,
      httpOnly: settings.CSRF_COOKIE_HTTPONLY,
      sameSite: settings.CSRF_COOKIE_SAMESITE || null,
      partitioned: settings.CSRF_COOKIE_PARTITIONED,
    };
    if (!this.#useSessions) {
      try {
        validateCookie(this.#cookieName, 'x', this.#cookieOptions);
      } catch (error) {
        throw new ImproperlyConfigured(
          `The CSRF_COOKIE_* settings make an invalid cookie: ${(error as Error).message}`,
        );
      }
    }
    this.#header = settings.CSRF_HEADER_NAME.slice('HTTP_'.length).replace(/_/g, '-').toLowerCase();
    this.#headerLabel = headerLabel(settings.CSRF_HEADER_NAME);
    const origins = settings.CSRF_TRUSTED_ORIGINS;
    this.#allowedOriginsExact = new Set(origins.filter((o) => !o.includes('*')));
    const subdomains = new Map<string, string[]>();
    for (const origin of origins.filter((o) => o.includes('*'))) {
      const parsed = urlsplit(origin);
      const list = subdomains.get(parsed.scheme) ?? [];
      list.push(parsed.netloc.replace(/^\*+/, ''));
      subdomains.set(parsed.scheme, list);
    }
    this.#allowedOriginSubdomains = subdomains;
    this.#trustedOriginsHosts = origins.map((o) => urlsplit(o).netloc.replace(/^\*+/, ''));
    this.#goodRefererDomain = this.#useSessions
      ? settings.SESSION_COOKIE_DOMAIN
      : settings.CSRF_COOKIE_DOMAIN;
    this.#useForwardedHost = settings.USE_X_FORWARDED_HOST;
  }

  static async create(settings: Readonly<Settings>, variant: Variant): Promise<CsrfCheck> {
    return new CsrfCheck(settings, variant, await resolveFailureView(settings));
  }

  /**
   * Django's `_get_secret`: the secret the request came with (unmasked if it was stored masked,
   * as Django before 4.1 did), or null. Throws `InvalidTokenFormat` for a malformed cookie.
   */
  #getSecret(request: HttpRequest): string | null {
    let secret: string;
    if (this.#useSessions) {
      if (!request.hasSession) {
        throw new ImproperlyConfigured(
          'CSRF_USE_SESSIONS is enabled, but request.session is not set. SessionMiddleware must appear before CsrfViewMiddleware in MIDDLEWARE.',
        );
      }
      const stored: unknown = request.session.get(CSRF_SESSION_KEY);
      if (stored === undefined || stored === null) return null;
      // Django trusts the session's value as it is; Tango checks it like a cookie's, so a
      // malformed one is replaced rather than compared.
      secret = typeof stored === 'string' ? stored : '';
    } else {
      const cookie = request.cookies.get(this.#cookieName);
      if (cookie === undefined) return null;
      secret = cookie;
    }
    checkTokenFormat(secret);
    // Django before 4.1 stored the secret masked (64 characters): accept it, unmasked.
    return secret.length === CSRF_TOKEN_LENGTH ? unmaskCipherToken(secret) : secret;
  }

  /** Django's `process_request`: remember the request's secret (a malformed one is replaced). */
  processRequest(request: HttpRequest): void {
    let secret: string | null;
    try {
      secret = this.#getSecret(request);
    } catch (error) {
      if (!(error instanceof InvalidTokenFormat)) throw error;
      addNewCsrfCookie(request);
      return;
    }
    if (secret !== null) stateOf(request).secret = secret;
  }

  /**
   * Django's `process_view`: null to go on to the view, or the failure view's response. `view`
   * is the resolved view (its `csrfExempt` mark is honoured).
   */
  async processView(request: HttpRequest, view: View | undefined): Promise<HttpResponse | null> {
    const state = states.get(request);
    if (state?.processingDone) return null;
    if (view !== undefined && (view as { csrfExempt?: boolean }).csrfExempt === true) return null;
    if (SAFE_METHODS.has(request.method) || notEnforced.has(request)) return this.#accept(request);
    const origin = request.headers.origin;
    if (origin !== undefined) {
      if (!this.#originVerified(request, origin)) {
        return this.#reject(
          request,
          REASON_BAD_ORIGIN.replace('%s', () => origin),
        );
      }
    } else if (request.isSecure()) {
      // No Origin over HTTPS: strict Referer checking, against a man in the middle who can
      // plant a cookie over plain HTTP (Django's rationale, Barth et al.).
      try {
        this.#checkReferer(request);
      } catch (error) {
        if (error instanceof RejectRequest) return this.#reject(request, error.reason);
        throw error;
      }
    }
    try {
      this.#checkToken(request);
    } catch (error) {
      if (error instanceof RejectRequest) return this.#reject(request, error.reason);
      throw error;
    }
    return this.#accept(request);
  }

  /**
   * Django's `_EnsureCsrfCookie.process_view`: the check without rejecting, then `get_token`
   * so that the cookie is sent.
   */
  async ensureCookie(request: HttpRequest, view: View): Promise<null> {
    await this.processView(request, view);
    getToken(request);
    return null;
  }

  /** Django's `process_response`: send the secret when it is new or was used. */
  processResponse(request: HttpRequest, response: HttpResponse): HttpResponse {
    const state = states.get(request);
    if (state?.needsUpdate && state.secret !== undefined) {
      this.#setCsrfCookie(request, response, state.secret);
      // Another CsrfCheck around this one (a wrapper inside the middleware) must not send it
      // again; a later rotateToken() sets the flag anew.
      state.needsUpdate = false;
    }
    return response;
  }

  #accept(request: HttpRequest): null {
    // Only an unsafe request's acceptance changes what a second check does.
    if (!SAFE_METHODS.has(request.method)) stateOf(request).processingDone = true;
    else {
      const state = states.get(request);
      if (state) state.processingDone = true;
    }
    return null;
  }

  async #reject(request: HttpRequest, reason: string): Promise<HttpResponse | null> {
    // Django's _EnsureCsrfToken and _EnsureCsrfCookie: never refuse, never log.
    if (this.#variant !== 'protect') return null;
    const response = await this.#failureView(request, reason);
    logger.warning(`Forbidden (${reason}): ${request.path}`);
    return response;
  }

  #setCsrfCookie(request: HttpRequest, response: HttpResponse, secret: string): void {
    if (this.#useSessions) {
      if (request.session.get(CSRF_SESSION_KEY) !== secret) {
        request.session.set(CSRF_SESSION_KEY, secret);
      }
      return;
    }
    response.setCookie(this.#cookieName, secret, this.#cookieOptions);
    // The page's content varies with the cookie.
    patchVaryHeaders(response, ['Cookie']);
  }

  /** Django's `_origin_verified`. */
  #originVerified(request: HttpRequest, origin: string): boolean {
    try {
      const goodOrigin = `${request.isSecure() ? 'https' : 'http'}://${request.getHost()}`;
      if (origin === goodOrigin) return true;
    } catch (error) {
      if (!(error instanceof DisallowedHost)) throw error;
    }
    if (this.#allowedOriginsExact.has(origin)) return true;
    let parsed: SplitUrl;
    try {
      parsed = urlsplit(origin);
    } catch (error) {
      if (!(error instanceof UrlSplitError)) throw error;
      return false;
    }
    const hosts = this.#allowedOriginSubdomains.get(parsed.scheme) ?? [];
    return hosts.some((host) => isSameDomain(parsed.netloc, host));
  }

  /** Django's `_check_referer`; throws `RejectRequest`. */
  #checkReferer(request: HttpRequest): void {
    const header = request.headers.referer;
    if (header === undefined) throw new RejectRequest(REASON_NO_REFERER);
    let referer: SplitUrl;
    try {
      referer = urlsplit(header);
    } catch (error) {
      if (!(error instanceof UrlSplitError)) throw error;
      throw new RejectRequest(REASON_MALFORMED_REFERER);
    }
    if (referer.scheme === '' || referer.netloc === '') {
      throw new RejectRequest(REASON_MALFORMED_REFERER);
    }
    if (referer.scheme !== 'https') throw new RejectRequest(REASON_INSECURE_REFERER);
    if (this.#trustedOriginsHosts.some((host) => isSameDomain(referer.netloc, host))) return;
    let good = this.#goodRefererDomain;
    if (good === null) {
      // No cookie domain: the current host:port exactly, if ALLOWED_HOSTS permits it.
      try {
        good = request.getHost();
      } catch (error) {
        if (!(error instanceof DisallowedHost)) throw error;
        throw new RejectRequest(REASON_BAD_REFERER.replace('%s', () => geturl(referer)));
      }
    } else {
      const port = this.#port(request);
      if (port !== '443' && port !== '80') good = `${good}:${port}`;
    }
    if (!isSameDomain(referer.netloc, good)) {
      throw new RejectRequest(REASON_BAD_REFERER.replace('%s', () => geturl(referer)));
    }
  }

  /**
   * The request's port, for the cookie-domain Referer rule. Django reads the server's own port
   * (`SERVER_PORT`, or `X-Forwarded-Port`); Tango takes the port of the Host header the
   * browser sent (the one it also puts in the Referer), else the scheme's default.
   */
  #port(request: HttpRequest): string {
    const forwarded = this.#useForwardedHost ? request.headers['x-forwarded-host'] : undefined;
    const host = (forwarded ?? request.headers.host ?? '').trim();
    const port = /:(\d+)$/.exec(host)?.[1];
    return port ?? (request.isSecure() ? '443' : '80');
  }

  /** Django's `_bad_token_message`. */
  #badTokenMessage(reason: string, source: 'POST' | 'header'): string {
    const from = source === 'POST' ? 'POST' : `the '${this.#headerLabel}' HTTP header`;
    return `CSRF token from ${from} ${reason}.`;
  }

  /** Django's `_check_token`; throws `RejectRequest`. */
  #checkToken(request: HttpRequest): void {
    let secret: string | null;
    try {
      secret = this.#getSecret(request);
    } catch (error) {
      if (error instanceof InvalidTokenFormat)
        throw new RejectRequest(`CSRF cookie ${error.reason}.`);
      throw error;
    }
    // No CSRF cookie: refused, which stops login CSRF too.
    if (secret === null) throw new RejectRequest(REASON_NO_CSRF_COOKIE);
    // Django reads request.POST: urlencoded (and multipart) bodies of a POST only.
    let token = request.method === 'POST' ? (request.form.get(CSRF_FORM_FIELD) ?? '') : '';
    let source: 'POST' | 'header' = 'POST';
    if (token === '') {
      const header = request.headers[this.#header];
      if (header === undefined) throw new RejectRequest(REASON_CSRF_TOKEN_MISSING);
      token = header;
      source = 'header';
    }
    try {
      checkTokenFormat(token);
    } catch (error) {
      if (error instanceof InvalidTokenFormat)
        throw new RejectRequest(this.#badTokenMessage(error.reason, source));
      throw error;
    }
    if (!doesTokenMatch(token, secret)) {
      throw new RejectRequest(this.#badTokenMessage('incorrect', source));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The middleware

/** The view a request resolves to, or null when no pattern matches (Django then runs no process_view). */
function resolvedView(resolver: UrlResolver | undefined, request: HttpRequest): View | null {
  return resolver?.resolve(request.path)?.view ?? null;
}

function currentResolver(): UrlResolver | undefined {
  try {
    return getResolver();
  } catch {
    return undefined;
  }
}

/**
 * Django's `CsrfViewMiddleware`: every unsafe request (POST, PUT, PATCH, DELETE, ...) to a view
 * that is not `csrfExempt` must come from this site (`Origin`, or `Referer` over HTTPS) and
 * carry the token of `{{csrf_input}}` (or the `X-CSRFToken` header); otherwise the
 * `CSRF_FAILURE_VIEW` answers 403 and a `tango.security.csrf` warning names Django's reason.
 * After the view, the CSRF cookie is (re)sent when the page used the token.
 *
 * Place it after `SessionMiddleware` and `CommonMiddleware`, as Django's default `MIDDLEWARE`
 * does. A request whose path matches no URL pattern is not checked (it gets its 404), as in
 * Django.
 *
 * @example
 * MIDDLEWARE: [
 *   'tango.middleware.security.SecurityMiddleware',
 *   'tango.sessions.middleware.SessionMiddleware',
 *   'tango.middleware.common.CommonMiddleware',
 *   'tango.middleware.csrf.CsrfViewMiddleware',
 *   'tango.middleware.clickjacking.XFrameOptionsMiddleware',
 * ]
 */
export const CsrfViewMiddleware: MiddlewareFactory = async function CsrfViewMiddleware(
  getResponse,
  settings,
) {
  const csrf = await CsrfCheck.create(settings, 'protect');
  return async function csrfViewMiddleware(request) {
    csrf.processRequest(request);
    let rejection: HttpResponse | null = null;
    if (!SAFE_METHODS.has(request.method)) {
      // Only an unsafe request needs its view (for csrfExempt); a safe one is always accepted.
      const view = resolvedView(currentResolver(), request);
      if (view !== null) rejection = await csrf.processView(request, view);
    }
    return csrf.processResponse(request, rejection ?? (await getResponse(request)));
  };
};

// ---------------------------------------------------------------------------------------------
// View wrappers (django.views.decorators.csrf)

/** One CsrfCheck per settings object and variant, made on first use (wrappers exist before settings). */
const checks = new WeakMap<Readonly<Settings>, Map<Variant, Promise<CsrfCheck>>>();

function checkFor(request: HttpRequest, variant: Variant): Promise<CsrfCheck> {
  const settings = request.settings ?? getSettings();
  let byVariant = checks.get(settings);
  if (byVariant === undefined) checks.set(settings, (byVariant = new Map()));
  let check = byVariant.get(variant);
  if (check === undefined) byVariant.set(variant, (check = CsrfCheck.create(settings, variant)));
  return check;
}

/** Like Python's `functools.wraps`: the wrapper keeps the view's name and marks (`csrfExempt`, `shouldAppendSlash`). */
function wraps<V extends View>(view: V, wrapper: View): V {
  for (const key of Object.getOwnPropertyNames(view)) {
    if (key === 'length' || key === 'prototype' || key === 'arguments' || key === 'caller')
      continue;
    Object.defineProperty(wrapper, key, Object.getOwnPropertyDescriptor(view, key)!);
  }
  return wrapper as V;
}

/** Django's `decorator_from_middleware`: the check around one view. */
function decorate<V extends View>(view: V, variant: Variant): V {
  return wraps(view, async function csrfViewWrapper(request, params) {
    const csrf = await checkFor(request, variant);
    csrf.processRequest(request);
    const rejection =
      variant === 'ensureCookie'
        ? await csrf.ensureCookie(request, view)
        : await csrf.processView(request, view);
    // As Django's decorator: a refusal is returned as it is, without process_response.
    if (rejection !== null) return rejection;
    return csrf.processResponse(request, await view(request, params));
  });
}

/**
 * Exempts a view from `CsrfViewMiddleware`, like Django's `@csrf_exempt`: for endpoints that
 * authenticate otherwise (a webhook with its own signature). Returns a new view.
 *
 * @example
 * path('hooks/payment/', csrfExempt(views.paymentHook)),
 */
export function csrfExempt<V extends View>(view: V): V {
  const wrapper = wraps(view, function csrfExemptView(request, params) {
    return view(request, params);
  });
  Object.defineProperty(wrapper, 'csrfExempt', { value: true, configurable: true });
  return wrapper;
}

/**
 * Protects one view as `CsrfViewMiddleware` protects every view, like Django's `@csrf_protect`
 * (for projects without the middleware; with it, harmless).
 *
 * @example
 * path('transfer/', csrfProtect(views.transfer)),
 */
export function csrfProtect<V extends View>(view: V): V {
  return decorate(view, 'protect');
}

/**
 * Makes the token available to the view (`{{csrf_input}}` works, the cookie is sent when used)
 * without refusing anything, like Django's `@requires_csrf_token`: for error pages and
 * `csrfExempt` views that still render forms.
 *
 * @example
 * path('login/', requiresCsrfToken(views.login)),
 */
export function requiresCsrfToken<V extends View>(view: V): V {
  return decorate(view, 'requiresToken');
}

/**
 * Sends the CSRF cookie with this view's response whether or not the page uses the token, like
 * Django's `@ensure_csrf_cookie`: for pages whose forms are built by JavaScript, which then
 * reads the cookie (CSRF_COOKIE_HTTPONLY is false by default for this).
 *
 * @example
 * path('app/', ensureCsrfCookie(views.singlePageApp)),
 */
export function ensureCsrfCookie<V extends View>(view: V): V {
  return decorate(view, 'ensureCookie');
}
