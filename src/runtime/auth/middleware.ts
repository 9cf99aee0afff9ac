/**
 * `AuthenticationMiddleware` (Django's `django.contrib.auth.middleware`): gives every request
 * `request.user` and `await request.auser()`.
 *
 * Django computes `request.user` lazily, on first access, because Django's database calls are
 * synchronous. Tango's are not, and views read `request.user` synchronously (so do
 * templates), so the middleware resolves it before the view, but only when there is something
 * to resolve: a request whose session holds no `_auth_user_id` gets an `AnonymousUser` with no
 * query; a logged-in one costs one primary-key SELECT. The session is marked accessed (so
 * `Vary: Cookie` is added) only when the view or a template reads `request.user`, as in
 * Django. A session whose password hash no longer matches is flushed right away, whether or
 * not the view reads `request.user`: it is logged out on its next request.
 *
 * See https://docs.djangoproject.com/en/5.2/ref/middleware/#module-django.contrib.auth.middleware
 */
import { ImproperlyConfigured } from '../conf/errors.js';
import type { MiddlewareFactory } from '../middleware/types.js';
import { setContextProcessor } from '../template/context.js';
import { attachUser, getUser, hasUser, SESSION_KEY } from './api.js';
import { AnonymousUser, type AnyUser } from './models.js';

// Django's `django.contrib.auth.context_processors.auth`: `{{user}}` in every template
// rendered for a request that went through the middleware. A getter, as Django's lazy
// request.user: a template that never renders `user` leaves the session unaccessed.
setContextProcessor('tango.auth', (request) =>
  hasUser(request)
    ? {
        get user() {
          return request.user;
        },
      }
    : {},
);

/**
 * Django's `AuthenticationMiddleware`. Needs `SessionMiddleware` before it: without it, every
 * request fails with Django's message (500).
 *
 * @example
 * MIDDLEWARE: [
 *   'tango.sessions.middleware.SessionMiddleware',
 *   'tango.middleware.csrf.CsrfViewMiddleware',
 *   'tango.auth.middleware.AuthenticationMiddleware',
 * ]
 */
export const AuthenticationMiddleware: MiddlewareFactory = async function AuthenticationMiddleware(
  getResponse,
) {
  return async function authenticationMiddleware(request) {
    if (!request.hasSession) {
      throw new ImproperlyConfigured(
        "The Tango authentication middleware requires session middleware to be installed. Edit your MIDDLEWARE setting to insert 'tango.sessions.middleware.SessionMiddleware' before 'tango.auth.middleware.AuthenticationMiddleware'.",
      );
    }
    const session = request.session;
    // Peek at the session without marking it accessed: only reading request.user does that.
    const accessed = session.accessed;
    let user: AnyUser;
    if (session.sessionKey !== null && session.has(SESSION_KEY)) {
      user = await getUser(request);
    } else {
      user = new AnonymousUser();
    }
    session.accessed = accessed;
    attachUser(request, user);
    return getResponse(request);
  };
};
