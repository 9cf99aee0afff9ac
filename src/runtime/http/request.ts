import type { Settings } from '../conf/settings.js';
import type { Session } from '../sessions/session.js';
import { parseCookie } from './cookie.js';
import { DisallowedHost, KeyError } from './errors.js';
import { getCookieSigner, BadSignature } from '../core/signing/index.js';
import { iriToUri } from './response.js';

/** What a server adapter (node:http, the test Client) hands to `new HttpRequest()`. */
export interface HttpRequestInit {
  method: string;
  /** Raw request target: path plus optional `?query`. */
  url: string;
  /** Header names in lower case; repeated headers joined as node:http does. */
  headers?: Record<string, string | undefined>;
  body?: Buffer;
  /** True when the connection itself is TLS. */
  encrypted?: boolean;
  remoteAddress?: string;
  /** HTTP version string for the request log, e.g. `'1.1'`. */
  httpVersion?: string;
}

/** Options of `getSignedCookie`. */
export interface GetSignedCookieOptions<D> {
  /** Returned instead of throwing when the cookie is missing, tampered or expired. */
  default?: D;
  salt?: string;
  /** Maximum age in seconds since signing. */
  maxAge?: number;
}

/**
 * An incoming request, like Django's `HttpRequest`. Built once per request by the server
 * adapter; cookies and query are parsed lazily and cached.
 *
 * @example
 * const visits = Number(request.cookies.get('hit') ?? 0);
 */
export class HttpRequest {
  readonly method: string;
  /** The path, percent-decoded, without the query string (Django's `path`). */
  readonly path: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  readonly encrypted: boolean;
  readonly remoteAddress: string | undefined;
  readonly httpVersion: string;
  /** The raw request target, as received. */
  readonly url: string;
  /** Set by the URL resolver: the matched pattern's route name and captured params. */
  resolverMatch:
    | { route: string; name: string | undefined; params: Record<string, unknown> }
    | undefined;
  /** Settings in force, set by the handler. */
  settings: Readonly<Settings> | undefined;

  #query: URLSearchParams | undefined;
  #cookies: Map<string, string> | undefined;
  #session: Session | undefined;
  #form: URLSearchParams | undefined;

  constructor(init: HttpRequestInit) {
    this.method = init.method.toUpperCase();
    this.url = init.url;
    const q = init.url.indexOf('?');
    const rawPath = q === -1 ? init.url : init.url.slice(0, q);
    this.path = safeDecode(rawPath);
    this.headers = init.headers ?? {};
    this.body = init.body ?? Buffer.alloc(0);
    this.encrypted = init.encrypted ?? false;
    this.remoteAddress = init.remoteAddress;
    this.httpVersion = init.httpVersion ?? '1.1';
    this.resolverMatch = undefined;
    this.settings = undefined;
  }

  /** Query parameters (Django's `request.GET`). */
  get query(): URLSearchParams {
    if (!this.#query) {
      const q = this.url.indexOf('?');
      this.#query = new URLSearchParams(q === -1 ? '' : this.url.slice(q + 1));
    }
    return this.#query;
  }

  /**
   * Cookies sent by the client (Django's `request.COOKIES`), parsed leniently with Django's
   * `parse_cookie` rules; never throws. A missing name gives `undefined` from `get()`.
   *
   * @example
   * const hits = Number(request.cookies.get('hit') ?? 0);
   */
  get cookies(): ReadonlyMap<string, string> {
    this.#cookies ??= parseCookie(decodeHeaderText(this.headers.cookie ?? ''));
    return this.#cookies;
  }

  /** The `application/x-www-form-urlencoded` body (Django's `request.POST`); empty otherwise. */
  get form(): URLSearchParams {
    if (!this.#form) {
      const type = (this.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      this.#form = new URLSearchParams(
        type === 'application/x-www-form-urlencoded' ? this.body.toString('utf8') : '',
      );
    }
    return this.#form;
  }

  /** The body parsed as JSON; throws `SyntaxError` on a malformed body. */
  json<T = unknown>(): T {
    return JSON.parse(this.body.toString('utf8')) as T;
  }

  /** The session, set by `SessionMiddleware`. */
  get session(): Session {
    if (!this.#session) {
      throw new Error(
        "request.session is not available: add 'tango.sessions.middleware.SessionMiddleware' to MIDDLEWARE.",
      );
    }
    return this.#session;
  }

  set session(session: Session) {
    this.#session = session;
  }

  /** True when `SessionMiddleware` has attached a session. */
  get hasSession(): boolean {
    return this.#session !== undefined;
  }

  /** `'https'` or `'http'`, honouring `SECURE_PROXY_SSL_HEADER`. */
  get scheme(): 'http' | 'https' {
    const proxy = this.settings?.SECURE_PROXY_SSL_HEADER;
    if (proxy) {
      const value = this.headers[proxy[0].toLowerCase()];
      if (value !== undefined) return value.split(',')[0]!.trim() === proxy[1] ? 'https' : 'http';
    }
    return this.encrypted ? 'https' : 'http';
  }

  /** Django's `is_secure()`. */
  isSecure(): boolean {
    return this.scheme === 'https';
  }

  /**
   * The host, validated against `ALLOWED_HOSTS` as Django's `get_host()` does: throws
   * `DisallowedHost` (answered 400) when it does not match.
   */
  getHost(): string {
    const settings = this.settings;
    const forwarded = settings?.USE_X_FORWARDED_HOST ? this.headers['x-forwarded-host'] : undefined;
    const host = (forwarded ?? this.headers.host ?? '').trim();
    let allowed = settings?.ALLOWED_HOSTS ?? ['*'];
    if (settings?.DEBUG && allowed.length === 0) allowed = ['.localhost', '127.0.0.1', '[::1]'];
    const domain = splitDomainPort(host);
    if (domain && validateHost(domain, allowed)) return host;
    let message = `Invalid HTTP_HOST header: '${host}'.`;
    if (domain) message += ` You may need to add '${domain}' to ALLOWED_HOSTS.`;
    else message += ' The domain name provided is not valid according to RFC 1034/1035.';
    throw new DisallowedHost(message);
  }

  /**
   * Django's `build_absolute_uri`: `location` (default: this request's path and query) made
   * absolute against this request's scheme, host and path, IRI-encoded.
   *
   * @example
   * request.buildAbsoluteUri('/hits/'); // 'http://127.0.0.1:8000/hits/'
   * request.buildAbsoluteUri('?page=2'); // 'http://127.0.0.1:8000/current/path/?page=2'
   */
  buildAbsoluteUri(location?: string): string {
    const schemeHost = `${this.scheme}://${this.getHost()}`;
    const q = this.url.indexOf('?');
    let rawPath = q === -1 ? this.url : this.url.slice(0, q);
    if (!rawPath.startsWith('/')) rawPath = '/' + rawPath;
    let absolute: string;
    if (location === undefined) {
      absolute = schemeHost + rawPath + (q === -1 ? '' : this.url.slice(q));
    } else if (
      location.startsWith('/') &&
      !location.startsWith('//') &&
      !location.includes('/./') &&
      !location.includes('/../')
    ) {
      // Django's fast path: an absolute path needs no join.
      absolute = schemeHost + location;
    } else {
      absolute = new URL(location, schemeHost + rawPath).href;
    }
    return iriToUri(absolute);
  }

  /**
   * Reads a cookie set with `setSignedCookie`, like Django's `get_signed_cookie`. Throws
   * `KeyError` when absent, `BadSignature`/`SignatureExpired` when tampered or too old, unless
   * a `default` is given.
   *
   * @example
   * const user = request.getSignedCookie('user', { salt: 'greeting', default: null });
   */
  getSignedCookie<D = never>(name: string, options: GetSignedCookieOptions<D> = {}): string | D {
    const hasDefault = 'default' in options;
    const value = this.cookies.get(name);
    if (value === undefined) {
      if (hasDefault) return options.default as D;
      throw new KeyError(name);
    }
    try {
      return getCookieSigner({ salt: name + (options.salt ?? '') }).unsign(value, options.maxAge);
    } catch (error) {
      if (hasDefault && error instanceof BadSignature) return options.default as D;
      throw error;
    }
  }
}

/**
 * node:http hands header values over as latin-1 (one character per byte). Django decodes the
 * Cookie header as UTF-8 (`get_str_from_wsgi`, errors replaced), so a UTF-8 cookie value sent
 * by a browser reads the same in both. A string that already holds characters above U+00FF
 * came from JavaScript, not from the wire, and is left alone.
 */
function decodeHeaderText(value: string): string {
  // eslint-disable-next-line no-control-regex -- a byte-range test, not text matching
  if (!/[\u0080-\u00ff]/.test(value) || /[^\u0000-\u00ff]/.test(value)) return value;
  return Buffer.from(value, 'latin1').toString('utf8');
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * Django's `split_domain_port`: the lower-cased domain without port and trailing dot, or `''`
 * when the host is malformed.
 *
 * @example
 * splitDomainPort('Example.COM.:8000'); // 'example.com'
 */
export function splitDomainPort(host: string): string {
  const m = /^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::[0-9]+)?$/.exec(host.toLowerCase());
  if (!m) return '';
  const domain = m[1]!;
  return domain.endsWith('.') ? domain.slice(0, -1) : domain;
}

/**
 * Django's `validate_host`: `*`, exact names and `.example.com` patterns (the domain and all
 * its subdomains), case-insensitively.
 *
 * @example
 * validateHost('api.example.com', ['.example.com']); // true
 */
export function validateHost(domain: string, allowed: readonly string[]): boolean {
  return allowed.some((pattern) => {
    if (pattern === '*') return true;
    if (!pattern) return false;
    const p = pattern.toLowerCase();
    if (p.startsWith('.')) return domain.endsWith(p) || domain === p.slice(1);
    return domain === p;
  });
}
