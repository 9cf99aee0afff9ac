/**
 * Logging users in and out (Django 5.2's `django.contrib.auth.__init__`): `authenticate`,
 * `login`, `logout`, `getUser`, `updateSessionAuthHash`. The session keys and their values
 * are Django's, so a session logged in by either framework is logged in for the other
 * (same `SECRET_KEY`, same database and session engine).
 *
 * See https://docs.djangoproject.com/en/5.2/topics/auth/default/#how-to-log-a-user-in
 */
import { createHash } from 'node:crypto';
import { getSettings } from '../conf/current.js';
import { ImproperlyConfigured } from '../conf/errors.js';
import type { LoginThrottleSettings, Settings } from '../conf/settings.js';
import type { Cache } from '../cache/cache.js';
import { getCache } from '../cache/caches.js';
import { constantTimeCompare, getRandomString } from '../core/crypto.js';
import { PermissionDenied } from '../core/exceptions.js';
import { importString } from '../core/import-string.js';
import { getLogger } from '../core/log.js';
import { HttpRequest } from '../http/request.js';
import { rotateToken } from '../middleware/csrf.js';
import type { Session } from '../sessions/session.js';
import { USER_ID_SESSION_KEY } from '../sessions/users.js';
import {
  AllowAllUsersModelBackend,
  type AuthenticationBackend,
  type AuthenticationBackendClass,
  type Credentials,
  ModelBackend,
} from './backends.js';
import { makePassword } from './hashers.js';
import { AnonymousUser, type AnyUser, getUserManager, User } from './models.js';

/** Django's `SESSION_KEY`: the user's id, as a string (the key the session stores list by). */
export const SESSION_KEY = USER_ID_SESSION_KEY;
/** Django's `BACKEND_SESSION_KEY`: the dotted path of the backend that logged the user in. */
export const BACKEND_SESSION_KEY = '_auth_user_backend';
/** Django's `HASH_SESSION_KEY`: `user.getSessionAuthHash()` at login. */
export const HASH_SESSION_KEY = '_auth_user_hash';
/** Django's `REDIRECT_FIELD_NAME`: the query or form field holding where to go after login. */
export const REDIRECT_FIELD_NAME = 'next';

const logger = getLogger('tango.auth');

// ---------------------------------------------------------------------------------------------
// request.user

declare module '../http/request.js' {
  interface HttpRequest {
    /**
     * The logged-in `User`, or an `AnonymousUser` (set by `AuthenticationMiddleware`; Django's
     * `request.user`). Reading it without the middleware throws an error that says to add it.
     */
    user: AnyUser;
    /** Django 5's `await request.auser()`: the same user, as a promise. */
    auser(): Promise<AnyUser>;
  }
}

/** Users attached to requests by the middleware or `login`/`logout`. */
const requestUsers = new WeakMap<HttpRequest, AnyUser>();

const NO_MIDDLEWARE =
  "request.user is not available: add 'tango.auth.middleware.AuthenticationMiddleware' to MIDDLEWARE, after 'tango.sessions.middleware.SessionMiddleware'.";

/**
 * Gives `request` its `user` and `auser()` as own properties (a template reads
 * `{{request.user.username}}`; Handlebars reads no inherited property). The first read of
 * `user` marks the session accessed, as Django's lazy `request.user` reads the session then.
 *
 * @example
 * attachUser(request, await getUser(request));
 */
export function attachUser(request: HttpRequest, user: AnyUser): void {
  requestUsers.set(request, user);
  if (Object.hasOwn(request, 'user')) return;
  let touched = false;
  Object.defineProperty(request, 'user', {
    configurable: true,
    enumerable: true,
    get(this: HttpRequest) {
      if (!touched) {
        touched = true;
        if (this.hasSession) this.session.accessed = true;
      }
      return requestUsers.get(this)!;
    },
    set(this: HttpRequest, value: AnyUser) {
      requestUsers.set(this, value);
    },
  });
  Object.defineProperty(request, 'auser', { configurable: true, value: auser });
}

/** Django's `request.auser()`, shared by every request the middleware gives a user. */
function auser(this: HttpRequest): Promise<AnyUser> {
  return Promise.resolve(this.user);
}

// Without the middleware, reading `request.user` says what to add (Django: AttributeError).
Object.defineProperty(HttpRequest.prototype, 'user', {
  configurable: true,
  get() {
    throw new ImproperlyConfigured(NO_MIDDLEWARE);
  },
  set(this: HttpRequest, value: AnyUser) {
    attachUser(this, value);
  },
});
Object.defineProperty(HttpRequest.prototype, 'auser', {
  configurable: true,
  writable: true,
  value: function auser(): Promise<AnyUser> {
    return Promise.reject(new ImproperlyConfigured(NO_MIDDLEWARE));
  },
});

/** True once the middleware (or `login`) gave the request a user. */
export function hasUser(request: HttpRequest): boolean {
  return requestUsers.has(request);
}

/** `request.user` without the middleware: the error says what to add. */
export function requestUser(request: HttpRequest): AnyUser {
  const user = requestUsers.get(request);
  if (user === undefined) throw new ImproperlyConfigured(NO_MIDDLEWARE);
  return user;
}

// ---------------------------------------------------------------------------------------------
// backends

/**
 * Built-in backends by dotted path. Django's paths name the same classes, and the session keeps
 * Django's path (`_auth_user_backend`), so Django accepts a session Tango logged in.
 */
const BUILTIN_BACKENDS = new Map<string, { cls: AuthenticationBackendClass; django: string }>([
  [
    'tango.auth.backends.ModelBackend',
    { cls: ModelBackend, django: 'django.contrib.auth.backends.ModelBackend' },
  ],
  [
    'tango.auth.backends.AllowAllUsersModelBackend',
    {
      cls: AllowAllUsersModelBackend,
      django: 'django.contrib.auth.backends.AllowAllUsersModelBackend',
    },
  ],
]);
for (const entry of [...BUILTIN_BACKENDS.values()]) BUILTIN_BACKENDS.set(entry.django, entry);

/**
 * The path stored in the session for a backend path: Django's for a built-in, so a Django
 * service sharing the sessions recognises it.
 */
function sessionBackendPath(path: string): string {
  return BUILTIN_BACKENDS.get(path)?.django ?? path;
}

/** Per settings object: each `AUTHENTICATION_BACKENDS` entry by its session path. */
const configuredBackends = new WeakMap<Readonly<Settings>, Map<string, string>>();

/**
 * The `AUTHENTICATION_BACKENDS` entry a session's backend path names (a built-in under either
 * of its names), or undefined when none does; the table is built once per settings object.
 */
function configuredBackend(settings: Readonly<Settings>, path: string): string | undefined {
  let byPath = configuredBackends.get(settings);
  if (!byPath) {
    byPath = new Map();
    for (const p of settings.AUTHENTICATION_BACKENDS) {
      const key = sessionBackendPath(p);
      if (!byPath.has(key)) byPath.set(key, p);
    }
    configuredBackends.set(settings, byPath);
  }
  return byPath.get(sessionBackendPath(path));
}

/** One loaded backend and the path it was configured under. */
export interface LoadedBackend {
  backend: AuthenticationBackend;
  path: string;
}

/** Per settings object: backends hold their settings (the database they read). */
const loadedBackends = new WeakMap<Readonly<Settings>, Promise<LoadedBackend[]>>();
const backendsByPath = new WeakMap<Readonly<Settings>, Map<string, AuthenticationBackend>>();

/** Django's `load_backend(path)`: the backend instance for a dotted path. */
export async function loadBackend(
  path: string,
  settings: Readonly<Settings> = getSettings(),
): Promise<AuthenticationBackend> {
  let byPath = backendsByPath.get(settings);
  if (!byPath) backendsByPath.set(settings, (byPath = new Map()));
  const known = byPath.get(path);
  if (known) return known;
  let cls = BUILTIN_BACKENDS.get(path)?.cls;
  if (!cls) {
    if (!path.startsWith('./')) {
      throw new ImproperlyConfigured(
        `AUTHENTICATION_BACKENDS entry '${path}' is not a built-in backend ('tango.auth.backends.ModelBackend') nor './module.ts#Export'.`,
      );
    }
    cls = (await importString(
      path,
      'AUTHENTICATION_BACKENDS',
      settings.BASE_DIR,
    )) as AuthenticationBackendClass;
    if (typeof cls !== 'function') {
      throw new ImproperlyConfigured(
        `AUTHENTICATION_BACKENDS entry '${path}' is not a backend class.`,
      );
    }
  }
  const backend = new cls(settings);
  byPath.set(path, backend);
  return backend;
}

/**
 * Django's `get_backends()`: every `AUTHENTICATION_BACKENDS` entry, loaded once per settings.
 * An empty list is Django's `ImproperlyConfigured`.
 *
 * @example
 * for (const { backend, path } of await getBackends()) ...
 */
export function getBackends(
  settings: Readonly<Settings> = getSettings(),
): Promise<LoadedBackend[]> {
  const list = settings.AUTHENTICATION_BACKENDS;
  let loaded = loadedBackends.get(settings);
  if (!loaded) {
    if (list.length === 0) {
      return Promise.reject(
        new ImproperlyConfigured(
          'No authentication backends have been defined. Does AUTHENTICATION_BACKENDS contain anything?',
        ),
      );
    }
    loaded = Promise.all(
      list.map(async (path) => ({ backend: await loadBackend(path, settings), path })),
    );
    loaded.catch(() => loadedBackends.delete(settings));
    loadedBackends.set(settings, loaded);
  }
  return loaded;
}

// ---------------------------------------------------------------------------------------------
// throttling (Tango)

/**
 * Too many failed logins for this username from this address (`AUTH_LOGIN_THROTTLE`): a
 * `PermissionDenied` (403) unless the login form catches it, which `AuthenticationForm` does.
 */
export class LoginThrottled extends PermissionDenied {
  override name = 'LoginThrottled';
}

function throttleKey(request: HttpRequest, username: string): string {
  const who = `${username.normalize('NFKC').toLowerCase()}\0${request.remoteAddress ?? ''}`;
  return `tango.auth.throttle:${createHash('sha256').update(who).digest('hex')}`;
}

/**
 * Takes one of the `ATTEMPTS` attempt slots of `key` (`key:0` ... `key:N-1`, each kept
 * `WINDOW` seconds) with the cache's atomic `add`, before any password is checked: concurrent
 * guesses cannot all pass a count read before any of them failed (a read-then-write counter
 * let 20 parallel guesses through with `ATTEMPTS: 2`). `null` when every slot is taken.
 */
async function takeAttemptSlot(
  cache: Cache,
  key: string,
  throttle: LoginThrottleSettings,
): Promise<string | null> {
  for (let i = 0; i < throttle.ATTEMPTS; i++) {
    const slot = `${key}:${i}`;
    if (await cache.add(slot, 1, throttle.WINDOW)) return slot;
  }
  return null;
}

/** Frees every attempt slot of `key` (a successful login clears the count). */
async function clearAttemptSlots(
  cache: Cache,
  key: string,
  throttle: LoginThrottleSettings,
): Promise<void> {
  for (let i = 0; i < throttle.ATTEMPTS; i++) await cache.delete(`${key}:${i}`);
}

// ---------------------------------------------------------------------------------------------
// authenticate, login, logout

/**
 * Django's `authenticate(request, **credentials)`: asks each backend in turn and returns the
 * first user one accepts, with `user.backend` set to that backend's path; `null` when none
 * does (or one throws `PermissionDenied`). With `AUTH_LOGIN_THROTTLE`, a username that failed
 * `ATTEMPTS` times from the request's address within `WINDOW` seconds is refused with
 * `LoginThrottled` (after the same hashing work as a wrong password).
 *
 * @example
 * const user = await authenticate(request, { username: 'alice', password: 's3cret!' });
 * if (user) await login(request, user);
 */
export async function authenticate(
  request: HttpRequest | null,
  credentials: Credentials,
): Promise<User | null> {
  const settings = request?.settings ?? getSettings();
  const throttle = settings.AUTH_LOGIN_THROTTLE;
  const username = credentials['username'];
  const throttled = throttle !== null && request !== null && typeof username === 'string';
  const cache = throttled ? getCache(settings, throttle.CACHE_ALIAS ?? 'default') : undefined;
  const key = throttled ? throttleKey(request, username) : '';
  // The slot taken for this attempt stays taken (a failure counted) unless it succeeds.
  const slot = cache ? await takeAttemptSlot(cache, key, throttle!) : null;
  if (cache && slot === null) {
    await makePassword(getRandomString(12));
    logger.warning(
      `Login refused for a throttled username from ${request!.remoteAddress ?? 'an unknown address'} (AUTH_LOGIN_THROTTLE).`,
    );
    throw new LoginThrottled('Too many failed login attempts. Please try again later.');
  }
  for (const { backend, path } of await getBackends(settings)) {
    let user: User | null;
    try {
      user = await backend.authenticate(request, credentials);
    } catch (error) {
      // This backend says to stop in our tracks: this user should not be allowed in at all.
      if (error instanceof PermissionDenied) break;
      // Not a failed login (a backend or its database failed): give the slot back.
      if (cache && slot !== null) await cache.delete(slot);
      throw error;
    }
    if (user === null) continue;
    user.backend = path;
    if (cache) await clearAttemptSlots(cache, key, throttle!);
    return user;
  }
  return null;
}

/** The user id a session holds (Django stores it as a string), or `undefined`. */
function sessionUserId(session: Session): number | undefined {
  const value = session.get(SESSION_KEY);
  const id = typeof value === 'number' ? value : Number(value);
  return typeof value !== 'undefined' &&
    value !== null &&
    value !== '' &&
    Number.isSafeInteger(id) &&
    /^\s*[+-]?\d+\s*$/.test(String(value))
    ? id
    : undefined;
}

/** Django's `_get_backend_from_user`. */
function backendFromUser(
  settings: Readonly<Settings>,
  user: User,
  backend: string | undefined,
): string {
  const path = backend ?? user.backend;
  if (path !== undefined) {
    if (typeof path !== 'string')
      throw new TypeError(`backend must be a dotted import path string (got ${String(path)}).`);
    return path;
  }
  if (settings.AUTHENTICATION_BACKENDS.length === 1) return settings.AUTHENTICATION_BACKENDS[0]!;
  throw new TypeError(
    'You have multiple authentication backends configured and therefore must provide the `backend` argument or set the `backend` attribute on the user.',
  );
}

/**
 * Django's `login(request, user, backend)`: keeps the user logged in on this session. The
 * session key changes (a new key for an anonymous session, a new empty session when it held
 * another user), the session stores `_auth_user_id`, `_auth_user_backend` and
 * `_auth_user_hash`, `request.user` becomes `user`, the CSRF token is rotated, and
 * `user.lastLogin` is set to now and saved (Django's `update_last_login`). Data the anonymous
 * session held is kept.
 *
 * @example
 * const user = await authenticate(request, { username, password });
 * if (user) { await login(request, user); return redirect('home'); }
 */
export async function login(request: HttpRequest, user: User, backend?: string): Promise<void> {
  const settings = request.settings ?? getSettings();
  const session = request.session;
  const sessionAuthHash = user.getSessionAuthHash(settings.SECRET_KEY);
  if (session.has(SESSION_KEY)) {
    if (
      sessionUserId(session) !== user.pk ||
      !constantTimeCompare(String(session.get(HASH_SESSION_KEY, '')), sessionAuthHash)
    ) {
      // To avoid reusing another user's session, create a new, empty session if the existing
      // session corresponds to a different authenticated user.
      await session.flush();
    }
  } else {
    await session.cycleKey();
  }
  const path = backendFromUser(settings, user, backend);
  session.set(SESSION_KEY, String(user.pk));
  session.set(BACKEND_SESSION_KEY, sessionBackendPath(path));
  session.set(HASH_SESSION_KEY, sessionAuthHash);
  if (hasUser(request)) request.user = user;
  rotateToken(request);
  // Django's user_logged_in receiver update_last_login.
  if (user.id !== null) await getUserManager(settings).updateLastLogin(user);
}

/**
 * Django's `logout(request)`: deletes the session's data and record (`flush`) and makes
 * `request.user` an `AnonymousUser`. Safe to call for a visitor who is not logged in.
 *
 * @example
 * await logout(request);
 */
export async function logout(request: HttpRequest): Promise<void> {
  await request.session.flush();
  if (hasUser(request)) request.user = new AnonymousUser();
}

/**
 * Django's `get_user(request)`: the user the session is logged in as, or an `AnonymousUser`.
 * The session must name a configured backend and hold the user's current session hash: a
 * hash made under a `SECRET_KEY_FALLBACKS` key is replaced (and the session key cycled); any
 * other mismatch (the password changed) flushes the session, logging it out.
 *
 * @example
 * const user = await getUser(request);
 */
export async function getUser(request: HttpRequest): Promise<AnyUser> {
  const settings = request.settings ?? getSettings();
  const session = request.session;
  const userId = sessionUserId(session);
  const backendPath = session.get(BACKEND_SESSION_KEY);
  let user: User | null = null;
  const configured =
    typeof backendPath === 'string' ? configuredBackend(settings, backendPath) : undefined;
  if (userId !== undefined && configured !== undefined) {
    const backend = await loadBackend(configured, settings);
    user = await backend.getUser(userId);
    if (user) {
      const sessionHash = session.get(HASH_SESSION_KEY);
      const sessionAuthHash = user.getSessionAuthHash(settings.SECRET_KEY);
      const verified =
        typeof sessionHash === 'string' &&
        sessionHash !== '' &&
        constantTimeCompare(sessionHash, sessionAuthHash);
      if (!verified) {
        // If the current secret does not verify the session, try with the fallback secrets
        // and stop when a matching one is found.
        if (
          typeof sessionHash === 'string' &&
          sessionHash !== '' &&
          user
            .getSessionAuthFallbackHash(settings.SECRET_KEY_FALLBACKS)
            .some((fallback) => constantTimeCompare(sessionHash, fallback))
        ) {
          await session.cycleKey();
          session.set(HASH_SESSION_KEY, sessionAuthHash);
        } else {
          await session.flush();
          user = null;
        }
      }
    }
  }
  return user ?? new AnonymousUser();
}

/**
 * Django's `update_session_auth_hash(request, user)`: after a password change, keeps this
 * session logged in (a new session key holding the new hash) while every other session of the
 * user, still holding the old hash, is logged out at its next request.
 *
 * @example
 * await user.setPassword(newPassword);
 * await getUserManager().save(user);
 * await updateSessionAuthHash(request, user);
 */
export async function updateSessionAuthHash(request: HttpRequest, user: User): Promise<void> {
  const settings = request.settings ?? getSettings();
  await request.session.cycleKey();
  const current = hasUser(request) ? requestUsers.get(request) : undefined;
  if (current instanceof User && current.pk !== null && current.pk === user.pk) {
    request.session.set(HASH_SESSION_KEY, user.getSessionAuthHash(settings.SECRET_KEY));
  }
}
