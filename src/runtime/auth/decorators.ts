/**
 * View wrappers that require a logged-in user (Django's `django.contrib.auth.decorators` and
 * `admin.views.decorators.staff_member_required`): an anonymous visitor, or one who fails the
 * test, is redirected to `LOGIN_URL` with `?next=<this page>`.
 *
 * See https://docs.djangoproject.com/en/5.2/topics/auth/default/#the-login-required-decorator
 */
import { getSettings } from '../conf/current.js';
import { PermissionDenied } from '../core/exceptions.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import { HttpResponseRedirect } from '../http/response.js';
import { urlsplit } from '../http/urlsplit.js';
import { reverse } from '../urls/base.js';
import type { View } from '../urls/conf.js';
import { NoReverseMatch } from '../urls/errors.js';
import { quote } from '../urls/quote.js';
import { REDIRECT_FIELD_NAME, requestUser } from './api.js';
import type { AnyUser } from './models.js';

/**
 * Django's `resolve_url`: a URL pattern name is reversed; a string with a `/` (or a `.` that
 * does not reverse, such as `'page.html'`) is a URL already.
 *
 * @example
 * resolveUrl('login'); // '/accounts/login/'
 */
export function resolveUrl(to: string): string {
  if (to.includes('/')) return to;
  try {
    return reverse(to);
  } catch (error) {
    if (error instanceof NoReverseMatch && to.includes('.')) return to;
    throw error;
  }
}

/**
 * `request.getFullPath()` (Django's `request.get_full_path()`), kept as a function for the
 * callers that import it from `tango/auth`.
 *
 * @example
 * getFullPath(request); // '/hits/?page=2'
 */
export function getFullPath(request: HttpRequest): string {
  return request.getFullPath();
}

/**
 * Django's `redirect_to_login(next, login_url, redirect_field_name)`: a 302 to the login page
 * (`LOGIN_URL` by default, a URL or pattern name) with `next` added to its query string.
 *
 * @example
 * return redirectToLogin(getFullPath(request)); // 302 /accounts/login/?next=/hits/
 */
export function redirectToLogin(
  next: string,
  loginUrl?: string | null,
  redirectFieldName: string | null = REDIRECT_FIELD_NAME,
): HttpResponseRedirect {
  const resolved = resolveUrl(loginUrl || getSettings().LOGIN_URL);
  if (!redirectFieldName) return new HttpResponseRedirect(resolved);
  // urlunsplit(login_url_parts) with the query re-encoded by QueryDict.urlencode(safe='/').
  const hash = resolved.indexOf('#');
  const beforeHash = hash === -1 ? resolved : resolved.slice(0, hash);
  const fragment = hash === -1 ? '' : resolved.slice(hash);
  const q = beforeHash.indexOf('?');
  const base = q === -1 ? beforeHash : beforeHash.slice(0, q);
  const pairs: [string, string][] = [];
  for (const [k, v] of new URLSearchParams(q === -1 ? '' : beforeHash.slice(q + 1))) {
    if (k !== redirectFieldName) pairs.push([k, v]);
  }
  pairs.push([redirectFieldName, next]);
  const query = pairs.map(([k, v]) => `${quote(k, '/')}=${quote(v, '/')}`).join('&');
  return new HttpResponseRedirect(`${base}?${query}${fragment}`);
}

/** Options of `userPassesTest`, `loginRequired`, `staffMemberRequired`. */
export interface LoginRedirectOptions {
  /** Where to log in: a URL or pattern name. Default `LOGIN_URL`. */
  loginUrl?: string | null;
  /** The query parameter carrying this page. Default `'next'`; `null` for none. */
  redirectFieldName?: string | null;
}

/** The redirect of `user_passes_test`: the full path when the login page is on this site. */
function redirectForTest(request: HttpRequest, options: LoginRedirectOptions): HttpResponse {
  const resolvedLoginUrl = resolveUrl(options.loginUrl || getSettings().LOGIN_URL);
  let path = request.buildAbsoluteUri();
  // If the login url is the same scheme and net location then just use the path as the next url.
  const login = urlsplit(resolvedLoginUrl);
  const current = urlsplit(path);
  if (
    (!login.scheme || login.scheme === current.scheme) &&
    (!login.netloc || login.netloc === current.netloc)
  ) {
    path = request.getFullPath();
  }
  return redirectToLogin(
    path,
    resolvedLoginUrl,
    options.redirectFieldName === undefined ? REDIRECT_FIELD_NAME : options.redirectFieldName,
  );
}

/** A test of the request's user; it may throw `PermissionDenied` for a 403. */
export type UserTest = (user: AnyUser) => boolean | Promise<boolean>;

/**
 * Django's `user_passes_test(test_func, login_url, redirect_field_name)`: the view runs when
 * `test(request.user)` is true; otherwise the visitor is sent to the login page.
 *
 * @example
 * export const reports = userPassesTest((user) => user.isAuthenticated && user.email.endsWith('@example.com'))(views.reports);
 */
export function userPassesTest(
  test: UserTest,
  options: LoginRedirectOptions = {},
): <V extends View>(view: V) => V {
  return <V extends View>(view: V): V => {
    const wrapped = async function userPassesTestView(request: HttpRequest, params) {
      if (await test(requestUser(request))) return view(request, params);
      return redirectForTest(request, options);
    } as V;
    Object.defineProperty(wrapped, 'name', { value: view.name });
    return wrapped;
  };
}

/**
 * Django's `login_required`: the view runs for a logged-in user; anyone else is redirected to
 * `LOGIN_URL?next=<this page>`.
 *
 * @example
 * path('profile/', loginRequired(views.profile), { name: 'profile' })
 */
export function loginRequired<V extends View>(view: V, options: LoginRedirectOptions = {}): V {
  return userPassesTest((user) => user.isAuthenticated, options)(view);
}

/**
 * Django's `staff_member_required`: an active staff user passes; anyone else goes to the login
 * page (`loginUrl`, default `LOGIN_URL`; the admin passes its own login page).
 *
 * @example
 * path('reports/', staffMemberRequired(views.reports))
 */
export function staffMemberRequired<V extends View>(
  view: V,
  options: LoginRedirectOptions = {},
): V {
  return userPassesTest((user) => user.isActive && user.isStaff, options)(view);
}

/** Options of `permissionRequired`. */
export interface PermissionRequiredOptions extends LoginRedirectOptions {
  /** Answer 403 (`PermissionDenied`) instead of redirecting to the login page. Default false. */
  raiseException?: boolean;
}

/**
 * Django's `permission_required(perm, login_url, raise_exception)`: the view runs when the user
 * has every permission (`user.hasPerms`); in Tango only an active superuser has permissions
 * (docs/auth.md). Otherwise a redirect to the login page, or a 403 with `raiseException`.
 *
 * @example
 * path('sessions/', permissionRequired('sessions.view_session')(views.sessions))
 */
export function permissionRequired(
  perm: string | readonly string[],
  options: PermissionRequiredOptions = {},
): <V extends View>(view: V) => V {
  const perms = typeof perm === 'string' ? [perm] : perm;
  return userPassesTest(
    (user) => {
      // First check if the user has the permission (even anonymous users).
      if (user.hasPerms(perms)) return true;
      // In case the 403 handler should be called raise the exception.
      if (options.raiseException) throw new PermissionDenied();
      // As the last resort, show the login form.
      return false;
    },
    { loginUrl: options.loginUrl },
  );
}
