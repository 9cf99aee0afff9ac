import { path } from 'tango/urls';
import * as views from './views.ts';

/**
 * The tutorial's pages. The project's urls.ts mounts them at the site root with `include()`.
 * Every route has a name, so templates link to it with the `url` helper and the project's home
 * page can list it; change a route here and every link follows.
 */
export default [
  // Cookies: set, read and delete one cookie.
  path('set-cook/', views.setCookie, { name: 'set-cookie' }),
  path('get-cook/', views.getCookie, { name: 'get-cookie' }),
  path('del-cook/', views.deleteCookie, { name: 'delete-cookie' }),
  // Hit counters kept in a cookie: one until the browser closes, one for two minutes.
  path('Cookies_Count/', views.cookieCounter, { name: 'cookie-counter' }),
  path('Cookies_Count_Persistent/', views.persistentCookieCounter, {
    name: 'persistent-cookie-counter',
  }),
  // Hit counters kept in the session.
  path('hits/', views.hits, { name: 'session-counter' }),
  path('fun1/', views.fun1, { name: 'visit-counter' }),
  // Does the browser accept cookies?
  path('test/', views.testCookie, { name: 'test-cookie' }),
  path('check/', views.checkCookie, { name: 'check-cookie' }),
  // Every session method, one form each.
  path('session/', views.sessionPlayground, { name: 'session-playground' }),
  // Logins (tango.auth): a counter for logged-in users, and the login and logout pages at the
  // address LOGIN_URL names by default.
  path('mine/', views.myHits, { name: 'my-hits' }),
  path('accounts/login/', views.login, { name: 'login' }),
  path('accounts/logout/', views.logout, { name: 'logout' }),
];
