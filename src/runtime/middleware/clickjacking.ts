import type { HttpResponse } from '../http/response.js';
import type { MiddlewareFactory } from './types.js';

const exempt = new WeakSet<HttpResponse>();

/**
 * Marks a response so `XFrameOptionsMiddleware` leaves it alone (it may be framed), like
 * Django's `@xframe_options_exempt`. Returns the response.
 *
 * @example
 * return exemptFromXFrameOptions(render(request, 'widget.html'));
 */
export function exemptFromXFrameOptions<R extends HttpResponse>(response: R): R {
  exempt.add(response);
  return response;
}

/**
 * Django's `XFrameOptionsMiddleware`: sets `X-Frame-Options` from `X_FRAME_OPTIONS` (default
 * `'DENY'`), upper-cased, unless the response already has one or is exempt.
 *
 * @example
 * MIDDLEWARE: ['tango.middleware.clickjacking.XFrameOptionsMiddleware']
 */
export const XFrameOptionsMiddleware: MiddlewareFactory = function XFrameOptionsMiddleware(
  getResponse,
  settings,
) {
  const value = (settings.X_FRAME_OPTIONS ?? 'DENY').toUpperCase();
  return async function XFrameOptionsMiddleware(request) {
    const response = await getResponse(request);
    if (!response.headers.has('X-Frame-Options') && !exempt.has(response)) {
      response.headers.set('X-Frame-Options', value);
    }
    return response;
  };
};
