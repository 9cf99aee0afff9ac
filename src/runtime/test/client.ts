import type { Application } from '../handlers/base.js';
import { HttpRequest } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import { dontEnforceCsrfChecks } from '../middleware/csrf.js';
import { sharedTestApplication } from './environment.js';

/** Options of one request. */
export interface RequestOptions {
  headers?: Record<string, string>;
  /** Query parameters appended to the path. */
  query?: Record<string, string | number>;
}

/** Options of a request with a body. */
export interface BodyRequestOptions extends RequestOptions {
  /** Default: urlencoded for an object, `text/plain` for a string. */
  contentType?: string;
}

/** Options of `new Client()`. */
export interface ClientOptions {
  /** The application to call; default: the shared test application (`sharedTestApplication()`). */
  app?: Application | Promise<Application>;
  /**
   * Check CSRF tokens as a real browser's requests are checked (Django's
   * `Client(enforce_csrf_checks=True)`). Default false: the CSRF cookie is still read and
   * sent, but forms post without a token.
   */
  enforceCsrfChecks?: boolean;
}

/**
 * A test browser, like Django's `django.test.Client`: calls the project in-process (no
 * socket), follows no redirects unless asked, and keeps a cookie jar across requests. Like
 * Django's, it does not enforce CSRF checks unless created with `enforceCsrfChecks: true`.
 *
 * @example
 * const client = new Client();
 * const first = await client.get('/hits/');
 * const second = await client.get('/hits/'); // same session: the counter went up
 */
export class Client {
  /** Cookies the "browser" holds, by name. */
  readonly cookies = new Map<string, string>();
  readonly #app: Promise<Application>;
  readonly #enforceCsrfChecks: boolean;

  constructor(options: ClientOptions = {}) {
    this.#app = Promise.resolve(options.app ?? sharedTestApplication());
    this.#enforceCsrfChecks = options.enforceCsrfChecks ?? false;
  }

  get(path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    return this.request('GET', path, undefined, options);
  }

  head(path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    return this.request('HEAD', path, undefined, options);
  }

  post(
    path: string,
    data?: Record<string, string | number> | string,
    options: BodyRequestOptions = {},
  ): Promise<HttpResponse> {
    return this.request('POST', path, data, options);
  }

  /** Follows up to `limit` redirects (3xx with Location) with GET, like `follow=True`. */
  async follow(response: HttpResponse, limit = 10): Promise<HttpResponse> {
    let current = response;
    for (let i = 0; i < limit && current.status >= 300 && current.status < 400; i++) {
      const location = current.headers.get('Location');
      if (!location) break;
      current = await this.get(
        new URL(location, 'http://testserver/').pathname +
          new URL(location, 'http://testserver/').search,
      );
    }
    return current;
  }

  /** Sends any method; the jar is updated from the response's Set-Cookie headers. */
  async request(
    method: string,
    path: string,
    data?: Record<string, string | number> | string,
    options: BodyRequestOptions = {},
  ): Promise<HttpResponse> {
    const app = await this.#app;
    let url = path;
    if (options.query) {
      const query = new URLSearchParams(
        Object.entries(options.query).map(([k, v]): [string, string] => [k, String(v)]),
      );
      url += (url.includes('?') ? '&' : '?') + query.toString();
    }
    const headers: Record<string, string> = {
      host: 'testserver',
      ...lowerKeys(options.headers ?? {}),
    };
    if (this.cookies.size > 0 && !headers.cookie) {
      headers.cookie = Array.from(this.cookies, ([k, v]) => `${k}=${v}`).join('; ');
    }
    let body: Buffer | undefined;
    if (data !== undefined) {
      const form = typeof data !== 'string';
      body = Buffer.from(
        form
          ? new URLSearchParams(
              Object.entries(data).map(([k, v]): [string, string] => [k, String(v)]),
            ).toString()
          : data,
      );
      headers['content-type'] ??=
        options.contentType ?? (form ? 'application/x-www-form-urlencoded' : 'text/plain');
      headers['content-length'] = String(body.length);
    }
    const request = new HttpRequest({ method, url, headers, body });
    if (!this.#enforceCsrfChecks) dontEnforceCsrfChecks(request);
    const response = await app.handle(request);
    this.#store(response);
    return response;
  }

  /**
   * Applies Set-Cookie headers as a browser would: Max-Age <= 0 or a past expires deletes; the
   * jar keeps the value exactly as sent (quoted if it was), since that is what a browser echoes.
   */
  #store(response: HttpResponse): void {
    for (const header of response.setCookieHeaders()) {
      const [pair = '', ...attributes] = header.split(/;\s*/);
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      let expired = false;
      for (const attribute of attributes) {
        const [key = '', raw = ''] = attribute.split('=');
        if (key.toLowerCase() === 'max-age' && Number(raw) <= 0) expired = true;
        if (key.toLowerCase() === 'expires' && Date.parse(raw) <= Date.now()) expired = true;
      }
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
  }
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
