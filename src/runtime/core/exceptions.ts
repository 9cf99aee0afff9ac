/**
 * Django's `django.core.exceptions` that every layer may raise: the request-level failures the
 * handler turns into a response once (`responseForException` in `handlers/`). This module
 * imports nothing, so a backend in any layer can raise them without loading the HTTP layer.
 *
 * See https://docs.djangoproject.com/en/stable/ref/exceptions/#module-django.core.exceptions
 */

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

/**
 * A service the request needs (a cache, a database, a session store) cannot be reached or did
 * not answer in time: 503, the server stays up and recovers when the service returns
 * (DESIGN.md §7). Each backend raises its own subclass (`CacheUnavailable`,
 * `DatabaseUnavailable`); the handler maps the whole family to 503 in one place. Anything
 * else a backend throws is a bug and a 500.
 *
 * @example
 * throw new ServiceUnavailable('Cannot connect to Redis at redis://127.0.0.1:6379/0');
 */
export class ServiceUnavailable extends Error {
  override name = 'ServiceUnavailable';
}
