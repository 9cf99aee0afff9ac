/**
 * The admin's user pages (Django's `UserAdmin`): the list (search, pages), adding a user with a
 * password typed twice, changing the email, names and the active, staff and superuser flags,
 * and setting a password. Permissions are Django's codenames (`auth.view_user`,
 * `auth.add_user`, `auth.change_user`), which in Tango only an active superuser holds.
 *
 * Deactivating a user, or setting a password, also ends the user's sessions right away on an
 * engine that can list them (Django leaves them to fail their next request: an inactive user
 * or a changed password hash logs the session out then, which still happens on every engine).
 */
import {
  getUserManager,
  passwordValidatorsHelpTexts,
  updateSessionAuthHash,
  type User,
} from '../auth/index.js';
import type { HttpRequest } from '../http/request.js';
import { HttpResponse } from '../http/response.js';
import * as messages from '../messages/api.js';
import { redirect } from '../shortcuts.js';
import { endUserSessions, supportsUserSessions } from '../sessions/users.js';
import { path, type UrlEntry } from '../urls/conf.js';
import {
  AdminPasswordChangeForm,
  passwordSummary,
  UserChangeForm,
  UserCreationForm,
} from './forms.js';
import type { AdminSite } from './sites.js';
import { requestUser } from './sites.js';

/** A page number as the list accepts it (`?p=`, from 1). */
const PAGE = /^[1-9][0-9]{0,8}$/;

/** The user manager of the request's settings (the admin's pages share it). */
export function manager(request: HttpRequest) {
  return getUserManager(request.settings ?? undefined);
}

/**
 * The user the change and password pages edit: `PermissionDenied` without `auth.change_user`
 * (checked first, so no one without it learns which ids exist), else the user with this id, or
 * Django's redirect to the index with "user with ID “7” doesn’t exist. Perhaps it was
 * deleted?" (`_get_obj_does_not_exist_redirect`).
 */
async function userToChange(
  site: AdminSite,
  request: HttpRequest,
  id: number,
): Promise<User | HttpResponse> {
  site.requirePermission(request, 'auth.change_user');
  const user = await manager(request).get(id);
  if (user) return user;
  messages.warning(request, `user with ID “${id}” doesn’t exist. Perhaps it was deleted?`);
  return redirect(site.url('index'));
}

const usersCrumb = (site: AdminSite) => ({
  label: 'Users',
  href: site.url('auth_user_changelist'),
});

/** The user list: `?q=` searches usernames, names and emails; `?p=` is the page. */
async function changelist(site: AdminSite, request: HttpRequest): Promise<HttpResponse> {
  site.requirePermission(request, 'auth.view_user');
  const users = manager(request);
  const search = (request.query.get('q') ?? '').trim();
  const pageText = request.query.get('p') ?? '1';
  const listUrl = site.url('auth_user_changelist');
  const total = await users.count(search ? { search } : {});
  const pages = Math.max(1, Math.ceil(total / site.usersPerPage));
  if (!PAGE.test(pageText) || Number(pageText) > pages) {
    messages.error(request, `There is no page ${pageText} of users: showing the first page.`);
    return redirect(search ? site.url('auth_user_changelist', undefined, { q: search }) : listUrl);
  }
  const page = Number(pageText);
  const list = await users.list({
    ...(search ? { search } : {}),
    orderBy: 'username',
    limit: site.usersPerPage,
    offset: (page - 1) * site.usersPerPage,
  });
  const sessionsSupported = supportsUserSessions(request.session.store);
  const pageUrl = (p: number) =>
    site.url('auth_user_changelist', undefined, {
      ...(search ? { q: search } : {}),
      ...(p === 1 ? {} : { p: String(p) }),
    });
  return site.render(request, 'admin/auth/user/change_list.html', {
    title: 'Select user to change',
    breadcrumbs: [{ label: 'Users' }],
    search,
    total,
    page,
    pages,
    previousUrl: page > 1 ? pageUrl(page - 1) : null,
    nextUrl: page < pages ? pageUrl(page + 1) : null,
    listUrl,
    addUrl: requestUser(request).hasPerm('auth.add_user') ? site.url('auth_user_add') : null,
    users: list.map((user) => ({
      username: user.username,
      email: user.email,
      firstName: user.firstName,
      lastName: user.lastName,
      isStaff: user.isStaff,
      isActive: user.isActive,
      isSuperuser: user.isSuperuser,
      lastLogin: user.lastLogin === null ? null : user.lastLogin.toUTCString(),
      changeUrl: site.url('auth_user_change', { id: user.id }),
      passwordUrl: site.url('auth_user_password_change', { id: user.id }),
      sessionsUrl: sessionsSupported
        ? site.url('sessions_session_changelist', undefined, { user: String(user.id) })
        : null,
    })),
  });
}

/** Adding a user: a username and a password typed twice (Django's `AdminUserCreationForm`). */
async function addView(site: AdminSite, request: HttpRequest): Promise<HttpResponse> {
  site.requirePermission(request, 'auth.add_user');
  const helpTexts = passwordValidatorsHelpTexts();
  const posted = request.method === 'POST';
  const form = new UserCreationForm(posted ? request.form : undefined, helpTexts);
  if (posted) {
    const users = manager(request);
    if (await form.isValid(users, request.form)) {
      const user = await users.createUser(form.cleanedData.username, {
        password: form.cleanedData.password,
      });
      messages.success(
        request,
        `The user “${user.username}” was added successfully. You may edit it again below.`,
      );
      return redirect(site.url('auth_user_change', { id: user.id }));
    }
    messages.error(request, 'Please correct the errors below.');
  }
  return site.render(request, 'admin/auth/user/add_form.html', {
    title: 'Add user',
    breadcrumbs: [usersCrumb(site), { label: 'Add user' }],
    intro: 'First, enter a username and password. Then, you’ll be able to edit more user options.',
    form,
    actionUrl: site.url('auth_user_add'),
  });
}

/**
 * Ends `user`'s sessions where the engine can (every one but this request's), and returns
 * how many, or `null` on an engine that cannot list them.
 */
async function endSessionsOf(request: HttpRequest, user: User): Promise<number | null> {
  if (!supportsUserSessions(request.session.store) || user.id === null) return null;
  return endSessionsOfUser(request, user.id);
}

/**
 * Ends the sessions of the user with `id` on an engine that lists them; when that user is the
 * one asking, all but this session ("log out other devices"). Resolves with how many ended.
 */
export async function endSessionsOfUser(request: HttpRequest, id: number): Promise<number> {
  const own = requestUser(request).id === id;
  return endUserSessions(request, id, { except: own ? request.session.sessionKey : null });
}

/** '1 session', '3 sessions'. */
export function sessionsText(n: number): string {
  return `${n} session${n === 1 ? '' : 's'}`;
}

/** Changing a user's email, names and flags (the rest of Django's `UserChangeForm`). */
async function changeView(
  site: AdminSite,
  request: HttpRequest,
  id: number,
): Promise<HttpResponse> {
  const user = await userToChange(site, request, id);
  if (user instanceof HttpResponse) return user;
  const posted = request.method === 'POST';
  const form = new UserChangeForm(user, posted ? request.form : undefined);
  if (posted) {
    if (form.isValid()) {
      const wasActive = user.isActive;
      form.apply(user);
      await manager(request).save(user, {
        updateFields: ['email', 'firstName', 'lastName', 'isActive', 'isStaff', 'isSuperuser'],
      });
      messages.success(request, `The user “${user.username}” was changed successfully.`);
      if (wasActive && !user.isActive) {
        const ended = await endSessionsOf(request, user);
        if (ended !== null) {
          messages.info(
            request,
            `“${user.username}” is inactive now: ended ${sessionsText(ended)}.`,
          );
        }
      }
      return redirect(site.url('auth_user_changelist'));
    }
    messages.error(request, 'Please correct the errors below.');
  }
  const sessionsSupported = supportsUserSessions(request.session.store);
  return site.render(request, 'admin/auth/user/change_form.html', {
    title: 'Change user',
    subtitle: user.username,
    breadcrumbs: [usersCrumb(site), { label: user.username }],
    original: {
      id: user.id,
      username: user.username,
      dateJoined: user.dateJoined.toUTCString(),
      lastLogin: user.lastLogin === null ? null : user.lastLogin.toUTCString(),
      password: passwordSummary(user.password),
      own: requestUser(request).id === user.id,
    },
    form,
    actionUrl: site.url('auth_user_change', { id: user.id }),
    passwordUrl: site.url('auth_user_password_change', { id: user.id }),
    sessionsSupported,
    sessionsUrl: sessionsSupported
      ? site.url('sessions_session_changelist', undefined, { user: String(user.id) })
      : null,
    endSessionsUrl: sessionsSupported
      ? site.url('sessions_session_end_user', { id: user.id })
      : null,
  });
}

/**
 * Setting a user's password (Django's `UserAdmin.user_change_password`): typed twice, checked
 * by `AUTH_PASSWORD_VALIDATORS`. Your own password keeps this session logged in
 * (`updateSessionAuthHash`); the user's other sessions end.
 */
async function passwordView(
  site: AdminSite,
  request: HttpRequest,
  id: number,
): Promise<HttpResponse> {
  const user = await userToChange(site, request, id);
  if (user instanceof HttpResponse) return user;
  const posted = request.method === 'POST';
  const form = new AdminPasswordChangeForm(
    posted ? request.form : undefined,
    passwordValidatorsHelpTexts(),
  );
  if (posted) {
    if (form.isValid(user, request.form)) {
      await user.setPassword(form.cleanedData.password);
      await manager(request).save(user, { updateFields: ['password'] });
      if (requestUser(request).id === user.id) await updateSessionAuthHash(request, user);
      messages.success(request, 'Password changed successfully.');
      const ended = await endSessionsOf(request, user);
      if (ended !== null && ended > 0) {
        messages.info(request, `Ended ${sessionsText(ended)} of “${user.username}”.`);
      }
      return redirect(site.url('auth_user_change', { id: user.id }));
    }
    messages.error(request, 'Please correct the errors below.');
  }
  return site.render(request, 'admin/auth/user/change_password.html', {
    title: `Change password: ${user.username}`,
    breadcrumbs: [
      usersCrumb(site),
      { label: user.username, href: site.url('auth_user_change', { id: user.id }) },
      { label: 'Change password' },
    ],
    intro: `Enter a new password for the user ${user.username}.`,
    form,
    actionUrl: site.url('auth_user_password_change', { id: user.id }),
  });
}

/** The user pages' URL patterns, with Django's admin names (`admin:auth_user_change`, ...). */
export function userUrls(site: AdminSite): UrlEntry[] {
  return [
    path(
      'auth/user/',
      site.adminView((request) => changelist(site, request)),
      { name: 'auth_user_changelist' },
    ),
    path(
      'auth/user/add/',
      site.adminView((request) => addView(site, request)),
      { name: 'auth_user_add' },
    ),
    path(
      'auth/user/<int:id>/change/',
      site.adminView((request, { id }) => changeView(site, request, id as number)),
      { name: 'auth_user_change' },
    ),
    path(
      'auth/user/<int:id>/password/',
      site.adminView((request, { id }) => passwordView(site, request, id as number)),
      { name: 'auth_user_password_change' },
    ),
  ];
}
