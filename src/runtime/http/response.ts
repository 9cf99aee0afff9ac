import { getCookieSigner } from '../core/signing.js';
import { type CookieOptions, validateCookie, serializeSetCookie, httpDate } from './cookie.js';

/** Case-insensitive response headers that keep the case they were set with. */
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
      throw new TypeError(`Header ${JSON.stringify(name)} contains a newline or an invalid character.`);
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

/** A stored cookie: what `setCookie` was called with, serialized once when sent. */
export interface ResponseCookie {
  name: string;
  value: string;
  options: CookieOptions;
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
  #content: Buffer;

  constructor(content: string | Uint8Array = '', init: HttpResponseInit = {}) {
    this.status = init.status ?? 200;
    this.headers = new ResponseHeaders(init.headers);
    this.headers.setDefault('Content-Type', init.contentType ?? 'text/html; charset=utf-8');
    this.#content = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
  }

  /** The body bytes. */
  get content(): Buffer {
    return this.#content;
  }

  set content(value: string | Uint8Array) {
    this.#content = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  }

  /** The body decoded as UTF-8. */
  text(): string {
    return this.#content.toString('utf8');
  }

  /**
   * Sets a cookie, like Django's `set_cookie`. Validation happens here, so a bad name or option
   * throws a `TypeError` naming it at the call site, not when the response is sent.
   *
   * @example
   * response.setCookie('user', 'Raju', { maxAge: 120, sameSite: 'Lax' });
   */
  setCookie(name: string, value = '', options: CookieOptions = {}): this {
    const resolved = validateCookie(name, value, options);
    this.cookies.set(name, { name, value, options: resolved });
    return this;
  }

  /**
   * Expires a cookie at once, like Django's `delete_cookie`: `Max-Age=0` and an `expires` in
   * 1970. `Secure` is added for `__Secure-`/`__Host-` names and for `sameSite: 'None'`.
   */
  deleteCookie(
    name: string,
    options: Pick<CookieOptions, 'path' | 'domain' | 'sameSite'> = {},
  ): this {
    const secure =
      name.startsWith('__Secure-') ||
      name.startsWith('__Host-') ||
      (typeof options.sameSite === 'string' && options.sameSite.toLowerCase() === 'none');
    return this.setCookie(name, '', {
      maxAge: 0,
      path: options.path ?? '/',
      domain: options.domain ?? null,
      sameSite: options.sameSite ?? null,
      secure,
      expires: 'Thu, 01 Jan 1970 00:00:00 GMT',
    });
  }

  /**
   * Sets a cookie whose value is signed with `SECRET_KEY` (readable by the client, but not
   * forgeable), like Django's `set_signed_cookie`.
   */
  setSignedCookie(name: string, value: string, options: CookieOptions & { salt?: string } = {}): this {
    const { salt = '', ...cookieOptions } = options;
    return this.setCookie(name, getCookieSigner({ salt: name + salt }).sign(value), cookieOptions);
  }

  /** The `Set-Cookie` header values, one per cookie, serialized now. */
  setCookieHeaders(now = Date.now()): string[] {
    return Array.from(this.cookies.values(), (c) => serializeSetCookie(c.name, c.value, c.options, now));
  }
}

/** A JSON body with `application/json`, like Django's `JsonResponse`. */
export class JsonResponse extends HttpResponse {
  constructor(data: unknown, init: HttpResponseInit = {}) {
    super(JSON.stringify(data), { contentType: 'application/json', ...init });
  }
}

/** 302 to `url` (Django's `HttpResponseRedirect`). */
export class HttpResponseRedirect extends HttpResponse {
  constructor(url: string, init: HttpResponseInit = {}) {
    super('', { status: 302, ...init });
    this.headers.set('Location', url);
  }

  get url(): string {
    return this.headers.get('Location') ?? '';
  }
}

/** 301 to `url` (Django's `HttpResponsePermanentRedirect`). */
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

export const HttpResponseBadRequest = statusResponse(400);
export const HttpResponseForbidden = statusResponse(403);
export const HttpResponseNotFound = statusResponse(404);
export const HttpResponseNotAllowed = statusResponse(405);
export const HttpResponseServerError = statusResponse(500);

export { httpDate };
