/**
 * Partitioned cookies (CHIPS) in a real browser (Debian's /usr/bin/chromium through
 * playwright-core, as tutorial.test.ts): a Tango site embedded in another site's iframe keeps
 * its session with `SESSION_COOKIE_PARTITIONED`. Two sites on loopback: the embedding page on
 * http://127.0.0.1 and the embedded Tango site on http://localhost (another site; Chromium
 * counts localhost as a secure context, so `Secure` cookies work over plain HTTP there).
 *
 * What Chromium shows: the session cookie is accepted with a partition key (the embedding
 * site), its counter goes on across reloads of the iframe, the same site opened top-level
 * sees none of it, a deletion without `Partitioned` does not reach it, and the logout's
 * partitioned deletion removes it. The same session cookie
 * without `Partitioned` is refused inside the iframe (this Chromium blocks third-party
 * cookies), so that counter never gets past 1: what the setting is for.
 *
 * Chromium is launched with the common flags only (test/browser/helpers.ts): CHIPS needs no
 * flag (Chromium has accepted `Partitioned` cookies by default since 114), and the refusal of
 * the plain cookie comes from Chromium's default cookie preference, which blocks third-party
 * cookies (DevTools reports the blocked reason `UserPreferences`), not from a launch flag.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineSettings } from '../../src/runtime/conf/define.js';
import { HttpRequest } from '../../src/runtime/http/request.js';
import { HttpResponse } from '../../src/runtime/http/response.js';
import {
  SessionMiddleware,
  type SessionMiddlewareHandler,
} from '../../src/runtime/sessions/middleware.js';
import { chromiumSupport, launchChromium } from './helpers.js';

const { available } = chromiumSupport('the partitioned cookie (CHIPS) browser tests');

/** The embedded site's views: count, read, log out. */
async function view(request: HttpRequest): Promise<HttpResponse> {
  if (request.path === '/unpartitioned-delete/') {
    // Django's deletion, without `partitioned`: it cannot reach the partitioned cookie.
    return new HttpResponse('<p id="hit">deleted?</p>').deleteCookie('sessionid', {
      sameSite: 'None',
    });
  }
  if (request.path === '/logout/') await request.session.flush();
  else if (request.path === '/count/')
    request.session.set('hit', Number(request.session.get('hit', 0)) + 1);
  return new HttpResponse(`<p id="hit">${String(request.session.get('hit', 0))}</p>`);
}

/** A node:http server around a Tango middleware chain (or a plain function). */
async function serve(
  handle: (request: HttpRequest) => Promise<HttpResponse>,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const request = new HttpRequest({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers as Record<string, string>,
    });
    void handle(request).then(
      (response) => {
        const headers: Record<string, string | string[]> = {};
        for (const [name, value] of response.headers) headers[name] = value;
        headers['Set-Cookie'] = response.setCookieHeaders();
        res.writeHead(response.status, headers).end(response.content);
      },
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The embedded site: sessions in signed cookies, SameSite=None and Secure, partitioned or not. */
async function embeddedSite(partitioned: boolean) {
  const handler = (await SessionMiddleware(
    view,
    defineSettings({
      BASE_DIR: '/srv/embedded',
      SECRET_KEY: 'partitioned-browser-test',
      SESSION_ENGINE: 'signed_cookies',
      SESSION_COOKIE_SECURE: true,
      SESSION_COOKIE_SAMESITE: 'None',
      SESSION_COOKIE_PARTITIONED: partitioned,
    }),
  )) as SessionMiddlewareHandler;
  return serve(handler);
}

describe.skipIf(!available)('partitioned cookies (CHIPS) in headless Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const servers: { port: number; close(): Promise<void> }[] = [];
  let partitioned: number;
  let plain: number;
  let embedding: number;

  beforeAll(async () => {
    const [p, q] = await Promise.all([embeddedSite(true), embeddedSite(false)]);
    partitioned = p.port;
    plain = q.port;
    // The embedding site: a page that frames /<path> of one embedded site.
    const top = await serve(async (request) => {
      const [, which, path] = /^\/(partitioned|plain)(\/.*)$/.exec(request.path) ?? [];
      const port = which === 'plain' ? plain : partitioned;
      return new HttpResponse(`<iframe src="http://localhost:${port}${path ?? '/'}"></iframe>`);
    });
    embedding = top.port;
    servers.push(p, q, top);
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((s) => s.close()));
  });

  /** Loads the embedding page framing `which`'s `path`, and returns what the frame shows. */
  async function framed(which: 'partitioned' | 'plain', path: string): Promise<string> {
    await page.goto(`http://127.0.0.1:${embedding}/${which}${path}`);
    const frame: Frame = await (await page.waitForSelector('iframe'))
      .contentFrame()
      .then((f) => f!);
    await frame.waitForSelector('#hit', { state: 'attached' });
    return (await frame.textContent('#hit')) ?? '';
  }

  const sessionCookies = async (port: number) =>
    (await context.cookies(`http://localhost:${port}/`)).filter((c) => c.name === 'sessionid');

  it('accepts the partitioned session cookie inside the iframe, keyed by the embedding site', async () => {
    expect(await framed('partitioned', '/count/')).toBe('1');
    expect(await framed('partitioned', '/count/')).toBe('2');
    expect(await framed('partitioned', '/count/')).toBe('3');
    const [cookie, ...others] = await sessionCookies(partitioned);
    expect(others).toEqual([]);
    expect(cookie).toMatchObject({
      secure: true,
      httpOnly: true,
      sameSite: 'None',
      partitionKey: 'http://127.0.0.1',
    });
  });

  it('keeps it in that partition: the same site opened top-level has no session', async () => {
    const top = await context.newPage();
    await top.goto(`http://localhost:${partitioned}/read/`);
    expect(await top.textContent('#hit')).toBe('0');
    await top.close();
    expect(await framed('partitioned', '/read/')).toBe('3');
  });

  it('a deletion without Partitioned does not reach it', async () => {
    expect(await framed('partitioned', '/unpartitioned-delete/')).toBe('deleted?');
    expect(await sessionCookies(partitioned)).toHaveLength(1);
    expect(await framed('partitioned', '/read/')).toBe('3');
  });

  it('deletes it with a partitioned deletion on logout', async () => {
    expect(await framed('partitioned', '/logout/')).toBe('0');
    expect(await sessionCookies(partitioned)).toEqual([]);
    expect(await framed('partitioned', '/read/')).toBe('0');
  });

  it('without SESSION_COOKIE_PARTITIONED the iframe never keeps a session (third-party cookie refused)', async () => {
    expect(await framed('plain', '/count/')).toBe('1');
    expect(await framed('plain', '/count/')).toBe('1');
    expect(await sessionCookies(plain)).toEqual([]);
  });
});
