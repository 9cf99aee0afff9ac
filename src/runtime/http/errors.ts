/**
 * Raise in a view to answer 404, like Django's `django.http.Http404`.
 *
 * @example
 * if (!item) throw new Http404('No such item');
 */
export class Http404 extends Error {
  override name = 'Http404';
}

/** 400 Bad Request, like `django.core.exceptions.BadRequest`. */
export class BadRequest extends Error {
  override name = 'BadRequest';
}

/**
 * A request that looks like tampering or misuse (Django's `SuspiciousOperation`): answered
 * 400 and logged on the `tango.security.<name>` logger, never a 500.
 */
export class SuspiciousOperation extends BadRequest {
  override name = 'SuspiciousOperation';
}

/** The Host header is not in `ALLOWED_HOSTS` (Django's `DisallowedHost`): 400. */
export class DisallowedHost extends SuspiciousOperation {
  override name = 'DisallowedHost';
}

/** 403 Forbidden, like `django.core.exceptions.PermissionDenied`. */
export class PermissionDenied extends Error {
  override name = 'PermissionDenied';
}

/** The body is larger than `DATA_UPLOAD_MAX_MEMORY_SIZE` (Django's `RequestDataTooBig`): 413. */
export class RequestDataTooBig extends SuspiciousOperation {
  override name = 'RequestDataTooBig';
}

/** A dependency (cache, database) is unreachable: 503, the server stays up. */
export class ServiceUnavailable extends Error {
  override name = 'ServiceUnavailable';
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
