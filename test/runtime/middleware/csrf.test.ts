/**
 * Tango's side of CSRF protection, beyond the ported Django tests (csrf.django.test.ts): the
 * template helpers and their laziness, the failure page and `CSRF_FAILURE_VIEW`, the settings'
 * start-up validation, `check --deploy`, the test Client's `enforceCsrfChecks`, and the view
 * wrappers' marks.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import { loadSettings } from '../../../src/runtime/conf/index.js';
import { DEFAULTS, type Settings, type SettingsInput } from '../../../src/runtime/conf/settings.js';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { HttpResponse } from '../../../src/runtime/http/response.js';
import { systemChecks } from '../../../src/runtime/management/commands/check.js';
import { noAppendSlash } from '../../../src/runtime/middleware/common.js';
import {
  CsrfViewMiddleware,
  REASON_NO_CSRF_COOKIE,
  REASON_NO_REFERER,
  csrfExempt,
  csrfFailure,
  csrfProtect,
  getToken,
  unmaskCipherToken,
} from '../../../src/runtime/middleware/csrf.js';
import type { GetResponse } from '../../../src/runtime/middleware/types.js';
import { render } from '../../../src/runtime/shortcuts.js';
import { TemplateEngine, configureTemplates } from '../../../src/runtime/template/index.js';
import { Client, createTestApplication } from '../../../src/runtime/test/index.js';
import {
  path as route,
  setUrlconf,
  UrlResolver,
  type View,
} from '../../../src/runtime/urls/index.js';
import { FIXTURE_SETTINGS } from '../fixture.js';

let dir: string;
let restoreLogs: () => void;

function settingsWith(extra: Partial<SettingsInput> = {}): Readonly<Settings> {
  return defineSettings({
    BASE_DIR: dir ?? '/srv/site',
    SECRET_KEY: 'test',
    ALLOWED_HOSTS: ['testserver'],
    ...extra,
  });
}

function request(
  init: { method?: string; url?: string; headers?: Record<string, string>; form?: string } = {},
  settings = settingsWith(),
): HttpRequest {
  const headers: Record<string, string> = { host: 'testserver', ...(init.headers ?? {}) };
  if (init.form !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const r = new HttpRequest({
    method: init.method ?? 'GET',
    url: init.url ?? '/page/',
    headers,
    body: init.form === undefined ? undefined : Buffer.from(init.form),
  });
  r.settings = settings;
  return r;
}

const page: View = (r) => render(r, 'page.html', { title: 'T' });
const plain: View = () => new HttpResponse('plain');

async function chain(settings = settingsWith(), inner?: GetResponse): Promise<GetResponse> {
  const resolver = new UrlResolver([route('page/', page), route('plain/', plain)]);
  setUrlconf(resolver);
  return CsrfViewMiddleware(
    inner ??
      (async (r) => {
        const match = resolver.resolve(r.path);
        return match ? match.view(r, match.params) : new HttpResponse('none', { status: 404 });
      }),
    settings,
  );
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tango-csrf-api-'));
  await writeFile(
    path.join(dir, 'base.html'),
    '<h1>{{title}}</h1>{{> @partial-block}}<footer>{{csrf_token}}</footer>',
  );
  await writeFile(
    path.join(dir, 'page.html'),
    '{{#> base.html title="Forms"}}<form method="post">{{csrf_input}}</form><form method="post">{{csrf_input}}</form>{{/base.html}}',
  );
  await writeFile(
    path.join(dir, 'nothing.html'),
    '{{#> base.html title="No forms"}}x{{/base.html}}',
  );
  await writeFile(
    path.join(dir, 'view.mjs'),
    'export function failed(request, reason) { return { status: 403, reason }; }\nexport const notAView = 3;\n',
  );
  configureTemplates(await TemplateEngine.create({ dirs: [dir], appDirs: [], debug: false }));
  restoreLogs = setLogSink(() => undefined);
});

afterAll(async () => {
  restoreLogs();
  configureTemplates(undefined);
  setUrlconf(undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('{{csrf_input}} and {{csrf_token}}', () => {
  it('write the hidden field and the token, one token per render, inside partial blocks too', async () => {
    const r = request();
    const response = await (await chain())(r);
    const html = response.text();
    const fields = [
      ...html.matchAll(
        /<input type="hidden" name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})">/g,
      ),
    ];
    expect(fields).toHaveLength(2);
    const footer = /<footer>([A-Za-z0-9]{64})<\/footer>/.exec(html)![1]!;
    // Django evaluates its lazy csrf_token once per render: every use shows the same token.
    expect(fields.map((m) => m[1])).toEqual([footer, footer]);
    const secret = response.cookies.get('csrftoken')!.value;
    expect(unmaskCipherToken(footer)).toBe(secret);
    // Another render masks afresh (BREACH), for the same secret.
    const again = getToken(r);
    expect(again).not.toBe(footer);
    expect(unmaskCipherToken(again)).toBe(secret);
  });

  it('using the token sends the CSRF cookie with Vary: Cookie; a page that does not, neither', async () => {
    const used = await (await chain())(request());
    expect(used.headers.get('Vary')).toBe('Cookie');
    expect(used.setCookieHeaders()[0]).toMatch(
      /^csrftoken=[A-Za-z0-9]{32}; expires=[^;]+; Max-Age=31449600; Path=\/; SameSite=Lax$/,
    );
    const unused = await (await chain())(request({ url: '/plain/' }));
    expect(unused.cookies.size).toBe(0);
    expect(unused.headers.get('Vary')).toBeUndefined();
    // A template that extends the same base but writes no field: still nothing but the footer's token.
    const r = request();
    const rendered = render(r, 'nothing.html');
    expect(rendered.text()).toMatch(/<footer>[A-Za-z0-9]{64}<\/footer>/);
  });

  it('render nothing without a request (engine.render without one)', async () => {
    configureTemplates(await TemplateEngine.create({ dirs: [dir], appDirs: [], debug: false }));
    const engine = (await import('../../../src/runtime/template/index.js')).getTemplateEngine();
    expect(engine.render('page.html')).toBe(
      '<h1>Forms</h1><form method="post"></form><form method="post"></form><footer></footer>',
    );
  });
});

describe('the middleware', () => {
  it('does not check a path that resolves to no view (404, as Django resolves first)', async () => {
    const response = await (await chain())(request({ method: 'POST', url: '/nowhere/' }));
    expect(response.status).toBe(404);
  });

  it('csrfExempt keeps the view name and marks; csrfProtect of an exempt view stays exempt', () => {
    const view = noAppendSlash(function myView() {
      return new HttpResponse('x');
    } as View);
    const exempt = csrfExempt(view);
    expect(exempt.name).toBe('myView');
    expect((exempt as { shouldAppendSlash?: boolean }).shouldAppendSlash).toBe(false);
    expect((csrfProtect(exempt) as { csrfExempt?: boolean }).csrfExempt).toBe(true);
    expect((view as { csrfExempt?: boolean }).csrfExempt).toBeUndefined();
  });

  it("reads Origin and Referer with CPython's urlsplit: text around a bracketed host is malformed (gh-105704)", async () => {
    const settings = settingsWith({
      CSRF_TRUSTED_ORIGINS: ['https://*.example.com'],
      SECURE_PROXY_SSL_HEADER: ['X-Forwarded-Proto', 'https'],
      CSRF_FAILURE_VIEW: (_r, reason) => new HttpResponse(reason, { status: 403 }),
    });
    const mw = await chain(settings);
    const post = (headers: Record<string, string>) =>
      mw(request({ method: 'POST', url: '/page/', headers }, settings));
    // A trusted Origin passes on to the token check; one with `[::1]` inside its host does not.
    expect((await post({ origin: 'https://x.example.com' })).text()).toBe('CSRF cookie not set.');
    expect((await post({ origin: 'https://x[::1].example.com' })).text()).toBe(
      'Origin checking failed - https://x[::1].example.com does not match any trusted origins.',
    );
    // Over HTTPS without an Origin, the same for the Referer.
    const secure = { 'x-forwarded-proto': 'https' };
    expect((await post({ ...secure, referer: 'https://x.example.com/' })).text()).toBe(
      'CSRF cookie not set.',
    );
    expect((await post({ ...secure, referer: 'https://x[::1].example.com/' })).text()).toBe(
      'Referer checking failed - Referer is malformed.',
    );
    expect((await post({ ...secure, referer: 'https://[fe80::1%eth0]/' })).text()).toBe(
      'Referer checking failed - https://[fe80::1%eth0]/ does not match any trusted origins.',
    );
  });

  it.each([
    [
      'CSRF_COOKIE_NAME',
      { CSRF_COOKIE_NAME: 'bad name' },
      /The CSRF_COOKIE_\* settings make an invalid cookie: cookie name is invalid/,
    ],
    ['a __Host- name without Secure', { CSRF_COOKIE_NAME: '__Host-csrf' }, /invalid cookie/],
    [
      'a CSRF_FAILURE_VIEW that does not import (security.E102)',
      { CSRF_FAILURE_VIEW: './missing.mjs#view' },
      /The CSRF failure view '\.\/missing\.mjs#view' could not be imported \(security\.E102\)/,
    ],
    [
      'a CSRF_FAILURE_VIEW that is not a function (security.E101)',
      { CSRF_FAILURE_VIEW: './view.mjs#notAView' },
      /does not take the correct number of arguments \(security\.E101\)/,
    ],
  ])('refuses to start with %s', async (_what, extra, message) => {
    await expect(chain(settingsWith(extra as Partial<SettingsInput>))).rejects.toThrow(message);
    await expect(chain(settingsWith(extra as Partial<SettingsInput>))).rejects.toThrow(
      ImproperlyConfigured,
    );
  });
});

describe('the failure page and CSRF_FAILURE_VIEW', () => {
  it("is Django's plain page without DEBUG: the summary only", () => {
    const response = csrfFailure(request(), REASON_NO_CSRF_COOKIE);
    expect(response.status).toBe(403);
    expect(response.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    const html = response.text();
    expect(html).toContain('<h1>Forbidden <span>(403)</span></h1>');
    expect(html).toContain('<p>CSRF verification failed. Request aborted.</p>');
    expect(html).toContain('this site requires a CSRF cookie when submitting forms');
    expect(html).toContain('More information is available with DEBUG: true.');
    expect(html).not.toContain('Reason given for failure');
  });

  it('explains the reason and the fixes with DEBUG', () => {
    const html = csrfFailure(
      request({}, settingsWith({ DEBUG: true })),
      'CSRF token from POST incorrect.',
    ).text();
    expect(html).toContain('Reason given for failure:');
    expect(html).toContain('CSRF token from POST incorrect.');
    expect(html).toContain('{{csrf_input}}');
    expect(html).toContain('You can customize this page using the CSRF_FAILURE_VIEW setting.');
    expect(csrfFailure(request(), REASON_NO_REFERER).text()).toContain(
      'requires a “Referer header”',
    );
  });

  it('escapes the reason', () => {
    const html = csrfFailure(
      request({}, settingsWith({ DEBUG: true })),
      'Origin checking failed - <script> does not match any trusted origins.',
    ).text();
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
  });

  it('is replaced by a project template 403_csrf.html', async () => {
    await writeFile(path.join(dir, '403_csrf.html'), '<p>Please reload the form.</p>');
    configureTemplates(await TemplateEngine.create({ dirs: [dir], appDirs: [], debug: false }));
    try {
      const response = csrfFailure(request(), REASON_NO_CSRF_COOKIE);
      expect(response.status).toBe(403);
      expect(response.text()).toBe('<p>Please reload the form.</p>');
    } finally {
      await rm(path.join(dir, '403_csrf.html'));
      configureTemplates(await TemplateEngine.create({ dirs: [dir], appDirs: [], debug: false }));
    }
  });

  it.each([
    [
      'a function',
      (_r: HttpRequest, reason: string) => new HttpResponse(`no: ${reason}`, { status: 403 }),
    ],
  ])("CSRF_FAILURE_VIEW may be %s, called with Django's reason", async (_what, view) => {
    const mw = await chain(settingsWith({ CSRF_FAILURE_VIEW: view }));
    const response = await mw(request({ method: 'POST', url: '/page/' }));
    expect(response.text()).toBe('no: CSRF cookie not set.');
  });

  it('passes the Origin into the reason as sent (no $& substitution)', async () => {
    const mw = await chain(
      settingsWith({
        CSRF_FAILURE_VIEW: (_r, reason) => new HttpResponse(reason, { status: 403 }),
      }),
    );
    const response = await mw(
      request({ method: 'POST', url: '/page/', headers: { origin: 'https://$&.$1.example' } }),
    );
    expect(response.text()).toBe(
      'Origin checking failed - https://$&.$1.example does not match any trusted origins.',
    );
  });

  it("CSRF_FAILURE_VIEW may be a './module#export' path", async () => {
    const mw = await chain(settingsWith({ CSRF_FAILURE_VIEW: './view.mjs#failed' }));
    const response = (await mw(request({ method: 'POST', url: '/page/' }))) as unknown as {
      reason: string;
    };
    expect(response.reason).toBe('CSRF cookie not set.');
  });
});

describe('settings', () => {
  it("defaults are Django's", () => {
    expect({
      CSRF_COOKIE_NAME: DEFAULTS.CSRF_COOKIE_NAME,
      CSRF_COOKIE_AGE: DEFAULTS.CSRF_COOKIE_AGE,
      CSRF_COOKIE_DOMAIN: DEFAULTS.CSRF_COOKIE_DOMAIN,
      CSRF_COOKIE_PATH: DEFAULTS.CSRF_COOKIE_PATH,
      CSRF_COOKIE_SECURE: DEFAULTS.CSRF_COOKIE_SECURE,
      CSRF_COOKIE_HTTPONLY: DEFAULTS.CSRF_COOKIE_HTTPONLY,
      CSRF_COOKIE_SAMESITE: DEFAULTS.CSRF_COOKIE_SAMESITE,
      CSRF_HEADER_NAME: DEFAULTS.CSRF_HEADER_NAME,
      CSRF_TRUSTED_ORIGINS: DEFAULTS.CSRF_TRUSTED_ORIGINS,
      CSRF_USE_SESSIONS: DEFAULTS.CSRF_USE_SESSIONS,
    }).toEqual({
      CSRF_COOKIE_NAME: 'csrftoken',
      CSRF_COOKIE_AGE: 31449600,
      CSRF_COOKIE_DOMAIN: null,
      CSRF_COOKIE_PATH: '/',
      CSRF_COOKIE_SECURE: false,
      CSRF_COOKIE_HTTPONLY: false,
      CSRF_COOKIE_SAMESITE: 'Lax',
      CSRF_HEADER_NAME: 'HTTP_X_CSRFTOKEN',
      CSRF_TRUSTED_ORIGINS: [],
      CSRF_USE_SESSIONS: false,
    });
  });

  it.each([
    [
      { CSRF_TRUSTED_ORIGINS: ['example.com'] },
      'As of Django 4.0, the values in the CSRF_TRUSTED_ORIGINS setting must start with a scheme (usually http:// or https://) but found example.com. See the release notes for details. (4_0.E001)',
    ],
    [
      { CSRF_HEADER_NAME: 'X-CSRFToken' },
      "such as 'HTTP_X_CSRFTOKEN' (the X-CSRFToken header), got 'X-CSRFToken'",
    ],
    [
      { CSRF_COOKIE_SAMESITE: 'lax?' },
      "The CSRF_COOKIE_SAMESITE setting must be 'Lax', 'Strict', 'None' or false",
    ],
    [
      { CSRF_COOKIE_AGE: 1.5 },
      'The CSRF_COOKIE_AGE setting must be an integer number of seconds or null, got 1.5.',
    ],
    [{ CSRF_USE_SESSIONS: 'yes' }, 'The CSRF_USE_SESSIONS setting must be a boolean, not string.'],
    [
      { CSRF_FAILURE_VIEW: 'views.failure' },
      'The CSRF_FAILURE_VIEW setting must be a view function or a dotted path',
    ],
    [
      { CSRF_COOKIE_NAM: 'x' },
      "Unknown setting 'CSRF_COOKIE_NAM'. Did you mean 'CSRF_COOKIE_NAME'?",
    ],
  ])('validates %j at start-up', (extra, message) => {
    expect(() => settingsWith(extra as unknown as Partial<SettingsInput>)).toThrow(message);
  });

  it('accepts null CSRF_COOKIE_AGE and domain, wildcard origins and a function view', () => {
    expect(() =>
      settingsWith({
        CSRF_COOKIE_AGE: null,
        CSRF_COOKIE_DOMAIN: '.example.com',
        CSRF_TRUSTED_ORIGINS: ['https://*.example.com', 'http://localhost:3000'],
        CSRF_FAILURE_VIEW: () => new HttpResponse('', { status: 403 }),
        CSRF_COOKIE_SAMESITE: false,
      }),
    ).not.toThrow();
  });
});

describe('check --deploy', () => {
  const MIDDLEWARE = ['tango.middleware.csrf.CsrfViewMiddleware'] as SettingsInput['MIDDLEWARE'];
  const ids = (extra: Partial<SettingsInput>) =>
    systemChecks(settingsWith(extra), true)
      .map(([id]) => id)
      .filter((id) => id === 'security.W003' || id === 'security.W016');

  it.each<[string, Partial<SettingsInput>, string[]]>([
    ['no CSRF middleware: security.W003', {}, ['security.W003']],
    ['the middleware, cookie not Secure: security.W016', { MIDDLEWARE }, ['security.W016']],
    [
      'the middleware as a factory counts too',
      { MIDDLEWARE: [CsrfViewMiddleware] },
      ['security.W016'],
    ],
    ['a Secure cookie: nothing', { MIDDLEWARE, CSRF_COOKIE_SECURE: true }, []],
    ['CSRF_USE_SESSIONS: no cookie to secure', { MIDDLEWARE, CSRF_USE_SESSIONS: true }, []],
  ])('%s', (_what, extra, expected) => {
    expect(ids(extra)).toEqual(expected);
  });

  it('says nothing about CSRF without --deploy', () => {
    expect(systemChecks(settingsWith(), false).some(([id]) => id.startsWith('security.W0'))).toBe(
      false,
    );
  });
});

describe("the test Client (Django's enforce_csrf_checks)", () => {
  it('does not enforce CSRF checks by default, and does with enforceCsrfChecks', async () => {
    const base = await loadSettings(FIXTURE_SETTINGS);
    const app = await createTestApplication(
      defineSettings({ ...base, MIDDLEWARE: [...base.MIDDLEWARE, CsrfViewMiddleware] }),
    );
    try {
      expect((await new Client({ app }).post('/echo/', { a: '1' })).status).toBe(200);
      const strict = new Client({ app, enforceCsrfChecks: true });
      const refused = await strict.post('/echo/', { a: '1' });
      expect(refused.status).toBe(403);
      expect(refused.text()).toContain('CSRF verification failed. Request aborted.');
      // With the cookie and a token, as a browser after loading the form.
      strict.cookies.set('csrftoken', 'lcccccccX2kcccccccY2jcccccccssIC');
      const token = '2JgchWvM1tpxT2lfz9aydoXW9yT1DN3NdLiejYxOOlzzV4nhBbYqmqZYbAV3V5Bf';
      expect((await strict.post('/echo/', { a: '1', csrfmiddlewaretoken: token })).status).toBe(
        200,
      );
      expect(
        (await strict.post('/echo/', { a: '1' }, { headers: { 'X-CSRFToken': token } })).status,
      ).toBe(200);
      expect(
        (
          await strict.post(
            '/echo/',
            { a: '1', csrfmiddlewaretoken: token },
            { headers: { Origin: 'https://evil.example' } },
          )
        ).status,
      ).toBe(403);
    } finally {
      await app.close();
    }
  });
});
