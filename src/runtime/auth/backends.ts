/**
 * Authentication backends (Django's `django.contrib.auth.backends`): what `authenticate()`
 * asks, in `AUTHENTICATION_BACKENDS` order, and what loads the user of a session.
 */
import type { Settings } from '../conf/settings.js';
import type { HttpRequest } from '../http/request.js';
import { makePassword } from './hashers.js';
import { getUserManager, User, type UserManager } from './models.js';

/** What `authenticate()` passes on: `username` and `password` for `ModelBackend`, or anything. */
export type Credentials = Readonly<Record<string, unknown>>;

/**
 * A backend, Django's protocol camelCased. `authenticate` returns the user the credentials
 * identify, or `null` to let the next backend try; throwing `PermissionDenied` stops every
 * backend (Django's rule). `getUser` loads a session's user by id.
 *
 * @example
 * export class TokenBackend implements AuthenticationBackend {
 *   async authenticate(request, { token }) { ... }
 *   async getUser(id) { return getUserManager().get(id); }
 * }
 */
export interface AuthenticationBackend {
  authenticate(request: HttpRequest | null, credentials: Credentials): Promise<User | null>;
  getUser(userId: number): Promise<User | null>;
}

/** A backend class `AUTHENTICATION_BACKENDS` names; built once with the settings. */
export type AuthenticationBackendClass = new (
  settings: Readonly<Settings>,
) => AuthenticationBackend;

/**
 * Django's `ModelBackend`: a username and password checked against `auth_user`. An unknown
 * username still costs one hash with the preferred hasher (Django #20760), so the time a
 * failure takes does not tell whether the account exists; inactive users are refused.
 *
 * @example
 * AUTHENTICATION_BACKENDS: ['tango.auth.backends.ModelBackend']
 */
export class ModelBackend implements AuthenticationBackend {
  readonly #settings: Readonly<Settings>;

  constructor(settings: Readonly<Settings>) {
    this.#settings = settings;
  }

  /** The manager of `DATABASES['default']`. */
  get users(): UserManager {
    return getUserManager(this.#settings);
  }

  async authenticate(_request: HttpRequest | null, credentials: Credentials): Promise<User | null> {
    const username = credentials['username'] ?? credentials[User.USERNAME_FIELD];
    const password = credentials['password'];
    if (typeof username !== 'string' || typeof password !== 'string') return null;
    const user = await this.users.getByNaturalKey(username);
    if (!user) {
      // Run the default password hasher once to reduce the timing difference between an
      // existing and a nonexistent user (#20760).
      await makePassword(password);
      return null;
    }
    if ((await user.checkPassword(password)) && this.userCanAuthenticate(user)) return user;
    return null;
  }

  /** Django's `user_can_authenticate`: inactive users are refused. */
  userCanAuthenticate(user: User): boolean {
    return user.isActive !== false;
  }

  async getUser(userId: number): Promise<User | null> {
    const user = await this.users.get(userId);
    return user && this.userCanAuthenticate(user) ? user : null;
  }
}

/** Django's `AllowAllUsersModelBackend`: `ModelBackend` that lets inactive users in too. */
export class AllowAllUsersModelBackend extends ModelBackend {
  override userCanAuthenticate(): boolean {
    return true;
  }
}
