import { Http404 } from '../http/errors.js';
import type { HttpRequest } from '../http/request.js';
import { HttpResponse } from '../http/response.js';
import { currentTemplateEngine } from '../template/index.js';
import { quote } from '../urls/quote.js';
import { technicalErrorPage, technicalNotFound, welcomePage } from './debug.js';
import { escapeHtml } from './html.js';

/** Options of the error views. */
export interface ErrorPageOptions {
  /** `settings.DEBUG`: a technical page for the developer instead of the plain one. */
  debug: boolean;
  /** What went wrong (shown only with `debug`). */
  error?: unknown;
}

/** Options of `pageNotFound`. */
export interface PageNotFoundOptions extends ErrorPageOptions {
  /** The URL patterns tried, in order (`resolver.tried(request.path)`), for the DEBUG page. */
  tried?: readonly string[];
  /**
   * The project has no URL patterns at all (`resolver.tried().length === 0`): with `debug`,
   * Django's welcome page instead of the 404. Default false: an empty `tried` alone (a path
   * no pattern was tried for) does not say the urlconf is empty.
   */
  emptyUrlconf?: boolean;
}

/**
 * Django's `ERROR_PAGE_TEMPLATE` (django/views/defaults.py), byte for byte: the 404 page is 179
 * bytes and the 500 page 145 (checklist #44).
 */
function errorPage(title: string, details: string): string {
  return `\n<!doctype html>\n<html lang="en">\n<head>\n  <title>${title}</title>\n</head>\n<body>\n  <h1>${title}</h1><p>${details}</p>\n</body>\n</html>\n`;
}

/**
 * A project's own error template (`404.html`, `500.html`, ...), as Django looks one up first.
 * Undefined when there is none, or when rendering it fails: an error page must not fail.
 */
function customPage(
  name: string,
  context: object,
  request: HttpRequest | undefined,
  status: number,
): HttpResponse | undefined {
  const engine = currentTemplateEngine();
  if (!engine?.has(name)) return undefined;
  try {
    return new HttpResponse(engine.render(name, context, request), { status });
  } catch {
    return undefined;
  }
}

/**
 * The built-in plain page, `text/html; charset=utf-8` as Django 5.2 sends it (its
 * `django/views/defaults.py` leaves the response's default content type; Django 3.2 sent
 * `text/html` without a charset, checklist #44).
 */
function plainPage(status: number, title: string, details: string): HttpResponse {
  return new HttpResponse(errorPage(title, details), {
    status,
    contentType: 'text/html; charset=utf-8',
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : error === undefined ? '' : String(error);
}

/**
 * 404, like Django's `page_not_found` (the project's `404.html` if it has one, with
 * `request_path` and `exception` in the context). With `debug`, the technical page listing the
 * URL patterns tried; with `debug` and no URL patterns at all (`emptyUrlconf`), Django's
 * welcome page.
 *
 * @example
 * return pageNotFound(request, { debug: settings.DEBUG, tried: resolver.tried(request.path) });
 */
export function pageNotFound(request: HttpRequest, options: PageNotFoundOptions): HttpResponse {
  const tried = options.tried ?? [];
  if (options.debug) {
    if (options.emptyUrlconf && request.resolverMatch === undefined) return welcomePage(request);
    return technicalNotFound(request, tried, options.error);
  }
  const exception =
    options.error instanceof Http404 && options.error.message ? options.error.message : 'Http404';
  return (
    customPage('404.html', { request_path: quote(request.path), exception }, request, 404) ??
    plainPage(404, 'Not Found', `The requested resource was not found on this server.`)
  );
}

/**
 * 500, like Django's `server_error` (`500.html` with an empty context if the project has one).
 * With `debug`: the exception type, message, cause chain and stack, HTML-escaped.
 *
 * @example
 * return serverError(request, { debug: false, error });
 */
export function serverError(request: HttpRequest, options: ErrorPageOptions): HttpResponse {
  if (options.debug) return technicalErrorPage(request, 500, 'Server Error', options.error);
  return customPage('500.html', {}, undefined, 500) ?? plainPage(500, 'Server Error (500)', '');
}

/**
 * 400, like Django's `bad_request` (`400.html` if present). With `debug`, the technical page.
 *
 * @example
 * return badRequest(request, { debug: false, error });
 */
export function badRequest(request: HttpRequest, options: ErrorPageOptions): HttpResponse {
  if (options.debug) return technicalErrorPage(request, 400, 'Bad Request', options.error);
  return customPage('400.html', {}, request, 400) ?? plainPage(400, 'Bad Request (400)', '');
}

/**
 * 403, like Django's `permission_denied` (`403.html` with `exception` if present). With
 * `debug`, the technical page.
 *
 * @example
 * return permissionDenied(request, { debug: false, error });
 */
export function permissionDenied(request: HttpRequest, options: ErrorPageOptions): HttpResponse {
  if (options.debug) return technicalErrorPage(request, 403, 'Forbidden', options.error);
  return (
    customPage('403.html', { exception: messageOf(options.error) }, request, 403) ??
    plainPage(403, '403 Forbidden', '')
  );
}

/**
 * 503 when a store (database, cache) is down: the server stays up and the next request may
 * succeed. Django has no such view; the page follows its plain style (`503.html` if present).
 *
 * @example
 * return serviceUnavailable(request, { debug: false, error });
 */
export function serviceUnavailable(request: HttpRequest, options: ErrorPageOptions): HttpResponse {
  if (options.debug) return technicalErrorPage(request, 503, 'Service Unavailable', options.error);
  return (
    customPage('503.html', {}, request, 503) ??
    plainPage(
      503,
      'Service Unavailable (503)',
      'Service temporarily unavailable. Please try again later.',
    )
  );
}

export { escapeHtml };
