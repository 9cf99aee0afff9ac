/**
 * `tango/auth`: users, logins and passwords (Django's `django.contrib.auth`), sharing Django's
 * `auth_user` table, password hashes and session keys, so Django and Tango log the same users
 * in on one database.
 *
 * ```ts
 * import { authenticate, login, logout, loginRequired } from 'tango/auth';
 *
 * export const profile = loginRequired((request) =>
 *   render(request, 'WebApp/profile.html', { name: request.user.getUsername() }),
 * );
 * ```
 *
 * Needs `'tango.auth'` in `INSTALLED_APPS` (then `npm run migrate`) and
 * `'tango.auth.middleware.AuthenticationMiddleware'` in `MIDDLEWARE` after `SessionMiddleware`.
 * Settings: `AUTHENTICATION_BACKENDS`, `PASSWORD_HASHERS`, `AUTH_PASSWORD_VALIDATORS`,
 * `LOGIN_URL`, `LOGIN_REDIRECT_URL`, `LOGOUT_REDIRECT_URL`, `AUTH_LOGIN_THROTTLE`. The whole API
 * is described in docs/auth.md.
 *
 * See https://docs.djangoproject.com/en/5.2/topics/auth/
 */
export {
  attachUser,
  authenticate,
  BACKEND_SESSION_KEY,
  getBackends,
  getUser,
  HASH_SESSION_KEY,
  loadBackend,
  login,
  LoginThrottled,
  logout,
  REDIRECT_FIELD_NAME,
  SESSION_KEY,
  updateSessionAuthHash,
  type LoadedBackend,
} from './api.js';
export {
  AllowAllUsersModelBackend,
  ModelBackend,
  type AuthenticationBackend,
  type AuthenticationBackendClass,
  type Credentials,
} from './backends.js';
export {
  getFullPath,
  loginRequired,
  permissionRequired,
  redirectToLogin,
  resolveUrl,
  staffMemberRequired,
  userPassesTest,
  type LoginRedirectOptions,
  type PermissionRequiredOptions,
  type UserTest,
} from './decorators.js';
export { AUTHENTICATION_FORM_ERRORS, AuthenticationForm, type BoundField } from './forms.js';
export {
  Argon2PasswordHasher,
  BasePasswordHasher,
  BCryptPasswordHasher,
  BCryptSHA256PasswordHasher,
  checkPassword,
  getHasher,
  getHashers,
  identifyHasher,
  isPasswordUsable,
  loadPasswordHashers,
  makePassword,
  maskHash,
  MD5PasswordHasher,
  mustUpdateSalt,
  PasswordHasherArgumentError,
  PasswordHasherUnavailable,
  PBKDF2PasswordHasher,
  PBKDF2SHA1PasswordHasher,
  ScryptPasswordHasher,
  UNUSABLE_PASSWORD_PREFIX,
  UNUSABLE_PASSWORD_SUFFIX_LENGTH,
  UnknownPasswordHasher,
  verifyPassword,
  type MakePasswordOptions,
  type PasswordHasherClass,
  type RawPassword,
} from './hashers.js';
export { AuthenticationMiddleware } from './middleware.js';
export {
  AnonymousUser,
  getUserManager,
  MissingUserTable,
  User,
  USER_TABLE,
  UserManager,
  USERNAME_MAX_LENGTH,
  UsernameTaken,
  type AnyUser,
  type CreateUserOptions,
  type ListUsersOptions,
  type SaveUserOptions,
  type UserFields,
} from './models.js';
export {
  CommonPasswordValidator,
  getDefaultPasswordValidators,
  getPasswordValidators,
  loadPasswordValidators,
  MinimumLengthValidator,
  NumericPasswordValidator,
  passwordChanged,
  passwordValidatorsHelpTexts,
  UserAttributeSimilarityValidator,
  validatePassword,
  ValidationError,
  type PasswordValidator,
  type PasswordValidatorClass,
  type ValidationIssue,
} from './password_validation.js';
// Python's SequenceMatcher.quick_ratio, as the similarity validator uses it.
export { quickRatio } from '../../common/text.js';
export { MAX_URL_LENGTH, urlHasAllowedHostAndScheme, urlsplit, type SplitUrl } from './safe_url.js';
export { authUrls } from './urls.js';
export { EMAIL_MAX_LENGTH, validateEmail, validateUsername } from './validators.js';
export {
  addNeverCacheHeaders,
  LoginView,
  LogoutView,
  logoutThenLogin,
  type LoginViewOptions,
  type LogoutViewOptions,
  type RedirectUrlOptions,
} from './views.js';
