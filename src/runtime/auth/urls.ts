/**
 * Django's `django.contrib.auth.urls` for the views Tango has: `login/` and `logout/`, named
 * `login` and `logout`.
 *
 * @example
 * import { authUrls } from 'tango/auth';
 * path('accounts/', include(authUrls)), // /accounts/login/, /accounts/logout/
 */
import { path, type UrlEntry } from '../urls/conf.js';
import { LoginView, LogoutView } from './views.js';

/** The login and logout URL patterns (`include(authUrls)`). */
export const authUrls: UrlEntry[] = [
  path('login/', LoginView.asView(), { name: 'login' }),
  path('logout/', LogoutView.asView(), { name: 'logout' }),
];
