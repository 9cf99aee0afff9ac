/**
 * The admin's session pages on every engine: the list (key shortened, user, expiry, decoded data
 * with the auth hash masked, this session marked), a user's sessions, paging by cursor, deleting
 * one session, ending all of a user's ("log out other devices" for your own), each reported by a
 * message; and on `signed_cookies` and `encrypted_cookies`, and a custom store without
 * `listSessions`, the page that says the engine cannot list sessions. Real stores: SQLite (in
 * memory, migrated) for db and cached_db, a temp dir for file, locmem for cache.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { SessionEngineName } from '../../../src/runtime/conf/settings.js';
import type { Application } from '../../../src/runtime/handlers/base.js';
import { Client } from '../../../src/runtime/test/client.js';
import { MemoryStore } from '../sessions/memory-store.js';
import {
  adminApp,
  formToken,
  listedMessages,
  loggedIn,
  makeUser,
  postForm,
  sessionKey,
  text,
  unescapeHtml,
} from './helpers.js';

const LIST = '/admin/sessions/session/';

/** The session rows of a list page: key (from data-key), the row's text. */
function rows(html: string): { key: string; text: string; current: boolean }[] {
  return [
    ...html.matchAll(/<tr class="session( current)?" data-key="([a-z0-9]+)">([\s\S]*?)<\/tr>/g),
  ].map((m) => ({ key: m[2]!, text: text(m[3]!).trim(), current: m[1] !== undefined }));
}

/** A visitor with an anonymous session holding `hit`. */
async function anonymousVisitor(app: Application): Promise<Client> {
  const client = new Client({ app });
  expect(text(await client.get('/hits/'))).toContain('hits 1');
  return client;
}

/** True when `client`'s session still opens the admin. */
async function inAdmin(client: Client): Promise<boolean> {
  const response = await client.get('/admin/');
  if (response.status === 200) return true;
  expect(response.status).toBe(302);
  expect(response.headers.get('Location')).toBe('/admin/login/?next=/admin/');
  return false;
}

const SERVER_ENGINES = ['db', 'cached_db', 'file', 'cache'] as const satisfies SessionEngineName[];

describe.each(SERVER_ENGINES)('%s: the session list', (engine) => {
  let app: Application;
  let adminId: number;
  let carolId: number;

  beforeAll(async () => {
    app = await adminApp(engine);
    adminId = (await makeUser(app, 'admin', { superuser: true })).id!;
    carolId = (await makeUser(app, 'carol', { staff: true })).id!;
  });

  it('lists every live session: key shortened, user, expiry, decoded data, this session marked', async () => {
    const admin = await loggedIn(app, 'admin');
    const carol = await loggedIn(app, 'carol');
    const visitor = await anonymousVisitor(app);
    const response = await admin.get(LIST);
    expect(response.status).toBe(200);
    const html = response.text();
    expect(text(html)).toContain(`Session engine: ${engine}`);
    const listed = rows(html);
    const byKey = new Map(listed.map((r) => [r.key, r]));
    expect(byKey.size).toBe(listed.length);
    for (const client of [admin, carol, visitor]) expect(byKey.has(sessionKey(client))).toBe(true);

    const mine = byKey.get(sessionKey(admin))!;
    expect(mine.current).toBe(true);
    expect(mine.text).toContain('(this session)');
    expect(mine.text).toContain(`${sessionKey(admin).slice(0, 8)}…`);
    // The whole key is in the title and data-key attributes only, not in the text.
    expect(mine.text).not.toContain(sessionKey(admin));
    expect(mine.text).toMatch(/admin/);
    expect(mine.text).toContain(`_auth_user_id "${adminId}"`);
    expect(mine.text).toContain('_auth_user_backend "django.contrib.auth.backends.ModelBackend"');
    // The auth hash is masked, as Django masks password hashes.
    expect(mine.text).toMatch(/_auth_user_hash [0-9a-f]{6}\*{10} /);

    const theirs = byKey.get(sessionKey(carol))!;
    expect(theirs.current).toBe(false);
    expect(theirs.text).toContain('carol');
    expect(theirs.text).toContain(`_auth_user_id "${carolId}"`);

    const anonymous = byKey.get(sessionKey(visitor))!;
    expect(anonymous.text).toContain('anonymous');
    expect(anonymous.text).toContain('hit 1');

    // The expiry is the session's: about SESSION_COOKIE_AGE from now.
    const expires = new RegExp(
      `data-key="${sessionKey(carol)}">[\\s\\S]*?<time datetime="([^"]+)"`,
    ).exec(html)?.[1];
    expect(expires).toBeTruthy();
    const expected = Date.now() + app.settings.SESSION_COOKIE_AGE * 1000;
    expect(Math.abs(Date.parse(expires!) - expected)).toBeLessThan(60_000);
  });

  it('?user=<id> lists that user’s sessions only, with the button to end them', async () => {
    const admin = await loggedIn(app, 'admin');
    const carol1 = await loggedIn(app, 'carol');
    const carol2 = await loggedIn(app, 'carol');
    await anonymousVisitor(app);
    const html = (await admin.get(`${LIST}?user=${carolId}`)).text();
    const keys = rows(html).map((r) => r.key);
    expect(keys).toContain(sessionKey(carol1));
    expect(keys).toContain(sessionKey(carol2));
    expect(rows(html).every((r) => r.text.includes('carol'))).toBe(true);
    expect(keys).not.toContain(sessionKey(admin));
    expect(text(html)).toContain('Sessions of carol .');
    expect(text(html)).toContain('End all sessions of carol');
    expect(html).toContain(`action="/admin/sessions/session/user/${carolId}/end/"`);
  });

  it('deleting a session logs its visitor out on the next request, with a message', async () => {
    const admin = await loggedIn(app, 'admin');
    const carol = await loggedIn(app, 'carol');
    const key = sessionKey(carol);
    const response = await postForm(admin, LIST, `${LIST}${key}/delete/`);
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe(LIST);
    const shown = await admin.follow(response);
    expect(listedMessages(shown)).toEqual([
      ['success', `The session “${key.slice(0, 8)}…” was deleted successfully.`],
    ]);
    expect(rows(shown.text()).map((r) => r.key)).not.toContain(key);
    expect(await inAdmin(carol)).toBe(false);
    expect(await inAdmin(admin)).toBe(true);
  });

  it('deleting from a user’s list goes back to that list; a session gone already is a warning', async () => {
    const admin = await loggedIn(app, 'admin');
    const carol = await loggedIn(app, 'carol');
    const key = sessionKey(carol);
    const filtered = `${LIST}?user=${carolId}`;
    const first = await postForm(admin, filtered, `${LIST}${key}/delete/`, {
      user: String(carolId),
    });
    expect(first.headers.get('Location')).toBe(filtered);
    const again = await postForm(admin, filtered, `${LIST}${key}/delete/`, {
      user: String(carolId),
    });
    expect(listedMessages(await admin.follow(again))).toEqual([
      [
        'warning',
        `The session “${key.slice(0, 8)}…” was not found: it has ended or expired already.`,
      ],
    ]);
  });

  it('deleting your own session logs you out and goes to the login page', async () => {
    const admin = await loggedIn(app, 'admin');
    const response = await postForm(admin, LIST, `${LIST}${sessionKey(admin)}/delete/`);
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe('/admin/login/');
    const login = await admin.follow(response);
    expect(listedMessages(login)).toEqual([
      ['info', 'You deleted the session you were using: you are logged out.'],
    ]);
    expect(await inAdmin(admin)).toBe(false);
  });

  it('ending another user’s sessions ends every one of them', async () => {
    const admin = await loggedIn(app, 'admin');
    const carols = [await loggedIn(app, 'carol'), await loggedIn(app, 'carol')];
    // Sessions a test before left behind count too: end them all first.
    await postForm(admin, LIST, `/admin/sessions/session/user/${carolId}/end/`);
    const more = [await loggedIn(app, 'carol'), await loggedIn(app, 'carol')];
    const response = await postForm(admin, LIST, `/admin/sessions/session/user/${carolId}/end/`, {
      user: String(carolId),
    });
    expect(response.headers.get('Location')).toBe(`${LIST}?user=${carolId}`);
    const shown = await admin.follow(response);
    expect(listedMessages(shown)).toEqual([['success', 'Ended 2 sessions of “carol”.']]);
    expect(rows(shown.text())).toEqual([]);
    for (const client of [...carols, ...more]) expect(await inAdmin(client)).toBe(false);
    expect(await inAdmin(admin)).toBe(true);
  });

  it('"Log out other devices": ending your own sessions keeps the one you are using', async () => {
    const here = await loggedIn(app, 'admin');
    await postForm(here, LIST, `/admin/sessions/session/user/${adminId}/end/`);
    const phone = await loggedIn(app, 'admin');
    const laptop = await loggedIn(app, 'admin');
    const page = (await here.get(`${LIST}?user=${adminId}`)).text();
    expect(text(page)).toContain('Log out other devices');
    expect(
      rows(page)
        .map((r) => r.key)
        .sort(),
    ).toEqual([sessionKey(here), sessionKey(phone), sessionKey(laptop)].sort());
    const response = await postForm(here, LIST, `/admin/sessions/session/user/${adminId}/end/`, {
      user: String(adminId),
    });
    const shown = await here.follow(response);
    expect(listedMessages(shown)).toEqual([
      ['success', 'Logged out your other devices: ended 2 sessions.'],
    ]);
    expect(rows(shown.text()).map((r) => r.key)).toEqual([sessionKey(here)]);
    expect(await inAdmin(phone)).toBe(false);
    expect(await inAdmin(laptop)).toBe(false);
    expect(await inAdmin(here)).toBe(true);
  });

  it('delete and end take POST only (405)', async () => {
    const admin = await loggedIn(app, 'admin');
    const carol = await loggedIn(app, 'carol');
    const del = await admin.get(`${LIST}${sessionKey(carol)}/delete/`);
    expect(del.status).toBe(405);
    expect(del.headers.get('Allow')).toBe('POST');
    expect((await admin.get(`/admin/sessions/session/user/${carolId}/end/`)).status).toBe(405);
    expect(await inAdmin(carol)).toBe(true);
  });

  it('a bad ?user= is an error message and the whole list', async () => {
    const admin = await loggedIn(app, 'admin');
    const response = await admin.get(`${LIST}?user=abc`);
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe(LIST);
    expect(listedMessages(await admin.follow(response))).toEqual([
      ['error', "'abc' is not a user id: showing every session."],
    ]);
  });
});

describe('db: paging through the sessions (a site listing 2 per page)', () => {
  let app: Application;

  beforeAll(async () => {
    app = await adminApp('db');
    await makeUser(app, 'admin', { superuser: true });
  });

  it('every session appears once across the pages, by next-page links', async () => {
    const admin = await loggedIn(app, 'admin');
    const visitors = [];
    for (let i = 0; i < 4; i++) visitors.push(await anonymousVisitor(app));
    const expected = [sessionKey(admin), ...visitors.map(sessionKey)];
    const seen: string[] = [];
    let url: string | null = '/small-admin/sessions/session/';
    let pages = 0;
    while (url !== null) {
      const html: string = (await admin.get(url)).text();
      const found = rows(html);
      expect(found.length).toBeLessThanOrEqual(2);
      seen.push(...found.map((r) => r.key));
      const next: string | undefined = /<a href="([^"]+)" rel="next">Next page<\/a>/.exec(
        html,
      )?.[1];
      url = next === undefined ? null : unescapeHtml(next);
      if (pages > 0) expect(html).toContain('First page');
      pages++;
      expect(pages).toBeLessThan(10);
    }
    expect(pages).toBeGreaterThanOrEqual(3);
    // Once each (the database may hold sessions of the tests before).
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(expected));
  });

  it('a cursor the store did not issue starts again at the first page, with a message', async () => {
    const admin = await loggedIn(app, 'admin');
    const response = await admin.get('/small-admin/sessions/session/?cursor=..%2Fetc');
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe('/small-admin/sessions/session/');
    expect(listedMessages(await admin.follow(response))).toEqual([
      ['error', 'That page of sessions is no longer available: showing the first page.'],
    ]);
  });
});

/** A custom server-side engine without listSessions/deleteSessions. */
class UnlistedStore extends MemoryStore {}
Object.defineProperty(UnlistedStore.prototype, 'listSessions', { value: undefined });
Object.defineProperty(UnlistedStore.prototype, 'deleteSessions', { value: undefined });

describe.each([
  [
    'signed_cookies',
    "The 'signed_cookies' session engine keeps each session in the browser's cookie: the server cannot list or end a user's sessions.",
  ],
  [
    'encrypted_cookies',
    "The 'encrypted_cookies' session engine keeps each session in the browser's cookie: the server cannot list or end a user's sessions.",
  ],
  [
    'UnlistedStore',
    "session engine cannot list or end a user's sessions: its store has no listSessions() and deleteSessions()",
  ],
] as const)('%s: an engine that cannot list sessions', (engine, reason) => {
  let app: Application;
  let carolId: number;

  beforeAll(async () => {
    app = await adminApp(
      engine === 'UnlistedStore' ? 'db' : engine,
      engine === 'UnlistedStore'
        ? { SESSION_ENGINE: { fromSettings: async () => new UnlistedStore() } as never }
        : {},
    );
    await makeUser(app, 'admin', { superuser: true });
    carolId = (await makeUser(app, 'carol', { staff: true })).id!;
  });

  it('the session page says so plainly, and why', async () => {
    const admin = await loggedIn(app, 'admin');
    const response = await admin.get(LIST);
    expect(response.status).toBe(200);
    const body = text(response);
    expect(body).toContain('This session engine cannot list sessions.');
    expect(body).toContain(reason);
    expect(response.text()).toContain('id="sessions-unsupported"');
    expect(rows(response.text())).toEqual([]);
    expect(response.text()).not.toContain('Log out other devices');
  });

  it('the user pages still work, say sessions cannot be listed, and offer no sessions link', async () => {
    const admin = await loggedIn(app, 'admin');
    const list = await admin.get('/admin/auth/user/');
    expect(list.status).toBe(200);
    expect(list.text()).not.toContain('/admin/sessions/session/?user=');
    const change = await admin.get(`/admin/auth/user/${carolId}/change/`);
    expect(text(change)).toContain('cannot be listed or ended here');
    expect(change.text()).not.toContain('/end/"');
  });

  it('a POST to end or delete sessions gets the engine’s message, and nobody is logged out', async () => {
    const admin = await loggedIn(app, 'admin');
    const carol = await loggedIn(app, 'carol');
    const index = (await admin.get('/admin/')).text();
    const ended = await admin.post(`/admin/sessions/session/user/${carolId}/end/`, {
      csrfmiddlewaretoken: formToken(index),
    });
    expect(ended.status).toBe(302);
    const [[level, message]] = listedMessages(await admin.follow(ended)) as [[string, string]];
    expect(level).toBe('error');
    expect(message).toContain(reason);
    expect(await inAdmin(carol)).toBe(true);
    expect(await inAdmin(admin)).toBe(true);
  });
});
