import type { Settings } from '../conf/settings.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';

/** The rest of the chain, as Django's `get_response`: always async in Tango. */
export type GetResponse = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * A Django-style middleware factory: called once at start-up with the next handler and the
 * settings; returns the per-request handler. Async factories may open stores at start-up.
 *
 * @example
 * export const timing: MiddlewareFactory = function timing(getResponse) {
 *   return async function timingMiddleware(request) {
 *     const started = performance.now();
 *     const response = await getResponse(request);
 *     response.headers.set('Server-Timing', `app;dur=${performance.now() - started}`);
 *     return response;
 *   };
 * };
 */
export type MiddlewareFactory = (
  getResponse: GetResponse,
  settings: Readonly<Settings>,
) => GetResponse | Promise<GetResponse>;

/** A middleware instance may expose `close()` so graceful shutdown can release its stores. */
export interface Closable {
  close(): Promise<void>;
}
