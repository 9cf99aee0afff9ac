/**
 * Django 5.2's tests/auth_tests/test_middleware.py (TestAuthenticationMiddleware), ported: each
 * row names its Django test. The middleware runs on real requests whose session lives in the
 * `db` engine of a migrated SQLite database. Beyond Django's rows: the session is marked
 * accessed only when `request.user` is read (Vary: Cookie, as Django's lazy object), a
 * `SECRET_KEY_FALLBACKS` hash is upgraded (Django's get_user), the context processor gives
 * templates `user`, and an unknown backend or id gives an anonymous user.
 *
 * Not ported: LoginRequiredMiddleware's tests (Django 5.1's middleware, not in Tango).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AnonymousUser,
  AuthenticationMiddleware,
  BACKEND_SESSION_KEY,
  getUserManager,
  HASH_SESSION_KEY,
  login,
  SESSION_KEY,
  type User,
} from '../../../src/runtime/auth/index.js';
import { configure } from '../../../src/runtime/conf/current.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import type { Settings } from '../../../src/runtime/conf/settings.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { HttpResponse } from '../../../src/runtime/http/response.js';
import { createSessionStore } from '../../../src/runtime/sessions/engines.js';
import { Session } from '../../../src/runtime/sessions/session.js';
import type { SessionStore } from '../../../src/runtime/sessions/store.js';
import { processorContext } from '../../../src/runtime/template/context.js';
import { TemplateEngine } from '../../../src/runtime/template/engine.js';
import { authApplication, authSettings } from './support.js';

let settings: Readonly<Settings>;
let store: SessionStore;
let user: User;

beforeAll(async () => {
  ({ settings } = await authApplication());
  store = await createSessionStore(settings);
  user = await getUserManager(settings).createUser('test_user', {
    email: 'test@example.com',
    password: 'test_password',
  });
});

/** A request carrying `key`'s session, loaded as SessionMiddleware would. */
async function requestWith(
  key: string | null,
  s: Readonly<Settings> = settings,
): Promise<HttpRequest> {
  const request = new HttpRequest({ method: 'GET', url: '/' });
  request.settings = s;
  request.session = new Session(store, s, key);
  await request.session.load();
  return request;
}

/** Django's `client.force_login(user)`: a saved session logged in as `user`. */
async function forceLogin(u: User): Promise<string> {
  const request = await requestWith(null);
  // The row as stored now (an earlier test may have changed the password).
  const current = (await getUserManager(settings).get(u.id!))!;
  await login(request, current, 'tango.auth.backends.ModelBackend');
  await request.session.save();
  return request.session.sessionKey!;
}

async function run(request: HttpRequest, s: Readonly<Settings> = settings): Promise<HttpResponse> {
  const middleware = await AuthenticationMiddleware(async () => new HttpResponse('ok'), s);
  return middleware(request);
}

describe('TestAuthenticationMiddleware (Django 5.2 test_middleware.py)', () => {
  it('test_no_password_change_doesnt_invalidate_session', async () => {
    const request = await requestWith(await forceLogin(user));
    await run(request);
    expect(request.user).not.toBeNull();
    expect(request.user.isAnonymous).toBe(false);
    expect(request.user.username).toBe('test_user');
  });

  it('test_changed_password_invalidates_session: flushed, anonymous', async () => {
    const key = await forceLogin(user);
    const manager = getUserManager(settings);
    const fresh = (await manager.get(user.id!))!;
    await fresh.setPassword('new_password');
    await manager.save(fresh);
    try {
      const request = await requestWith(key);
      await run(request);
      expect(request.user).toBeInstanceOf(AnonymousUser);
      expect(request.user.isAnonymous).toBe(true);
      // The session is flushed.
      expect(request.session.sessionKey).toBeNull();
      expect(await store.load(key)).toBeNull();
    } finally {
      await fresh.setPassword('test_password');
      await manager.save(fresh);
    }
  });

  it("test_no_session: Django's message, naming both middleware", async () => {
    const request = new HttpRequest({ method: 'GET', url: '/' });
    await expect(run(request)).rejects.toThrow(ImproperlyConfigured);
    await expect(run(request)).rejects.toThrow(
      "The Tango authentication middleware requires session middleware to be installed. Edit your MIDDLEWARE setting to insert 'tango.sessions.middleware.SessionMiddleware' before 'tango.auth.middleware.AuthenticationMiddleware'.",
    );
  });

  it('test_auser: await request.auser() is the user', async () => {
    const request = await requestWith(await forceLogin(user));
    await run(request);
    const auser = await request.auser();
    expect(auser.username).toBe('test_user');
    expect(auser).toBe(request.user);
  });

  it('test_auser_after_changed_password / an anonymous session', async () => {
    const request = await requestWith(null);
    await run(request);
    expect(await request.auser()).toBeInstanceOf(AnonymousUser);
  });
});

describe('request.user beyond Django\u2019s rows', () => {
  it('reading request.user marks the session accessed; not reading it does not', async () => {
    const key = await forceLogin(user);
    const quiet = await requestWith(key);
    await run(quiet);
    expect(quiet.session.accessed).toBe(false);
    const reading = await requestWith(key);
    await run(reading);
    void reading.user;
    expect(reading.session.accessed).toBe(true);
  });

  it('a hash made under a SECRET_KEY_FALLBACKS key is replaced and the key cycled', async () => {
    const old = authSettings({ SECRET_KEY: 'the-old-key' });
    configure(old);
    const oldKey = await forceLoginUnder(old, 'the-old-key');
    const rotated = authSettings({
      SECRET_KEY: 'the-new-key',
      SECRET_KEY_FALLBACKS: ['the-old-key'],
    });
    configure(rotated);
    try {
      const next = await requestWith(oldKey, rotated);
      await run(next, rotated);
      expect(next.user.username).toBe('test_user');
      expect(next.session.sessionKey).not.toBe(oldKey);
      const current = (await getUserManager(settings).get(user.id!))!;
      expect(next.session.get(HASH_SESSION_KEY)).toBe(current.getSessionAuthHash('the-new-key'));
      // Without the fallback the same session is logged out.
      const strict = authSettings({ SECRET_KEY: 'the-new-key' });
      configure(strict);
      const other = await forceLoginUnder(old, 'the-old-key');
      const last = await requestWith(other, strict);
      await run(last, strict);
      expect(last.user.isAnonymous).toBe(true);
    } finally {
      configure(settings);
    }
  });

  it('a backend no longer configured, or an id that no longer exists: anonymous', async () => {
    const key = await forceLogin(user);
    const request = await requestWith(key);
    request.session.set(BACKEND_SESSION_KEY, 'tango.auth.backends.RemovedBackend');
    await request.session.save();
    const next = await requestWith(key);
    await run(next);
    expect(next.user.isAnonymous).toBe(true);

    const ghost = await requestWith(await forceLogin(user));
    ghost.session.set(SESSION_KEY, '999999');
    await ghost.session.save();
    const again = await requestWith(ghost.session.sessionKey);
    await run(again);
    expect(again.user.isAnonymous).toBe(true);
  });

  it('templates get `user` from the context processor', async () => {
    const request = await requestWith(await forceLogin(user));
    await run(request);
    const context = processorContext(request)!;
    expect((context['user'] as User).username).toBe('test_user');
  });

  it('a template that does not use {{user}} leaves the session unaccessed (no Vary: Cookie)', async () => {
    // Django's auth context processor hands templates the lazy request.user: only rendering
    // it reads the session.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tango-auth-templates-'));
    writeFileSync(path.join(dir, 'quiet.html'), 'hello');
    writeFileSync(path.join(dir, 'who.html'), '{{user.username}}');
    const engine = await TemplateEngine.create({ dirs: [dir], appDirs: [], debug: false });
    rmSync(dir, { recursive: true });
    const quiet = await requestWith(await forceLogin(user));
    await run(quiet);
    expect(engine.render('quiet.html', {}, quiet)).toBe('hello');
    expect(quiet.session.accessed).toBe(false);
    const who = await requestWith(await forceLogin(user));
    await run(who);
    expect(engine.render('who.html', {}, who)).toBe('test_user');
    expect(who.session.accessed).toBe(true);
    // The view's own `user` still wins over the processor's.
    expect(engine.render('who.html', { user: { username: 'mine' } }, who)).toBe('mine');
  });

  it('request.user without the middleware: a clear error naming it', async () => {
    const request = new HttpRequest({ method: 'GET', url: '/' });
    expect(() => request.user).toThrow(
      "request.user is not available: add 'tango.auth.middleware.AuthenticationMiddleware' to MIDDLEWARE, after 'tango.sessions.middleware.SessionMiddleware'.",
    );
    await expect(request.auser()).rejects.toThrow(ImproperlyConfigured);
  });
});

/** A session logged in under another SECRET_KEY. */
async function forceLoginUnder(s: Readonly<Settings>, _key: string): Promise<string> {
  configure(s);
  const request = await requestWith(null, s);
  const current = (await getUserManager(settings).get(user.id!))!;
  await login(request, current, 'tango.auth.backends.ModelBackend');
  await request.session.save();
  return request.session.sessionKey!;
}
