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
export { SessionMiddleware, type SessionMiddlewareHandler } from './middleware.js';
export {
  ServerSideStoreBase,
  applyChanges,
  checkExpiresAt,
  sessionData,
  toSessionData,
  type SessionChanges,
  type SessionLock,
  type SessionLockOptions,
  type ClientSideStore,
  type ServerSideStore,
  type SessionData,
  type SessionEngine,
  type SessionStore,
  type SessionStoreMethods,
  type SessionStoreOptions,
  type SessionQuery,
  type SessionInfo,
  type SessionPage,
  type UserSessionsDeletion,
} from './store.js';
export {
  endOtherSessions,
  endUserSessions,
  listUserSessions,
  requireUserSessions,
  sessionUserId,
  supportsUserSessions,
  checkUserId,
  resolveSessionQuery,
  resolveDeletion,
  deleteListedSessions,
  USER_ID_SESSION_KEY,
  DEFAULT_SESSION_PAGE_SIZE,
  MAX_SESSION_PAGE_SIZE,
  type ResolvedSessionQuery,
  type SessionsTarget,
  type UserSessionStore,
} from './users.js';
export {
  SessionInterrupted,
  SessionStoreUnavailable,
  SessionLockTimeout,
  UpdateError,
  CreateError,
  UserSessionsNotSupported,
} from './exceptions.js';
export {
  clearExpiredOnce,
  scheduleClearExpired,
  CLEAR_RECENT_KEY,
  CLEAR_RUNNING_KEY,
  type ClearingSchedule,
} from './clearing.js';
export {
  blockingSession,
  acquireSessionLock,
  canLock,
  pollForLock,
  DEFAULT_LOCK_TIMEOUT,
  DEFAULT_LOCK_EXPIRY,
  type BlockingSessionOptions,
} from './locking.js';
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
export {
  EncryptedCookieStore,
  ENCRYPTED_COOKIES_PURPOSE,
  type EncryptedCookieStoreOptions,
} from './backends/encrypted_cookies.js';
export { markFallbackKey, openedWithFallbackKey, verifyRotating } from './rotation.js';
export type { DeclaredKey, SessionFields, SessionValue, UndeclaredKey } from './typing.js';
export {
  validateSessionData,
  type SessionSchema,
  type SessionSchemaIssue,
  type SessionSchemaResult,
} from './schema.js';
