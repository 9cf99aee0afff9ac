/**
 * Django's `AuthenticationForm` (`django.contrib.auth.forms`), without a forms framework: the
 * login form's fields, cleaning, error messages and the check that the account may log in.
 * Templates read `form.username.value`, `form.username.errors`, `form.password.errors` and
 * `form.nonFieldErrors` (own properties, which Handlebars can read).
 *
 * See https://docs.djangoproject.com/en/5.2/topics/auth/default/#django.contrib.auth.forms.AuthenticationForm
 */
import type { HttpRequest } from '../http/request.js';
import { authenticate, LoginThrottled } from './api.js';
import { USERNAME_MAX_LENGTH, type User } from './models.js';
import { ValidationError } from './password_validation.js';

/** One field as a template renders it. */
export interface BoundField {
  /** The `name` attribute (`'username'`). */
  readonly name: string;
  /** The `id` attribute Django gives it (`'id_username'`). */
  readonly id: string;
  /** The label (`'Username'`). */
  readonly label: string;
  /** The submitted value to show again (never the password's). */
  value: string;
  /** This field's error messages. */
  errors: string[];
}

/** Django's messages of `AuthenticationForm` (plus Tango's `throttled`). */
export const AUTHENTICATION_FORM_ERRORS = {
  invalid_login:
    'Please enter a correct %(username)s and password. Note that both fields may be case-sensitive.',
  inactive: 'This account is inactive.',
  throttled: 'Too many failed login attempts. Please try again later.',
  required: 'This field is required.',
} as const;

/**
 * Django's `AuthenticationForm`: `await form.isValid()` cleans the fields, authenticates and
 * checks `confirmLoginAllowed`; `getUser()` is the user to log in. Subclass it to change the
 * policy: the admin's staff login overrides `confirmLoginAllowed` and `errorMessages`.
 *
 * @example
 * const form = new AuthenticationForm(request, request.form);
 * if (await form.isValid()) await login(request, form.getUser()!);
 */
export class AuthenticationForm {
  /** Messages by code; override in a subclass (Django's `error_messages`). */
  errorMessages: Record<string, string> = { ...AUTHENTICATION_FORM_ERRORS };
  readonly username: BoundField;
  readonly password: BoundField;
  /** Errors that belong to no field (a wrong password, an inactive account). */
  nonFieldErrors: string[] = [];
  /** The username field's `maxlength` (Django: the model field's `max_length`, 150). */
  readonly usernameMaxLength = USERNAME_MAX_LENGTH;
  /** True when the form was given data (a POST). */
  readonly isBound: boolean;
  /** Cleaned values, after `isValid()`. */
  cleanedData: { username?: string; password?: string } = {};
  #user: User | null = null;
  #validated: Promise<boolean> | undefined;
  readonly #raw: { username: string; password: string };

  /**
   * @param request the request (handed to `authenticate`, as Django's form does).
   * @param data the submitted form (`request.form`); omit for an empty, unbound form.
   */
  constructor(
    readonly request: HttpRequest | null,
    data?: URLSearchParams | Readonly<Record<string, string>>,
  ) {
    this.isBound = data !== undefined;
    const get = (name: string): string =>
      data === undefined
        ? ''
        : data instanceof URLSearchParams
          ? (data.get(name) ?? '')
          : (data[name] ?? '');
    this.username = {
      name: 'username',
      id: 'id_username',
      label: 'Username',
      value: get('username'),
      errors: [],
    };
    this.password = {
      name: 'password',
      id: 'id_password',
      label: 'Password',
      value: '',
      errors: [],
    };
    this.#raw = { username: get('username'), password: get('password') };
  }

  /** Every error message, field errors first (for a plain list). */
  get errors(): string[] {
    return [...this.username.errors, ...this.password.errors, ...this.nonFieldErrors];
  }

  /**
   * Cleans and validates the form once: both fields required (the username trimmed and
   * NFKC-normalised, at most 150 characters; the password as typed), then `authenticate()`
   * and `confirmLoginAllowed()`.
   */
  isValid(): Promise<boolean> {
    this.#validated ??= this.#validate();
    return this.#validated;
  }

  async #validate(): Promise<boolean> {
    if (!this.isBound) return false;
    const username = this.#raw.username.trim().normalize('NFKC');
    const password = this.#raw.password;
    if (!username) this.username.errors.push(this.errorMessages['required']!);
    else if ([...username].length > USERNAME_MAX_LENGTH) {
      this.username.errors.push(
        `Ensure this value has at most ${USERNAME_MAX_LENGTH} characters (it has ${[...username].length}).`,
      );
    } else this.cleanedData.username = username;
    if (!password) this.password.errors.push(this.errorMessages['required']!);
    else this.cleanedData.password = password;
    if (this.cleanedData.username !== undefined && this.cleanedData.password !== undefined) {
      try {
        this.#user = await authenticate(this.request, {
          username: this.cleanedData.username,
          password: this.cleanedData.password,
        });
        if (this.#user === null) throw this.getInvalidLoginError();
        this.confirmLoginAllowed(this.#user);
      } catch (error) {
        if (error instanceof LoginThrottled) {
          this.nonFieldErrors.push(this.errorMessages['throttled']!);
        } else if (error instanceof ValidationError) {
          this.nonFieldErrors.push(...error.messages);
        } else {
          throw error;
        }
        this.#user = null;
      }
    }
    return this.errors.length === 0;
  }

  /**
   * Django's `confirm_login_allowed`: throw `ValidationError` when `user` may not log in. The
   * default refuses inactive users (`'This account is inactive.'`).
   */
  confirmLoginAllowed(user: User): void {
    if (!user.isActive) {
      throw new ValidationError({ message: this.errorMessages['inactive']!, code: 'inactive' });
    }
  }

  /** Django's `get_invalid_login_error`. */
  getInvalidLoginError(): ValidationError {
    return new ValidationError({
      message: this.errorMessages['invalid_login']!.replace('%(username)s', 'username'),
      code: 'invalid_login',
      params: { username: 'username' },
    });
  }

  /** The authenticated user, after a successful `isValid()`. */
  getUser(): User | null {
    return this.#user;
  }
}
