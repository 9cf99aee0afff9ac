/**
 * The admin's session pages (Tango's: Django's admin has none, its `Session` model shows the
 * encoded data only). The list is engine-aware: every server-side engine lists its live
 * sessions a page at a time (`store.listSessions`, docs/session-store-contract.md), each with
 * its key (shortened), its user, its expiry and its decoded data, and each can be deleted, or
 * all of one user's ended at once ("log out other devices" when the user is you). A client-side
 * engine (`signed_cookies`, `encrypted_cookies`) keeps the sessions in the browsers: the page
 * says so, and what ends them instead (a password change).
 */
import { HASH_SESSION_KEY, logout, maskHash, type User } from '../auth/index.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import * as messages from '../messages/api.js';
import { redirect } from '../shortcuts.js';
import { UserSessionsNotSupported } from '../sessions/exceptions.js';
import type { SessionInfo, SessionPage } from '../sessions/store.js';
import { requireUserSessions, supportsUserSessions } from '../sessions/users.js';
import { path, type UrlEntry } from '../urls/conf.js';
import { type AdminSite, postOnly, requestUser } from './sites.js';
import { endSessionsOfUser, manager, sessionsText } from './users.js';

/** A value of the session data longer than this is cut, with `…`. */
const MAX_VALUE_LENGTH = 200;

/** A user id as the admin accepts it in a query string: a positive whole number. */
const USER_ID = /^[1-9][0-9]{0,14}$/;

/** `SESSION_ENGINE` for display: a built-in's name, or a custom store class's name. */
export function engineName(engine: unknown): string {
  if (typeof engine === 'string') return engine;
  const name = (engine as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name !== '' ? name : 'custom';
}

/** A session key as the list shows it: its first 8 characters. */
export function shortKey(key: string): string {
  return key.length > 8 ? `${key.slice(0, 8)}…` : key;
}

/** One value of the session data, as text: JSON, cut to 200 characters; the auth hash masked. */
function showValue(name: string, value: unknown): string {
  // Masked as Django masks password hashes, and cut: the stars say nothing more.
  if (name === HASH_SESSION_KEY && typeof value === 'string') return maskHash(value).slice(0, 16);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_VALUE_LENGTH ? `${text.slice(0, MAX_VALUE_LENGTH)}…` : text;
}

/** The users of a page of sessions, by id, one query each. */
async function usersById(request: HttpRequest, ids: Iterable<string>): Promise<Map<string, User>> {
  const users = manager(request);
  const found = new Map<string, User>();
  for (const id of new Set(ids)) {
    const user = USER_ID.test(id) ? await users.get(Number(id)) : null;
    if (user) found.set(id, user);
  }
  return found;
}

/** Sessions per user, and which buttons a user's sessions get. */
function userEntry(site: AdminSite, request: HttpRequest, id: string, user: User | undefined) {
  const own = String(requestUser(request).id) === id;
  return {
    id,
    username: user?.username ?? null,
    own,
    changeUrl: user && USER_ID.test(id) ? site.url('auth_user_change', { id: Number(id) }) : null,
    sessionsUrl: site.url('sessions_session_changelist', undefined, { user: id }),
    endUrl: USER_ID.test(id) ? site.url('sessions_session_end_user', { id: Number(id) }) : null,
  };
}

/**
 * The session list: a page of `store.listSessions` (all sessions, or `?user=<id>`'s), then the
 * next page through `?cursor=`.
 */
async function changelist(site: AdminSite, request: HttpRequest): Promise<HttpResponse> {
  site.requirePermission(request, 'sessions.view_session');
  const store = request.session.store;
  const listUrl = site.url('sessions_session_changelist');
  const base = {
    title: 'Sessions',
    engine: engineName(request.settings?.SESSION_ENGINE),
    breadcrumbs: [{ label: 'Sessions' }],
  };
  if (!supportsUserSessions(store)) {
    let reason = '';
    try {
      requireUserSessions(store);
    } catch (error) {
      if (!(error instanceof UserSessionsNotSupported)) throw error;
      reason = error.message;
    }
    return site.render(request, 'admin/sessions/change_list.html', {
      ...base,
      supported: false,
      reason,
    });
  }

  const userId = request.query.get('user');
  if (userId !== null && !USER_ID.test(userId)) {
    messages.error(request, `'${userId}' is not a user id: showing every session.`);
    return redirect(listUrl);
  }
  const cursor = request.query.get('cursor') || null;
  let page: SessionPage;
  try {
    page = await store.listSessions({
      ...(userId === null ? {} : { userId }),
      limit: site.sessionsPerPage,
      cursor,
    });
  } catch (error) {
    // A cursor the store did not issue (an edited or outdated link): start again.
    if (!(error instanceof TypeError) || cursor === null) throw error;
    messages.error(
      request,
      'That page of sessions is no longer available: showing the first page.',
    );
    return redirect(
      userId === null
        ? listUrl
        : site.url('sessions_session_changelist', undefined, { user: userId }),
    );
  }

  const users = await usersById(
    request,
    page.sessions.flatMap((s) => (s.userId === null ? [] : [s.userId])),
  );
  const currentKey = request.session.sessionKey;
  const sessions = page.sessions.map((info: SessionInfo) => ({
    key: info.key,
    shortKey: shortKey(info.key),
    current: info.key === currentKey,
    expires: info.expiresAt === null ? null : info.expiresAt.toUTCString(),
    expiresIso: info.expiresAt === null ? null : info.expiresAt.toISOString(),
    user:
      info.userId === null ? null : userEntry(site, request, info.userId, users.get(info.userId)),
    data: [...info.data].map(([name, value]) => ({ name, value: showValue(name, value) })),
    deleteUrl: site.url('sessions_session_delete', { key: info.key }),
  }));
  const filterUser =
    userId === null
      ? null
      : userEntry(
          site,
          request,
          userId,
          users.get(userId) ?? (await manager(request).get(Number(userId))) ?? undefined,
        );
  const query = (extra: Record<string, string>) => ({
    ...(userId === null ? {} : { user: userId }),
    ...extra,
  });
  return site.render(request, 'admin/sessions/change_list.html', {
    ...base,
    supported: true,
    sessions,
    count: sessions.length,
    filterUser,
    listUrl,
    firstPageUrl:
      cursor === null ? null : site.url('sessions_session_changelist', undefined, query({})),
    nextPageUrl:
      page.cursor === null
        ? null
        : site.url('sessions_session_changelist', undefined, query({ cursor: page.cursor })),
    breadcrumbs:
      filterUser === null
        ? base.breadcrumbs
        : [
            { label: 'Sessions', href: listUrl },
            { label: filterUser.username ?? `user ${userId}` },
          ],
  });
}

/** Where a session form goes back to: the list, with the `user` filter it was posted from. */
function backToList(site: AdminSite, request: HttpRequest): HttpResponse {
  const user = request.form.get('user');
  return redirect(
    user !== null && USER_ID.test(user)
      ? site.url('sessions_session_changelist', undefined, { user })
      : site.url('sessions_session_changelist'),
  );
}

/**
 * Deletes one session (POST): its visitor is anonymous from the next request on. Deleting the
 * session this request came with is a logout, and goes to the admin's login page.
 */
async function deleteSession(
  site: AdminSite,
  request: HttpRequest,
  key: string,
): Promise<HttpResponse> {
  site.requirePermission(request, 'sessions.delete_session');
  const refused = postOnly(request);
  if (refused) return refused;
  const store = request.session.store;
  if (!supportsUserSessions(store)) {
    messages.error(request, requireUserSessionsMessage(request));
    return backToList(site, request);
  }
  if (key === request.session.sessionKey) {
    await logout(request);
    messages.info(request, 'You deleted the session you were using: you are logged out.');
    return redirect(site.url('login'));
  }
  if (!(await store.exists(key))) {
    messages.warning(
      request,
      `The session “${shortKey(key)}” was not found: it has ended or expired already.`,
    );
    return backToList(site, request);
  }
  await store.delete(key);
  messages.success(request, `The session “${shortKey(key)}” was deleted successfully.`);
  return backToList(site, request);
}

/** The message of `UserSessionsNotSupported` for the request's store. */
function requireUserSessionsMessage(request: HttpRequest): string {
  try {
    requireUserSessions(request.session.store);
    return '';
  } catch (error) {
    if (error instanceof UserSessionsNotSupported) return error.message;
    throw error;
  }
}

/**
 * Ends every session of a user (POST), `endUserSessions`; for the admin's own user every
 * session but this one ("log out other devices": the current one ends with Log out).
 */
async function endUserSessionsView(
  site: AdminSite,
  request: HttpRequest,
  id: number,
): Promise<HttpResponse> {
  site.requirePermission(request, 'sessions.delete_session');
  const refused = postOnly(request);
  if (refused) return refused;
  if (!supportsUserSessions(request.session.store)) {
    messages.error(request, requireUserSessionsMessage(request));
    return backToList(site, request);
  }
  const own = requestUser(request).id === id;
  const user = await manager(request).get(id);
  const sessions = sessionsText(await endSessionsOfUser(request, id));
  if (own) {
    messages.success(request, `Logged out your other devices: ended ${sessions}.`);
  } else {
    messages.success(request, `Ended ${sessions} of “${user?.username ?? `user ${id}`}”.`);
  }
  return backToList(site, request);
}

/** The session pages' URL patterns, named after Django's admin conventions. */
export function sessionUrls(site: AdminSite): UrlEntry[] {
  return [
    path(
      'sessions/session/',
      site.adminView((request) => changelist(site, request)),
      { name: 'sessions_session_changelist' },
    ),
    path(
      'sessions/session/<str:key>/delete/',
      site.adminView((request, { key }) => deleteSession(site, request, key as string)),
      { name: 'sessions_session_delete' },
    ),
    path(
      'sessions/session/user/<int:id>/end/',
      site.adminView((request, { id }) => endUserSessionsView(site, request, id as number)),
      { name: 'sessions_session_end_user' },
    ),
  ];
}
