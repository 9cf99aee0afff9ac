/**
 * The sessions app's error classes (Django's `django.contrib.sessions.exceptions`), each a
 * named failure mode converted to a response once, by the handler: the `BadRequest` family
 * answers 400, `ServiceUnavailable` (from `tango/http`) answers 503.
 */
import { BadRequest, SuspiciousOperation } from '../http/errors.js';

export { UpdateError, CreateError } from './store.js';

/**
 * The session was deleted by another request (a concurrent logout, say) while this request
 * was modifying it, so it could not be saved. Django 3.2+ raises this from
 * `SessionMiddleware.process_response` on `UpdateError`; the client gets HTTP 400.
 *
 * @example
 * try { await session.save(); } catch (e) { if (e instanceof UpdateError) throw new SessionInterrupted(); }
 */
export class SessionInterrupted extends BadRequest {
  override name = 'SessionInterrupted';
  constructor(
    message = "The request's session was deleted before the request completed. The user may have logged out in a concurrent request, for example.",
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A session key that can never have been issued (characters outside `[a-z0-9]`, wrong length):
 * Django's `InvalidSessionKey`. Engines raise it before building a path or query from the key
 * and swallow it in `load()`, which then answers `null`.
 *
 * @example
 * if (!/^[a-z0-9]+$/.test(key)) throw new InvalidSessionKey('Invalid characters in session key');
 */
export class InvalidSessionKey extends SuspiciousOperation {
  override name = 'InvalidSessionKey';
}

/**
 * Session data that fails verification (tampered or signed with another key): Django's
 * `SuspiciousSession`. Never thrown to a view; its name is the security logger's suffix
 * (`tango.security.SuspiciousSession`).
 *
 * @example
 * getLogger(`tango.security.${SuspiciousSession.name}`).warning('Session data corrupted');
 */
export class SuspiciousSession extends SuspiciousOperation {
  override name = 'SuspiciousSession';
}
