/**
 * Exceptions to responses, once, at the boundary (Django's `django/core/handlers/exception.py`).
 */
import { getLogger } from '../core/log.js';
import type { Settings } from '../conf/settings.js';
import {
  BadRequest,
  PermissionDenied,
  RequestDataTooBig,
  ServiceUnavailable,
  SuspiciousOperation,
} from '../core/exceptions.js';
import { Http404 } from '../http/errors.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import type { GetResponse } from '../middleware/types.js';
import type { UrlResolver } from '../urls/index.js';
import {
  badRequest,
  pageNotFound,
  permissionDenied,
  serverError,
  serviceUnavailable,
} from '../views/index.js';

const requestLogger = getLogger('tango.request');

/**
 * Wraps a handler so that an exception becomes a response before it reaches the middleware
 * around it, as Django's `convert_exception_to_response` does: an outer session middleware
 * then sees a 500 (and does not save) or a 404 (and does).
 */
export function convertExceptions(
  inner: GetResponse,
  settings: Readonly<Settings>,
  resolver: UrlResolver,
): GetResponse {
  // No async frame of its own: one promise per layer on the hot path, not two.
  return function convertExceptionsToResponse(request) {
    const toResponse = (error: unknown) => responseForException(request, error, settings, resolver);
    try {
      return inner(request).catch(toResponse);
    } catch (error) {
      return Promise.resolve(toResponse(error));
    }
  };
}

/** Maps an exception to the response Django would give, and logs it like `django.request`. */
export function responseForException(
  request: HttpRequest,
  error: unknown,
  settings: Readonly<Settings>,
  resolver: UrlResolver | undefined,
): HttpResponse {
  const debug = settings.DEBUG;
  const err = error instanceof Error ? error : new Error(String(error));
  if (err instanceof Http404) {
    requestLogger.warning(`Not Found: ${request.path}`);
    return pageNotFound(request, {
      debug,
      tried: resolver?.tried(request.path) ?? [],
      // Django's test is "nothing was tried"; here tried(path) is also empty for a path that
      // no pattern could be tried for, so ask about the whole urlconf (hardening 8).
      emptyUrlconf: debug && resolver !== undefined && resolver.tried().length === 0,
      error: err,
    });
  }
  if (err instanceof RequestDataTooBig) {
    getLogger('tango.security.RequestDataTooBig').warning(err.message);
    const response = badRequest(request, { debug, error: err });
    response.status = 413;
    return response;
  }
  if (err instanceof SuspiciousOperation) {
    getLogger(`tango.security.${err.name}`).error(err.message);
    return badRequest(request, { debug, error: err });
  }
  if (err instanceof BadRequest) {
    requestLogger.warning(`Bad Request: ${request.path}: ${err.message}`);
    return badRequest(request, { debug, error: err });
  }
  if (err instanceof PermissionDenied) {
    requestLogger.warning(`Forbidden (Permission denied): ${request.path}`);
    return permissionDenied(request, { debug, error: err });
  }
  if (err instanceof ServiceUnavailable) {
    requestLogger.error(`Service Unavailable: ${request.path}: ${err.message}`);
    return serviceUnavailable(request, { debug, error: err });
  }
  requestLogger.error(`Internal Server Error: ${request.path}\n${err.stack ?? err.message}`);
  return serverError(request, { debug, error: err });
}
