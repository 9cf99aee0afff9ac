/**
 * Django's `User` and `AnonymousUser` (`django.contrib.auth.models`, `base_user`), without an
 * ORM: a `User` is a plain object with the columns of Django's `auth_user` table in camelCase,
 * and a `UserManager` (Django's `User.objects`) reads and writes the table through a `tango/db`
 * connection. Django 5.2 and Tango read and write the same rows.
 *
 * Permissions are Django's for superusers only: an active superuser has every permission,
 * anyone else none (Tango has no `auth_permission` rows of its own; see docs/auth.md).
 */
import { getSettings } from '../conf/current.js';
import type { Settings } from '../conf/settings.js';
import { getRandomString, saltedHmac } from '../core/crypto.js';
import type { Connection, SqlValue } from '../db/connection.js';
import { getConnection } from '../db/connections.js';
import { getDialect } from '../db/dialect.js';
import { IntegrityError, isMissingTable } from '../db/errors.js';
import {
  checkPassword,
  isPasswordUsable,
  makePassword,
  type RawPassword,
  UNUSABLE_PASSWORD_PREFIX,
  UNUSABLE_PASSWORD_SUFFIX_LENGTH,
} from './hashers.js';
import { passwordChanged } from './password_validation.js';

/** Django's table (`User._meta.db_table`). */
export const USER_TABLE = 'auth_user';

/** The key salt of Django's `AbstractBaseUser.get_session_auth_hash`. */
const SESSION_AUTH_HASH_SALT = 'django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash';

/** Django's `AbstractUser.username` `max_length`. */
export const USERNAME_MAX_LENGTH = 150;

/** The fields of `auth_user`, camelCased, as `createUser` and `new User()` take them. */
export interface UserFields {
  id: number | null;
  password: string;
  lastLogin: Date | null;
  isSuperuser: boolean;
  username: string;
  firstName: string;
  lastName: string;
  email: string;
  isStaff: boolean;
  isActive: boolean;
  dateJoined: Date;
}

/** The row of `auth_user` as the drivers return it. */
interface UserRow {
  id: number | string | bigint;
  password: string;
  last_login: unknown;
  is_superuser: unknown;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  is_staff: unknown;
  is_active: unknown;
  date_joined: unknown;
}

/** Columns in the order of every SELECT, INSERT and UPDATE. */
const COLUMNS = [
  'password',
  'last_login',
  'is_superuser',
  'username',
  'first_name',
  'last_name',
  'email',
  'is_staff',
  'is_active',
  'date_joined',
] as const;
const SELECT = `SELECT "id", ${COLUMNS.map((c) => `"${c}"`).join(', ')} FROM "${USER_TABLE}"`;

/** Field name → column, for `save({ updateFields })` and ordering. */
const FIELD_COLUMNS: Readonly<Record<Exclude<keyof UserFields, 'id'>, (typeof COLUMNS)[number]>> = {
  password: 'password',
  lastLogin: 'last_login',
  isSuperuser: 'is_superuser',
  username: 'username',
  firstName: 'first_name',
  lastName: 'last_name',
  email: 'email',
  isStaff: 'is_staff',
  isActive: 'is_active',
  dateJoined: 'date_joined',
};

/**
 * Django's `AnonymousUser`: what `request.user` is when nobody is logged in.
 *
 * @example
 * if (request.user.isAnonymous) return redirectToLogin(request.path);
 */
export class AnonymousUser {
  readonly id = null;
  readonly pk = null;
  readonly username = '';
  readonly isStaff = false;
  readonly isActive = false;
  readonly isSuperuser = false;
  readonly isAnonymous = true;
  readonly isAuthenticated = false;

  toString(): string {
    return 'AnonymousUser';
  }

  getUsername(): string {
    return this.username;
  }

  /** Always false. */
  hasPerm(_perm: string, _obj?: unknown): boolean {
    return false;
  }

  /** Always false (Django raises for a string; an array is expected). */
  hasPerms(_perms: readonly string[], _obj?: unknown): boolean {
    return false;
  }

  hasModulePerms(_appLabel: string): boolean {
    return false;
  }

  /** Django raises `NotImplementedError`: an anonymous user has no password. */
  async setPassword(): Promise<never> {
    throw new Error('Django doesn\u2019t provide a DB representation for AnonymousUser.');
  }

  async checkPassword(): Promise<never> {
    throw new Error('Django doesn\u2019t provide a DB representation for AnonymousUser.');
  }
}

/**
 * A row of `auth_user` (Django's `User`). Build one with `getUserManager().createUser()`, or
 * load one with `get`/`getByNaturalKey`; `save` writes it back. `backend` is set by
 * `authenticate()` (the backend that accepted the credentials), as on Django's user object.
 *
 * @example
 * const user = await users.getByNaturalKey('alice');
 * if (user && (await user.checkPassword('secret'))) await login(request, user);
 */
export class User implements UserFields {
  id: number | null = null;
  password = '';
  lastLogin: Date | null = null;
  isSuperuser = false;
  username = '';
  firstName = '';
  lastName = '';
  email = '';
  isStaff = false;
  isActive = true;
  dateJoined: Date = new Date();
  /**
   * Always true: a `User` is an account, as opposed to an `AnonymousUser`. An own property (as
   * are all the fields), so templates can read `{{#if user.isAuthenticated}}`.
   */
  readonly isAuthenticated = true as const;
  /** Always false. */
  readonly isAnonymous = false as const;
  /** The dotted path of the backend that authenticated this user (set by `authenticate()`). */
  backend: string | undefined;
  /** Django's `USERNAME_FIELD`. */
  static readonly USERNAME_FIELD = 'username';
  /** Django's `EMAIL_FIELD`. */
  static readonly EMAIL_FIELD = 'email';
  /** Django's `REQUIRED_FIELDS`: what `createsuperuser` asks for besides the username. */
  static readonly REQUIRED_FIELDS = ['email'] as const;

  /** The manager that loaded or created this user: `checkPassword` saves a re-hash through it. */
  #manager: UserManager | undefined;
  /** The raw password `setPassword` was given, until saved (Django's `_password`). */
  #rawPassword: string | undefined;

  constructor(fields: Partial<UserFields> = {}, manager?: UserManager) {
    Object.assign(this, fields);
    this.#manager = manager;
  }

  /** Django's `pk`. */
  get pk(): number | null {
    return this.id;
  }

  toString(): string {
    return this.getUsername();
  }

  getUsername(): string {
    return this.username;
  }

  /** Django's `get_full_name`: first and last name, trimmed. */
  getFullName(): string {
    return `${this.firstName} ${this.lastName}`.trim();
  }

  getShortName(): string {
    return this.firstName;
  }

  /**
   * Hashes `raw` with the preferred hasher into `password` (not saved: call `save`). The
   * validators' `passwordChanged` hooks run when the user is next saved, as in Django.
   *
   * @example
   * await user.setPassword('new secret'); await users.save(user);
   */
  async setPassword(raw: string | null): Promise<void> {
    this.password = await makePassword(raw);
    this.#rawPassword = raw ?? undefined;
  }

  /**
   * True when `raw` is the password. A correct password stored with an outdated hasher or
   * work factor is re-hashed and saved (only `password`), as Django's `check_password` does.
   */
  async checkPassword(raw: RawPassword): Promise<boolean> {
    return checkPassword(raw, this.password, async (password) => {
      this.password = await makePassword(password);
      // A re-hash is not a password change (no passwordChanged hooks).
      this.#rawPassword = undefined;
      if (this.#manager && this.id !== null)
        await this.#manager.save(this, { updateFields: ['password'] });
    });
  }

  /** Stores a value that never verifies (`!` and 40 random characters); not saved. */
  setUnusablePassword(): void {
    // makePassword(null), without the promise.
    this.password = UNUSABLE_PASSWORD_PREFIX + getRandomString(UNUSABLE_PASSWORD_SUFFIX_LENGTH);
    this.#rawPassword = undefined;
  }

  hasUsablePassword(): boolean {
    return isPasswordUsable(this.password);
  }

  /**
   * Django's `get_session_auth_hash`: HMAC-SHA256 of the stored password under `SECRET_KEY`
   * (hex), kept in the session at login; a password change changes it, which logs out every
   * other session of the user.
   */
  getSessionAuthHash(secret: string = getSettings().SECRET_KEY): string {
    return saltedHmac(SESSION_AUTH_HASH_SALT, this.password, secret).toString('hex');
  }

  /** The same hash under each `SECRET_KEY_FALLBACKS` key (Django's `get_session_auth_fallback_hash`). */
  getSessionAuthFallbackHash(
    fallbacks: readonly string[] = getSettings().SECRET_KEY_FALLBACKS,
  ): string[] {
    return fallbacks.map((secret) => this.getSessionAuthHash(secret));
  }

  /** True for an active superuser (Tango keeps no per-user permissions; docs/auth.md). */
  hasPerm(_perm: string, _obj?: unknown): boolean {
    return this.isActive && this.isSuperuser;
  }

  /** True when the user has every permission of `perms` (an empty list: true). */
  hasPerms(perms: readonly string[], obj?: unknown): boolean {
    if (typeof perms === 'string' || !Array.isArray(perms)) {
      throw new TypeError('perm_list must be an iterable of permissions.');
    }
    return perms.every((perm) => this.hasPerm(perm, obj));
  }

  /** True for an active superuser. */
  hasModulePerms(_appLabel: string): boolean {
    return this.isActive && this.isSuperuser;
  }

  /** The raw password `setPassword` stored, until `save` hands it to `passwordChanged`. */
  takeRawPassword(): string | undefined {
    const raw = this.#rawPassword;
    this.#rawPassword = undefined;
    return raw;
  }

  /** Links the user to the manager that loaded it (used by `UserManager`). */
  attach(manager: UserManager): this {
    this.#manager = manager;
    return this;
  }
}

/** Either kind of user on a request. */
export type AnyUser = User | AnonymousUser;

/** Options of `createUser`/`createSuperuser`: any field but the username. */
export type CreateUserOptions = Partial<Omit<UserFields, 'id' | 'username' | 'password'>> & {
  /** The raw password; `null`/absent gives an unusable password, as Django. */
  password?: string | null;
};

/** Options of `UserManager.list`. */
export interface ListUsersOptions {
  /** Only usernames, names or emails containing this text (case-insensitive). */
  search?: string;
  /** A field to order by; `-field` for descending. Default `'username'`. */
  orderBy?: `${'' | '-'}${Exclude<keyof UserFields, 'password'>}`;
  limit?: number;
  offset?: number;
}

/** Options of `UserManager.save`. */
export interface SaveUserOptions {
  /** Write only these fields (Django's `update_fields`); default: every field. */
  updateFields?: readonly Exclude<keyof UserFields, 'id'>[];
}

/** A username that another user already has (Django's unique constraint). */
export class UsernameTaken extends IntegrityError {
  override name = 'UsernameTaken';
}

/**
 * Django's `User.objects` (a `UserManager`) for one database: creates, loads, lists, saves and
 * deletes rows of `auth_user`. Get the one for `DATABASES['default']` with `getUserManager()`.
 *
 * @example
 * const users = getUserManager();
 * const alice = await users.createUser('alice', { email: 'alice@example.com', password: 's3cret!' });
 */
export class UserManager {
  readonly #dialect: ReturnType<typeof getDialect>;

  constructor(readonly db: Connection) {
    this.#dialect = getDialect(db.dialect);
  }

  /**
   * Django's `normalize_email`: the domain part lower-cased.
   *
   * @example
   * UserManager.normalizeEmail('Bob@EXAMPLE.com'); // 'Bob@example.com'
   */
  static normalizeEmail(email: string | null | undefined): string {
    const value = (email ?? '').trim();
    const at = value.lastIndexOf('@');
    if (at === -1) return email ?? '';
    return value.slice(0, at) + '@' + value.slice(at + 1).toLowerCase();
  }

  /** Django's `normalize_username`: Unicode NFKC. */
  static normalizeUsername(username: string): string {
    return username.normalize('NFKC');
  }

  #fromRow(row: UserRow): User {
    const d = this.#dialect;
    return new User(
      {
        id: Number(row.id),
        password: row.password,
        lastLogin: row.last_login === null ? null : (d.parseDatetime(row.last_login) ?? null),
        isSuperuser: truthy(row.is_superuser),
        username: row.username,
        firstName: row.first_name,
        lastName: row.last_name,
        email: row.email,
        isStaff: truthy(row.is_staff),
        isActive: truthy(row.is_active),
        dateJoined: d.parseDatetime(row.date_joined) ?? new Date(0),
      },
      this,
    );
  }

  #value(user: User, column: (typeof COLUMNS)[number]): SqlValue {
    const d = this.#dialect;
    switch (column) {
      case 'password':
        return user.password;
      case 'last_login':
        return user.lastLogin === null ? null : d.datetime(user.lastLogin);
      case 'is_superuser':
        return user.isSuperuser ? 1 : 0;
      case 'username':
        return user.username;
      case 'first_name':
        return user.firstName;
      case 'last_name':
        return user.lastName;
      case 'email':
        return user.email;
      case 'is_staff':
        return user.isStaff ? 1 : 0;
      case 'is_active':
        return user.isActive ? 1 : 0;
      case 'date_joined':
        return d.datetime(user.dateJoined);
    }
  }

  /**
   * Django's `create_user`: a new row with `username` (NFKC-normalised), the email's domain
   * lower-cased and `password` hashed (`null`: unusable). `UsernameTaken` when the username is
   * in use.
   *
   * @example
   * await users.createUser('bob', { email: 'bob@example.com', password: 'pw' });
   */
  async createUser(username: string, options: CreateUserOptions = {}): Promise<User> {
    if (!username) throw new TypeError('The given username must be set');
    const { password = null, ...fields } = options;
    const user = new User(
      {
        isStaff: false,
        isSuperuser: false,
        ...fields,
        username: UserManager.normalizeUsername(username),
        email: UserManager.normalizeEmail(fields.email ?? ''),
      },
      this,
    );
    await user.setPassword(password);
    await this.save(user);
    return user;
  }

  /**
   * Django's `create_superuser`: `createUser` with `isStaff` and `isSuperuser` true (either set
   * false is a `TypeError` with Django's message).
   *
   * @example
   * await users.createSuperuser('admin', { email: 'admin@example.com', password: 'pw' });
   */
  async createSuperuser(username: string, options: CreateUserOptions = {}): Promise<User> {
    const fields = { ...options, isStaff: options.isStaff ?? true };
    fields.isSuperuser = options.isSuperuser ?? true;
    if (fields.isStaff !== true) throw new TypeError('Superuser must have is_staff=True.');
    if (fields.isSuperuser !== true) throw new TypeError('Superuser must have is_superuser=True.');
    return this.createUser(username, fields);
  }

  /** The user with this id, or `null`. */
  async get(id: number): Promise<User | null> {
    if (!Number.isSafeInteger(id)) return null;
    const row = await this.#missingTable(() =>
      this.db.get<UserRow>(`${SELECT} WHERE "id" = ?`, [id]),
    );
    return row ? this.#fromRow(row) : null;
  }

  /** Django's `get_by_natural_key`: the user with this exact username, or `null`. */
  async getByNaturalKey(username: string): Promise<User | null> {
    const row = await this.#missingTable(() =>
      this.db.get<UserRow>(`${SELECT} WHERE "username" = ?`, [username]),
    );
    return row ? this.#fromRow(row) : null;
  }

  /**
   * Users in order (`orderBy`, default by username), optionally filtered by `search` on the
   * username, names and email.
   *
   * @example
   * await users.list({ search: 'ali', limit: 20 });
   */
  async list(options: ListUsersOptions = {}): Promise<User[]> {
    const params: SqlValue[] = [];
    const where = this.#where(options.search, params);
    const orderBy = options.orderBy ?? 'username';
    const descending = orderBy.startsWith('-');
    const field = (descending ? orderBy.slice(1) : orderBy) as keyof UserFields;
    const column = field === 'id' ? 'id' : FIELD_COLUMNS[field as Exclude<keyof UserFields, 'id'>];
    if (!column || field === 'password') throw new TypeError(`Cannot order users by '${orderBy}'.`);
    let sql = `${SELECT}${where} ORDER BY "${column}" ${descending ? 'DESC' : 'ASC'}, "id" ASC`;
    if (options.limit !== undefined) {
      sql += ' LIMIT ?';
      params.push(checkCount(options.limit, 'limit'));
      if (options.offset !== undefined) {
        sql += ' OFFSET ?';
        params.push(checkCount(options.offset, 'offset'));
      }
    } else if (options.offset !== undefined) {
      sql += this.db.dialect === 'sqlite' ? ' LIMIT -1 OFFSET ?' : ' OFFSET ?';
      params.push(checkCount(options.offset, 'offset'));
    }
    const rows = await this.#missingTable(() => this.db.all<UserRow>(sql, params));
    return rows.map((row) => this.#fromRow(row));
  }

  /** How many users (matching `search`, if given). */
  async count(options: Pick<ListUsersOptions, 'search'> = {}): Promise<number> {
    const params: SqlValue[] = [];
    const row = await this.#missingTable(() =>
      this.db.get<{ n: number | string }>(
        `SELECT count(*) AS n FROM "${USER_TABLE}"${this.#where(options.search, params)}`,
        params,
      ),
    );
    return Number(row?.n ?? 0);
  }

  #where(search: string | undefined, params: SqlValue[]): string {
    if (!search) return '';
    const pattern = `%${search.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`;
    const columns = ['username', 'first_name', 'last_name', 'email'];
    for (let i = 0; i < columns.length; i++) params.push(pattern);
    return ` WHERE ${columns.map((c) => `lower("${c}") LIKE ? ESCAPE '\\'`).join(' OR ')}`;
  }

  /**
   * Inserts a new user (no `id` yet; the id is set) or updates an existing one (every field,
   * or `updateFields`). A pending `setPassword` then runs the validators' `passwordChanged`.
   * `UsernameTaken` when another user has the username.
   *
   * @example
   * user.isStaff = true; await users.save(user, { updateFields: ['isStaff'] });
   */
  async save(user: User, options: SaveUserOptions = {}): Promise<void> {
    try {
      if (user.id === null) {
        const sql =
          `INSERT INTO "${USER_TABLE}" (${COLUMNS.map((c) => `"${c}"`).join(', ')}) ` +
          `VALUES (${COLUMNS.map(() => '?').join(', ')}) RETURNING "id"`;
        const values = COLUMNS.map((c) => this.#value(user, c));
        const row = await this.#missingTable(() =>
          this.db.transaction((tx) => tx.get<{ id: number | string }>(sql, values)),
        );
        user.id = Number(row!.id);
        user.attach(this);
      } else {
        const columns = options.updateFields
          ? options.updateFields.map((f) => FIELD_COLUMNS[f])
          : [...COLUMNS];
        if (columns.length === 0) return;
        const sql = `UPDATE "${USER_TABLE}" SET ${columns.map((c) => `"${c}" = ?`).join(', ')} WHERE "id" = ?`;
        await this.#missingTable(() =>
          this.db.run(sql, [...columns.map((c) => this.#value(user, c)), user.id]),
        );
      }
    } catch (error) {
      if (error instanceof IntegrityError && /username/i.test(error.message)) {
        throw new UsernameTaken('A user with that username already exists.', { cause: error });
      }
      throw error;
    }
    const raw = user.takeRawPassword();
    if (raw !== undefined) passwordChanged(raw, user);
  }

  /**
   * Sets `lastLogin` to now and saves only that field (Django's `update_last_login`, run at
   * every login).
   */
  async updateLastLogin(user: User, now: Date = new Date()): Promise<void> {
    user.lastLogin = now;
    if (user.id !== null) await this.save(user, { updateFields: ['lastLogin'] });
  }

  /**
   * Deletes the user, with its rows in Django's tables that point at it (group memberships,
   * user permissions, admin log entries), as Django's cascade does. Returns false when no such
   * user existed.
   *
   * @example
   * await users.delete(user);
   */
  async delete(user: User | number): Promise<boolean> {
    const id = typeof user === 'number' ? user : user.id;
    if (id === null) return false;
    return this.db.transaction(async (tx) => {
      for (const table of ['auth_user_groups', 'auth_user_user_permissions', 'django_admin_log']) {
        try {
          // A savepoint each: on PostgreSQL a failed statement would abort the transaction.
          await tx.transaction((sp) => sp.run(`DELETE FROM "${table}" WHERE "user_id" = ?`, [id]));
        } catch (error) {
          if (!isMissingTable(error, table)) throw error;
        }
      }
      const { changes } = await tx.run(`DELETE FROM "${USER_TABLE}" WHERE "id" = ?`, [id]);
      if (typeof user !== 'number' && changes > 0) user.id = null;
      return changes > 0;
    });
  }

  /** Runs `fn`; a missing `auth_user` table says to run `migrate`. */
  async #missingTable<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (isMissingTable(error, USER_TABLE)) {
        throw new MissingUserTable(
          `no such table: ${USER_TABLE} — add 'tango.auth' to INSTALLED_APPS and run 'npm run migrate' (npx tsx manage.ts migrate)`,
          { cause: error },
        );
      }
      throw error;
    }
  }
}

/** `auth_user` does not exist yet: `migrate` has not run (a 500 whose message says so). */
export class MissingUserTable extends Error {
  override name = 'MissingUserTable';
}

function truthy(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't' || value === 1n;
}

function checkCount(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new TypeError(`option ${name} must be a whole number, got ${String(value)}`);
  return value;
}

const managers = new WeakMap<Connection, UserManager>();

/**
 * The `UserManager` for a `DATABASES` alias (default `'default'`) of `settings` (default: the
 * configured settings), one per connection.
 *
 * @example
 * const users = getUserManager();
 * await users.count();
 */
export function getUserManager(
  settings: Readonly<Settings> = getSettings(),
  alias = 'default',
): UserManager {
  const db = getConnection(settings, alias);
  let manager = managers.get(db);
  if (!manager) managers.set(db, (manager = new UserManager(db)));
  return manager;
}
