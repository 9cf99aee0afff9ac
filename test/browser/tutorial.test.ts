/**
 * Issue 5, in a real browser: the README's tutorial project driven by headless Chromium
 * (Debian's /usr/bin/chromium through playwright-core; no browser download) on the `db` and
 * `signed_cookies` engines. Counters go 1, 2, 3 across reloads, `user` is set, read and
 * deleted, the test-cookie check passes, a fresh browser context starts again at 1, and after
 * a server restart the counter continues. The session page's forms carry the CSRF token and
 * work; a form on a second origin (a page served from another 127.0.0.1 port: same site, so
 * SameSite=Lax cookies go along) that posts to the project is refused with 403 and changes
 * nothing. The session page reports each form's outcome as a message (tango/messages), shown
 * once after the redirect and gone after a reload.
 */
import http from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServer, type ProjectServer } from '../e2e/helpers.js';
import {
  scaffoldTutorialProject,
  setSessionEngine,
  type Engine,
  type TutorialProject,
} from '../e2e/tutorial-project.js';
import {
  chromiumSupport,
  classAndText,
  cookieValue,
  launchChromium,
  screenshot,
} from './helpers.js';

const { available } = chromiumSupport('the tutorial browser tests');

/** The highlighted result line of a tutorial page. */
async function result(page: Page): Promise<string> {
  return (await page.locator('.result').first().innerText()).trim();
}

/** Loads `url` and returns its result line, checking the page answered 200. */
async function visit(page: Page, url: string): Promise<string> {
  const response = await page.goto(url);
  expect(response?.status(), url).toBe(200);
  return result(page);
}

/** Reloads the page and returns its result line. */
async function reload(page: Page): Promise<string> {
  const response = await page.reload();
  expect(response?.status()).toBe(200);
  return result(page);
}

/**
 * Submits the session page's `action` form with `fields` and waits for the page it redirects
 * back to (the same URL, `/session/`: the outcome comes as a message, not in the query).
 */
async function submitSessionForm(
  page: Page,
  action: string,
  fields: Record<string, string>,
): Promise<void> {
  const form = page.locator('form', { has: page.locator(`input[name=action][value=${action}]`) });
  for (const [name, value] of Object.entries(fields)) {
    await form.locator(`input[name=${name}]`).fill(value);
  }
  const shown = page.waitForResponse(
    (r) => new URL(r.url()).pathname === '/session/' && r.request().method() === 'GET',
  );
  await form.getByRole('button').click();
  expect((await shown).status()).toBe(200);
  await page.waitForLoadState('load');
}

/** The messages the page lists (base.html's `.messages`): `[class, text]` each. */
function listedMessages(page: Page): Promise<[string, string][]> {
  return classAndText(page, 'ul.messages > li');
}

describe.skipIf(!available)('the tutorial in headless Chromium', () => {
  let tutorial: TutorialProject;
  let browser: Browser;
  let server: ProjectServer | undefined;

  beforeAll(async () => {
    [browser, tutorial] = await Promise.all([
      launchChromium(),
      // The README's other spelling of startapp; the HTTP test uses `manage.ts startapp`.
      scaffoldTutorialProject('tango-tutorial-browser-', { startapp: 'tango-admin' }),
    ]);
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

  for (const engine of ['db', 'signed_cookies'] satisfies Engine[]) {
    it(`${engine}: counters, cookies, the test cookie, fresh contexts and a server restart`, async () => {
      await setSessionEngine(tutorial.project, engine);
      let url = await restart();
      const context = await browser.newContext();
      const page = await context.newPage();

      // The session counter goes 1, 2, 3 across reloads.
      expect(await visit(page, `${url}/hits/`)).toBe('Number of Hits are: 1');
      expect(await reload(page)).toBe('Number of Hits are: 2');
      expect(await reload(page)).toBe('Number of Hits are: 3');
      expect(await cookieValue(context, 'sessionid')).toBeTruthy();

      // So does the cookie counter.
      expect(await visit(page, `${url}/Cookies_Count/`)).toBe('WebPage Hits are: 1');
      expect(await reload(page)).toBe('WebPage Hits are: 2');
      expect(await reload(page)).toBe('WebPage Hits are: 3');
      expect(await cookieValue(context, 'hit')).toBe('3');

      // set-cook/, then follow the page's links to read the cookie and to delete it.
      expect(await visit(page, `${url}/set-cook/`)).toBe('Cookie Set: user=Raju');
      expect(await cookieValue(context, 'user')).toBe('Raju');
      await page.getByRole('link', { name: 'read it back' }).click();
      await page.waitForURL('**/get-cook/');
      expect(await result(page)).toBe('Raju Hey Get Cookie Success');
      await page.getByRole('link', { name: 'Delete the cookie' }).click();
      await page.waitForURL('**/del-cook/');
      expect(await result(page)).toBe('Cookie Deleted: user');
      expect(await cookieValue(context, 'user')).toBeUndefined();
      expect(await visit(page, `${url}/get-cook/`)).toBe('There is no user cookie yet.');

      // The test-cookie check passes, once.
      expect(await visit(page, `${url}/test/`)).toBe('Test cookie set.');
      await page.getByRole('link', { name: 'check whether your browser sent it back' }).click();
      await page.waitForURL('**/check/');
      expect(await result(page)).toBe(
        'Cookies are working: your browser sent the test cookie back.',
      );
      expect(await reload(page)).toBe('Cookies are not working: no test cookie came back.');

      // The session page's forms.
      expect((await page.goto(`${url}/session/`))?.status()).toBe(200);
      await submitSessionForm(page, 'set', { key: 'color', value: 'green' });
      expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe('/session/');
      expect(await result(page)).toBe("Stored 'color'.");
      expect(await page.locator('table').nth(1).innerText()).toMatch(/color\s+"green"/);
      expect(await page.locator('table').first().innerText()).toContain(engine);
      if (engine === 'db') {
        expect(await screenshot(page, 'session-page.png', tutorial.scratch)).toBeGreaterThan(
          10_000,
        );
      }

      // A fresh browser context is a new visitor: both counters start again at 1.
      const fresh = await browser.newContext();
      const freshPage = await fresh.newPage();
      expect(await visit(freshPage, `${url}/hits/`)).toBe('Number of Hits are: 1');
      expect(await visit(freshPage, `${url}/Cookies_Count/`)).toBe('WebPage Hits are: 1');
      await fresh.close();

      // After a server restart the session counter continues (cookies are per host, not port).
      url = await restart();
      expect(await visit(page, `${url}/hits/`)).toBe('Number of Hits are: 4');
      expect(await visit(page, `${url}/Cookies_Count/`)).toBe('WebPage Hits are: 4');
      await context.close();
    });
  }

  it("the session page shows a form's outcome once, as a message, and not after a reload", async () => {
    await setSessionEngine(tutorial.project, 'db');
    const url = await restart();
    const context = await browser.newContext();
    const page = await context.newPage();
    expect((await page.goto(`${url}/session/`))?.status()).toBe(200);
    expect(await listedMessages(page)).toEqual([]);

    // Post/Redirect/Get: the outcome travels in the signed `messages` cookie to the next page.
    await submitSessionForm(page, 'set', { key: 'color', value: 'green' });
    expect(await listedMessages(page)).toEqual([['result success', "Stored 'color'."]]);
    expect(await page.locator('ul.messages > li').first().getAttribute('role')).toBe('status');
    // Shown, so the cookie is gone, and a reload shows the page without the message.
    expect(await cookieValue(context, 'messages')).toBeUndefined();
    expect((await page.reload())?.status()).toBe(200);
    expect(await listedMessages(page)).toEqual([]);
    expect(await page.locator('table').nth(1).innerText()).toMatch(/color\s+"green"/);

    // A key that is not there: a warning, styled as one; again shown once.
    await submitSessionForm(page, 'delete', { key: 'nothing-here' });
    expect(await listedMessages(page)).toEqual([
      ['result warning', "There is no key 'nothing-here' in the session: nothing to remove."],
    ]);
    expect(await screenshot(page, 'messages.png', tutorial.scratch)).toBeGreaterThan(10_000);
    expect((await page.reload())?.status()).toBe(200);
    expect(await listedMessages(page)).toEqual([]);

    // Text typed by the visitor is shown as text, never as markup.
    await submitSessionForm(page, 'set', { key: '<img src=x onerror=alert(1)>', value: '1' });
    expect(await listedMessages(page)).toEqual([
      ['result success', "Stored '<img src=x onerror=alert(1)>'."],
    ]);
    expect(await page.locator('ul.messages img').count()).toBe(0);
    await context.close();
  });

  it('a form on a second origin that posts to the project is refused (CSRF)', async () => {
    await setSessionEngine(tutorial.project, 'db');
    const url = await restart();
    const context = await browser.newContext();
    const page = await context.newPage();

    // The visitor has a session: a key set through the session page's own form.
    expect((await page.goto(`${url}/session/`))?.status()).toBe(200);
    expect(await page.locator('input[name=csrfmiddlewaretoken]').count()).toBe(
      await page.locator('form').count(),
    );
    await submitSessionForm(page, 'set', { key: 'color', value: 'green' });
    expect(await result(page)).toBe("Stored 'color'.");
    expect(await cookieValue(context, 'csrftoken')).toMatch(/^[A-Za-z0-9]{32}$/);

    // Another origin: the same host on another port, whose page posts a form to the project.
    const evilPort = await freePort();
    const evil = http.createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(
        `<!doctype html><title>Win a prize</title>` +
          `<form id="f" method="post" action="${url}/session/">` +
          `<input name="action" value="set"><input name="key" value="hacked"><input name="value" value="1">` +
          `</form><script>document.getElementById('f').submit()</script>`,
      );
    });
    await new Promise<void>((resolve) => evil.listen(evilPort, '127.0.0.1', resolve));
    try {
      const refused = page.waitForResponse(
        (r) => r.url().startsWith(`${url}/session/`) && r.request().method() === 'POST',
      );
      await page.goto(`http://127.0.0.1:${evilPort}/`);
      const response = await refused;
      expect(response.status()).toBe(403);
      // The browser sent the visitor's cookies (same site): only the CSRF check stopped it.
      expect((await response.request().allHeaders()).cookie ?? '').toContain('sessionid=');
      expect(await response.text()).toContain('CSRF verification failed. Request aborted.');
      expect(server!.output()).toContain(
        `Forbidden (Origin checking failed - http://127.0.0.1:${evilPort} does not match any trusted origins.): /session/`,
      );
    } finally {
      await new Promise((resolve) => evil.close(resolve));
    }

    // Nothing changed.
    expect((await page.goto(`${url}/session/`))?.status()).toBe(200);
    const items = await page.locator('table').nth(1).innerText();
    expect(items).toMatch(/color\s+"green"/);
    expect(items).not.toContain('hacked');
    await context.close();
  });
});
