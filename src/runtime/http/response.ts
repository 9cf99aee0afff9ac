import { getLogger } from '../core/log.js';
import { signCookie } from '../core/signing/index.js';
import {
  type CookieOptions,
  type ResolvedCookieOptions,
  MAX_COOKIE_SIZE,
  oversizeCookie,
  validateCookie,
  serializeSetCookie,
  httpDate,
} from './cookie.js';
import { SuspiciousOperation } from './errors.js';
import { urlsplitScheme } from './urlsplit.js';

/**
 * Case-insensitive response headers that keep the case they were set with. A value or name
 * with a newline throws (header injection), as Django's `BadHeaderError`.
 *
 * @example
 * response.headers.set('Cache-Control', 'no-cache');
 * response.headers.get('cache-control'); // 'no-cache'
 */
export class ResponseHeaders implements Iterable<[string, string]> {
  readonly #map = new Map<string, [string, string]>();

  constructor(init?: Record<string, string>) {
    for (const [name, value] of Object.entries(init ?? {})) this.set(name, value);
  }

  get(name: string): string | undefined {
    return this.#map.get(name.toLowerCase())?.[1];
  }

  set(name: string, value: string): this {
    if (/[\r\n]/.test(value) || /[\r\n:]/.test(name)) {
      throw new TypeError(
        `Header ${JSON.stringify(name)} contains a newline or an invalid character.`,
      );
    }
    this.#map.set(name.toLowerCase(), [name, value]);
    return this;
  }

  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }

  delete(name: string): boolean {
    return this.#map.delete(name.toLowerCase());
  }

  /** Sets the header only when absent (Django's `setdefault`). */
  setDefault(name: string, value: string): this {
    if (!this.has(name)) this.set(name, value);
    return this;
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    yield* this.#map.values();
  }
}

/** Options of `HttpResponse`'s constructor. */
export interface HttpResponseInit {
  /** Default 200. */
  status?: number;
  /** Default `text/html; charset=utf-8`, as Django's `DEFAULT_CONTENT_TYPE`. */
  contentType?: string;
  headers?: Record<string, string>;
}

/** A stored cookie: what `setCookie` was called with (validated), serialized when sent. */
export interface ResponseCookie {
  name: string;
  value: string;
  options: ResolvedCookieOptions;
}

/**
 * An outgoing response, like Django's `HttpResponse`.
 *
 * @example
 * const response = new HttpResponse('<p>Hello</p>');
 * response.setCookie('hit', '1', { maxAge: 120 });
 */
export class HttpResponse {
  status: number;
  readonly headers: ResponseHeaders;
  /**
   * Cookies to send, one per name in first-set order; setting a name again replaces it
   * (Django 4.x+ semantics: nothing carries over from the first call).
   */
  readonly cookies = new Map<string, ResponseCookie>();
  /**
   * The body as given: a string stays a string until someone asks for `content`, so the
   * server can send it with the headers in one write, without an intermediate Buffer.
   */
  #body: string | Buffer;
  /** `contentLength` of a string body, computed once (-1: not yet). */
  #length = -1;

  constructor(content: string | Uint8Array = '', init: HttpResponseInit = {}) {
    this.status = init.status ?? 200;
    this.headers = new ResponseHeaders(init.headers);
    this.headers.setDefault('Content-Type', init.contentType ?? 'text/html; charset=utf-8');
    this.#body = typeof content === 'string' ? content : Buffer.from(content);
  }

  /** The body bytes (a string body is encoded as UTF-8). */
  get content(): Buffer {
    if (typeof this.#body === 'string') this.#body = Buffer.from(this.#body, 'utf8');
    return this.#body;
  }

  set content(value: string | Uint8Array) {
    this.#body = typeof value === 'string' ? value : Buffer.from(value);
    this.#length = -1;
  }

  /** The body as stored: a string (sent as UTF-8) or bytes. For servers; views use `content`. */
  get body(): string | Buffer {
    return this.#body;
  }

  /** The body's length in bytes, what `Content-Length` says. */
  get contentLength(): number {
    if (typeof this.#body !== 'string') return this.#body.length;
    if (this.#length === -1) this.#length = Buffer.byteLength(this.#body, 'utf8');
    return this.#length;
  }

  /** The body decoded as UTF-8. */
  text(): string {
    // A string with a lone surrogate is sent with U+FFFD in its place; say the same here.
    const body = this.#body;
    if (typeof body === 'string' && !/[\ud800-\udfff]/.test(body)) return body;
    return this.content.toString('utf8');
  }

  /**
   * Sets a cookie, like Django's `set_cookie`. Validation happens here, so a bad name or option
   * throws a `TypeError` naming it at the call site, not when the response is sent. A number
   * is written as `String(n)` (Django's `str(value)`). Setting a name again replaces the
   * earlier cookie entirely (nothing carries over, unlike Django 3.2's reused `Morsel`).
   *
   * @example
   * response.setCookie('user', 'Raju', { maxAge: 120, sameSite: 'Lax' });
   */
  setCookie(name: string, value: string | number = '', options: CookieOptions = {}): this {
    const text = typeof value === 'number' ? String(value) : value;
    const resolved = validateCookie(name, text, options);
    this.cookies.set(name, { name, value: text, options: resolved });
    return this;
  }

  /**
   * Expires a cookie at once, like Django's `delete_cookie`:
   * `name=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/`. `Secure` is added for
   * `__Secure-`/`__Host-` names, for `sameSite: 'None'` and for `partitioned` (browsers ignore
   * the deletion otherwise); `HttpOnly` is never written. `path: null` omits `Path`.
   *
   * A partitioned (CHIPS) cookie lives in a separate jar, one per top-level site, so only a
   * deletion that is itself `Partitioned` reaches it: pass `partitioned: true` to delete one
   * (a plain deletion removes only an unpartitioned cookie of that name). Django has no
   * `partitioned` option (ticket #34613).
   *
   * @example
   * response.deleteCookie('user');
   * response.deleteCookie('widget', { partitioned: true, sameSite: 'None' });
   */
  deleteCookie(
    name: string,
    options: Pick<CookieOptions, 'path' | 'domain' | 'sameSite' | 'partitioned'> = {},
  ): this {
    const secure =
      options.partitioned === true ||
      name.startsWith('__Secure-') ||
      name.startsWith('__Host-') ||
      (typeof options.sameSite === 'string' && options.sameSite.toLowerCase() === 'none');
    // Django passes both: an expires string is kept verbatim next to Max-Age=0.
    return this.setCookie(name, '', {
      maxAge: 0,
      expires: 'Thu, 01 Jan 1970 00:00:00 GMT',
      path: options.path === undefined ? '/' : options.path,
      domain: options.domain ?? null,
      sameSite: options.sameSite ?? null,
      secure,
      partitioned: options.partitioned ?? false,
    });
  }

  /**
   * Sets a cookie whose value is signed with `SECRET_KEY` (readable by the client, but not
   * forgeable), like Django 5.2's `set_signed_cookie`: `value:timestamp:signature`, signed by
   * `getCookieSigner` with the salt `cookieSignerSalt(name, salt)`
   * (`django.http.cookies.v2:<len(salt)>:<salt><name>`, Django 5.2.15+). Django before 5.2.15
   * (3.2 included) signed with `name + salt` and cannot read these cookies.
   *
   * @example
   * response.setSignedCookie('user', 'Raju', { salt: 'greeting', maxAge: 3600 });
   */
  setSignedCookie(
    name: string,
    value: string,
    options: CookieOptions & { salt?: string } = {},
  ): this {
    const { salt = '', ...cookieOptions } = options;
    return this.setCookie(name, signCookie(name, value, salt), cookieOptions);
  }

  /** The `Set-Cookie` header values, one per cookie, serialized now. */
  setCookieHeaders(now = Date.now()): string[] {
    return Array.from(this.cookies.values(), (c) =>
      serializeSetCookie(c.name, c.value, c.options, now),
    );
  }
}

const cookieLogger = getLogger('tango.http.cookies');

/**
 * A response cookie larger than browsers keep (`MAX_COOKIE_SIZE`), raised by
 * `checkCookieSizes` in DEBUG. Not a `BadRequest`: the response is wrong, not the request, so
 * it is a 500 showing this message.
 *
 * @example
 * if (error instanceof CookieTooLarge) console.log(error.cookieName, error.size);
 */
export class CookieTooLarge extends Error {
  override name = 'CookieTooLarge';

  constructor(
    message: string,
    readonly cookieName: string,
    readonly size: number,
  ) {
    super(message);
  }
}

/**
 * The cookie size guard, for every cookie of every response (the handler runs it on each
 * response): a cookie whose `Set-Cookie` value (name, value and attributes, `setCookieSize`)
 * exceeds 4096 bytes would be dropped by the browser without a word, so with `debug`
 * (`DEBUG`) it raises `CookieTooLarge` naming the cookie and its size, and otherwise logs a
 * WARNING on `tango.http.cookies` and sends the response as it is. Costs a few additions per
 * cookie unless one is large (`oversizeCookie`). Django has no such check.
 *
 * @example
 * checkCookieSizes(response, settings.DEBUG);
 */
export function checkCookieSizes(response: HttpResponse, debug: boolean, now?: number): void {
  // Most responses set no cookie: nothing to measure, not even the clock.
  if (response.cookies.size === 0) return;
  now ??= Date.now();
  for (const cookie of response.cookies.values()) {
    const size = oversizeCookie(cookie.name, cookie.value, cookie.options, now);
    if (size === null) continue;
    const message = `The cookie '${cookie.name}' is ${size} bytes (name, value and attributes); browsers drop cookies over ${MAX_COOKIE_SIZE} bytes. Store less in it, or keep the data on the server.`;
    if (debug) throw new CookieTooLarge(message, cookie.name, size);
    cookieLogger.warning(message);
  }
}

/** Options of `JsonResponse`. */
export interface JsonResponseInit extends HttpResponseInit {
  /**
   * Default true: only a plain object may be serialized, as in Django (top-level arrays were
   * a JSON-hijacking risk in old browsers). Set false to send any JSON value.
   */
  safe?: boolean;
}

/**
 * A JSON body with `application/json`, like Django's `JsonResponse`.
 *
 * @example
 * return new JsonResponse({ hits: 3 });
 * return new JsonResponse([1, 2, 3], { safe: false });
 */
export class JsonResponse extends HttpResponse {
  constructor(data: unknown, init: JsonResponseInit = {}) {
    const { safe = true, ...rest } = init;
    if (safe && (typeof data !== 'object' || data === null || Array.isArray(data))) {
      throw new TypeError(
        'In order to allow non-object data to be serialized set the safe option to false.',
      );
    }
    const body = JSON.stringify(data);
    if (body === undefined) throw new TypeError(`JsonResponse cannot serialize ${typeof data}.`);
    super(body, { contentType: 'application/json', ...rest });
  }
}

/**
 * A redirect to a scheme outside `http`, `https`, `ftp` (Django's `DisallowedRedirect`): a
 * `SuspiciousOperation`, so answered 400.
 *
 * @example
 * new HttpResponseRedirect('javascript:alert(1)'); // throws DisallowedRedirect
 */
export class DisallowedRedirect extends SuspiciousOperation {
  override name = 'DisallowedRedirect';
}

const REDIRECT_SCHEMES = new Set(['http', 'https', 'ftp']);

/**
 * Django's `iri_to_uri`: percent-encodes (as UTF-8) every character outside the URI set Django
 * keeps, so a non-ASCII `Location` is still a valid header.
 *
 * @example
 * iriToUri('/blog/for/Jürgen Münster/'); // '/blog/for/J%C3%BCrgen%20M%C3%BCnster/'
 */
export function iriToUri(iri: string): string {
  // Python's quote(iri, safe="/#%[]=:;$&()+,!?*@'~"): only characters outside that set and
  // the unreserved ones are encoded. A lone surrogate (not UTF-8 encodable) becomes U+FFFD.
  return iri.replace(/[^A-Za-z0-9\-._~/#%[\]=:;$&()+,!?*@']+/g, (chunk) =>
    encodeURIComponent(
      chunk.replace(
        /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
        '\ufffd',
      ),
    ),
  );
}

/**
 * 302 to `url` (Django's `HttpResponseRedirect`). The URL is IRI-encoded; a scheme other than
 * http, https or ftp (e.g. `javascript:`) throws `DisallowedRedirect`.
 *
 * @example
 * return new HttpResponseRedirect('/hits/');
 */
export class HttpResponseRedirect extends HttpResponse {
  constructor(url: string, init: HttpResponseInit = {}) {
    super('', { status: 302, ...init });
    const scheme = urlsplitScheme(url);
    if (scheme && !REDIRECT_SCHEMES.has(scheme)) {
      throw new DisallowedRedirect(`Unsafe redirect to URL with protocol '${scheme}'`);
    }
    this.headers.set('Location', iriToUri(url));
  }

  get url(): string {
    return this.headers.get('Location') ?? '';
  }
}

/**
 * 301 to `url` (Django's `HttpResponsePermanentRedirect`).
 *
 * @example
 * return new HttpResponsePermanentRedirect('/new/home/');
 */
export class HttpResponsePermanentRedirect extends HttpResponseRedirect {
  constructor(url: string, init: HttpResponseInit = {}) {
    super(url, { status: 301, ...init });
  }
}

/** A response with a fixed status, for the common error codes. */
function statusResponse(status: number) {
  return class extends HttpResponse {
    constructor(content: string | Uint8Array = '', init: HttpResponseInit = {}) {
      super(content, { ...init, status });
    }
  };
}

/**
 * 400 (Django's `HttpResponseBadRequest`).
 *
 * @example
 * return new HttpResponseBadRequest('<h1>Bad request</h1>');
 */
export const HttpResponseBadRequest = statusResponse(400);
/**
 * 403 (Django's `HttpResponseForbidden`).
 *
 * @example
 * return new HttpResponseForbidden();
 */
export const HttpResponseForbidden = statusResponse(403);
/**
 * 404 (Django's `HttpResponseNotFound`); raising `Http404` renders the 404 page instead.
 *
 * @example
 * return new HttpResponseNotFound('<h1>No such page</h1>');
 */
export const HttpResponseNotFound = statusResponse(404);
/**
 * 405 (Django's `HttpResponseNotAllowed`); set the `Allow` header yourself.
 *
 * @example
 * const response = new HttpResponseNotAllowed();
 * response.headers.set('Allow', 'GET, POST');
 */
export const HttpResponseNotAllowed = statusResponse(405);
/**
 * 500 (Django's `HttpResponseServerError`).
 *
 * @example
 * return new HttpResponseServerError();
 */
export const HttpResponseServerError = statusResponse(500);

export { httpDate };
