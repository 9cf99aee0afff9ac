/**
 * `SessionMiddleware` (Django's `django.contrib.sessions.middleware.SessionMiddleware`): attaches
 * `request.session`, and after the view saves it and sets, refreshes or deletes the cookie.
 *
 * See https://docs.djangoproject.com/en/stable/topics/http/sessions/#when-sessions-are-saved
 */
import { ImproperlyConfigured } from '../conf/errors.js';
import { getLogger } from '../core/log.js';
import { type CookieOptions, validateCookie } from '../http/cookie.js';
import type { HttpResponse } from '../http/response.js';
import { patchVaryHeaders } from '../middleware/vary.js';
import type { GetResponse, MiddlewareFactory } from '../middleware/types.js';
import { createSessionStore, engineLabel } from './engines.js';
import { SessionInterrupted, UpdateError } from './exceptions.js';
import { type ClearingSchedule, scheduleClearExpired } from './clearing.js';
import { canLock } from './locking.js';
import { END_EXPIRY, FIRST_EXPIRY, Session, type SessionSettings } from './session.js';

const sessionsLogger = getLogger('tango.sessions');

/**
 * The cookie's `maxAge` for a session expiring in `age` seconds, kept inside what `setCookie`
 * accepts. The session's expiry is within HTTP dates when `getExpiryAge()` reads the clock
 * (`readExpiry` sees to that), but the store write comes between that and `setCookie`, which
 * reads the clock again: an expiry at the very edge of year 1 or year 9999 could slip out of
 * range meanwhile and `setCookie` would throw (a 500 for a session that was just saved). It
 * stops a second inside the range instead; any other age passes unchanged.
 */
function cookieMaxAge(age: number): number {
  const now = Date.now();
  const highest = Math.floor((END_EXPIRY - now) / 1000) - 1;
  if (age > highest) return highest;
  const lowest = Math.ceil((FIRST_EXPIRY - now) / 1000) + 1;
  return age < lowest ? lowest : age;
}

/**
 * The per-request handler `SessionMiddleware` returns; `close()` releases its store.
 *
 * @example
 * const handler = (await SessionMiddleware(getResponse, settings)) as SessionMiddlewareHandler;
 * await handler.close(); // at shutdown
 */
export type SessionMiddlewareHandler = GetResponse & { close(): Promise<void> };

/**
 * Django's `SessionMiddleware`. Builds the `SESSION_ENGINE` store once at start-up (a bad
 * engine configuration fails there, not on the first request). Per request:
 *
 * 1. `request.session` is a `Session` for the `SESSION_COOKIE_NAME` cookie, loaded before the
 *    view when the cookie is present (a store that is down answers 503); with
 *    `SESSION_LOCKING` it is locked first (`SessionLockTimeout`, 503, after
 *    `SESSION_LOCK_TIMEOUT`), and the lock (or `blockingSession`'s) is released after the
 *    save, on every path.
 * 2. After the view, in Django's order:
 *    - the request sent the cookie and the session is now empty: the cookie is deleted (with
 *      `SESSION_COOKIE_PATH`/`DOMAIN`/`SAMESITE`) and `Vary: Cookie` added;
 *    - otherwise `Vary: Cookie` when the session was accessed, and when it was modified (or
 *      `SESSION_SAVE_EVERY_REQUEST`) and is not empty, it is saved and the cookie (re)sent with
 *      `Max-Age`/`expires` from `getExpiryAge()` (none for browser-close sessions), with
 *      `Vary: Cookie` (as Django 5.2) — except on 5xx responses, which save nothing. The save
 *      merges this request's changes into the latest stored data (`Session.save`);
 *    - a session whose data only a `SECRET_KEY_FALLBACKS` key opened is saved (re-signed or
 *      re-encrypted under `SECRET_KEY`) as if modified: key rotation logs no one out;
 *    - a session deleted by a concurrent request throws `SessionInterrupted` (400);
 *    - a client-side store's cookie over 4096 bytes is reported by the handler's cookie size
 *      guard (`checkCookieSizes`, for every cookie): an error in DEBUG, else one warning.
 *    The store write completes before the response is returned. Other store errors pass
 *    through to the handler: 503 for a `ServiceUnavailable`, 500 for anything else.
 *
 * @example
 * // settings.ts
 * MIDDLEWARE: ['tango.sessions.middleware.SessionMiddleware', ...]
 */
export const SessionMiddleware: MiddlewareFactory = async function SessionMiddleware(
  getResponse,
  settings,
) {
  const store = await createSessionStore(settings);
  // Everything read from settings is read here, once.
  const cookieName = settings.SESSION_COOKIE_NAME;
  const saveEveryRequest = settings.SESSION_SAVE_EVERY_REQUEST;
  const engine = engineLabel(settings.SESSION_ENGINE);
  // SESSION_LOCKING: a request with a session cookie locks its session from load to save.
  const locking = settings.SESSION_LOCKING;
  if (locking && !canLock(store)) {
    throw new ImproperlyConfigured(
      `SESSION_LOCKING needs a session engine that can lock sessions (db, cached_db, file, cache); '${engine}' cannot${store.kind === 'client' ? ', its cookie is the data' : ''}.`,
    );
  }
  // SESSION_CLEAR_EXPIRED_EVERY: this process takes part in clearing expired sessions.
  const clearEvery = settings.SESSION_CLEAR_EXPIRED_EVERY;
  if (clearEvery !== null && (store.kind === 'client' || !canLock(store))) {
    throw new ImproperlyConfigured(
      `SESSION_CLEAR_EXPIRED_EVERY needs a session engine that keeps sessions on the server and can lock them (db, cached_db, file, cache); '${engine}' ${store.kind === 'client' ? 'keeps no sessions on the server' : 'cannot lock'}.`,
    );
  }
  const clearing: ClearingSchedule | undefined =
    clearEvery === null ? undefined : scheduleClearExpired(store, clearEvery);
  const sessionSettings: SessionSettings = {
    SESSION_COOKIE_AGE: settings.SESSION_COOKIE_AGE,
    SESSION_EXPIRE_AT_BROWSER_CLOSE: settings.SESSION_EXPIRE_AT_BROWSER_CLOSE,
    SESSION_LOCK_TIMEOUT: settings.SESSION_LOCK_TIMEOUT,
    SESSION_LOCK_EXPIRY: settings.SESSION_LOCK_EXPIRY,
  };
  const sameSite = settings.SESSION_COOKIE_SAMESITE || null;
  // CHIPS: a partitioned cookie is only reached by a partitioned deletion.
  const partitioned = settings.SESSION_COOKIE_PARTITIONED;
  const deleteOptions = {
    path: settings.SESSION_COOKIE_PATH,
    domain: settings.SESSION_COOKIE_DOMAIN,
    sameSite,
    partitioned,
  };
  const cookieOptions: CookieOptions = {
    domain: settings.SESSION_COOKIE_DOMAIN,
    path: settings.SESSION_COOKIE_PATH,
    secure: settings.SESSION_COOKIE_SECURE,
    httpOnly: settings.SESSION_COOKIE_HTTPONLY,
    sameSite,
    partitioned,
  };
  try {
    // A cookie the browser would refuse (a bad name, `__Host-` without Secure) is a settings
    // mistake: report it at start-up rather than as a 500 on the first login.
    validateCookie(cookieName, 'x', { ...cookieOptions, maxAge: settings.SESSION_COOKIE_AGE });
  } catch (error) {
    throw new ImproperlyConfigured(
      `The SESSION_COOKIE_* settings make an invalid cookie: ${(error as Error).message}`,
    );
  }

  async function processResponse(
    carriedCookie: boolean,
    session: Session,
    response: HttpResponse,
  ): Promise<HttpResponse> {
    const { accessed, modified } = session;
    const empty = session.isEmpty();
    if (carriedCookie && empty) {
      response.deleteCookie(cookieName, deleteOptions);
      patchVaryHeaders(response, ['Cookie']);
      return response;
    }
    // Data only a SECRET_KEY_FALLBACKS key opened is saved anyway, to leave under SECRET_KEY
    // (sessions/rotation.ts); the response then sets the cookie, so it varies on it.
    const rekey = session.usedFallbackKey;
    if (accessed || rekey) patchVaryHeaders(response, ['Cookie']);
    if (!(modified || saveEveryRequest || rekey) || empty || response.status >= 500)
      return response;
    try {
      await session.save();
    } catch (error) {
      if (error instanceof UpdateError) throw new SessionInterrupted(undefined, { cause: error });
      throw error;
    }
    // After the save: a merge may have brought in another request's `_session_expiry`.
    const browserClose = session.getExpireAtBrowserClose();
    const maxAge = browserClose ? undefined : session.getExpiryAge();
    const value = session.sessionKey!;
    response.setCookie(
      cookieName,
      value,
      maxAge === undefined ? cookieOptions : { ...cookieOptions, maxAge: cookieMaxAge(maxAge) },
    );
    // Django 5.2 varies on Cookie whenever it sets the session cookie, accessed or not
    // (SESSION_SAVE_EVERY_REQUEST).
    patchVaryHeaders(response, ['Cookie']);
    return response;
  }

  /** Releases the request's session lock; a failure is logged (the lock lapses by itself). */
  async function unlock(session: Session): Promise<void> {
    try {
      await session.unlock();
    } catch (error) {
      sessionsLogger.error(
        `Could not release a session lock (it lapses after SESSION_LOCK_EXPIRY): ${(error as Error).message}`,
      );
    }
  }

  const sessionMiddleware = async function sessionMiddleware(request) {
    const cookie = request.cookies.get(cookieName);
    const session = new Session(store, sessionSettings, cookie);
    request.session = session;
    try {
      if (session.sessionKey !== null) {
        if (locking) await session.lock();
        await session.load();
      }
      const response = await getResponse(request);
      return await processResponse(cookie !== undefined, session, response);
    } finally {
      // SESSION_LOCKING or blockingSession(): held until the save is done, on every path.
      if (session.locked) await unlock(session);
    }
  } as SessionMiddlewareHandler;
  sessionMiddleware.close = async function closeSessionStore() {
    await clearing?.stop();
    await store.close?.();
  };
  return sessionMiddleware;
};
