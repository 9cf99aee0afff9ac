/**
 * Issue 19, in a real browser: a new project's admin at /admin/, driven by headless Chromium
 * (Debian's /usr/bin/chromium through playwright-core) over a real `runserver`, with no
 * JavaScript on any page. `manage.ts createsuperuser --noinput` makes the first user; the
 * staff login; the session list shows this browser's session; a second browser context logged
 * in as the same user is logged out by "Log out other devices" from the first, and a session
 * deleted from the list is logged out on its next request; a user added through the form logs
 * in to the tutorial's login-protected page; logout. On the `db` engine, then `signed_cookies`,
 * where the session page says it cannot list sessions.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manage, startServer, type ProjectServer } from '../e2e/helpers.js';
import {
  scaffoldTutorialProject,
  setSessionEngine,
  type TutorialProject,
} from '../e2e/tutorial-project.js';
import {
  chromiumSupport,
  classAndText,
  cookieValue,
  launchChromium,
  screenshot,
} from './helpers.js';

const { available } = chromiumSupport('the admin browser tests');

const ADMIN = { username: 'admin', password: 'browser admin passphrase 19' };

function sessionCookie(context: BrowserContext): Promise<string | undefined> {
  return cookieValue(context, 'sessionid');
}

/** The admin's messages on the page (`.messagelist`): `[class, text]` each. */
function messagesOf(page: Page): Promise<[string, string][]> {
  return classAndText(page, 'ul.messagelist > li');
}

/** Clicks `button` (a form's submit button) and waits for the page the POST leads to. */
async function submit(page: Page, button: ReturnType<Page['locator']>): Promise<void> {
  const navigated = page.waitForNavigation();
  await button.click();
  await navigated;
  await page.waitForLoadState('load');
}

/** Opens /admin/ in `context`: logs in through the login page it is sent to, returns the page. */
async function logIn(context: BrowserContext, url: string, credentials = ADMIN): Promise<Page> {
  const page = await context.newPage();
  const response = await page.goto(`${url}/admin/`);
  expect(response?.status()).toBe(200);
  expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(
    '/admin/login/?next=/admin/',
  );
  await page.getByLabel('Username:').fill(credentials.username);
  await page.getByLabel('Password:').fill(credentials.password);
  await submit(page, page.getByRole('button', { name: 'Log in' }));
  expect(new URL(page.url()).pathname).toBe('/admin/');
  // textContent: the user tools are upper-cased by CSS.
  expect(await page.locator('#user-tools > span').textContent()).toBe(
    `Welcome, ${credentials.username}.`,
  );
  return page;
}

/** True when the context's next request to /admin/ is let in (false: sent to the login page). */
async function stillIn(page: Page, url: string): Promise<boolean> {
  const response = await page.goto(`${url}/admin/`);
  expect(response?.status()).toBe(200);
  return new URL(page.url()).pathname === '/admin/';
}

describe.skipIf(!available)('the admin in headless Chromium', () => {
  let tutorial: TutorialProject;
  let browser: Browser;
  let server: ProjectServer | undefined;

  beforeAll(async () => {
    [browser, tutorial] = await Promise.all([
      launchChromium(),
      scaffoldTutorialProject('tango-admin-browser-'),
    ]);
    const created = await manage(tutorial.project, ['createsuperuser', '--noinput'], {
      DJANGO_SUPERUSER_USERNAME: ADMIN.username,
      DJANGO_SUPERUSER_EMAIL: 'admin@example.com',
      DJANGO_SUPERUSER_PASSWORD: ADMIN.password,
    });
    expect(created.exitCode, created.all).toBe(0);
    expect(created.all).toContain('Superuser created successfully.');
  });

  afterAll(async () => {
    await server?.stop();
    await browser?.close();
    await tutorial?.cleanup();
  });

  async function restart(): Promise<string> {
    await server?.stop();
    server = await startServer(tutorial.project);
    return server.url;
  }

  it('db: login, the session list, log out other devices, delete a session, add a user, logout', async () => {
    await setSessionEngine(tutorial.project, 'db');
    const url = await restart();
    const first = await browser.newContext({ javaScriptEnabled: false });
    const page = await logIn(first, url);

    // The index links to the users and the sessions.
    await submit(page, page.getByRole('link', { name: 'Sessions', exact: true }).last());
    expect(new URL(page.url()).pathname).toBe('/admin/sessions/session/');
    expect(await page.locator('p.muted').first().innerText()).toBe('Session engine: db');
    const mine = page.locator('tr.session.current');
    expect(await mine.count()).toBe(1);
    const firstKey = (await sessionCookie(first))!;
    expect(await mine.getAttribute('data-key')).toBe(firstKey);
    expect(await mine.innerText()).toContain(`${firstKey.slice(0, 8)}…`);
    expect(await mine.innerText()).toContain('(this session)');
    expect(await mine.locator('a.user').innerText()).toBe('admin');
    expect(await mine.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await mine.locator('dl.data').innerText()).toMatch(/_auth_user_id\s+"1"/);
    expect(await screenshot(page, 'admin-sessions.png', tutorial.scratch)).toBeGreaterThan(10_000);

    // A second browser logged in as the same user.
    const second = await browser.newContext({ javaScriptEnabled: false });
    const phone = await logIn(second, url);
    const secondKey = (await sessionCookie(second))!;
    expect(secondKey).not.toBe(firstKey);
    await page.reload();
    expect(await page.locator(`tr.session[data-key="${secondKey}"]`).count()).toBe(1);

    // From the first: the user's sessions, then "Log out other devices".
    await submit(page, page.locator('tr.session.current a.user'));
    expect(new URL(page.url()).search).toBe('?user=1');
    expect(await page.locator('tr.session').count()).toBe(2);
    await submit(page, page.getByRole('button', { name: 'Log out other devices' }));
    expect(await messagesOf(page)).toEqual([
      ['success', 'Logged out your other devices: ended 1 session.'],
    ]);
    expect(await page.locator('tr.session').count()).toBe(1);
    expect(await page.locator('tr.session').getAttribute('data-key')).toBe(firstKey);

    // The second browser is logged out on its next request; the first is not.
    expect(await stillIn(phone, url)).toBe(false);
    expect(await phone.locator('#login-form').count()).toBe(1);
    expect(await stillIn(page, url)).toBe(true);

    // Logged in again there, its session is deleted from the first browser's list.
    const again = await logIn(second, url);
    const againKey = (await sessionCookie(second))!;
    await page.goto(`${url}/admin/sessions/session/`);
    await submit(
      page,
      page.locator(`tr.session[data-key="${againKey}"]`).getByRole('button', { name: 'Delete' }),
    );
    expect(await messagesOf(page)).toEqual([
      ['success', `The session “${againKey.slice(0, 8)}…” was deleted successfully.`],
    ]);
    expect(await page.locator(`tr.session[data-key="${againKey}"]`).count()).toBe(0);
    expect(await stillIn(again, url)).toBe(false);

    // Add a user through the form, then that user logs in to the tutorial's page.
    await page.goto(`${url}/admin/auth/user/add/`);
    await page.getByLabel('Username:').fill('visitor');
    await page.getByLabel('Password:', { exact: true }).fill('visitor passphrase 2024');
    await page.getByLabel('Password confirmation:').fill('visitor passphrase 2024');
    await submit(page, page.getByRole('button', { name: 'Save' }));
    expect(await messagesOf(page)).toEqual([
      ['success', 'The user “visitor” was added successfully. You may edit it again below.'],
    ]);
    expect(new URL(page.url()).pathname).toMatch(/^\/admin\/auth\/user\/\d+\/change\/$/);
    const visitor = await second.newPage();
    await visitor.goto(`${url}/mine/`);
    expect(new URL(visitor.url()).pathname + new URL(visitor.url()).search).toBe(
      '/accounts/login/?next=/mine/',
    );
    await visitor.getByLabel('Username').fill('visitor');
    await visitor.getByLabel('Password').fill('visitor passphrase 2024');
    await submit(visitor, visitor.getByRole('button', { name: 'Log in' }));
    expect(new URL(visitor.url()).pathname).toBe('/mine/');
    expect((await visitor.locator('.result').first().innerText()).trim()).toBe(
      'Number of Hits for visitor: 1',
    );
    await visitor.reload();
    expect((await visitor.locator('.result').first().innerText()).trim()).toBe(
      'Number of Hits for visitor: 2',
    );
    // A user who is not staff cannot use the admin.
    expect(await stillIn(visitor, url)).toBe(false);
    expect(await visitor.locator('.errornote').innerText()).toContain(
      'You are authenticated as visitor, but are not authorized to access this page.',
    );

    // Logout from the first browser: the logged-out page, then the admin is closed.
    await submit(page, page.getByRole('button', { name: 'Log out' }));
    expect(await page.locator('h1').innerText()).toBe('Logged out');
    expect(await page.locator('main').innerText()).toContain(
      'Thanks for spending some quality time with the web site today.',
    );
    expect(await sessionCookie(first)).toBeUndefined();
    expect(await stillIn(page, url)).toBe(false);
    await first.close();
    await second.close();
  });

  it('signed_cookies: login works, and the session page says the engine cannot list sessions', async () => {
    await setSessionEngine(tutorial.project, 'signed_cookies');
    const url = await restart();
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await logIn(context, url);
    await page.goto(`${url}/admin/sessions/session/`);
    const notice = page.locator('#sessions-unsupported');
    expect(await notice.innerText()).toContain('This session engine cannot list sessions.');
    expect(await notice.innerText()).toContain(
      "The 'signed_cookies' session engine keeps each session in the browser's cookie",
    );
    expect(await page.locator('tr.session').count()).toBe(0);
    await submit(page, page.getByRole('button', { name: 'Log out' }));
    expect(await page.locator('h1').innerText()).toBe('Logged out');
    expect(await stillIn(page, url)).toBe(false);
    await context.close();
  });
});
