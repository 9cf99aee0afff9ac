/**
 * Issue 5, over plain HTTP: the README's tutorial project (startproject mysite, startapp
 * WebApp, migrate) serves every tutorial page on each of the five session engines, switched by
 * editing settings.ts and nothing else; counters survive a server restart except on the
 * in-process `cache` engine; the login-protected page (issue 19: mine/, with a user from
 * `createsuperuser --noinput`) logs in and out on each engine; the generated project's own
 * tests pass; `clearsessions` and `npm start` work as the README says.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { CookieJar, freePort, manage, startServer, type ProjectServer } from './helpers.js';
import {
  ENGINES,
  PAGES,
  pageText,
  scaffoldTutorialProject,
  setSessionEngine,
  type Engine,
  type TutorialProject,
} from './tutorial-project.js';

/** GETs a page through the jar and returns what a reader sees, after checking it is a 200. */
async function read(jar: CookieJar, url: string): Promise<string> {
  const response = await jar.fetch(url);
  const body = await response.text();
  expect(response.status, `GET ${url}: ${body.slice(0, 500)}`).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  return pageText(body);
}

/**
 * The session page's CSRF form token (and, through the jar, its CSRF cookie), as a browser gets
 * them by loading the page before submitting one of its forms.
 */
async function csrfToken(jar: CookieJar, base: string): Promise<string> {
  const html = await (await jar.fetch(`${base}/session/`)).text();
  const token = /name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"/.exec(html)?.[1];
  expect(token, html.slice(0, 500)).toBeTruthy();
  return token!;
}

/** POSTs a session-page form, expects the redirect back, and returns the page it leads to. */
async function submit(jar: CookieJar, base: string, form: Record<string, string>): Promise<string> {
  const csrfmiddlewaretoken = await csrfToken(jar, base);
  const response = await jar.fetch(`${base}/session/`, {
    method: 'POST',
    body: new URLSearchParams({ csrfmiddlewaretoken, ...form }),
  });
  expect(response.status, JSON.stringify(form)).toBe(302);
  const location = response.headers.get('location') ?? '';
  expect(location).toMatch(/^\/session\/(\?|$)/);
  return read(jar, base + location);
}

const LOGIN_ENV = {
  DJANGO_SUPERUSER_USERNAME: 'reader',
  DJANGO_SUPERUSER_EMAIL: 'reader@example.com',
  DJANGO_SUPERUSER_PASSWORD: 'a tutorial reader passphrase',
};

/**
 * mine/ (tango.auth): anonymous visitors go to the login page; logged in, the count is the
 * user's, 1 then 2; the logout form ends it.
 */
async function loginProtectedPage(base: string): Promise<void> {
  const jar = new CookieJar();
  const anonymous = await jar.fetch(`${base}/mine/`);
  expect(anonymous.status).toBe(302);
  expect(anonymous.headers.get('location')).toBe('/accounts/login/?next=/mine/');
  const form = await (await jar.fetch(`${base}/accounts/login/?next=/mine/`)).text();
  const token = /name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"/.exec(form)?.[1];
  expect(token, form.slice(0, 500)).toBeTruthy();
  const loggedIn = await jar.fetch(`${base}/accounts/login/`, {
    method: 'POST',
    body: new URLSearchParams({
      csrfmiddlewaretoken: token!,
      username: LOGIN_ENV.DJANGO_SUPERUSER_USERNAME,
      password: LOGIN_ENV.DJANGO_SUPERUSER_PASSWORD,
      next: '/mine/',
    }),
  });
  expect(loggedIn.status).toBe(302);
  expect(loggedIn.headers.get('location')).toBe('/mine/');
  expect(await read(jar, `${base}/mine/`)).toContain('Number of Hits for reader: 1 ');
  const page = await jar.fetch(`${base}/mine/`);
  const html = await page.text();
  expect(pageText(html)).toContain('Number of Hits for reader: 2 ');
  const logoutToken = /name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"/.exec(html)?.[1];
  const out = await jar.fetch(`${base}/accounts/logout/`, {
    method: 'POST',
    body: new URLSearchParams({ csrfmiddlewaretoken: logoutToken! }),
  });
  expect(out.status).toBe(302);
  expect(out.headers.get('location')).toBe('/accounts/login/');
  expect((await jar.fetch(`${base}/mine/`)).status).toBe(302);
}

describe('the tutorial app on every session engine', () => {
  let tutorial: TutorialProject;
  let server: ProjectServer | undefined;
  /** SESSION_FILE_PATH for the file engine. */
  let sessionDir: string;

  beforeAll(async () => {
    tutorial = await scaffoldTutorialProject('tango-tutorial-http-');
    sessionDir = path.join(tutorial.scratch, 'sessions');
    await mkdir(sessionDir);
    // A user for the login-protected page (mine/), made as the README says.
    const created = await manage(tutorial.project, ['createsuperuser', '--noinput'], LOGIN_ENV);
    expect(created.exitCode, created.all).toBe(0);
  });

  afterAll(async () => {
    await server?.stop();
    await tutorial?.cleanup();
  });

  async function restart(): Promise<ProjectServer> {
    await server?.stop();
    server = await startServer(tutorial.project);
    return server;
  }

  it('startapp registered WebApp in settings.ts and mounted its urls in mysite/urls.ts', async () => {
    const settings = await readFile(path.join(tutorial.project, 'mysite', 'settings.ts'), 'utf8');
    expect(settings).toMatch(/INSTALLED_APPS: \[[^\]]*'WebApp'/);
    const urls = await readFile(path.join(tutorial.project, 'mysite', 'urls.ts'), 'utf8');
    expect(urls).toMatch(/include\(/);
    const files = await readdir(path.join(tutorial.project, 'WebApp', 'templates', 'WebApp'));
    expect(files).toContain('base.html');
  });

  it('the home page links to every tutorial page', async () => {
    const { url } = await restart();
    const response = await fetch(url + '/');
    expect(response.status).toBe(200);
    const html = await response.text();
    for (const href of Object.values(PAGES)) expect(html).toContain(`href="${href}"`);
    // The admin once, by its index; no logout page (a POST, not a link).
    expect(html).toContain('href="/admin/"');
    expect(html).not.toMatch(/href="\/admin\/[^"]/);
    expect(html).not.toContain('href="/accounts/logout/"');
  });

  for (const engine of ENGINES) {
    it(`${engine}: every page works, and counters ${engine === 'cache' ? 'reset' : 'continue'} after a restart`, async () => {
      await setSessionEngine(tutorial.project, engine, engine === 'file' ? sessionDir : undefined);
      const { url } = await restart();
      const jar = new CookieJar();

      // set-cook / get-cook / del-cook
      expect(await read(jar, `${url}/get-cook/`)).toContain('There is no user cookie yet');
      expect(await read(jar, `${url}/set-cook/`)).toContain('Cookie Set: user=Raju');
      expect(jar.cookies.get('user')).toBe('Raju');
      expect(await read(jar, `${url}/get-cook/`)).toContain('Raju Hey Get Cookie Success');
      expect(await read(jar, `${url}/del-cook/`)).toContain('Cookie Deleted: user');
      expect(jar.cookies.has('user')).toBe(false);
      expect(await read(jar, `${url}/get-cook/`)).toContain('There is no user cookie yet');

      // Cookie counters
      for (const n of [1, 2, 3])
        expect(await read(jar, `${url}/Cookies_Count/`)).toContain(`WebPage Hits are: ${n} `);
      const persistent = await jar.fetch(`${url}/Cookies_Count_Persistent/`);
      expect(pageText(await persistent.text())).toContain('WebPage Hits are: 1 ');
      expect(
        persistent.headers.getSetCookie().find((h) => h.startsWith('persistent_hit=')),
      ).toMatch(/Max-Age=120/);

      // Session counters
      for (const n of [1, 2, 3])
        expect(await read(jar, `${url}/hits/`)).toContain(`Number of Hits are: ${n} `);
      expect(jar.cookies.has('sessionid')).toBe(true);
      expect(await read(jar, `${url}/fun1/`)).toMatch(
        /Visits: 1 .*getExpiryAge\(\) 1209600 seconds/,
      );
      expect(await read(jar, `${url}/fun1/`)).toContain('Visits: 2 ');

      // A new visitor starts again at 1.
      const stranger = new CookieJar();
      expect(await read(stranger, `${url}/hits/`)).toContain('Number of Hits are: 1 ');
      expect(await read(stranger, `${url}/Cookies_Count/`)).toContain('WebPage Hits are: 1 ');

      // Test cookie
      expect(await read(new CookieJar(), `${url}/check/`)).toContain('Cookies are not working');
      expect(await read(jar, `${url}/test/`)).toContain('Test cookie set');
      expect(await read(jar, `${url}/check/`)).toContain('Cookies are working');
      expect(await read(jar, `${url}/check/`)).toContain('Cookies are not working');

      // Session page
      const session = await read(jar, `${url}/session/`);
      expect(session).toContain(`SESSION_ENGINE ${engine} `);
      expect(session).toMatch(/hit 3 .*visits 2 /);
      expect(await submit(jar, url, { action: 'set', key: 'color', value: 'green' })).toContain(
        'color "green"',
      );
      expect(
        await submit(jar, url, { action: 'setdefault', key: 'color', value: 'red' }),
      ).toContain('color "green"');
      expect(await submit(jar, url, { action: 'pop', key: 'color' })).toContain("Popped 'color'.");
      expect(await submit(jar, url, { action: 'delete', key: 'color' })).toContain(
        "There is no key 'color'",
      );
      expect(await submit(jar, url, { action: 'expiry', seconds: '0' })).toContain(
        'getExpireAtBrowserClose() true',
      );
      expect(await submit(jar, url, { action: 'expiry', seconds: '' })).toContain(
        'getExpiryAge() 1209600 seconds',
      );
      const key = jar.cookies.get('sessionid');
      expect(await submit(jar, url, { action: 'cycle' })).toMatch(/Cycled the key.*hit 3 /);
      // signed_cookies: the "key" is the signed data, the same within one second.
      if (engine !== 'signed_cookies') expect(jar.cookies.get('sessionid')).not.toBe(key);

      // Restart: the session counter continues, except in the in-process cache.
      const { url: after } = await restart();
      const next = engine === 'cache' ? 1 : 4;
      expect(await read(jar, `${after}/hits/`)).toContain(`Number of Hits are: ${next} `);
      expect(await read(jar, `${after}/Cookies_Count/`)).toContain('WebPage Hits are: 4 ');

      // flush ends it all.
      const flushed = await submit(jar, after, { action: 'flush' });
      expect(flushed).toContain('Flushed');
      expect(flushed).toContain('The session is empty.');
      expect(jar.cookies.has('sessionid')).toBe(false);
      expect(await read(jar, `${after}/hits/`)).toContain('Number of Hits are: 1 ');

      // The login-protected page.
      await loginProtectedPage(after);
      await server!.stop();
      server = undefined;
    });
  }

  it('refuses cross-site form posts out of the box: no token, or a foreign Origin (403, nothing changes)', async () => {
    await setSessionEngine(tutorial.project, 'db');
    const { url } = await restart();
    const jar = new CookieJar();
    const token = await csrfToken(jar, url);
    expect(jar.cookies.has('csrftoken')).toBe(true);
    const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
      jar.fetch(`${url}/session/`, { method: 'POST', body: new URLSearchParams(form), headers });
    const noToken = await post({ action: 'set', key: 'a', value: '1' });
    expect(noToken.status).toBe(403);
    expect(await noToken.text()).toContain('CSRF verification failed. Request aborted.');
    const foreign = await post(
      { csrfmiddlewaretoken: token, action: 'set', key: 'a', value: '1' },
      { origin: 'http://127.0.0.1:1' },
    );
    expect(foreign.status).toBe(403);
    // The visitor's own form still works, and only its change is there.
    expect(await submit(jar, url, { action: 'set', key: 'b', value: '2' })).toMatch(
      /Stored 'b'\..*keys\(\) b /,
    );
    expect(server!.output()).toMatch(/Forbidden \(CSRF token missing\.\): \/session\//);
    expect(server!.output()).toMatch(
      /Forbidden \(Origin checking failed - http:\/\/127\.0\.0\.1:1 does not match any trusted origins\.\): \/session\//,
    );
  });

  it.each<Engine>(['db', 'file'])('clearsessions removes expired %s sessions', async (engine) => {
    await setSessionEngine(tutorial.project, engine, sessionDir);
    const { url } = await restart();
    // A session whose expiry is already past (setExpiry(-10)) is stored, then left behind.
    const jar = new CookieJar();
    await submit(jar, url, { action: 'set', key: 'a', value: '1' });
    const response = await jar.fetch(`${url}/session/`, {
      method: 'POST',
      body: new URLSearchParams({
        csrfmiddlewaretoken: await csrfToken(jar, url),
        action: 'expiry',
        seconds: '-10',
      }),
    });
    expect(response.status).toBe(302);
    await server!.stop();
    server = undefined;
    const result = await manage(tutorial.project, ['clearsessions']);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.stdout).toMatch(/Removed [1-9]\d* expired session\(s\)\./);
    const again = await manage(tutorial.project, ['clearsessions']);
    expect(again.stdout).toContain('Removed 0 expired session(s).');
  });

  it("passes the generated project's own tests (npm test)", async () => {
    await setSessionEngine(tutorial.project, 'db');
    const result = await execa('npm', ['test'], {
      cwd: tutorial.project,
      reject: false,
      all: true,
    });
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toMatch(/(# |ℹ )pass [1-9]\d*/);
    expect(result.all).toMatch(/(# |ℹ )fail 0/);
  });

  it('npm start serves the tutorial', async () => {
    const port = await freePort();
    const child = spawn('npm', ['start', '--', `127.0.0.1:${port}`, '--noreload'], {
      cwd: tutorial.project,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      const deadline = Date.now() + 60_000;
      while (
        !output.includes('Quit the server with') &&
        Date.now() < deadline &&
        child.exitCode === null
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(output).toContain(`http://127.0.0.1:${port}/`);
      expect(await read(new CookieJar(), `http://127.0.0.1:${port}/hits/`)).toContain(
        'Number of Hits are: 1 ',
      );
    } finally {
      // npm runs tsx in its own process group (detached): stop the whole group.
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
  });
});
