import type { HttpRequest } from '../http/request.js';
import { HttpResponsePermanentRedirect } from '../http/response.js';
import { getResolver } from '../urls/base.js';
import { escapeLeadingSlashes } from '../urls/quote.js';
import type { UrlResolver } from '../urls/resolver.js';
import type { MiddlewareFactory } from './types.js';

/**
 * `APPEND_SLASH` cannot redirect a request with a body (Django raises `RuntimeError`): the
 * browser would re-send it as a GET and the data would be lost. Raised only with `DEBUG`, so
 * the developer fixes the form's action; without `DEBUG` the redirect happens as in Django.
 */
export class AppendSlashError extends Error {
  override name = 'AppendSlashError';
}

/** Methods whose data a redirect would drop (Django's list). */
const BODY_METHODS = new Set(['DELETE', 'POST', 'PUT', 'PATCH']);

/**
 * A view may opt out of `APPEND_SLASH` redirects, like Django's `@no_append_slash`.
 *
 * @example
 * export const api = noAppendSlash((request) => new JsonResponse({}));
 */
export function noAppendSlash<V extends object>(view: V): V {
  Object.defineProperty(view, 'shouldAppendSlash', { value: false });
  return view;
}

function resolverOrUndefined(): UrlResolver | undefined {
  try {
    return getResolver();
  } catch {
    return undefined; // no urlconf configured: nothing resolves, so nothing to redirect to
  }
}

/** Django's `should_redirect_with_slash`: the path fails to resolve and path + '/' resolves. */
function shouldRedirectWithSlash(request: HttpRequest): boolean {
  if (request.path.endsWith('/')) return false;
  const resolver = resolverOrUndefined();
  if (!resolver || resolver.resolve(request.path)) return false;
  const match = resolver.resolve(request.path + '/');
  return (
    match !== null && (match.view as { shouldAppendSlash?: boolean }).shouldAppendSlash !== false
  );
}

/** Django's `get_full_path_with_slash`: encoded path + '/' + query, never scheme-relative. */
function fullPathWithSlash(request: HttpRequest, debug: boolean): string {
  const newPath = escapeLeadingSlashes(request.getFullPath(true));
  if (debug && BODY_METHODS.has(request.method)) {
    const m = request.method;
    throw new AppendSlashError(
      `You called this URL via ${m}, but the URL doesn't end in a slash and you have APPEND_SLASH set. ` +
        `Tango can't redirect to the slash URL while maintaining ${m} data. Change your form to point to ` +
        `${request.getHost()}${newPath} (note the trailing slash), or set APPEND_SLASH: false in your settings.`,
    );
  }
  return newPath;
}

/**
 * Django's `CommonMiddleware`: with `APPEND_SLASH` (default true), a 404 for a path without a
 * trailing slash becomes a 301 to the path with one when that resolves, keeping the query
 * string; and every response gets a `Content-Length` when it has none.
 *
 * Relies on the handler turning `Http404` into a 404 response inside the chain, as Django's
 * `convert_exception_to_response` does.
 *
 * @example
 * MIDDLEWARE: ['tango.middleware.common.CommonMiddleware']
 */
export const CommonMiddleware: MiddlewareFactory = function CommonMiddleware(
  getResponse,
  settings,
) {
  const appendSlash = settings.APPEND_SLASH;
  const debug = settings.DEBUG;
  return async function CommonMiddleware(request) {
    const response = await getResponse(request);
    if (response.status === 404 && appendSlash && shouldRedirectWithSlash(request)) {
      return new HttpResponsePermanentRedirect(fullPathWithSlash(request, debug));
    }
    if (!response.headers.has('Content-Length')) {
      response.headers.set('Content-Length', String(response.contentLength));
    }
    return response;
  };
};
