/**
 * The admin site's door (Django's `AdminSite.login`, `logout`, `admin_view`, `has_permission`;
 * tests/admin_views/tests.py's login and logout cases): anonymous and non-staff visitors go to
 * the admin's login page with `next`, the staff login and its messages, Django's "authenticated
 * as ..., but are not authorized" page, POST-only logout, permissions (only an active superuser
 * has any in Tango), CSRF on every form, and the start-up checks of the admin's dependencies.
 * Through the test Client on a migrated in-memory SQLite database, `db` sessions.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkAdminDependencies } from '../../../src/runtime/admin/index.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import { createApplication, type Application } from '../../../src/runtime/handlers/base.js';
import { Client } from '../../../src/runtime/test/client.js';
import {
  adminApp,
  adminLogin,
  adminSettings,
  formToken,
  formTokens,
  listedMessages,
  loggedIn,
  makeUser,
  MIDDLEWARE,
  PASSWORD,
  text,
} from './helpers.js';

let app: Application;

beforeAll(async () => {
  app = await adminApp('db');
  await makeUser(app, 'admin', { superuser: true });
  await makeUser(app, 'staff', { staff: true });
  await makeUser(app, 'bob');
  await makeUser(app, 'gone', { staff: true, active: false });
});

describe('anonymous visitors', () => {
  it.each([
    ['/admin/', '/admin/login/?next=/admin/'],
    ['/admin/sessions/session/', '/admin/login/?next=/admin/sessions/session/'],
    ['/admin/auth/user/', '/admin/login/?next=/admin/auth/user/'],
    ['/admin/auth/user/?q=a b', '/admin/login/?next=/admin/auth/user/%3Fq%3Da%2520b'],
    ['/admin/auth/user/1/change/', '/admin/login/?next=/admin/auth/user/1/change/'],
  ])('GET %s redirects to the admin login with next', async (page, location) => {
    const response = await new Client({ app }).get(page);
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe(location);
  });

  it('a POST to an admin action is redirected too, and changes nothing', async () => {
    const client = new Client({ app });
    const response = await client.post('/admin/auth/user/add/', {
      username: 'intruder',
      password1: PASSWORD,
      password2: PASSWORD,
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe('/admin/login/?next=/admin/auth/user/add/');
    const admin = await loggedIn(app, 'admin');
    expect(text(await admin.get('/admin/auth/user/'))).not.toContain('intruder');
  });

  it('the login page: a form with the CSRF token, next defaulting to the index, never cached', async () => {
    const response = await new Client({ app }).get('/admin/login/');
    expect(response.status).toBe(200);
    const html = response.text();
    expect(formTokens(html)).toHaveLength(1);
    expect(html).toContain('<input type="hidden" name="next" value="/admin/">');
    expect(text(html)).toMatch(/Log in \| Tango site admin/);
    expect(text(html)).toContain('Tango administration');
    expect(text(html)).not.toContain('Welcome,');
    expect(response.headers.get('Cache-Control')).toMatch(/no-cache.*no-store/);
  });

  it('the login page keeps a next it was given', async () => {
    const html = (await new Client({ app }).get('/admin/login/?next=/admin/auth/user/')).text();
    expect(html).toContain('<input type="hidden" name="next" value="/admin/auth/user/">');
  });
});

describe('the staff login', () => {
  it('a superuser logs in and lands on the index, which lists the pages and the logout form', async () => {
    const client = new Client({ app });
    await adminLogin(client, 'admin');
    const index = await client.get('/admin/');
    expect(index.status).toBe(200);
    const body = text(index);
    expect(body).toContain('Welcome, admin .');
    expect(body).toMatch(/Authentication and Authorization Users Add Sessions Sessions/);
    expect(index.text()).toContain('href="/admin/auth/user/"');
    expect(index.text()).toContain('href="/admin/auth/user/add/"');
    expect(index.text()).toContain('href="/admin/sessions/session/"');
    expect(index.text()).toMatch(
      /<form id="logout-form" method="post" action="\/admin\/logout\/">/,
    );
    expect(index.headers.get('Cache-Control')).toMatch(/no-cache.*no-store.*must-revalidate/);
  });

  it('logging in follows a safe next and ignores one to another host', async () => {
    const client = new Client({ app });
    const page = await client.get('/admin/login/?next=/admin/sessions/session/');
    const followed = await client.post('/admin/login/?next=/admin/sessions/session/', {
      csrfmiddlewaretoken: formToken(page.text()),
      username: 'admin',
      password: PASSWORD,
      next: '/admin/sessions/session/',
    });
    expect(followed.headers.get('Location')).toBe('/admin/sessions/session/');

    const other = new Client({ app });
    const login = await other.get('/admin/login/');
    const response = await other.post('/admin/login/', {
      csrfmiddlewaretoken: formToken(login.text()),
      username: 'admin',
      password: PASSWORD,
      next: 'https://evil.example/',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe('/accounts/profile/');
  });

  it('a logged-in staff user who opens the login page is sent to the index', async () => {
    const client = await loggedIn(app, 'admin');
    const response = await client.get('/admin/login/');
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe('/admin/');
  });

  it.each([
    ['a wrong password', 'admin', 'wrong password'],
    ['an unknown user', 'nobody', PASSWORD],
    ['a user who is not staff', 'bob', PASSWORD],
  ])('%s gets Django’s staff-account message and no login', async (_, username, password) => {
    const client = new Client({ app });
    const page = await client.get('/admin/login/');
    const response = await client.post('/admin/login/', {
      csrfmiddlewaretoken: formToken(page.text()),
      username,
      password,
      next: '/admin/',
    });
    expect(response.status).toBe(200);
    expect(text(response)).toContain(
      'Please enter the correct username and password for a staff account. Note that both fields may be case-sensitive.',
    );
    expect(response.text()).toContain(`value="${username}"`);
    expect(response.text()).not.toContain(
      password === PASSWORD ? 'value="correct horse' : 'value="wrong',
    );
    expect((await client.get('/admin/')).status).toBe(302);
  });

  it('an inactive staff user cannot log in', async () => {
    const client = new Client({ app });
    const page = await client.get('/admin/login/');
    const response = await client.post('/admin/login/', {
      csrfmiddlewaretoken: formToken(page.text()),
      username: 'gone',
      password: PASSWORD,
    });
    expect(response.status).toBe(200);
    expect(text(response)).toMatch(
      /Please enter the correct username and password for a staff account/,
    );
  });

  it('empty fields are each required', async () => {
    const client = new Client({ app });
    const page = await client.get('/admin/login/');
    const response = await client.post('/admin/login/', {
      csrfmiddlewaretoken: formToken(page.text()),
      username: '',
      password: '',
    });
    expect(response.status).toBe(200);
    const body = text(response);
    expect(body).toContain('Please correct the error below.');
    expect(body.match(/This field is required\./g)).toHaveLength(2);
  });
});

describe('non-staff users', () => {
  /** Bob logs in through the site's own login page (accounts/login/), not the admin's. */
  async function bob(): Promise<Client> {
    const client = new Client({ app });
    const page = await client.get('/accounts/login/');
    const response = await client.post('/accounts/login/', {
      csrfmiddlewaretoken: formToken(page.text()),
      username: 'bob',
      password: PASSWORD,
      next: '/',
    });
    expect(response.status).toBe(302);
    return client;
  }

  it('are redirected from every admin page to the admin login, with next', async () => {
    const client = await bob();
    for (const page of ['/admin/', '/admin/sessions/session/', '/admin/auth/user/2/password/']) {
      const response = await client.get(page);
      expect(response.status, page).toBe(302);
      expect(response.headers.get('Location')).toBe(`/admin/login/?next=${page}`);
    }
  });

  it('see Django’s "authenticated as ..., but are not authorized" message on the login page', async () => {
    const client = await bob();
    const response = await client.get('/admin/login/?next=/admin/');
    expect(response.status).toBe(200);
    expect(text(response)).toContain(
      'You are authenticated as bob, but are not authorized to access this page. Would you like to login to a different account?',
    );
  });

  it('can log in there as a staff user instead (a new session)', async () => {
    const client = await bob();
    const before = client.cookies.get('sessionid');
    await adminLogin(client, 'admin');
    expect(client.cookies.get('sessionid')).not.toBe(before);
    expect(text(await client.get('/admin/'))).toContain('Welcome, admin .');
  });

  it('a POST to the admin logout by someone not logged in to the admin goes to the index', async () => {
    const client = await bob();
    const response = await client.post('/admin/logout/', {});
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe('/admin/');
    // bob was not logged out by the admin's logout.
    expect(text(await client.get('/admin/login/'))).toContain('You are authenticated as bob');
  });
});

describe('staff users without permissions (Tango: only superusers have any)', () => {
  it('see the index with Django’s "nothing" message and get 403 on the pages', async () => {
    const client = await loggedIn(app, 'staff');
    const index = await client.get('/admin/');
    expect(index.status).toBe(200);
    expect(text(index)).toContain('You don’t have permission to view or edit anything.');
    expect(index.text()).not.toContain('href="/admin/auth/user/"');
    for (const page of [
      '/admin/auth/user/',
      '/admin/auth/user/add/',
      '/admin/auth/user/1/change/',
      '/admin/auth/user/1/password/',
      '/admin/sessions/session/',
    ]) {
      expect((await client.get(page)).status, page).toBe(403);
    }
    expect((await client.post('/admin/sessions/session/user/1/end/', {})).status).toBe(403);
  });
});

describe('logout', () => {
  it('GET is refused (405): only the form’s POST logs out', async () => {
    const client = await loggedIn(app, 'admin');
    const response = await client.get('/admin/logout/');
    expect(response.status).toBe(405);
    expect(response.headers.get('Allow')).toBe('POST, OPTIONS');
    expect((await client.get('/admin/')).status).toBe(200);
  });

  it('POST logs out: the logged-out page, the session ended, the admin closed again', async () => {
    const client = await loggedIn(app, 'admin');
    const index = await client.get('/admin/');
    const response = await client.post('/admin/logout/', {
      csrfmiddlewaretoken: formToken(index.text()),
    });
    expect(response.status).toBe(200);
    const body = text(response);
    expect(body).toContain('Logged out');
    expect(body).toContain('Thanks for spending some quality time with the web site today.');
    expect(response.text()).toContain('<a href="/admin/">Log in again</a>');
    expect(body).not.toContain('Welcome,');
    expect(client.cookies.has('sessionid')).toBe(false);
    const after = await client.get('/admin/');
    expect(after.status).toBe(302);
    expect(after.headers.get('Location')).toBe('/admin/login/?next=/admin/');
  });
});

describe('CSRF (Client({ enforceCsrfChecks: true }))', () => {
  it('every admin page’s forms carry the token', async () => {
    const client = await loggedIn(app, 'admin', { enforceCsrfChecks: true });
    for (const page of [
      '/admin/',
      '/admin/sessions/session/',
      '/admin/auth/user/',
      '/admin/auth/user/add/',
      '/admin/auth/user/1/change/',
      '/admin/auth/user/1/password/',
    ]) {
      const html = (await client.get(page)).text();
      const posts = html.match(/<form [^>]*method="post"/g) ?? [];
      expect(posts.length, page).toBeGreaterThan(0);
      expect(formTokens(html).length, page).toBe(posts.length);
    }
  });

  it('a login without the token is refused (403) and logs nobody in', async () => {
    const client = new Client({ app, enforceCsrfChecks: true });
    await client.get('/admin/login/');
    const response = await client.post('/admin/login/', { username: 'admin', password: PASSWORD });
    expect(response.status).toBe(403);
    expect(text(response)).toContain('CSRF verification failed');
    expect((await client.get('/admin/')).status).toBe(302);
  });

  it('a logout without the token is refused and the user stays logged in', async () => {
    const client = await loggedIn(app, 'admin', { enforceCsrfChecks: true });
    expect((await client.post('/admin/logout/', {})).status).toBe(403);
    expect((await client.get('/admin/')).status).toBe(200);
  });

  it('the login rotates the CSRF token (a token from before the login is not reused)', async () => {
    const client = new Client({ app, enforceCsrfChecks: true });
    const page = await client.get('/admin/login/');
    const before = client.cookies.get('csrftoken');
    expect(before).toBeTruthy();
    const response = await client.post('/admin/login/', {
      csrfmiddlewaretoken: formToken(page.text()),
      username: 'admin',
      password: PASSWORD,
    });
    expect(response.status).toBe(302);
    expect(client.cookies.get('csrftoken')).toBeTruthy();
    expect(client.cookies.get('csrftoken')).not.toBe(before);
    // The old page's token no longer posts.
    const stale = await client.post('/admin/logout/', {
      csrfmiddlewaretoken: formToken(page.text()),
    });
    expect(stale.status).toBe(403);
    expect(listedMessages(await client.get('/admin/'))).toEqual([]);
  });
});

describe('the admin’s start-up checks (Django’s admin.E405-E410)', () => {
  it('a complete project passes', () => {
    expect(checkAdminDependencies(adminSettings())).toEqual([]);
  });

  it.each([
    [
      'tango.auth',
      { INSTALLED_APPS: ['tango.admin', 'tango.sessions', 'tango.messages'] },
      "admin.E405: 'tango.auth' must be in INSTALLED_APPS in order to use the admin application.",
    ],
    [
      'tango.messages',
      { INSTALLED_APPS: ['tango.admin', 'tango.auth', 'tango.sessions'] },
      "admin.E406: 'tango.messages' must be in INSTALLED_APPS in order to use the admin application.",
    ],
    [
      'AuthenticationMiddleware',
      { MIDDLEWARE: MIDDLEWARE.filter((m) => !m.includes('Authentication')) },
      "admin.E408: 'tango.auth.middleware.AuthenticationMiddleware' must be in MIDDLEWARE in order to use the admin application.",
    ],
    [
      'MessageMiddleware',
      { MIDDLEWARE: MIDDLEWARE.filter((m) => !m.includes('Message')) },
      "admin.E409: 'tango.messages.middleware.MessageMiddleware' must be in MIDDLEWARE in order to use the admin application.",
    ],
    [
      'SessionMiddleware',
      { MIDDLEWARE: MIDDLEWARE.filter((m) => !m.includes('Session')) },
      "admin.E410: 'tango.sessions.middleware.SessionMiddleware' must be in MIDDLEWARE in order to use the admin application. HINT: Insert 'tango.sessions.middleware.SessionMiddleware' before 'tango.auth.middleware.AuthenticationMiddleware'.",
    ],
  ])('without %s, start-up fails naming it', async (_, overrides, message) => {
    const settings = adminSettings('db', overrides as never);
    expect(checkAdminDependencies(settings)).toEqual([message]);
    const { configure } = await import('../../../src/runtime/conf/current.js');
    configure(settings);
    const started = createApplication(settings);
    await expect(started).rejects.toThrow(ImproperlyConfigured);
    await expect(started).rejects.toThrow(message);
    configure(app.settings);
  });
});
