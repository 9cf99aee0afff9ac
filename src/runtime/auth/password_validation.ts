/**
 * Django 5.2's password validators (`django.contrib.auth.password_validation`), configured by
 * `AUTH_PASSWORD_VALIDATORS` with Django's names, options and messages:
 *
 * ```ts
 * AUTH_PASSWORD_VALIDATORS: [
 *   { NAME: 'tango.auth.password_validation.UserAttributeSimilarityValidator' },
 *   { NAME: 'tango.auth.password_validation.MinimumLengthValidator', OPTIONS: { min_length: 9 } },
 *   { NAME: 'tango.auth.password_validation.CommonPasswordValidator' },
 *   { NAME: 'tango.auth.password_validation.NumericPasswordValidator' },
 * ],
 * ```
 *
 * Django's own `NAME`s (`'django.contrib.auth.password_validation.MinimumLengthValidator'`)
 * name the same validators, so a Django settings value carries over. `createsuperuser`,
 * `changepassword` and the admin call `validatePassword`.
 *
 * See https://docs.djangoproject.com/en/5.2/topics/auth/passwords/#password-validation
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { getSettings, isConfigured } from '../conf/current.js';
import { ImproperlyConfigured } from '../conf/errors.js';
import type { PasswordValidatorSettings } from '../conf/settings.js';
import { importString } from '../core/import-string.js';
import { quickRatio } from '../../common/text.js';

/** One failure, as Django's `ValidationError` carries it. */
export interface ValidationIssue {
  /** The message, formatted (`'This password is too short. It must contain at least 8 characters.'`). */
  message: string;
  /** Django's code (`'password_too_short'`). */
  code: string;
  params?: Readonly<Record<string, unknown>>;
}

/**
 * Django's `ValidationError`: one or more failures. `messages` are the texts, in order.
 *
 * @example
 * try { validatePassword('123'); } catch (e) { if (e instanceof ValidationError) e.messages; }
 */
export class ValidationError extends Error {
  override name = 'ValidationError';
  readonly errorList: readonly ValidationIssue[];

  constructor(issues: ValidationIssue | readonly (ValidationIssue | ValidationError)[]) {
    const list = Array.isArray(issues)
      ? (issues as readonly (ValidationIssue | ValidationError)[]).flatMap((i) =>
          i instanceof ValidationError ? i.errorList : [i],
        )
      : [issues as ValidationIssue];
    super(list.map((i) => i.message).join(' '));
    this.errorList = list;
  }

  /** The messages, in order (Django's `messages`). */
  get messages(): string[] {
    return this.errorList.map((i) => i.message);
  }
}

/** What a validator checks a password against: any user-like object (a `User`, form data). */
export type UserLike = object | null | undefined;

/**
 * A password validator: Django's protocol, camelCased. `validate` throws `ValidationError`;
 * `passwordChanged` (optional) hears of each new password once saved.
 */
export interface PasswordValidator {
  validate(password: string, user?: UserLike): void;
  getHelpText(): string;
  getErrorMessage?(): string;
  passwordChanged?(password: string, user?: UserLike): void;
}

/** A validator class `AUTH_PASSWORD_VALIDATORS` may name. */
export type PasswordValidatorClass = new (options?: Record<string, unknown>) => PasswordValidator;

/** Python's `len()`: code points, not UTF-16 units. */
function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Reads an option given with Django's name (`min_length`) or camelCased (`minLength`). */
function option<T>(options: Record<string, unknown>, django: string, fallback: T): T {
  const camel = django.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const value = options[django] ?? options[camel];
  return value === undefined ? fallback : (value as T);
}

/**
 * Django's `MinimumLengthValidator` (`min_length`, default 8): at least that many characters
 * (code points, as Python counts).
 */
export class MinimumLengthValidator implements PasswordValidator {
  readonly minLength: number;

  constructor(options: Record<string, unknown> = {}) {
    this.minLength = option(options, 'min_length', 8);
    if (!Number.isInteger(this.minLength) || this.minLength < 0) {
      throw new ImproperlyConfigured(
        `MinimumLengthValidator's min_length must be a whole number, got ${String(this.minLength)}.`,
      );
    }
  }

  validate(password: string): void {
    if (codePoints(password) < this.minLength) {
      throw new ValidationError({
        message: this.getErrorMessage(),
        code: 'password_too_short',
        params: { min_length: this.minLength },
      });
    }
  }

  getErrorMessage(): string {
    const n = this.minLength;
    return `This password is too short. It must contain at least ${n} character${n === 1 ? '' : 's'}.`;
  }

  getHelpText(): string {
    const n = this.minLength;
    return `Your password must contain at least ${n} character${n === 1 ? '' : 's'}.`;
  }
}

/** Django's `exceeds_maximum_length_ratio`: skip values far shorter than the password. */
function exceedsMaximumLengthRatio(
  password: string,
  maxSimilarity: number,
  value: string,
): boolean {
  const pwdLength = codePoints(password);
  const lengthBoundSimilarity = (maxSimilarity / 2) * pwdLength;
  const valueLength = codePoints(value);
  return pwdLength >= 10 * valueLength && valueLength < lengthBoundSimilarity;
}

/** The verbose names of `auth_user`'s fields, as Django's messages print them. */
const VERBOSE_NAMES: Readonly<Record<string, string>> = {
  username: 'username',
  first_name: 'first name',
  last_name: 'last name',
  email: 'email address',
};

/** Python's `\W+` on `str` (Unicode): runs of characters that are not letters, digits or `_`. */
const NON_WORD = /[^\p{L}\p{N}_]+/u;

/**
 * Django's `UserAttributeSimilarityValidator` (`user_attributes`, default username, first and
 * last name, email; `max_similarity`, default 0.7, at least 0.1): the password must not be too
 * similar to any attribute or part of one (split on non-word characters). Attributes are read
 * with Django's names or camelCased (`first_name` or `firstName`).
 */
export class UserAttributeSimilarityValidator implements PasswordValidator {
  static readonly DEFAULT_USER_ATTRIBUTES = ['username', 'first_name', 'last_name', 'email'];
  readonly userAttributes: readonly string[];
  readonly maxSimilarity: number;

  constructor(options: Record<string, unknown> = {}) {
    this.userAttributes = option(
      options,
      'user_attributes',
      UserAttributeSimilarityValidator.DEFAULT_USER_ATTRIBUTES,
    );
    this.maxSimilarity = option(options, 'max_similarity', 0.7);
    if (!(this.maxSimilarity >= 0.1)) throw new RangeError('max_similarity must be at least 0.1');
  }

  validate(password: string, user?: UserLike): void {
    if (!user) return;
    const lowered = password.toLowerCase();
    for (const attribute of this.userAttributes) {
      const camel = attribute.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      const record = user as Record<string, unknown>;
      const value = record[attribute] ?? record[camel];
      if (!value || typeof value !== 'string') continue;
      const valueLower = value.toLowerCase();
      const parts = [...valueLower.split(NON_WORD), valueLower];
      for (const part of parts) {
        if (exceedsMaximumLengthRatio(lowered, this.maxSimilarity, part)) continue;
        if (quickRatio(lowered, part) >= this.maxSimilarity) {
          const verboseName = VERBOSE_NAMES[attribute] ?? attribute;
          throw new ValidationError({
            message: `The password is too similar to the ${verboseName}.`,
            code: 'password_too_similar',
            params: { verbose_name: verboseName },
          });
        }
      }
    }
  }

  getErrorMessage(): string {
    return 'The password is too similar to the %(verbose_name)s.';
  }

  getHelpText(): string {
    return 'Your password can\u2019t be too similar to your other personal information.';
  }
}

/** Django's list of 20,000 common passwords, vendored (see `common-passwords.NOTICE`). */
const DEFAULT_PASSWORD_LIST_PATH = new URL('common-passwords.txt.gz', import.meta.url);
const passwordLists = new Map<string, Set<string>>();

function readPasswordList(path: string | URL): Set<string> {
  const key = String(path);
  let list = passwordLists.get(key);
  if (list) return list;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new ImproperlyConfigured(
      `CommonPasswordValidator cannot read its password list ${key}: ${(error as Error).message}`,
    );
  }
  let text: string;
  try {
    text = gunzipSync(bytes).toString('utf8');
  } catch {
    // Not gzipped: a plain text file, as Django also accepts.
    text = bytes.toString('utf8');
  }
  list = new Set(text.split('\n').map((line) => line.trim()));
  list.delete('');
  passwordLists.set(key, list);
  return list;
}

/**
 * Django's `CommonPasswordValidator` (`password_list_path`, default Django's own gzipped list
 * of 20,000 lower-cased passwords): refuses a password (lower-cased, trimmed) on the list.
 */
export class CommonPasswordValidator implements PasswordValidator {
  readonly passwords: ReadonlySet<string>;

  constructor(options: Record<string, unknown> = {}) {
    this.passwords = readPasswordList(
      option<string | URL>(options, 'password_list_path', DEFAULT_PASSWORD_LIST_PATH),
    );
  }

  validate(password: string): void {
    if (this.passwords.has(password.toLowerCase().trim())) {
      throw new ValidationError({
        message: this.getErrorMessage(),
        code: 'password_too_common',
      });
    }
  }

  getErrorMessage(): string {
    return 'This password is too common.';
  }

  getHelpText(): string {
    return 'Your password can\u2019t be a commonly used password.';
  }
}

/**
 * Python's `str.isdigit()`: decimal digits of any script (`\p{Nd}`) plus the other characters
 * with a digit value (superscripts, circled digits, ...: the list Python 3.11's Unicode data
 * gives).
 */
const PYTHON_DIGITS =
  /^[\p{Nd}\u{B2}-\u{B3}\u{B9}\u{1369}-\u{1371}\u{19DA}\u{2070}\u{2074}-\u{2079}\u{2080}-\u{2089}\u{2460}-\u{2468}\u{2474}-\u{247C}\u{2488}-\u{2490}\u{24EA}\u{24F5}-\u{24FD}\u{24FF}\u{2776}-\u{277E}\u{2780}-\u{2788}\u{278A}-\u{2792}\u{10A40}-\u{10A43}\u{10E60}-\u{10E68}\u{11052}-\u{1105A}\u{1F100}-\u{1F10A}]+$/u;

/** Django's `NumericPasswordValidator`: refuses a password made only of digits. */
export class NumericPasswordValidator implements PasswordValidator {
  validate(password: string): void {
    if (PYTHON_DIGITS.test(password)) {
      throw new ValidationError({
        message: this.getErrorMessage(),
        code: 'password_entirely_numeric',
      });
    }
  }

  getErrorMessage(): string {
    return 'This password is entirely numeric.';
  }

  getHelpText(): string {
    return 'Your password can\u2019t be entirely numeric.';
  }
}

/** The built-in validators by dotted path, Tango's and Django's. */
const BUILTIN_VALIDATORS = new Map<string, PasswordValidatorClass>(
  (
    [
      ['MinimumLengthValidator', MinimumLengthValidator],
      ['UserAttributeSimilarityValidator', UserAttributeSimilarityValidator],
      ['CommonPasswordValidator', CommonPasswordValidator],
      ['NumericPasswordValidator', NumericPasswordValidator],
    ] as const
  ).flatMap(([name, cls]) => [
    [`tango.auth.password_validation.${name}`, cls as PasswordValidatorClass],
    [`django.contrib.auth.password_validation.${name}`, cls as PasswordValidatorClass],
  ]),
);
const importedValidators = new Map<string, PasswordValidatorClass>();

/**
 * Imports the project validators named `'./module.ts#Export'` in `config` (the auth app does
 * this at start-up, so `getDefaultPasswordValidators` can stay synchronous).
 *
 * @example
 * await loadPasswordValidators(settings.AUTH_PASSWORD_VALIDATORS, settings.BASE_DIR);
 */
export async function loadPasswordValidators(
  config: readonly PasswordValidatorSettings[],
  baseDir: string,
): Promise<void> {
  for (const { NAME: name } of config) {
    if (
      typeof name === 'string' &&
      !BUILTIN_VALIDATORS.has(name) &&
      !importedValidators.has(name)
    ) {
      if (!name.startsWith('./')) {
        throw new ImproperlyConfigured(
          `The module in NAME could not be imported: ${name}. Check your AUTH_PASSWORD_VALIDATORS setting.`,
        );
      }
      importedValidators.set(
        name,
        (await importString(name, 'AUTH_PASSWORD_VALIDATORS', baseDir)) as PasswordValidatorClass,
      );
    }
  }
}

/**
 * Django's `get_password_validators(config)`: an instance per entry, built with its `OPTIONS`.
 *
 * @example
 * getPasswordValidators([{ NAME: 'tango.auth.password_validation.MinimumLengthValidator', OPTIONS: { min_length: 12 } }]);
 */
export function getPasswordValidators(
  config: readonly PasswordValidatorSettings[],
): PasswordValidator[] {
  return config.map(({ NAME: name, OPTIONS: options = {} }) => {
    const cls =
      typeof name === 'string'
        ? (BUILTIN_VALIDATORS.get(name) ?? importedValidators.get(name))
        : (name as PasswordValidatorClass);
    if (!cls) {
      throw new ImproperlyConfigured(
        `The module in NAME could not be imported: ${String(name)}. Check your AUTH_PASSWORD_VALIDATORS setting.`,
      );
    }
    return new cls(options);
  });
}

const defaultValidators = new WeakMap<readonly PasswordValidatorSettings[], PasswordValidator[]>();

/** The validators of the configured `AUTH_PASSWORD_VALIDATORS`, built once per list. */
export function getDefaultPasswordValidators(): PasswordValidator[] {
  const config = isConfigured() ? getSettings().AUTH_PASSWORD_VALIDATORS : [];
  let validators = defaultValidators.get(config);
  if (!validators) defaultValidators.set(config, (validators = getPasswordValidators(config)));
  return validators;
}

/**
 * Django's `validate_password`: runs every validator (default: `AUTH_PASSWORD_VALIDATORS`)
 * and throws one `ValidationError` holding every failure, in order.
 *
 * @example
 * validatePassword('password', user); // throws: "This password is too common."
 */
export function validatePassword(
  password: string,
  user?: UserLike,
  validators: readonly PasswordValidator[] = getDefaultPasswordValidators(),
): void {
  const errors: ValidationError[] = [];
  for (const validator of validators) {
    try {
      validator.validate(password, user);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      errors.push(error);
    }
  }
  if (errors.length) throw new ValidationError(errors);
}

/** Django's `password_changed`: tells each validator with a `passwordChanged` hook. */
export function passwordChanged(
  password: string,
  user?: UserLike,
  validators: readonly PasswordValidator[] = getDefaultPasswordValidators(),
): void {
  for (const validator of validators) validator.passwordChanged?.(password, user);
}

/** Django's `password_validators_help_texts`: each validator's help text. */
export function passwordValidatorsHelpTexts(
  validators: readonly PasswordValidator[] = getDefaultPasswordValidators(),
): string[] {
  return validators.map((v) => v.getHelpText());
}
