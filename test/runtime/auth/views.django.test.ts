/**
 * Django 5.2's tests/auth_tests/test_views.py, the parts about logging in and out: LoginTest,
 * LoginURLSettings, LoginRedirectUrlTest, RedirectToLoginTests, LogoutThenLoginTests,
 * LoginRedirectAuthenticatedUser, LoginSuccessURLAllowedHostsTest, LogoutTest,
 * SessionAuthenticationTests, and test_decorators.py's login_required/permission_required
 * rows. Each row names its Django test. They run through a real application
 * (test/runtime/auth/site) on a migrated SQLite database with the test Client.
 *
 * Adapted: Django reads `response.context[...]`; here the rendered page or the `whoami` view is
 * checked. Django 5 logs out by POST only, so the logout rows POST (Django 5.2's own tests do).
 * `secure=True` requests carry `X-Forwarded-Proto: https` with `SECURE_PROXY_SSL_HEADER`.
 * Not ported: the password reset and password change form views (Tango has neither; the
 * change row uses a small view calling `updateSessionAuthHash`), sites framework rows.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  getUserManager,
  HASH_SESSION_KEY,
  redirectToLogin,
  SESSION_KEY,
} from '../../../src/runtime/auth/index.js';
import { configure } from '../../../src/runtime/conf/current.js';
import type { Settings, SettingsInput } from '../../../src/runtime/conf/settings.js';
import { createApplication, type Application } from '../../../src/runtime/handlers/base.js';
import type { HttpResponse } from '../../../src/runtime/http/response.js';
import { createSessionStore } from '../../../src/runtime/sessions/engines.js';
import { Client } from '../../../src/runtime/test/client.js';
import { quote } from '../../../src/runtime/urls/quote.js';
import { authApplication, authSettings, createUsers, type Fixture } from './support.js';

let app: Application;
let settings: Readonly<Settings>;
let users: Fixture;

beforeAll(async () => {
  ({ app, settings } = await authApplication());
  users = await createUsers(settings);
});

/** An application on the same database with other settings (Django's override_settings). */
async function withSettings(overrides: Partial<SettingsInput>): Promise<Application> {
  const other = authSettings(overrides);
  configure(other);
  const application = await createApplication(other);
  return application;
}

async function restore(): Promise<void> {
  configure(settings);
}

/** Django's AuthViewsTestCase.login: POST the login form, expect a redirect. */
async function login(
  client: Client,
  username = 'testclient',
  password = 'password',
  url = '/login/',
): Promise<HttpResponse> {
  const response = await client.post(url, { username, password });
  expect(response.status, await response.text()).toBe(302);
  return response;
}

/** The client's session data, read from the store (Django's `self.client.session`). */
async function sessionOf(client: Client): Promise<Map<string, unknown>> {
  const key = client.cookies.get('sessionid');
  if (!key) return new Map();
  const store = await createSessionStore(settings);
  const data = await store.load(key);
  return new Map(data ? Object.entries(Object.fromEntries(data as Map<string, unknown>)) : []);
}

async function whoami(client: Client): Promise<{ username: string; isAuthenticated: boolean }> {
  return JSON.parse((await client.get('/whoami/')).text()) as never;
}

describe('LoginTest (Django 5.2 test_views.py)', () => {
  it('test_current_site_in_context_after_login: the login page renders the form', async () => {
    const response = await new Client({ app }).get('/login/');
    expect(response.status).toBe(200);
    const html = response.text();
    expect(html).toContain('<form method="post"');
    expect(html).toContain('name="username"');
    expect(html).toContain('name="password"');
    expect(html).toContain('name="csrfmiddlewaretoken"');
    expect(html).toContain('<title>Log in | testserver</title>');
  });

  const badUrls = [
    'http://example.com',
    'http:///example.com',
    'https://example.com',
    'ftp://example.com',
    '///example.com',
    '//example.com',
    'javascript:alert("XSS")',
  ];
  it.each(badUrls)('test_security_check: next=%s is not followed', async (bad) => {
    const response = await new Client({ app }).post(`/login/?next=${quote(bad)}`, {
      username: 'testclient',
      password: 'password',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).not.toContain(bad);
    expect(response.headers.get('Location')).toBe('/accounts/profile/');
  });

  const goodUrls = [
    '/view/?param=http://example.com',
    '/view/?param=https://example.com',
    '/view?param=ftp://example.com',
    'view/?param=//example.com',
    'https://testserver/',
    'HTTPS://testserver/',
    '//testserver/',
    '/url%20with%20spaces/',
  ];
  it.each(goodUrls)('test_security_check: next=%s is followed', async (good) => {
    const response = await new Client({ app }).post(`/login/?next=${quote(good)}`, {
      username: 'testclient',
      password: 'password',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toContain(good);
  });

  it('test_security_check_https: an http next is refused on an https request', async () => {
    const secure = await withSettings({ SECURE_PROXY_SSL_HEADER: ['X-Forwarded-Proto', 'https'] });
    try {
      const response = await new Client({ app: secure }).post(
        `/login/?next=${quote('http://testserver/path')}`,
        { username: 'testclient', password: 'password' },
        { headers: { 'X-Forwarded-Proto': 'https' } },
      );
      expect(response.status).toBe(302);
      expect(response.headers.get('Location')).toBe('/accounts/profile/');
    } finally {
      await restore();
    }
  });

  it('test_login_form_contains_request / extra_context: a LoginView option reaches the page', async () => {
    const response = await new Client({ app }).post('/custom_requestauth_login/', {
      username: 'testclient',
      password: 'password',
    });
    expect(response.headers.get('Location')).toBe('/accounts/profile/');
  });

  it('test_login_csrf_rotate: a login rotates the CSRF token', async () => {
    const client = new Client({ app, enforceCsrfChecks: true });
    const page = await client.get('/login/');
    const token1 = client.cookies.get('csrftoken')!;
    expect(token1).toBeTruthy();
    const form = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(page.text())![1]!;
    const response = await client.post('/login/', {
      username: 'testclient',
      password: 'password',
      csrfmiddlewaretoken: form,
    });
    expect(response.status).toBe(302);
    const token2 = client.cookies.get('csrftoken')!;
    expect(token2).toBeTruthy();
    expect(token2).not.toBe(token1);
  });

  it('a POST without the CSRF token is refused (csrf_protect)', async () => {
    const client = new Client({ app, enforceCsrfChecks: true });
    await client.get('/login/');
    const response = await client.post('/login/', { username: 'testclient', password: 'password' });
    expect(response.status).toBe(403);
    expect((await whoami(client)).isAuthenticated).toBe(false);
  });

  it('test_session_key_flushed_on_login: another user gets a new, empty session', async () => {
    const client = new Client({ app });
    await login(client);
    const original = client.cookies.get('sessionid');
    await login(client, 'staff');
    expect(client.cookies.get('sessionid')).not.toBe(original);
    expect((await whoami(client)).username).toBe('staff');
  });

  it('test_session_key_flushed_on_login_after_password_change', async () => {
    const client = new Client({ app });
    await login(client);
    const original = client.cookies.get('sessionid');
    // If no password change, session key should not be flushed.
    await login(client);
    expect(client.cookies.get('sessionid')).toBe(original);
    const manager = getUserManager(settings);
    const user = (await manager.getByNaturalKey('testclient'))!;
    await user.setPassword('foobar');
    await manager.save(user);
    await login(client, 'testclient', 'foobar');
    expect(client.cookies.get('sessionid')).not.toBe(original);
    await user.setPassword('password');
    await manager.save(user);
  });

  it('test_login_session_without_hash_session_key: logs in, with a new key', async () => {
    const store = await createSessionStore(settings);
    const key = await store.create(
      new Map([[SESSION_KEY, String(users.testclient.id)]]) as never,
      new Date(Date.now() + 3600_000),
    );
    const client = new Client({ app });
    client.cookies.set('sessionid', key);
    await login(client);
    expect(client.cookies.get('sessionid')).not.toBe(key);
    expect((await whoami(client)).username).toBe('testclient');
  });

  it('login cycles the session key and keeps the anonymous data (fixation)', async () => {
    const client = new Client({ app });
    const store = await createSessionStore(settings);
    const key = await store.create(
      new Map([['cart', ['apple']]]) as never,
      new Date(Date.now() + 3600_000),
    );
    client.cookies.set('sessionid', key);
    await login(client);
    expect(client.cookies.get('sessionid')).not.toBe(key);
    expect(await store.load(key)).toBeNull();
    const data = await sessionOf(client);
    expect(data.get('cart')).toEqual(['apple']);
    expect(data.get(SESSION_KEY)).toBe(String(users.testclient.id));
    expect(data.get('_auth_user_backend')).toBe('django.contrib.auth.backends.ModelBackend');
    const fresh = await getUserManager(settings).getByNaturalKey('testclient');
    expect(data.get(HASH_SESSION_KEY)).toBe(fresh!.getSessionAuthHash(settings.SECRET_KEY));
  });

  it('a wrong password shows the form again with Django\u2019s message, 200', async () => {
    const client = new Client({ app });
    const response = await client.post('/login/', { username: 'testclient', password: 'wrong' });
    expect(response.status).toBe(200);
    expect(response.text()).toContain(
      'Please enter a correct username and password. Note that both fields may be case-sensitive.',
    );
    expect(response.text()).toContain('value="testclient"');
    expect(response.text()).not.toContain('wrong');
    expect(client.cookies.has('sessionid')).toBe(false);
  });

  it('an inactive user cannot log in (ModelBackend refuses; Django shows invalid_login)', async () => {
    const response = await new Client({ app }).post('/login/', {
      username: 'inactive',
      password: 'password',
    });
    expect(response.status).toBe(200);
    expect(response.text()).toContain('Please enter a correct username and password.');
  });

  it('blank fields: "This field is required." under each', async () => {
    const response = await new Client({ app }).post('/login/', { username: '', password: '' });
    expect(response.status).toBe(200);
    expect(response.text().match(/This field is required\./g)).toHaveLength(2);
  });

  it('the login page is never cached (never_cache)', async () => {
    const response = await new Client({ app }).get('/login/');
    expect(response.headers.get('Cache-Control')).toBe(
      'max-age=0, no-cache, no-store, must-revalidate, private',
    );
    expect(response.headers.get('Expires')).toBeTruthy();
  });

  it('the last_login of the user is updated (update_last_login)', async () => {
    const before = new Date(Date.now() - 1000);
    await login(new Client({ app }), 'staff');
    const staff = await getUserManager(settings).getByNaturalKey('staff');
    expect(staff!.lastLogin!.getTime()).toBeGreaterThan(before.getTime());
  });
});

describe('LoginURLSettings (Django 5.2 test_views.py)', () => {
  const cases: [test: string, loginUrl: string, expected: string][] = [
    ['test_standard_login_url', '/login/', '/login/?next=/login_required/'],
    ['test_named_login_url', 'login', '/login/?next=/login_required/'],
    [
      'test_remote_login_url',
      'http://remote.example.com/login',
      `http://remote.example.com/login?next=${quote('http://testserver/login_required/')}`,
    ],
    [
      'test_https_login_url',
      'https:///login/',
      `https:///login/?next=${quote('http://testserver/login_required/')}`,
    ],
    [
      'test_login_url_with_querystring',
      '/login/?pretty=1',
      '/login/?pretty=1&next=/login_required/',
    ],
    [
      'test_remote_login_url_with_next_querystring',
      'http://remote.example.com/login/?next=/default/',
      `http://remote.example.com/login/?next=${quote('http://testserver/login_required/')}`,
    ],
  ];
  it.each(cases)('%s: LOGIN_URL=%s', async (_test, loginUrl, expected) => {
    const other = await withSettings({ LOGIN_URL: loginUrl });
    try {
      const response = await new Client({ app: other }).get('/login_required/');
      expect(response.status).toBe(302);
      expect(response.headers.get('Location')).toBe(expected);
    } finally {
      await restore();
    }
  });
});

describe('LoginRedirectUrlTest (Django 5.2 test_views.py)', () => {
  it.each([
    ['test_default', undefined, '/accounts/profile/'],
    ['test_custom', '/custom/', '/custom/'],
    ['test_named', 'password_reset', '/password_reset/'],
    ['test_remote', 'http://remote.example.com/welcome/', 'http://remote.example.com/welcome/'],
  ] as const)('%s', async (_test, redirectUrl, expected) => {
    const other = redirectUrl ? await withSettings({ LOGIN_REDIRECT_URL: redirectUrl }) : app;
    try {
      const response = await login(new Client({ app: other }));
      expect(response.headers.get('Location')).toBe(expected);
    } finally {
      await restore();
    }
  });

  it('nextPage (a URL or a pattern name) wins over LOGIN_REDIRECT_URL', async () => {
    expect(
      (await login(new Client({ app }), 'testclient', 'password', '/login/next_page/')).headers.get(
        'Location',
      ),
    ).toBe('/somewhere/');
    expect(
      (
        await login(new Client({ app }), 'testclient', 'password', '/login/next_page/named/')
      ).headers.get('Location'),
    ).toBe('/password_reset/');
  });
});

describe('RedirectToLoginTests (Django 5.2 test_views.py)', () => {
  it('test_redirect_to_login_with_lazy', () => {
    configure(authSettings({ LOGIN_URL: '/login/' }));
    try {
      expect(redirectToLogin('/else/where/').url).toBe('/login/?next=/else/where/');
    } finally {
      configure(settings);
    }
  });

  it('test_redirect_to_login_with_lazy_and_unicode', () => {
    configure(authSettings({ LOGIN_URL: '/login/' }));
    try {
      expect(redirectToLogin('/else/where/\u091d/').url).toBe(
        '/login/?next=/else/where/%E0%A4%9D/',
      );
    } finally {
      configure(settings);
    }
  });
});

describe('LogoutThenLoginTests (Django 5.2 test_views.py)', () => {
  it('test_default_logout_then_login', async () => {
    const other = await withSettings({ LOGIN_URL: '/login/' });
    try {
      const client = new Client({ app: other });
      await login(client);
      const response = await client.post('/logout_then_login/');
      expect(response.headers.get('Location')).toBe('/login/');
      expect((await sessionOf(client)).has(SESSION_KEY)).toBe(false);
    } finally {
      await restore();
    }
  });
});

describe('LoginRedirectAuthenticatedUser (Django 5.2 test_views.py)', () => {
  const dontRedirectUrl = '/login/redirect_authenticated_user_default/';
  const doRedirectUrl = '/login/redirect_authenticated_user/';

  it('test_default: stay on the login page by default', async () => {
    const client = new Client({ app });
    await login(client);
    const response = await client.get(dontRedirectUrl);
    expect(response.status).toBe(200);
    expect(response.text()).toContain('name="next" value=""');
  });

  it('test_guest: if not logged in, stay on the same page', async () => {
    expect((await new Client({ app }).get(doRedirectUrl)).status).toBe(200);
  });

  it('test_redirect: if logged in, go to the default redirect URL', async () => {
    const client = new Client({ app });
    await login(client);
    const response = await client.get(doRedirectUrl);
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe('/accounts/profile/');
  });

  it('test_redirect_param: a safe next is followed', async () => {
    const client = new Client({ app });
    await login(client);
    const response = await client.get(doRedirectUrl + '?next=/custom_next/');
    expect(response.headers.get('Location')).toBe('/custom_next/');
  });

  it('test_redirect_loop: LOGIN_REDIRECT_URL pointing at the login page is an error', async () => {
    const other = await withSettings({ LOGIN_REDIRECT_URL: doRedirectUrl });
    try {
      const client = new Client({ app: other });
      await login(client);
      for (const url of [doRedirectUrl, doRedirectUrl + '?bla=2']) {
        const response = await client.get(url);
        expect(response.status).toBe(500);
      }
    } finally {
      await restore();
    }
  });

  it('test_permission_required_not_logged_in / _logged_in', async () => {
    const anonymous = new Client({ app });
    expect((await anonymous.get('/permission_required_redirect/')).status).toBe(302);
    expect((await anonymous.get('/permission_required_exception/')).status).toBe(403);
    const client = new Client({ app });
    await login(client);
    expect((await client.get('/permission_required_redirect/')).status).toBe(302);
    expect((await client.get('/permission_required_exception/')).status).toBe(403);
    const root = new Client({ app });
    await login(root, 'superuser');
    expect((await root.get('/permission_required_redirect/')).status).toBe(200);
    expect((await root.get('/permission_required_exception/')).status).toBe(200);
  });
});

describe('LoginSuccessURLAllowedHostsTest (Django 5.2 test_views.py)', () => {
  it.each([
    [
      'test_success_url_allowed_hosts_same_host',
      'https://testserver/home',
      'https://testserver/home',
    ],
    [
      'test_success_url_allowed_hosts_safe_host',
      'https://otherserver/home',
      'https://otherserver/home',
    ],
    ['test_success_url_allowed_hosts_unsafe_host', 'https://evil/home', '/accounts/profile/'],
  ])('%s', async (_test, next, expected) => {
    const client = new Client({ app });
    const response = await client.post('/login/allowed_hosts/', {
      username: 'testclient',
      password: 'password',
      next,
    });
    expect(response.headers.get('Location')).toBe(expected);
    expect((await sessionOf(client)).has(SESSION_KEY)).toBe(true);
  });
});

describe('LogoutTest (Django 5.2 test_views.py)', () => {
  async function confirmLoggedOut(client: Client): Promise<void> {
    expect((await sessionOf(client)).has(SESSION_KEY)).toBe(false);
    expect((await whoami(client)).isAuthenticated).toBe(false);
  }

  it('test_logout_default: a POST without next renders "Logged out"', async () => {
    const client = new Client({ app });
    await login(client);
    const response = await client.post('/logout/');
    expect(response.status).toBe(200);
    expect(response.text()).toContain('Logged out');
    await confirmLoggedOut(client);
  });

  it('test_logout_with_get: GET is not allowed (405), and logs nobody out', async () => {
    const client = new Client({ app });
    await login(client);
    const response = await client.get('/logout/');
    expect(response.status).toBe(405);
    expect(response.headers.get('Allow')).toBe('POST, OPTIONS');
    expect((await whoami(client)).isAuthenticated).toBe(true);
  });

  it('test_14377: the logged-out page gets its context (site_name)', async () => {
    const client = new Client({ app });
    await login(client);
    expect((await client.post('/logout/')).text()).toContain('Logged out | testserver');
  });

  it('test_logout_doesnt_cache: no-store', async () => {
    const response = await new Client({ app }).post('/logout/');
    expect(response.headers.get('Cache-Control')).toContain('no-store');
  });

  it('test_logout_with_overridden_redirect_url', async () => {
    const client = new Client({ app });
    await login(client);
    expect((await client.post('/logout/next_page/')).headers.get('Location')).toBe('/somewhere/');
    await login(client);
    expect((await client.post('/logout/next_page/?next=/login/')).headers.get('Location')).toBe(
      '/login/',
    );
    await confirmLoggedOut(client);
  });

  it.each([
    ['test_logout_with_next_page_specified', '/logout/next_page/', '/somewhere/'],
    ['test_logout_with_redirect_argument', '/logout/?next=/login/', '/login/'],
    [
      'test_logout_with_custom_redirect_argument',
      '/logout/custom_query/?follow=/somewhere/',
      '/somewhere/',
    ],
    ['test_logout_with_named_redirect', '/logout/next_page/named/', '/password_reset/'],
    [
      'test_success_url_allowed_hosts_same_host',
      '/logout/allowed_hosts/?next=https://testserver/',
      'https://testserver/',
    ],
    [
      'test_success_url_allowed_hosts_safe_host',
      '/logout/allowed_hosts/?next=https://otherserver/',
      'https://otherserver/',
    ],
    [
      'test_success_url_allowed_hosts_unsafe_host',
      '/logout/allowed_hosts/?next=https://evil/',
      '/logout/allowed_hosts/',
    ],
  ])('%s', async (_test, url, expected) => {
    const client = new Client({ app });
    await login(client);
    const response = await client.post(url);
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe(expected);
    await confirmLoggedOut(client);
  });

  it.each(badUrlsForLogout())('test_security_check: next=%s is blocked', async (bad) => {
    const client = new Client({ app });
    await login(client);
    const response = await client.post(`/logout/?next=${quote(bad)}`);
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).not.toContain(bad);
    await confirmLoggedOut(client);
  });

  it('test_security_check_https: an http next is blocked on https', async () => {
    const secure = await withSettings({ SECURE_PROXY_SSL_HEADER: ['X-Forwarded-Proto', 'https'] });
    try {
      const client = new Client({ app: secure });
      await login(client);
      const response = await client.post(
        `/logout/?next=${quote('http://testserver/')}`,
        undefined,
        {
          headers: { 'X-Forwarded-Proto': 'https' },
        },
      );
      expect(response.headers.get('Location')).toBe('/logout/');
    } finally {
      await restore();
    }
  });

  it('test_logout_preserve_language / LOGOUT_REDIRECT_URL is followed after logout', async () => {
    const other = await withSettings({ LOGOUT_REDIRECT_URL: '/custom/' });
    try {
      const client = new Client({ app: other });
      await login(client);
      expect((await client.post('/logout/')).headers.get('Location')).toBe('/custom/');
      const named = await withSettings({ LOGOUT_REDIRECT_URL: 'logout' });
      const client2 = new Client({ app: named });
      await login(client2);
      const response = await client2.post('/logout/');
      // Redirecting to its own URL: the page is rendered instead (Django).
      expect(response.status).toBe(200);
      expect(response.text()).toContain('Logged out');
    } finally {
      await restore();
    }
  });

  it('the logout deletes the session record and the cookie (flush)', async () => {
    const client = new Client({ app });
    await login(client);
    const key = client.cookies.get('sessionid')!;
    const response = await client.post('/logout/');
    expect(response.setCookieHeaders().some((h) => h.startsWith('sessionid=""'))).toBe(true);
    expect(await (await createSessionStore(settings)).load(key)).toBeNull();
  });

  it('OPTIONS answers with Allow and no body', async () => {
    const response = await new Client({ app }).request('OPTIONS', '/logout/');
    expect(response.status).toBe(200);
    expect(response.headers.get('Allow')).toBe('POST, OPTIONS');
  });
});

function badUrlsForLogout(): string[] {
  return [
    'http://example.com',
    'http:///example.com',
    'https://example.com',
    'ftp://example.com',
    '///example.com',
    '//example.com',
    'javascript:alert("XSS")',
  ];
}

describe('SessionAuthenticationTests (Django 5.2 test_views.py)', () => {
  it('test_user_password_change_updates_session: the session stays, with a new key', async () => {
    const client = new Client({ app });
    const other = new Client({ app });
    await login(client, 'staff');
    await login(other, 'staff');
    const original = client.cookies.get('sessionid');
    const response = await client.post('/password_change/', { new_password: 'password' });
    expect(response.text()).toBe('changed');
    expect(client.cookies.get('sessionid')).not.toBe(original);
    expect((await whoami(client)).username).toBe('staff');
    // Every other session of the user is logged out at its next request (new hash).
    expect((await whoami(other)).isAuthenticated).toBe(false);
  });
});

describe('decorators (Django 5.2 test_decorators.py)', () => {
  it('LoginRequiredTestCase.test_callable / testLoginRequired: anonymous → LOGIN_URL?next=', async () => {
    const client = new Client({ app });
    const response = await client.get('/login_required/');
    expect(response.headers.get('Location')).toBe('/accounts/login/?next=/login_required/');
    await login(client);
    expect((await client.get('/login_required/')).text()).toBe('ok');
  });

  it('testLoginRequiredNextUrl: a custom login_url', async () => {
    const response = await new Client({ app }).get('/login_required_login_url/');
    expect(response.headers.get('Location')).toBe('/somewhere/?next=/login_required_login_url/');
  });

  it('a custom redirect_field_name', async () => {
    const response = await new Client({ app }).get('/login_required_next/?x=1');
    expect(response.headers.get('Location')).toBe(
      '/accounts/login/?back=/login_required_next/%3Fx%3D1',
    );
  });

  it('staff_member_required: only active staff pass', async () => {
    const client = new Client({ app });
    await login(client);
    expect((await client.get('/staff_only/')).status).toBe(302);
    const staff = new Client({ app });
    await login(staff, 'staff');
    expect((await staff.get('/staff_only/')).text()).toBe('ok');
  });

  it('user_passes_test: the test sees request.user', async () => {
    const client = new Client({ app });
    expect((await client.get('/passes_test/')).status).toBe(302);
    await login(client);
    expect((await client.get('/passes_test/')).text()).toBe('ok');
  });
});
