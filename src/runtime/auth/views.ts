/**
 * Django 5.2's `LoginView` and `LogoutView` (`django.contrib.auth.views`): the login form at
 * `registration/login.html`, the logout (POST only, as Django 5) with
 * `registration/logged_out.html`, `LOGIN_REDIRECT_URL`/`LOGOUT_REDIRECT_URL`, and a `next`
 * followed only when `urlHasAllowedHostAndScheme` says it stays on this site.
 *
 * ```ts
 * import { include, path } from 'tango/urls';
 * import { authUrls, LoginView } from 'tango/auth';
 * export default [
 *   path('accounts/', include(authUrls)), // login/ and logout/, named 'login' and 'logout'
 *   // or one view with options:
 *   path('signin/', LoginView.asView({ redirectAuthenticatedUser: true }), { name: 'login' }),
 * ];
 * ```
 *
 * See https://docs.djangoproject.com/en/5.2/topics/auth/default/#all-authentication-views
 */
import { getSettings } from '../conf/current.js';
import type { HttpRequest } from '../http/request.js';
import { HttpResponse, HttpResponseRedirect } from '../http/response.js';
import { csrfProtect } from '../middleware/csrf.js';
import { render } from '../shortcuts.js';
import type { View } from '../urls/conf.js';
import { login as authLogin, logout as authLogout, REDIRECT_FIELD_NAME } from './api.js';
import { getFullPath, resolveUrl } from './decorators.js';
import { AuthenticationForm } from './forms.js';
import { urlHasAllowedHostAndScheme } from './safe_url.js';

/** Django's `add_never_cache_headers`: the page must not be cached by anyone. */
export function addNeverCacheHeaders(response: HttpResponse): HttpResponse {
  if (!response.headers.has('Expires')) response.headers.set('Expires', new Date().toUTCString());
  const existing = response.headers.get('Cache-Control');
  const directives = ['max-age=0', 'no-cache', 'no-store', 'must-revalidate', 'private'];
  if (existing) {
    const kept = existing
      .split(',')
      .map((d) => d.trim())
      .filter((d) => d && !directives.some((n) => d.split('=')[0] === n.split('=')[0]));
    response.headers.set('Cache-Control', [...kept, ...directives].join(', '));
  } else {
    response.headers.set('Cache-Control', directives.join(', '));
  }
  return response;
}

/** Django's `http_method_not_allowed`: 405 with `Allow`. */
function notAllowed(allowed: readonly string[]): HttpResponse {
  return new HttpResponse('', { status: 405, headers: { Allow: allowed.join(', ') } });
}

/** Options shared by the views (Django's `RedirectURLMixin`). */
export interface RedirectUrlOptions {
  /** Where to go when there is no safe `next`: a URL or pattern name. */
  nextPage?: string | null;
  /** The field and query parameter naming where to go. Default `'next'`. */
  redirectFieldName?: string;
  /** Hosts besides the request's own that `next` may point at. Default none. */
  successUrlAllowedHosts?: readonly string[];
  /** Values added to the template context. */
  extraContext?: Readonly<Record<string, unknown>>;
}

/** Django's `RedirectURLMixin.get_redirect_url`: the user's `next`, if safe, else `''`. */
function getRedirectUrl(request: HttpRequest, options: RedirectUrlOptions): string {
  const field = options.redirectFieldName ?? REDIRECT_FIELD_NAME;
  const redirectTo = request.form.get(field) ?? request.query.get(field);
  const safe = urlHasAllowedHostAndScheme(
    redirectTo,
    [request.getHost(), ...(options.successUrlAllowedHosts ?? [])],
    request.isSecure(),
  );
  return safe ? redirectTo! : '';
}

/** Options of `LoginView.asView()`. */
export interface LoginViewOptions extends RedirectUrlOptions {
  /** Default `'registration/login.html'`. */
  templateName?: string;
  /** Send a visitor who is already logged in straight on (to `next` or `LOGIN_REDIRECT_URL`). */
  redirectAuthenticatedUser?: boolean;
  /** The form class (Django's `authentication_form`); default `AuthenticationForm`. */
  authenticationForm?: typeof AuthenticationForm;
}

/**
 * Django's `LoginView`: GET shows the form; POST logs in (`login()`) and redirects to a safe
 * `next`, else `nextPage`, else `LOGIN_REDIRECT_URL`; a rejected POST shows the form again with
 * Django's errors. CSRF-protected and never cached. The template gets `form`, `next` (the safe
 * `next` or `''`), `site_name` (the host) and `extraContext`.
 *
 * @example
 * path('accounts/login/', LoginView.asView(), { name: 'login' })
 */
export const LoginView = {
  asView(options: LoginViewOptions = {}): View {
    const templateName = options.templateName ?? 'registration/login.html';
    const Form = options.authenticationForm ?? AuthenticationForm;
    const field = options.redirectFieldName ?? REDIRECT_FIELD_NAME;

    const successUrl = (request: HttpRequest): string =>
      getRedirectUrl(request, options) ||
      resolveUrl(options.nextPage || (request.settings ?? getSettings()).LOGIN_REDIRECT_URL);

    const show = (request: HttpRequest, form: AuthenticationForm): HttpResponse =>
      render(request, templateName, {
        form,
        [field]: getRedirectUrl(request, options),
        redirect_field_name: field,
        site_name: request.getHost(),
        ...options.extraContext,
      });

    const loginView = async function loginView(request: HttpRequest): Promise<HttpResponse> {
      if (options.redirectAuthenticatedUser && request.user.isAuthenticated) {
        const redirectTo = successUrl(request);
        if (redirectTo === request.path) {
          throw new Error(
            "Redirection loop for authenticated user detected. Check that your LOGIN_REDIRECT_URL doesn't point to a login page.",
          );
        }
        return addNeverCacheHeaders(new HttpResponseRedirect(redirectTo));
      }
      let response: HttpResponse;
      if (request.method === 'GET' || request.method === 'HEAD') {
        response = show(request, new Form(request));
      } else if (request.method === 'POST' || request.method === 'PUT') {
        const form = new Form(request, request.form);
        if (await form.isValid()) {
          await authLogin(request, form.getUser()!);
          response = new HttpResponseRedirect(successUrl(request));
        } else {
          response = show(request, form);
        }
      } else {
        response = notAllowed(['GET', 'POST', 'PUT', 'HEAD', 'OPTIONS']);
      }
      return addNeverCacheHeaders(response);
    };
    return csrfProtect(loginView);
  },
};

/** Options of `LogoutView.asView()`. */
export interface LogoutViewOptions extends RedirectUrlOptions {
  /** Default `'registration/logged_out.html'`, rendered when there is nowhere to redirect. */
  templateName?: string;
}

/**
 * Django 5's `LogoutView`: POST only (GET is a 405: a link or an image must not log anyone
 * out). It logs out (`logout()`: the session is flushed) and redirects to a safe `next`, else
 * `nextPage`, else `LOGOUT_REDIRECT_URL`; with none of them it renders
 * `registration/logged_out.html` (`title`: 'Logged out'). CSRF-protected, never cached.
 *
 * @example
 * path('accounts/logout/', LogoutView.asView(), { name: 'logout' })
 * // <form method="post" action="{{url 'logout'}}">{{csrf_input}}<button>Log out</button></form>
 */
export const LogoutView = {
  asView(options: LogoutViewOptions = {}): View {
    const templateName = options.templateName ?? 'registration/logged_out.html';
    const logoutView = async function logoutView(request: HttpRequest): Promise<HttpResponse> {
      if (request.method === 'OPTIONS') {
        return addNeverCacheHeaders(new HttpResponse('', { headers: { Allow: 'POST, OPTIONS' } }));
      }
      if (request.method !== 'POST') return addNeverCacheHeaders(notAllowed(['POST', 'OPTIONS']));
      await authLogout(request);
      const settings = request.settings ?? getSettings();
      const redirectTo =
        getRedirectUrl(request, options) ||
        (options.nextPage
          ? resolveUrl(options.nextPage)
          : settings.LOGOUT_REDIRECT_URL
            ? resolveUrl(settings.LOGOUT_REDIRECT_URL)
            : request.path);
      if (redirectTo !== getFullPath(request)) {
        // Redirect to target page once the session has been cleared.
        return addNeverCacheHeaders(new HttpResponseRedirect(redirectTo));
      }
      return addNeverCacheHeaders(
        render(request, templateName, {
          title: 'Logged out',
          subtitle: null,
          site_name: request.getHost(),
          login_url: resolveUrl(settings.LOGIN_URL),
          ...options.extraContext,
        }),
      );
    };
    return csrfProtect(logoutView);
  },
};

/**
 * Django's `logout_then_login`: logs out, then redirects to the login page (`loginUrl`, default
 * `LOGIN_URL`). POST only, as `LogoutView`.
 *
 * @example
 * path('accounts/switch/', logoutThenLogin)
 */
export const logoutThenLogin: View = (request, params) => {
  const loginUrl = resolveUrl((request.settings ?? getSettings()).LOGIN_URL);
  return LogoutView.asView({ nextPage: loginUrl })(request, params);
};
