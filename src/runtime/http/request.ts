import { DEFAULTS, type Settings } from '../conf/settings.js';
import type { Session } from '../sessions/session.js';
import { parseCookie } from './cookie.js';
import { DisallowedHost, KeyError, RequestDataTooDeep, TooManyFieldsSent } from './errors.js';
import { BadSignature, unsignCookie } from '../core/signing/index.js';
import { escapeUriPath } from './encoding.js';
import { iriToUri } from './response.js';

/** What a server adapter (node:http, the test Client) hands to `new HttpRequest()`. */
export interface HttpRequestInit {
  method: string;
  /**
   * Raw request target: path plus optional `?query` (origin-form), an absolute URL
   * (absolute-form, routed by its path) or `*` (asterisk-form, for `OPTIONS`).
   */
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

/** Options of `json()`. */
export interface JsonOptions {
  /**
   * Deepest nesting of arrays and objects accepted; deeper is `RequestDataTooDeep` (400),
   * found before anything is parsed. Default 100 (Ruby's JSON `max_nesting`).
   */
  maxDepth?: number;
}

/** Options of `getSignedCookie`. */
export interface GetSignedCookieOptions<D> {
  /** Returned instead of throwing when the cookie is missing, tampered or expired. */
  default?: D;
  salt?: string;
  /** Maximum age in seconds since signing (a finite number; `NaN` is a `TypeError`). Default: none. */
  maxAge?: number | null;
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
  /** The raw request target, as received (what the access log prints). */
  readonly url: string;
  /** Set by the URL resolver: the matched pattern's route name and captured params. */
  resolverMatch:
    | { route: string; name: string | undefined; params: Record<string, unknown> }
    | undefined;
  /** Settings in force, set by the handler. */
  settings: Readonly<Settings> | undefined;

  /** `url` in origin-form: path plus optional `?query`. */
  readonly #target: string;
  #query: URLSearchParams | undefined;
  #cookies: Map<string, string> | undefined;
  #session: Session | undefined;
  #form: URLSearchParams | undefined;

  constructor(init: HttpRequestInit) {
    this.method = init.method.toUpperCase();
    this.url = init.url;
    this.#target = originForm(init.url);
    const q = this.#target.indexOf('?');
    const rawPath = q === -1 ? this.#target : this.#target.slice(0, q);
    this.path = safeDecode(rawPath);
    this.headers = init.headers ?? {};
    this.body = init.body ?? Buffer.alloc(0);
    this.encrypted = init.encrypted ?? false;
    this.remoteAddress = init.remoteAddress;
    this.httpVersion = init.httpVersion ?? '1.1';
    this.resolverMatch = undefined;
    this.settings = undefined;
  }

  /**
   * Query parameters (Django's `request.GET`). More than `DATA_UPLOAD_MAX_NUMBER_FIELDS` of
   * them throws `TooManyFieldsSent` (400), counted before any is decoded.
   */
  get query(): URLSearchParams {
    if (!this.#query) {
      const q = this.#target.indexOf('?');
      const text = q === -1 ? '' : this.#target.slice(q + 1);
      checkFieldCount(text, this.#maxNumberFields());
      this.#query = new URLSearchParams(text);
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

  /**
   * The `application/x-www-form-urlencoded` body (Django's `request.POST`); empty otherwise.
   * More than `DATA_UPLOAD_MAX_NUMBER_FIELDS` fields throws `TooManyFieldsSent` (400),
   * counted in the raw bytes before anything is decoded.
   */
  get form(): URLSearchParams {
    if (!this.#form) {
      const type = (this.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      let text = '';
      if (type === 'application/x-www-form-urlencoded') {
        checkFieldCount(this.body, this.#maxNumberFields());
        text = this.body.toString('utf8');
      }
      this.#form = new URLSearchParams(text);
    }
    return this.#form;
  }

  /** `DATA_UPLOAD_MAX_NUMBER_FIELDS`, Django's default for a request built without settings. */
  #maxNumberFields(): number | null {
    const max = this.settings?.DATA_UPLOAD_MAX_NUMBER_FIELDS;
    return max === undefined ? DEFAULTS.DATA_UPLOAD_MAX_NUMBER_FIELDS : max;
  }

  /**
   * The body parsed as JSON; throws `SyntaxError` on a malformed body and
   * `RequestDataTooDeep` (400) when arrays and objects nest deeper than `maxDepth` (100),
   * checked before parsing: V8 parses any depth, but the first recursive function to walk
   * the result (`JSON.stringify` included) would overflow the stack.
   *
   * @example
   * const { name } = request.json<{ name: string }>();
   */
  json<T = unknown>(options: JsonOptions = {}): T {
    const maxDepth = options.maxDepth ?? JSON_MAX_DEPTH;
    if (!Number.isInteger(maxDepth) || maxDepth < 1) {
      throw new TypeError(
        `option maxDepth is invalid: ${String(maxDepth)} (expected a whole number from 1)`,
      );
    }
    checkJsonDepth(this.body, maxDepth);
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
   * Django's `get_full_path(force_append_slash)`: the path, URI-escaped (`escape_uri_path`),
   * with a `/` added when `forceAppendSlash` is true and it has none at the end, then `?` and
   * the raw query string (IRI-encoded) when there is one.
   *
   * @example
   * request.getFullPath(); // '/caf%C3%A9/?page=2' for GET /caf%C3%A9/?page=2
   * request.getFullPath(true); // '/hits/?page=2' for GET /hits?page=2
   */
  getFullPath(forceAppendSlash = false): string {
    const q = this.#target.indexOf('?');
    const query = q === -1 ? '' : this.#target.slice(q + 1);
    return (
      escapeUriPath(this.path) +
      (forceAppendSlash && !this.path.endsWith('/') ? '/' : '') +
      (query ? '?' + iriToUri(query) : '')
    );
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
    const target = this.#target;
    const q = target.indexOf('?');
    let rawPath = q === -1 ? target : target.slice(0, q);
    if (!rawPath.startsWith('/')) rawPath = '/' + rawPath;
    let absolute: string;
    if (location === undefined) {
      absolute = schemeHost + rawPath + (q === -1 ? '' : target.slice(q));
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
   * Reads a cookie set with `setSignedCookie`, like Django 5.2's `get_signed_cookie`. Throws
   * `KeyError` when absent, `BadSignature`/`SignatureExpired` when tampered or too old, unless
   * a `default` is given. A cookie signed the pre-5.2.15 way (salt `name + salt`, as Django
   * 3.2 signs) is accepted while `SIGNED_COOKIE_LEGACY_SALT_FALLBACK` is true (the default),
   * but never once the current signature has merely expired (`unsignCookie`).
   *
   * @example
   * const user = request.getSignedCookie('user', { salt: 'greeting', default: null });
   */
  getSignedCookie<D = never>(name: string, options: GetSignedCookieOptions<D> = {}): string | D {
    // `age > NaN` is false: an unchecked NaN would silently skip the age check (hardening 1).
    const maxAge: unknown = options.maxAge;
    if (
      maxAge !== undefined &&
      maxAge !== null &&
      (typeof maxAge !== 'number' || !Number.isFinite(maxAge))
    ) {
      throw new TypeError(
        `option maxAge is invalid: ${String(maxAge)} (expected a finite number of seconds)`,
      );
    }
    const hasDefault = 'default' in options;
    const value = this.cookies.get(name);
    if (value === undefined) {
      if (hasDefault) return options.default as D;
      throw new KeyError(name);
    }
    try {
      return unsignCookie(name, value, {
        salt: options.salt ?? '',
        maxAge: options.maxAge,
        // The request's settings when the handler set them, else the configured ones.
        legacySaltFallback: this.settings?.SIGNED_COOKIE_LEGACY_SALT_FALLBACK,
      });
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

/** An absolute-form request target's scheme and authority: `http://example.com:8000`. */
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;

/**
 * The origin-form (`/path?query`) of a request target. RFC 9112 §3.2.2 has servers accept the
 * absolute-form (`GET http://example.com/hits/ HTTP/1.1`, what a client sends a proxy); like
 * gunicorn, the request is routed by the URL's path and the Host header stays what
 * `getHost()` validates. Anything else (`*`, a bare `hits/`) is returned as it is: the
 * handler answers it (`OPTIONS *`) or refuses it with 400.
 */
function originForm(url: string): string {
  if (url.charCodeAt(0) === 47) return url;
  const m = ABSOLUTE_FORM.exec(url);
  if (!m) return url;
  const rest = url.slice(m[0].length);
  return rest.charCodeAt(0) === 47 ? rest : '/' + rest;
}

const TOO_MANY_FIELDS =
  'The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS.';

/**
 * Django's `QueryDict` with `max_num_fields`, which is Python's `parse_qsl` check: a
 * non-empty query has `1 + count('&')` fields (empty ones included), refused when over `max`.
 * Counting stops at `max + 1`, so a refused body costs no more than an accepted one.
 */
function checkFieldCount(data: string | Buffer, max: number | null): void {
  if (max === null || data.length === 0) return;
  let fields = 1;
  let at = -1;
  while (fields <= max) {
    at = typeof data === 'string' ? data.indexOf('&', at + 1) : data.indexOf(0x26, at + 1);
    if (at === -1) return;
    fields++;
  }
  throw new TooManyFieldsSent(TOO_MANY_FIELDS);
}

/** `json()`'s default `maxDepth`. */
const JSON_MAX_DEPTH = 100;

/**
 * Throws `RequestDataTooDeep` when `[`/`{` nest deeper than `max` outside strings. Works on
 * the raw UTF-8 bytes (every byte of a multi-byte character is >= 0x80, so none is mistaken
 * for `"`, `\`, a bracket or a brace) and stops at the first level too deep. Malformed input
 * is left for `JSON.parse` to report.
 */
function checkJsonDepth(body: Buffer, max: number): void {
  // Deeper than `max` takes at least `max + 1` bytes.
  const length = body.length;
  if (length <= max) return;
  let depth = 0;
  for (let i = 0; i < length; i++) {
    const c = body[i]!;
    if (c === 0x22) {
      // Skip the string; a backslash escapes the byte after it. (An inline loop: one
      // Buffer.indexOf call per string cost more than the scan itself on small strings.)
      for (i++; i < length; i++) {
        const d = body[i]!;
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) {
        throw new RequestDataTooDeep(`The JSON body nests deeper than ${max} levels.`);
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
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
