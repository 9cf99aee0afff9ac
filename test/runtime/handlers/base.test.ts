/** createApplication: start-up validation and per-request error mapping. */
import { afterEach, describe, expect, it } from 'vitest';
import { defineSettings, loadSettings } from '../../../src/runtime/conf/index.js';
import { createApplication } from '../../../src/runtime/handlers/base.js';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { HttpRequest } from '../../../src/runtime/http/index.js';
import { FIXTURE_SETTINGS } from '../fixture.js';

const restores: (() => void)[] = [];
afterEach(() => restores.splice(0).forEach((r) => r()));

function captureLogs(): string[] {
  const lines: string[] = [];
  restores.push(setLogSink((name, level, message) => lines.push(`${level} ${name} ${message}`)));
  return lines;
}

const get = (url: string) =>
  new HttpRequest({ method: 'GET', url, headers: { host: 'testserver' } });

describe('createApplication', () => {
  it('answers a session view before migrate with a 500 whose log says what to run (issue 4.6)', async () => {
    const logs = captureLogs();
    const app = await createApplication(await loadSettings(FIXTURE_SETTINGS));
    const response = await app.handle(get('/hits/'));
    expect(response.status).toBe(500);
    expect(logs.join('\n')).toContain("no such table: django_session — run 'npm run migrate'");
    // A view that does not touch the session still works (checklist #113).
    expect((await app.handle(get('/'))).status).toBe(200);
    await app.close();
  });

  it.each([
    [
      { MIDDLEWARE: ['tango.middleware.nope.NopeMiddleware'] },
      "MIDDLEWARE entry 'tango.middleware.nope.NopeMiddleware' does not resolve",
    ],
    [{ MIDDLEWARE: ['tango.middleware.common.Nope'] }, "the module has no export 'Nope'"],
    [{ INSTALLED_APPS: ['nosuchapp'] }, "INSTALLED_APPS entry 'nosuchapp' does not resolve"],
    [{ ROOT_URLCONF: 'site/nourls' }, "ROOT_URLCONF 'site/nourls' does not resolve"],
  ])('stops start-up naming a bad entry: %j', async (override, message) => {
    const base = await loadSettings(FIXTURE_SETTINGS);
    const settings = defineSettings({ ...base, ...(override as object) });
    await expect(createApplication(settings)).rejects.toThrow(message);
  });

  it('rejects a misspelt setting with a hint', () => {
    expect(() =>
      defineSettings({ BASE_DIR: '/x', SECRET_KEY: 'k', SESION_ENGINE: 'db' } as never),
    ).toThrow("Unknown setting 'SESION_ENGINE'. Did you mean 'SESSION_ENGINE'?");
  });

  it('shows the stack on the DEBUG 500 page but not without DEBUG', async () => {
    captureLogs();
    const base = await loadSettings(FIXTURE_SETTINGS);
    for (const debug of [true, false]) {
      const app = await createApplication(defineSettings({ ...base, DEBUG: debug }));
      const body = (await app.handle(get('/boom/'))).text();
      if (debug) expect(body).toContain('the view blew up');
      else expect(body).not.toContain('the view blew up');
      await app.close();
    }
  });
});

describe('request targets (hardening 8)', () => {
  const target = (method: string, url: string) =>
    new HttpRequest({ method, url, headers: { host: 'testserver' } });

  it('routes an absolute-form target by its path, answers * with 400 except for OPTIONS', async () => {
    captureLogs();
    const base = await loadSettings(FIXTURE_SETTINGS);
    for (const debug of [true, false]) {
      const app = await createApplication(
        defineSettings({ ...base, DEBUG: debug, ALLOWED_HOSTS: ['testserver'] }),
      );
      const home = await app.handle(target('GET', 'http://testserver/?a=1'));
      expect(home.status).toBe(200);
      expect(home.text()).toContain('Hello from fixture');
      const missing = await app.handle(target('GET', 'http://evil.com/nope/'));
      expect(missing.status).toBe(404);
      expect(missing.text()).not.toContain('The install worked');
      for (const method of ['GET', 'POST', 'DELETE']) {
        const star = await app.handle(target(method, '*'));
        expect(star.status, method).toBe(400);
        expect(star.text()).not.toContain('The install worked');
      }
      const options = await app.handle(target('OPTIONS', '*'));
      expect(options.status).toBe(200);
      expect(options.contentLength).toBe(0);
      // Any other target that is neither a path nor an absolute URL is malformed too.
      expect((await app.handle(target('GET', 'hits/'))).status).toBe(400);
      await app.close();
    }
  });

  it('shows the welcome page only when the urlconf has no patterns at all', async () => {
    captureLogs();
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tango-empty-urlconf-'));
    try {
      await writeFile(path.join(dir, 'urls.mjs'), 'export default [];\n');
      const app = await createApplication(
        defineSettings({
          BASE_DIR: dir,
          SECRET_KEY: 'k',
          DEBUG: true,
          ROOT_URLCONF: 'urls',
          CACHES: {},
        }),
      );
      const welcome = await app.handle(
        new HttpRequest({ method: 'GET', url: '/', headers: { host: 'localhost' } }),
      );
      expect(welcome.status).toBe(200);
      expect(welcome.text()).toContain('The install worked successfully');
      await app.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
