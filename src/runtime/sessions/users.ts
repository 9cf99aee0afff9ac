/**
 * Sessions per user: the sessions a user is logged in to, listed and ended ("log out other
 * devices": Laravel's `logoutOtherDevices`, AdonisJS's session tagging). A session belongs to
 * a user when its data holds `_auth_user_id` (Django's `django.contrib.auth.SESSION_KEY`,
 * written by `login()`), so nothing extra is stored in the session and a session Django logged
 * in belongs to its user here too.
 *
 * Every built-in server-side engine lists and deletes (`store.listSessions`,
 * `store.deleteSessions`; how each finds a user's sessions, and what it costs, is in
 * docs/session-store-contract.md). Client-side engines (`signed_cookies`,
 * `encrypted_cookies`) cannot: the sessions are in the browsers. `supportsUserSessions(store)`
 * tells, and the helpers here throw `UserSessionsNotSupported` for such a store; their
 * sessions end on a password change through the session auth hash instead.
 */
import type { HttpRequest } from '../http/request.js';
import { UserSessionsNotSupported } from './exceptions.js';
import { isServerSideKey } from './keys.js';
import { Session } from './session.js';
import type {
  ServerSideStore,
  SessionData,
  SessionInfo,
  SessionPage,
  SessionQuery,
  SessionStore,
  UserSessionsDeletion,
} from './store.js';

/**
 * The session key holding the logged-in user's id: Django's `SESSION_KEY` of
 * `django.contrib.auth` (`str(user.pk)`), which `tango.auth`'s `login()` writes too.
 *
 * @example
 * request.session.get(USER_ID_SESSION_KEY); // '42', or undefined for an anonymous session
 */
export const USER_ID_SESSION_KEY = '_auth_user_id';

/**
 * Sessions in a page of `listSessions` when the query gives no `limit`.
 *
 * @example
 * (await store.listSessions!()).sessions.length <= DEFAULT_SESSION_PAGE_SIZE; // true
 */
export const DEFAULT_SESSION_PAGE_SIZE = 100;

/**
 * The largest `limit` of `listSessions`.
 *
 * @example
 * await store.listSessions!({ limit: MAX_SESSION_PAGE_SIZE });
 */
export const MAX_SESSION_PAGE_SIZE = 1000;

/**
 * A store that lists and deletes sessions (`supportsUserSessions`).
 *
 * @example
 * function show(store: UserSessionStore) { return store.listSessions({ userId: '42' }); }
 */
export type UserSessionStore = ServerSideStore &
  Required<Pick<ServerSideStore, 'listSessions' | 'deleteSessions'>>;

/**
 * What the helpers accept: a store, a `Session` (its store), or a request (`request.session`'s).
 *
 * @example
 * await endUserSessions(request, '42');
 */
export type SessionsTarget = SessionStore | Session | Pick<HttpRequest, 'session'>;

/**
 * True when `store` can list and end a user's sessions: every built-in server-side engine
 * (db, cached_db, file, cache) and a custom one with `listSessions` and `deleteSessions`;
 * never a client-side store (`signed_cookies`, `encrypted_cookies`), whose sessions are in
 * the browsers. The admin shows its session pages only when this holds.
 *
 * @example
 * if (supportsUserSessions(request.session.store)) await request.session.store.deleteSessions({ userId });
 */
export function supportsUserSessions(store: SessionStore): store is UserSessionStore {
  return (
    store.kind === 'server' &&
    typeof store.listSessions === 'function' &&
    typeof store.deleteSessions === 'function'
  );
}

/**
 * The user a session's data belongs to: its `_auth_user_id` as a string (Django stores
 * `str(pk)`; a number, as a custom writer may store, is turned into one), or `null`.
 *
 * @example
 * sessionUserId(new Map([['_auth_user_id', '42']])); // '42'
 * sessionUserId(new Map([['hit', 1]])); // null
 */
export function sessionUserId(data: SessionData): string | null {
  const value = data.get(USER_ID_SESSION_KEY);
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/**
 * A user id as the session stores it (a string), or a `TypeError` naming `caller`: ids are
 * non-empty strings or finite numbers.
 *
 * @example
 * checkUserId(42, 'endUserSessions()'); // '42'
 */
export function checkUserId(userId: unknown, caller: string): string {
  if (typeof userId === 'number' && Number.isFinite(userId)) return String(userId);
  if (typeof userId === 'string' && userId !== '') return userId;
  throw new TypeError(
    `${caller}: userId must be a non-empty string or a finite number, got ${describe(userId)}.`,
  );
}

/** A value for an error message: short, one line. */
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 80));
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number') return String(value);
  return typeof value;
}

/**
 * A `SessionQuery` with its defaults, checked: what an engine's `listSessions` works from.
 *
 * @example
 * resolveSessionQuery({ userId: 42 }); // { userId: '42', limit: 100, cursor: null }
 */
export interface ResolvedSessionQuery {
  userId: string | null;
  limit: number;
  cursor: string | null;
}

/**
 * Checks and completes a `listSessions` query, with clear `TypeError`s for a bad `userId`,
 * a `limit` outside 1-1000 and a cursor the engine cannot have returned (`isCursor`: by
 * default a session key, the cursor of engines that list in key order).
 *
 * @example
 * const { userId, limit, cursor } = resolveSessionQuery(query);
 */
export function resolveSessionQuery(
  query: SessionQuery = {},
  isCursor: (cursor: string) => boolean = isServerSideKey,
): ResolvedSessionQuery {
  if (typeof query !== 'object' || query === null) {
    throw new TypeError(`listSessions(): the query must be an object, got ${describe(query)}.`);
  }
  const userId =
    query.userId === undefined ? null : checkUserId(query.userId, 'listSessions({ userId })');
  const limit = query.limit ?? DEFAULT_SESSION_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SESSION_PAGE_SIZE) {
    throw new TypeError(
      `listSessions(): limit must be an integer from 1 to ${MAX_SESSION_PAGE_SIZE}, got ${describe(limit)}.`,
    );
  }
  const cursor = query.cursor ?? null;
  if (cursor !== null && (typeof cursor !== 'string' || !isCursor(cursor))) {
    throw new TypeError(
      `listSessions(): cursor ${describe(cursor)} is not one this session store returned.`,
    );
  }
  return { userId, limit, cursor };
}

/**
 * Checks a `deleteSessions` query: the user id as a string, and the key to keep (`null`:
 * none).
 *
 * @example
 * resolveDeletion({ userId: 42, exceptKey: key }); // { userId: '42', exceptKey: key }
 */
export function resolveDeletion(query: UserSessionsDeletion): {
  userId: string;
  exceptKey: string | null;
} {
  if (typeof query !== 'object' || query === null) {
    throw new TypeError(
      `deleteSessions(): the query must be an object with a userId, got ${describe(query)}.`,
    );
  }
  const exceptKey = query.exceptKey ?? null;
  if (exceptKey !== null && typeof exceptKey !== 'string') {
    throw new TypeError(
      `deleteSessions(): exceptKey must be a session key or null, got ${describe(exceptKey)}.`,
    );
  }
  return { userId: checkUserId(query.userId, 'deleteSessions({ userId })'), exceptKey };
}

/**
 * `deleteSessions` for an engine that deletes one session at a time: walks the user's
 * sessions with `list` (the engine's `listSessions`), then deletes every key but
 * `exceptKey` with `remove`, and returns how many it deleted. Keys are collected first, so
 * the walk never sees its own deletions.
 *
 * @example
 * deleteSessions(query) { return deleteListedSessions(query, (q) => this.listSessions(q), (key) => this.delete(key)); }
 */
export async function deleteListedSessions(
  query: UserSessionsDeletion,
  list: (query: SessionQuery) => Promise<SessionPage>,
  remove: (key: string) => Promise<void>,
): Promise<number> {
  const { userId, exceptKey } = resolveDeletion(query);
  const keys = new Set<string>();
  let cursor: string | null = null;
  do {
    const page: SessionPage = await list({ userId, limit: MAX_SESSION_PAGE_SIZE, cursor });
    for (const session of page.sessions) if (session.key !== exceptKey) keys.add(session.key);
    cursor = page.cursor;
  } while (cursor !== null);
  for (const key of keys) await remove(key);
  return keys.size;
}

/** The engine name for messages: the built-in name of a built-in store's class. */
const ENGINE_NAMES: Readonly<Record<string, string>> = {
  DatabaseStore: 'db',
  CachedDatabaseStore: 'cached_db',
  FileStore: 'file',
  CacheStore: 'cache',
  SignedCookieStore: 'signed_cookies',
  EncryptedCookieStore: 'encrypted_cookies',
};

/** The store a target stands for. */
function storeOf(target: SessionsTarget): SessionStore {
  if (target instanceof Session) return target.store;
  if ('kind' in target) return target;
  return target.session.store;
}

/**
 * The target's store if it can list and end sessions, else `UserSessionsNotSupported`
 * naming the engine (and, for a client-side engine, what ends its sessions instead).
 *
 * @example
 * const store = requireUserSessions(request); // UserSessionsNotSupported on signed_cookies
 */
export function requireUserSessions(target: SessionsTarget): UserSessionStore {
  const store = storeOf(target);
  if (supportsUserSessions(store)) return store;
  // A custom store behind guardSessionStore names itself (engineName); a built-in by its class.
  const named = (store as { engineName?: unknown }).engineName;
  const className = (store as { constructor?: { name?: string } }).constructor?.name ?? 'custom';
  const engine = typeof named === 'string' ? named : (ENGINE_NAMES[className] ?? className);
  throw new UserSessionsNotSupported(engine, store.kind === 'client');
}

/**
 * Every live session of `userId`, in every page (`store.listSessions`), with its key, expiry
 * and decoded data: what an account page ("where you're logged in") or the admin shows.
 * `UserSessionsNotSupported` on an engine that cannot list (`signed_cookies`,
 * `encrypted_cookies`).
 *
 * @example
 * const sessions = await listUserSessions(request, request.user.id); // tango.auth's request.user
 * sessions.map((s) => [s.key === request.session.sessionKey, s.expiresAt]);
 */
export async function listUserSessions(
  target: SessionsTarget,
  userId: string | number,
): Promise<SessionInfo[]> {
  const store = requireUserSessions(target);
  const id = checkUserId(userId, 'listUserSessions()');
  const found = new Map<string, SessionInfo>();
  let cursor: string | null = null;
  do {
    const page: SessionPage = await store.listSessions({
      userId: id,
      limit: MAX_SESSION_PAGE_SIZE,
      cursor,
    });
    // Redis's SCAN may return a key twice: list each session once.
    for (const session of page.sessions) found.set(session.key, session);
    cursor = page.cursor;
  } while (cursor !== null);
  return [...found.values()];
}

/**
 * Ends every session of `userId` (deletes it from the store: its next request is anonymous),
 * but the one under `options.except`, and resolves to how many it ended. What `tango.auth`
 * calls after a password change and the admin's "end all sessions" button;
 * `UserSessionsNotSupported` on a client-side engine (there the password change ends the
 * sessions, through the session auth hash). Deleting the current request's own session makes
 * that request's save fail (`SessionInterrupted`): flush it (`logout`) instead, or pass its
 * key as `except`. A session that logs in while this runs may survive it.
 *
 * @example
 * await endUserSessions(request, user.id, { except: request.session.sessionKey }); // other devices
 * await endUserSessions(store, user.id); // all of them (the admin)
 */
export async function endUserSessions(
  target: SessionsTarget,
  userId: string | number,
  options: { except?: string | null } = {},
): Promise<number> {
  const store = requireUserSessions(target);
  return store.deleteSessions({
    userId: checkUserId(userId, 'endUserSessions()'),
    exceptKey: options.except ?? null,
  });
}

/**
 * "Log out other devices": ends every session of the request's logged-in user but the
 * request's own, and resolves to how many it ended (0 for an anonymous request).
 * `UserSessionsNotSupported` on a client-side engine.
 *
 * @example
 * export async function logoutOtherDevices(request: HttpRequest) {
 *   const ended = await endOtherSessions(request);
 *   return redirect(`/account/?ended=${ended}`);
 * }
 */
export async function endOtherSessions(request: Pick<HttpRequest, 'session'>): Promise<number> {
  const session = request.session;
  const store = requireUserSessions(session);
  const data = new Map([[USER_ID_SESSION_KEY, session.get(USER_ID_SESSION_KEY)]]);
  const userId = sessionUserId(data);
  if (userId === null) return 0;
  return store.deleteSessions({ userId, exceptKey: session.sessionKey });
}
