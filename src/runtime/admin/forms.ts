/**
 * The admin's forms (Django's `django.contrib.admin.forms` and the user forms of
 * `django.contrib.auth.forms` the admin uses), without a forms framework: each field is a
 * plain object a template reads (`form.fields`, each with `name`, `id`, `label`, `type`,
 * `value`, `errors`), and `await form.isValid()` cleans and validates with Django's messages.
 */
import {
  AUTHENTICATION_FORM_ERRORS,
  AuthenticationForm,
  identifyHasher,
  isPasswordUsable,
  UnknownPasswordHasher,
  type User,
  type UserManager,
  USERNAME_MAX_LENGTH,
  validateEmail,
  validatePassword,
  validateUsername,
  ValidationError,
} from '../auth/index.js';

/**
 * Django's `AdminAuthenticationForm`: the login form of the admin, which also refuses an
 * active user who is not staff, with the admin's "staff account" message.
 *
 * @example
 * LoginView.asView({ authenticationForm: AdminAuthenticationForm, templateName: 'admin/login.html' })
 */
export class AdminAuthenticationForm extends AuthenticationForm {
  override errorMessages: Record<string, string> = {
    ...AUTHENTICATION_FORM_ERRORS,
    invalid_login:
      'Please enter the correct %(username)s and password for a staff account. Note that both fields may be case-sensitive.',
  };

  override confirmLoginAllowed(user: User): void {
    super.confirmLoginAllowed(user);
    if (!user.isStaff) throw this.getInvalidLoginError();
  }
}

/** One form field as the admin's templates render it. */
export interface FormField {
  /** The `name` attribute. */
  readonly name: string;
  /** The `id` attribute (`id_<name>`, as Django). */
  readonly id: string;
  readonly label: string;
  /** `text`, `password`, `email` or `checkbox`. */
  readonly type: 'text' | 'password' | 'email' | 'checkbox';
  /** The value to show again (never a password's). */
  value: string;
  /** For a checkbox: whether it is ticked. */
  checked: boolean;
  /** For a text field: its `maxlength`, or 0 for none. */
  readonly maxLength: number;
  readonly required: boolean;
  /** Lines of help under the field. */
  readonly helpText: readonly string[];
  errors: string[];
}

/** Django's "This field is required." */
const REQUIRED = 'This field is required.';
/** Django 5.2's `SetPasswordMixin.error_messages['password_mismatch']`. */
export const PASSWORD_MISMATCH = 'The two password fields didn\u2019t match.';
/** Django's `AbstractUser.username` `unique` message. */
export const USERNAME_TAKEN = 'A user with that username already exists.';

/** The form data of a request: `request.form`, or nothing for an unbound form. */
type FormData = URLSearchParams | undefined;

function field(
  name: string,
  label: string,
  type: FormField['type'],
  options: { maxLength?: number; required?: boolean; helpText?: readonly string[] } = {},
): FormField {
  return {
    name,
    id: `id_${name}`,
    label,
    type,
    value: '',
    checked: false,
    maxLength: options.maxLength ?? 0,
    required: options.required ?? false,
    helpText: options.helpText ?? [],
    errors: [],
  };
}

/** The base of the admin's forms: fields by name, and every error at once. */
abstract class AdminForm {
  readonly fields: FormField[];
  readonly isBound: boolean;
  /** Errors that belong to no field. */
  nonFieldErrors: string[] = [];

  constructor(fields: FormField[], data: FormData) {
    this.fields = fields;
    this.isBound = data !== undefined;
    if (data === undefined) return;
    for (const f of fields) {
      if (f.type === 'checkbox') f.checked = data.has(f.name);
      else if (f.type !== 'password') f.value = data.get(f.name) ?? '';
    }
  }

  /** The field called `name`. */
  field(name: string): FormField {
    const found = this.fields.find((f) => f.name === name);
    if (!found) throw new Error(`no field ${name}`);
    return found;
  }

  /** True when no field and no form-wide error was found. */
  get hasErrors(): boolean {
    return this.nonFieldErrors.length > 0 || this.fields.some((f) => f.errors.length > 0);
  }
}

/** The two password fields of Django's `SetPasswordMixin`, checked the same way. */
function passwordFields(helpText: readonly string[]): FormField[] {
  return [
    field('password1', 'Password', 'password', { required: true, helpText }),
    field('password2', 'Password confirmation', 'password', {
      required: true,
      helpText: ['Enter the same password as before, for verification.'],
    }),
  ];
}

/**
 * Django's `SetPasswordMixin.validate_passwords` and `validate_password_for_user`: both fields
 * required, equal, and accepted by `AUTH_PASSWORD_VALIDATORS` for `user` (errors go under
 * `password2`). Returns the password, or `null` when an error was recorded.
 */
function checkPasswords(form: AdminForm, data: URLSearchParams, user: object): string | null {
  const password1 = data.get('password1') ?? '';
  const password2 = data.get('password2') ?? '';
  if (password1 === '') form.field('password1').errors.push(REQUIRED);
  if (password2 === '') form.field('password2').errors.push(REQUIRED);
  if (password1 === '' || password2 === '') return null;
  if (password1 !== password2) {
    form.field('password2').errors.push(PASSWORD_MISMATCH);
    return null;
  }
  try {
    validatePassword(password2, user);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    form.field('password2').errors.push(...error.messages);
    return null;
  }
  return password2;
}

/**
 * Django's `AdminUserCreationForm` (5.2) without its "usable password" choice: a username
 * (Django's username field: required, trimmed, NFKC-normalised, at most 150 characters of
 * letters, digits and `@.+-_`, not taken) and a password typed twice, which must match and pass
 * `AUTH_PASSWORD_VALIDATORS` (the similarity check sees the new username).
 *
 * @example
 * const form = new UserCreationForm(request.form, helpTexts);
 * if (await form.isValid(users)) await users.createUser(form.cleanedData.username, { password: form.cleanedData.password });
 */
export class UserCreationForm extends AdminForm {
  cleanedData: { username: string; password: string } = { username: '', password: '' };

  constructor(data: FormData, passwordHelpText: readonly string[] = []) {
    super(
      [
        field('username', 'Username', 'text', {
          maxLength: USERNAME_MAX_LENGTH,
          required: true,
          helpText: ['Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.'],
        }),
        ...passwordFields(passwordHelpText),
      ],
      data,
    );
  }

  /** Cleans and validates; `users` answers whether the username is taken. */
  async isValid(users: UserManager, data: URLSearchParams): Promise<boolean> {
    const username = (data.get('username') ?? '').trim().normalize('NFKC');
    const usernameField = this.field('username');
    if (username === '') usernameField.errors.push(REQUIRED);
    else {
      usernameField.errors.push(...validateUsername(username));
      if (usernameField.errors.length === 0 && (await users.getByNaturalKey(username)) !== null) {
        usernameField.errors.push(USERNAME_TAKEN);
      }
    }
    const password = checkPasswords(this, data, { username });
    if (this.hasErrors || password === null) return false;
    this.cleanedData = { username, password };
    return true;
  }
}

/**
 * Django's `AdminPasswordChangeForm`: a new password for `user`, typed twice, which must match
 * and pass `AUTH_PASSWORD_VALIDATORS`.
 *
 * @example
 * const form = new AdminPasswordChangeForm(request.form);
 * if (form.isValid(user, request.form)) await user.setPassword(form.cleanedData.password);
 */
export class AdminPasswordChangeForm extends AdminForm {
  cleanedData: { password: string } = { password: '' };

  constructor(data: FormData, passwordHelpText: readonly string[] = []) {
    super(passwordFields(passwordHelpText), data);
  }

  isValid(user: User, data: URLSearchParams): boolean {
    const password = checkPasswords(this, data, user);
    if (this.hasErrors || password === null) return false;
    this.cleanedData = { password };
    return true;
  }
}

/** The fields of `UserChangeForm` that the admin edits, by `User` property. */
export const USER_CHANGE_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'isActive',
  'isStaff',
  'isSuperuser',
] as const;

/**
 * The part of Django's `UserChangeForm` (as `UserAdmin` lays it out) that the admin edits: the
 * email and names, and the active, staff and superuser flags. The username and password are
 * changed elsewhere (the password on its own page, as in Django).
 *
 * @example
 * const form = new UserChangeForm(user, request.form);
 * if (form.isValid()) form.apply(user);
 */
export class UserChangeForm extends AdminForm {
  constructor(user: User, data: FormData) {
    super(
      [
        field('email', 'Email address', 'email', { maxLength: 254 }),
        field('first_name', 'First name', 'text', { maxLength: 150 }),
        field('last_name', 'Last name', 'text', { maxLength: 150 }),
        field('is_active', 'Active', 'checkbox', {
          helpText: [
            'Designates whether this user should be treated as active. Unselect this instead of deleting accounts.',
          ],
        }),
        field('is_staff', 'Staff status', 'checkbox', {
          helpText: ['Designates whether the user can log into this admin site.'],
        }),
        field('is_superuser', 'Superuser status', 'checkbox', {
          helpText: [
            'Designates that this user has all permissions without explicitly assigning them.',
          ],
        }),
      ],
      data,
    );
    if (data === undefined) {
      this.field('email').value = user.email;
      this.field('first_name').value = user.firstName;
      this.field('last_name').value = user.lastName;
      this.field('is_active').checked = user.isActive;
      this.field('is_staff').checked = user.isStaff;
      this.field('is_superuser').checked = user.isSuperuser;
    }
  }

  /** Django's field cleaning: trimmed text, a valid email, names of at most 150 characters. */
  isValid(): boolean {
    for (const name of ['email', 'first_name', 'last_name']) {
      const f = this.field(name);
      f.value = f.value.trim();
      const length = [...f.value].length;
      if (name === 'email') f.errors.push(...validateEmail(f.value));
      else if (length > 150) {
        f.errors.push(`Ensure this value has at most 150 characters (it has ${length}).`);
      }
    }
    return !this.hasErrors;
  }

  /** Copies the cleaned values onto `user` (not saved). */
  apply(user: User): void {
    user.email = this.field('email').value;
    user.firstName = this.field('first_name').value;
    user.lastName = this.field('last_name').value;
    user.isActive = this.field('is_active').checked;
    user.isStaff = this.field('is_staff').checked;
    user.isSuperuser = this.field('is_superuser').checked;
  }
}

/** Django's `ReadOnlyPasswordHashWidget` text for no password or an unusable one (`!...`). */
export const NO_PASSWORD_SET = 'No password set.';
/** Django's `ReadOnlyPasswordHashWidget` text for a hash no configured hasher identifies. */
export const UNKNOWN_PASSWORD_FORMAT = 'Invalid password format or unknown hashing algorithm.';

/**
 * What the user change page shows for a stored password, as Django's
 * `ReadOnlyPasswordHashWidget` (`get_context`) decides it: the algorithm of the configured
 * hasher that identifies it (`identifyHasher`; Django also lists the masked work factor, salt
 * and hash), else a label: `NO_PASSWORD_SET` for none or an unusable one,
 * `UNKNOWN_PASSWORD_FORMAT` for an algorithm not in `PASSWORD_HASHERS`.
 *
 * @example
 * passwordSummary('pbkdf2_sha256$1000000$salt$hash'); // { algorithm: 'pbkdf2_sha256', label: null }
 * passwordSummary('!Xy8...'); // { algorithm: null, label: 'No password set.' }
 * passwordSummary('sha1$$hash'); // { algorithm: null, label: 'Invalid password format or ...' }
 */
export function passwordSummary(
  encoded: string,
): { algorithm: string; label: null } | { algorithm: null; label: string } {
  // Django: `usable_password = value and not value.startswith(UNUSABLE_PASSWORD_PREFIX)`.
  if (!encoded || !isPasswordUsable(encoded)) return { algorithm: null, label: NO_PASSWORD_SET };
  try {
    return { algorithm: identifyHasher(encoded).algorithm, label: null };
  } catch (error) {
    if (!(error instanceof UnknownPasswordHasher)) throw error;
    return { algorithm: null, label: UNKNOWN_PASSWORD_FORMAT };
  }
}
