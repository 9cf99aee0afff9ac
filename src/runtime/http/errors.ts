import { SuspiciousOperation } from '../core/exceptions.js';

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
 * A query string or form body with more parameters than `DATA_UPLOAD_MAX_NUMBER_FIELDS`
 * (Django's `TooManyFieldsSent`): answered 400 and logged on `tango.security.TooManyFieldsSent`.
 *
 * @example
 * try { request.form; } catch (e) { if (e instanceof TooManyFieldsSent) { ... } }
 */
export class TooManyFieldsSent extends SuspiciousOperation {
  override name = 'TooManyFieldsSent';
}

/**
 * A JSON body nested deeper than `request.json()` allows (Tango's; Django parses no JSON
 * bodies): answered 400 and logged on `tango.security.RequestDataTooDeep`. Deep nesting is
 * cheap to send and makes recursive code (`JSON.stringify` included) overflow the stack.
 *
 * @example
 * request.json({ maxDepth: 20 }); // throws RequestDataTooDeep for [[[[...]]]] 21 levels deep
 */
export class RequestDataTooDeep extends SuspiciousOperation {
  override name = 'RequestDataTooDeep';
}

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
