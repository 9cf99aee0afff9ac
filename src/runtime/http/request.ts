import type { Settings } from '../conf/settings.js';
import type { Session } from '../sessions/session.js';
import { parseCookie } from './cookie.js';
import { DisallowedHost, KeyError } from './errors.js';
import { getCookieSigner, BadSignature } from '../core/signing.js';

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
  resolverMatch: { route: string; name: string | undefined; params: Record<string, unknown> } | undefined;
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

  /** Cookies sent by the client, parsed leniently with Django's rules (never throws). */
  get cookies(): ReadonlyMap<string, string> {
    this.#cookies ??= parseCookie(this.headers.cookie ?? '');
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
    if (domain !== null && validateHost(domain, allowed)) return host;
    let message = `Invalid HTTP_HOST header: '${host}'.`;
    if (domain) message += ` You may need to add '${domain}' to ALLOWED_HOSTS.`;
    throw new DisallowedHost(message);
  }

  /** The absolute URL of `location` (default: this request's path and query). */
  buildAbsoluteUri(location?: string): string {
    const base = `${this.scheme}://${this.getHost()}`;
    return new URL(location ?? this.url, base + '/').href;
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

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Django's `split_domain_port`: lower-cased domain without port, or null when malformed. */
function splitDomainPort(host: string): string | null {
  const lower = host.toLowerCase();
  if (!/^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(:[0-9]+)?$/.test(lower)) return null;
  if (lower.endsWith(']')) return lower;
  const colon = lower.lastIndexOf(':');
  const domain = colon === -1 ? lower : lower.slice(0, colon);
  return domain.endsWith('.') ? domain.slice(0, -1) : domain;
}

/** Django's `validate_host`: `*`, exact names and `.example.com` subdomain patterns. */
function validateHost(domain: string, allowed: readonly string[]): boolean {
  return allowed.some((pattern) => {
    if (pattern === '*') return true;
    const p = pattern.toLowerCase();
    if (p.startsWith('.')) return domain.endsWith(p) || domain === p.slice(1);
    return domain === p;
  });
}
