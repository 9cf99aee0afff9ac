/**
 * `tango/sessions`: the sessions app (Django's `django.contrib.sessions`).
 *
 * @example
 * import { SessionMiddleware, Session } from 'tango/sessions';
 */
export {
  Session,
  EXPIRY_KEY,
  readExpiry,
  type ExpiryOptions,
  type ExpiryValue,
  type SessionSettings,
} from './session.js';
export {
  SessionMiddleware,
  MAX_COOKIE_BYTES,
  type SessionMiddlewareHandler,
} from './middleware.js';
export {
  ServerSideStoreBase,
  checkExpiresAt,
  type ClientSideStore,
  type ServerSideStore,
  type SessionData,
  type SessionEngine,
  type SessionStore,
  type SessionStoreMethods,
  type SessionStoreOptions,
} from './store.js';
export {
  SessionInterrupted,
  SessionStoreUnavailable,
  UpdateError,
  CreateError,
} from './exceptions.js';
export { createSessionStore, guardSessionStore, BUILTIN_ENGINES } from './engines.js';
export {
  generateSessionKey,
  createWithFreshKey,
  hasMinimumKeyLength,
  isServerSideKey,
  setSessionKeyGenerator,
  VALID_KEY_CHARS,
  MAX_CREATE_ATTEMPTS,
} from './keys.js';
export {
  encodeSessionData,
  decodeSessionData,
  SESSION_SALT,
  type SessionSigningKeys,
} from './encoding.js';
export { FileStore, type FileStoreOptions } from './backends/file.js';
export {
  SignedCookieStore,
  SIGNED_COOKIES_SALT,
  type SignedCookieStoreOptions,
} from './backends/signed_cookies.js';
