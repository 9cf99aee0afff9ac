/**
 * The sessions app's error classes (Django's `django.contrib.sessions.exceptions`, plus the
 * store errors Django keeps in `backends/base.py`), each a named failure mode converted to a
 * response once, by the handler: `SessionInterrupted` is a `BadRequest` (400); the
 * `ServiceUnavailable` family (`SessionStoreUnavailable`, `CreateError`, and the cache's and
 * database's own `CacheUnavailable`/`DatabaseUnavailable`) answers 503. Anything else a store
 * throws is a bug and a 500 (docs/session-store-contract.md).
 */
import { ImproperlyConfigured } from '../conf/errors.js';
import { BadRequest, ServiceUnavailable } from '../core/exceptions.js';

/**
 * `save()` found no record to update: another request deleted the session meanwhile, or the
 * key was never one the store could have issued (Django's `UpdateError`). Every server-side
 * store reports a vanished record this way; the middleware turns it into `SessionInterrupted`.
 *
 * @example
 * if (changes === 0) throw new UpdateError();
 */
export class UpdateError extends Error {
  override name = 'UpdateError';
  constructor(
    message = 'The session was deleted before it could be saved.',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * `create()` met a taken key `MAX_CREATE_ATTEMPTS` times in a row. With 36^32 keys a real
 * collision never happens, so the store refuses every insert and is probably down: a 503
 * (Django's cache engine says "It is likely that the cache is unavailable").
 *
 * @example
 * throw new CreateError('Unable to create a new session key after 10 attempts.');
 */
export class CreateError extends ServiceUnavailable {
  override name = 'CreateError';
}

/**
 * A session store met an infrastructure failure that is not already a `ServiceUnavailable`
 * (the `file` engine's EACCES, ENOSPC, EMFILE, EIO on its directory; a custom engine's lost
 * connection): a 503 whose message names the engine. Raise it from a custom engine for an
 * outage; anything else it throws is treated as a bug (500).
 *
 * @example
 * throw new SessionStoreUnavailable('file', "EACCES (open) in '/var/lib/sessions'", { cause: error });
 * // message: "The 'file' session engine is unavailable: EACCES (open) in '/var/lib/sessions'"
 */
export class SessionStoreUnavailable extends ServiceUnavailable {
  override name = 'SessionStoreUnavailable';
  /** The engine's name (`'file'`, or a custom engine's class name). */
  readonly engine: string;
  constructor(engine: string, reason: string, options?: ErrorOptions) {
    super(`The '${engine}' session engine is unavailable: ${reason}`, options);
    this.engine = engine;
  }
}

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
 * A request waited longer than its lock timeout (`SESSION_LOCK_TIMEOUT`, or
 * `blockingSession(view, { timeout })`) for a session that another request held locked: a
 * 503, since the session is busy, not the request wrong, and the same request succeeds once
 * the other one is done. Only requests that lock the session (`SESSION_LOCKING`,
 * `blockingSession`) wait, and only for each other.
 *
 * @example
 * // Service Unavailable: /cart/add/: Gave up after 10 s waiting for this session's lock, held by another request (SESSION_LOCK_TIMEOUT)
 * throw new SessionLockTimeout(10);
 */
export class SessionLockTimeout extends ServiceUnavailable {
  override name = 'SessionLockTimeout';
  /** The timeout that expired, in seconds. */
  readonly timeout: number;
  constructor(timeout: number, options?: ErrorOptions) {
    super(
      `Gave up after ${timeout} s waiting for this session's lock, held by another request (SESSION_LOCK_TIMEOUT)`,
      options,
    );
    this.timeout = timeout;
  }
}

/**
 * The session engine cannot list or end a user's sessions (`listUserSessions`,
 * `endUserSessions`, `store.listSessions`): a client-side engine (`signed_cookies`,
 * `encrypted_cookies`) keeps each session in its browser's cookie, where the server can
 * neither find nor revoke it, and a custom engine may lack `listSessions`/`deleteSessions`.
 * An `ImproperlyConfigured` (a 500 if a view meets it): check `supportsUserSessions(store)`
 * first to offer the feature only where it exists. Client-side sessions end on a password
 * change instead, through the session auth hash checked on every request.
 *
 * @example
 * // UserSessionsNotSupported: The 'signed_cookies' session engine keeps each session in the browser's cookie: ...
 * if (!supportsUserSessions(store)) throw new UserSessionsNotSupported(store);
 */
export class UserSessionsNotSupported extends ImproperlyConfigured {
  override name = 'UserSessionsNotSupported';
  /** The engine's name (`'signed_cookies'`), or a custom store's class name. */
  readonly engine: string;
  constructor(engine: string, clientSide: boolean, options?: ErrorOptions) {
    super(
      clientSide
        ? `The '${engine}' session engine keeps each session in the browser's cookie: the server cannot list or end a user's sessions. A password change ends them instead (the session auth hash, checked on every request); use a server-side engine (db, cached_db, file, cache) to list them.`
        : `The '${engine}' session engine cannot list or end a user's sessions: its store has no listSessions() and deleteSessions() (docs/session-store-contract.md, "Sessions per user").`,
      options,
    );
    this.engine = engine;
  }
}
