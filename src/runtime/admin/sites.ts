/**
 * The admin site (Django's `django.contrib.admin.sites.AdminSite`): a staff login, an index,
 * and pages for the users (`tango.auth`) and the sessions (`tango.sessions`), mounted as the
 * tutorials mount Django's:
 *
 * ```ts
 * import { adminSite } from 'tango/admin';
 * export default [path('admin/', adminSite.urls), ...];
 * ```
 *
 * Every page needs an active staff user (others are sent to the admin's login page with
 * `?next=`), is CSRF-protected and never cached, and works without JavaScript: each action is
 * a form that posts and redirects back with a message (`tango/messages`).
 *
 * See https://docs.djangoproject.com/en/5.2/ref/contrib/admin/#adminsite-objects
 */
import {
  addNeverCacheHeaders,
  type AnyUser,
  getFullPath,
  LoginView,
  LogoutView,
  REDIRECT_FIELD_NAME,
  redirectToLogin,
} from '../auth/index.js';
import { ImproperlyConfigured } from '../conf/errors.js';
import { PermissionDenied } from '../core/exceptions.js';
import type { HttpRequest } from '../http/request.js';
import { HttpResponse, HttpResponseRedirect } from '../http/response.js';
import { csrfProtect } from '../middleware/csrf.js';
import { render } from '../shortcuts.js';
import { reverse } from '../urls/base.js';
import { include, type IncludedUrls, path, type UrlEntry, type View } from '../urls/conf.js';
import { AdminAuthenticationForm } from './forms.js';
import { sessionUrls } from './sessions.js';
import { userUrls } from './users.js';

/** Options of `new AdminSite()`: Django's `AdminSite` attributes. */
export interface AdminSiteOptions {
  /** The URL namespace (Django's `name`). Default `'admin'`: `reverse('admin:index')`. */
  name?: string;
  /** Text at the end of each page's `<title>`. Default `'Tango site admin'`. */
  siteTitle?: string;
  /** The header of each page. Default `'Tango administration'`. */
  siteHeader?: string;
  /** The index page's title. Default `'Site administration'`. */
  indexTitle?: string;
  /** Where "View site" points; `null` hides the link. Default `'/'`. */
  siteUrl?: string | null;
  /** Sessions per page of the session list (1 to 1000). Default 50. */
  sessionsPerPage?: number;
  /** Users per page of the user list. Default 100 (Django's `list_per_page`). */
  usersPerPage?: number;
}

/** One entry of the index's app list (Django's `available_apps`). */
export interface AdminAppEntry {
  name: string;
  models: { name: string; url: string; addUrl: string | null }[];
}

/**
 * Django's `AdminSite`. `adminSite` is the default instance; build another for a second admin
 * under its own namespace.
 *
 * @example
 * const site = new AdminSite({ siteHeader: 'Shop administration' });
 * export default [path('admin/', site.urls)];
 */
export class AdminSite {
  readonly name: string;
  readonly siteTitle: string;
  readonly siteHeader: string;
  readonly indexTitle: string;
  readonly siteUrl: string | null;
  readonly sessionsPerPage: number;
  readonly usersPerPage: number;
  /** The login form (Django's `login_form`). */
  loginForm = AdminAuthenticationForm;

  constructor(options: AdminSiteOptions = {}) {
    this.name = options.name ?? 'admin';
    if (!this.name || this.name.includes(':')) {
      throw new TypeError(
        `option name must be a non-empty string without ':', got ${JSON.stringify(this.name)}.`,
      );
    }
    this.siteTitle = options.siteTitle ?? 'Tango site admin';
    this.siteHeader = options.siteHeader ?? 'Tango administration';
    this.indexTitle = options.indexTitle ?? 'Site administration';
    this.siteUrl = options.siteUrl === undefined ? '/' : options.siteUrl;
    this.sessionsPerPage = checkPerPage(options.sessionsPerPage ?? 50, 'sessionsPerPage', 1000);
    this.usersPerPage = checkPerPage(options.usersPerPage ?? 100, 'usersPerPage', 10_000);
  }

  /** The URL of one of this site's pages: `site.url('index')` is `reverse('admin:index')`. */
  url(
    name: string,
    params?: Readonly<Record<string, unknown>>,
    query?: Record<string, string>,
  ): string {
    return reverse(`${this.name}:${name}`, params, query ? { query } : undefined);
  }

  /**
   * Django's `has_permission`: true when the request's user is active and staff, which every
   * admin page requires.
   */
  hasPermission(request: HttpRequest): boolean {
    const user = requestUser(request);
    return user.isActive && user.isStaff;
  }

  /**
   * Django's `admin_view`: the view runs for an active staff user; anyone else is redirected to
   * the admin's login page with `?next=<this page>` (a logout by someone already logged out
   * goes to the index). The view is CSRF-protected and never cached.
   */
  adminView(view: View, options: { cacheable?: boolean } = {}): View {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- a named function (for stack traces) has its own `this`
    const site = this;
    const inner: View = async function adminView(request, params) {
      if (!site.hasPermission(request)) {
        if (request.path === site.url('logout')) return new HttpResponseRedirect(site.url('index'));
        return redirectToLogin(getFullPath(request), site.url('login'));
      }
      return view(request, params);
    };
    const uncached: View = options.cacheable
      ? inner
      : async (request, params) => addNeverCacheHeaders(await inner(request, params));
    return csrfProtect(uncached);
  }

  /**
   * Django's `each_context`: what every admin page's template sees (the site's titles, the
   * "View site" and logout links, whether the user may use the admin, the app list).
   */
  eachContext(request: HttpRequest): Record<string, unknown> {
    const hasPermission = this.hasPermission(request);
    return {
      site_title: this.siteTitle,
      site_header: this.siteHeader,
      site_url: this.siteUrl,
      has_permission: hasPermission,
      index_url: this.url('index'),
      logout_url: this.url('logout'),
      available_apps: hasPermission ? this.getAppList(request) : [],
    };
  }

  /**
   * The index's list of apps and their pages the user may see (Django's `get_app_list`):
   * users need `auth.view_user`, sessions `sessions.view_session` (in Tango, an active
   * superuser has every permission and nobody else has any).
   */
  getAppList(request: HttpRequest): AdminAppEntry[] {
    const user = requestUser(request);
    const apps: AdminAppEntry[] = [];
    if (user.hasPerm('auth.view_user')) {
      apps.push({
        name: 'Authentication and Authorization',
        models: [
          {
            name: 'Users',
            url: this.url('auth_user_changelist'),
            addUrl: user.hasPerm('auth.add_user') ? this.url('auth_user_add') : null,
          },
        ],
      });
    }
    if (user.hasPerm('sessions.view_session')) {
      apps.push({
        name: 'Sessions',
        models: [{ name: 'Sessions', url: this.url('sessions_session_changelist'), addUrl: null }],
      });
    }
    return apps;
  }

  /** Throws `PermissionDenied` (403) unless the request's user has `perm`. */
  requirePermission(request: HttpRequest, perm: string): void {
    if (!requestUser(request).hasPerm(perm)) throw new PermissionDenied();
  }

  /**
   * Renders an admin template with `eachContext` and `context`; `breadcrumbs` (label and URL
   * pairs, the last without a URL) lead from the index.
   */
  render(
    request: HttpRequest,
    templateName: string,
    context: Record<string, unknown>,
    options: { status?: number } = {},
  ): HttpResponse {
    return render(request, templateName, { ...this.eachContext(request), ...context }, options);
  }

  /** The index page (Django's `AdminSite.index`). */
  index: View = (request) => this.render(request, 'admin/index.html', { title: this.indexTitle });

  /**
   * The staff login (Django's `AdminSite.login`): a user who may use the admin is sent to the
   * index; otherwise `LoginView` with `AdminAuthenticationForm` and `admin/login.html`, whose
   * `next` defaults to the index.
   */
  login: View = (request, params) => {
    if (request.method === 'GET' && this.hasPermission(request)) {
      return new HttpResponseRedirect(this.url('index'));
    }
    const user = requestUser(request);
    const context: Record<string, unknown> = {
      ...this.eachContext(request),
      title: 'Log in',
      app_path: getFullPath(request),
      username: user.username,
    };
    if (!request.query.has(REDIRECT_FIELD_NAME) && !request.form.has(REDIRECT_FIELD_NAME)) {
      context[REDIRECT_FIELD_NAME] = this.url('index');
    }
    return LoginView.asView({
      templateName: 'admin/login.html',
      authenticationForm: this.loginForm,
      extraContext: context,
    })(request, params);
  };

  /**
   * The logout (Django's `AdminSite.logout`): `LogoutView` (POST only) rendering
   * `admin/logged_out.html`, or redirecting to `next` or `LOGOUT_REDIRECT_URL`.
   */
  logout: View = (request, params) =>
    LogoutView.asView({
      templateName: 'admin/logged_out.html',
      extraContext: { ...this.eachContext(request), has_permission: false },
    })(request, params);

  /** Django's `get_urls`: the site's URL patterns, named as Django's admin names them. */
  getUrls(): UrlEntry[] {
    return [
      path('', this.adminView(this.index), { name: 'index' }),
      path('login/', this.login, { name: 'login' }),
      path('logout/', this.adminView(this.logout), { name: 'logout' }),
      ...userUrls(this),
      ...sessionUrls(this),
    ];
  }

  /**
   * The patterns to mount, under the site's namespace (Django's `urls` property):
   * `path('admin/', adminSite.urls)`.
   */
  get urls(): IncludedUrls {
    return include(this.getUrls(), { namespace: this.name });
  }
}

function checkPerPage(value: number, name: string, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new TypeError(
      `option ${name} must be an integer from 1 to ${max}, got ${String(value)}.`,
    );
  }
  return value;
}

/**
 * `request.user`, or an error that says the admin needs `AuthenticationMiddleware` (the
 * admin app's start-up check names it too).
 */
export function requestUser(request: HttpRequest): AnyUser {
  const user = (request as { user?: AnyUser }).user;
  if (user === undefined) {
    throw new ImproperlyConfigured(
      "The admin needs request.user: add 'tango.auth.middleware.AuthenticationMiddleware' to MIDDLEWARE, after 'tango.sessions.middleware.SessionMiddleware'.",
    );
  }
  return user;
}

/**
 * The default admin site (Django's `admin.site`), mounted by a new project's root urlconf as
 * `path('admin/', adminSite.urls)`.
 *
 * @example
 * import { adminSite } from 'tango/admin';
 * export default [path('admin/', adminSite.urls), path('', views.home, { name: 'home' })];
 */
export const adminSite = new AdminSite();

/** A 405 for a view that only takes POST (Django's `require_POST`). */
export function postOnly(request: HttpRequest): HttpResponse | null {
  if (request.method === 'POST') return null;
  return new HttpResponse('', { status: 405, headers: { Allow: 'POST' } });
}
