/**
 * Raise in a view to answer 404, like Django's `django.http.Http404`.
 *
 * @example
 * if (!item) throw new Http404('No such item');
 */
export class Http404 extends Error {
  override name = 'Http404';
}

export {
  BadRequest,
  DisallowedHost,
  PermissionDenied,
  RequestDataTooBig,
  ServiceUnavailable,
  SuspiciousOperation,
} from '../core/exceptions.js';

/**
 * A missing key, like Python's `KeyError`: thrown by `session.delete(k)` and
 * `getSignedCookie(name)` without a default.
 */
export class KeyError extends Error {
  override name = 'KeyError';
  constructor(readonly key: string) {
    super(`'${key}'`);
  }
}
