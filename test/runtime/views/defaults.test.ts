import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { Http404, PermissionDenied, ServiceUnavailable } from '../../../src/runtime/http/errors.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { configureTemplates, TemplateEngine } from '../../../src/runtime/template/index.js';
import {
  badRequest,
  escapeHtml,
  pageNotFound,
  permissionDenied,
  serverError,
  serviceUnavailable,
} from '../../../src/runtime/views/index.js';

function request(url = '/missing/', headers: Record<string, string> = {}): HttpRequest {
  const r = new HttpRequest({ method: 'GET', url, headers: { host: 'testserver', ...headers } });
  r.settings = defineSettings({ BASE_DIR: '/srv', SECRET_KEY: 'x', ALLOWED_HOSTS: ['testserver'] });
  return r;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tango-error-pages-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => configureTemplates(undefined));

describe('plain error pages (DEBUG off), byte-identical to Django 5.2', () => {
  // Bodies captured from django.views.defaults with DEBUG=False and no error templates (3.2.25
  // and 5.2.17 send the same bytes); the content type is 5.2's (3.2 sent `text/html`). The
  // live comparison with both is test/runtime/views/defaults.django-interop.test.ts.
  const page = (title: string, details: string) =>
    `\n<!doctype html>\n<html lang="en">\n<head>\n  <title>${title}</title>\n</head>\n<body>\n  <h1>${title}</h1><p>${details}</p>\n</body>\n</html>\n`;

  it.each([
    [
      '404',
      () => pageNotFound(request(), { debug: false, tried: ['a/'] }),
      404,
      page('Not Found', 'The requested resource was not found on this server.'),
      179,
    ],
    [
      '500',
      () => serverError(request(), { debug: false, error: new Error('secret detail') }),
      500,
      page('Server Error (500)', ''),
      145,
    ],
    [
      '400',
      () => badRequest(request(), { debug: false, error: new Error('x') }),
      400,
      page('Bad Request (400)', ''),
      143,
    ],
    [
      '403',
      () => permissionDenied(request(), { debug: false, error: new PermissionDenied('no') }),
      403,
      page('403 Forbidden', ''),
      135,
    ],
  ] as const)('%s', (_label, make, status, body, length) => {
    const response = make();
    expect(response.status).toBe(status);
    expect(response.text()).toBe(body);
    expect(response.content.length).toBe(length);
    expect(response.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
  });

  it('503 says the service is temporarily unavailable, and leaks nothing', () => {
    const response = serviceUnavailable(request(), {
      debug: false,
      error: new ServiceUnavailable('redis at 10.0.0.5 refused'),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(response.text()).toBe(
      page('Service Unavailable (503)', 'Service temporarily unavailable. Please try again later.'),
    );
    expect(response.text()).not.toContain('10.0.0.5');
  });
});

describe("a project's own error templates", () => {
  it('404.html gets request_path (quoted) and the Http404 message; 403.html gets exception', async () => {
    await writeFile(
      path.join(dir, '404.html'),
      'custom 404 {{request_path}} {{exception}} {{request.method}}',
    );
    await writeFile(path.join(dir, '403.html'), 'custom 403 {{exception}}');
    configureTemplates(await TemplateEngine.create({ dirs: [dir], appDirs: [], debug: false }));
    const notFound = pageNotFound(request('/caf%C3%A9%20x/'), {
      debug: false,
      error: new Http404('No item 3'),
    });
    expect(notFound.status).toBe(404);
    expect(notFound.text()).toBe('custom 404 /caf%C3%A9%20x/ No item 3 GET');
    expect(notFound.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(pageNotFound(request(), { debug: false }).text()).toContain(' Http404 ');
    expect(
      permissionDenied(request(), { debug: false, error: new PermissionDenied('nope') }).text(),
    ).toBe('custom 403 nope');
  });

  it('a broken error template falls back to the built-in page', async () => {
    const broken = await mkdtemp(path.join(dir, 'broken-'));
    await writeFile(path.join(broken, '500.html'), '{{#if}}');
    configureTemplates(await TemplateEngine.create({ dirs: [broken], appDirs: [], debug: false }));
    const response = serverError(request(), { debug: false, error: new Error('x') });
    expect(response.status).toBe(500);
    expect(response.content.length).toBe(145);
  });
});

describe('DEBUG 404 page', () => {
  it('lists the patterns tried, in order, and the path, all escaped', () => {
    const response = pageNotFound(request('/x<script>/'), {
      debug: true,
      tried: ["shop/ <int:id>/ [name='detail']", 'a&b/'],
    });
    expect(response.status).toBe(404);
    const html = response.text();
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<title>Page not found at /x&lt;script&gt;/</title>');
    const first = html.indexOf(
      '<li><code>shop/ &lt;int:id&gt;/ [name=&#x27;detail&#x27;]</code></li>',
    );
    const second = html.indexOf('<li><code>a&amp;b/</code></li>');
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    expect(html).toContain(
      'The current path, <code>x&lt;script&gt;/</code>, didn’t match any of these.',
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain(
      '<tr><th scope="row">Request URL:</th><td>http://testserver/x%3Cscript%3E/</td></tr>',
    );
  });

  it('for an Http404 raised by a view: its message and the route that matched', () => {
    const r = request('/shop/3/');
    r.resolverMatch = { route: 'shop/<int:id>/', name: 'shop:detail', params: { id: 3 } };
    const html = pageNotFound(r, {
      debug: true,
      tried: ['shop/ <int:id>/'],
      error: new Http404('No <Item> matches'),
    }).text();
    expect(html).toContain('<pre class="exception_value">No &lt;Item&gt; matches</pre>');
    expect(html).toContain("<code>shop/&lt;int:id&gt;/</code> [name='shop:detail']");
    expect(html).not.toContain('tried these URL patterns');
  });

  it('with no URL patterns at all, the welcome page (200), as Django', () => {
    const response = pageNotFound(request('/'), { debug: true, tried: [], emptyUrlconf: true });
    expect(response.status).toBe(200);
    expect(response.text()).toContain('The install worked successfully! Congratulations!');
  });

  it('with URL patterns, a path none of them was tried for is a 404, never the welcome page (hardening 8)', () => {
    for (const url of ['*', '/', 'http://evil.com/hits']) {
      const response = pageNotFound(request(url), { debug: true, tried: [] });
      expect(response.status, url).toBe(404);
      expect(response.text(), url).not.toContain('The install worked successfully');
    }
    const explicit = pageNotFound(request('/'), { debug: true, tried: [], emptyUrlconf: false });
    expect(explicit.status).toBe(404);
  });
});

describe('DEBUG error pages', () => {
  it('500 shows type, message, stack and cause chain, escaped; hides credentials', () => {
    const cause = new TypeError('inner <b>cause</b>');
    const error = new Error('outer <i>failure</i>', { cause });
    const response = serverError(
      request('/boom/?q=<x>', { cookie: 'sessionid=abcdefgh12345678', 'x-test': '<v>' }),
      {
        debug: true,
        error,
      },
    );
    expect(response.status).toBe(500);
    expect(response.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    const html = response.text();
    expect(html).toContain('<title>Error at /boom/</title>');
    expect(html).toContain('<pre class="exception_value">outer &lt;i&gt;failure&lt;/i&gt;</pre>');
    expect(html).toContain(escapeHtml(error.stack!.split('\n')[1]!));
    expect(html).toContain('<h2>Caused by</h2>');
    expect(html).toContain('TypeError: inner &lt;b&gt;cause&lt;/b&gt;');
    expect(html).toContain('<code>&lt;x&gt;</code>');
    expect(html).toContain('<code>&lt;v&gt;</code>');
    expect(html).not.toContain('abcdefgh12345678');
    expect(html).not.toMatch(/<(i|b|x|v)>/);
  });

  it('handles non-Error throws and self-referencing causes', () => {
    const html = serverError(request(), { debug: true, error: 'just a string' }).text();
    expect(html).toContain('<title>string at /missing/</title>');
    expect(html).toContain('just a string');
    const loop = new Error('loop');
    (loop as { cause?: unknown }).cause = loop;
    expect(serverError(request(), { debug: true, error: loop }).status).toBe(500);
  });

  it.each([
    ['400', () => badRequest(request(), { debug: true, error: new Error('bad <input>') }), 400],
    [
      '403',
      () =>
        permissionDenied(request(), { debug: true, error: new PermissionDenied('bad <input>') }),
      403,
    ],
    [
      '503',
      () =>
        serviceUnavailable(request(), {
          debug: true,
          error: new ServiceUnavailable('bad <input>'),
        }),
      503,
    ],
  ] as const)('%s shows the error', (_label, make, status) => {
    const response = make();
    expect(response.status).toBe(status);
    expect(response.text()).toContain('bad &lt;input&gt;');
    expect(response.text()).toContain(`standard ${status} page`);
  });
});

describe("DEBUG pages hide secrets as Django's SafeExceptionReporterFilter does (hardening 7)", () => {
  const CLEANSED = '********************';

  function secretRequest(settings: Record<string, unknown> = {}): HttpRequest {
    const r = new HttpRequest({
      method: 'POST',
      url: '/boom/?q=visible-query',
      headers: {
        host: 'testserver',
        'x-api-key': 'apikey-value-1',
        'x-auth-token': 'token-value-2',
        'x-secret-key': 'secretkey-value-3',
        'x-password': 'password-value-4',
        'x-amz-signature': 'signature-value-5',
        authorization: 'Bearer authorization-value-6',
        'x-visible': 'header-visible-7',
        'x-oauth-client': 'auth-header-25',
        'content-type': 'application/x-www-form-urlencoded',
        cookie:
          'mysession=session-value-8; csrftoken=csrf-value-9; mycsrf=csrf-custom-10; ' +
          'api_key=cookie-key-11; theme=cookie-visible-12',
      },
      body: Buffer.from(
        'username=form-visible-13&password=form-pass-14&csrfmiddlewaretoken=form-token-15&Api-Key=form-key-16',
      ),
    });
    const base = defineSettings({
      BASE_DIR: '/srv',
      SECRET_KEY: 'settings-secret-17',
      SECRET_KEY_FALLBACKS: ['settings-fallback-18'],
      ALLOWED_HOSTS: ['testserver', 'settings-visible-19'],
      SESSION_COOKIE_NAME: 'mysession',
      DATABASES: {
        default: {
          ENGINE: 'postgresql',
          HOST: 'db-visible-20',
          PASSWORD: 'db-password-21',
          URL: 'postgres://tango:db-url-password-22@db-visible-20:5432/tango',
        },
      },
      CACHES: {
        default: {
          BACKEND: 'redis',
          LOCATION: 'redis://:redis-password-23@cache-visible-24:6379/0',
        },
      },
    });
    // CSRF_COOKIE_NAME may or may not be a setting yet: the page reads it defensively.
    r.settings = { ...base, ...settings } as typeof base;
    return r;
  }

  const SECRETS = [
    'auth-header-25',
    'apikey-value-1',
    'token-value-2',
    'secretkey-value-3',
    'password-value-4',
    'signature-value-5',
    'authorization-value-6',
    'session-value-8',
    'csrf-value-9',
    'csrf-custom-10',
    'cookie-key-11',
    'form-pass-14',
    'form-token-15',
    'form-key-16',
    'settings-secret-17',
    'settings-fallback-18',
    'db-password-21',
    'db-url-password-22',
    'redis-password-23',
  ];
  const VISIBLE = [
    'header-visible-7',
    'cookie-visible-12',
    'form-visible-13',
    'settings-visible-19',
    'db-visible-20',
    'cache-visible-24',
    'visible-query',
  ];

  it.each([
    ['500', (r: HttpRequest) => serverError(r, { debug: true, error: new Error('x') })],
    ['400', (r: HttpRequest) => badRequest(r, { debug: true, error: new Error('x') })],
    [
      '403',
      (r: HttpRequest) => permissionDenied(r, { debug: true, error: new PermissionDenied() }),
    ],
  ] as const)('%s: settings, headers, cookies and form values are filtered', (_label, make) => {
    const html = make(secretRequest({ CSRF_COOKIE_NAME: 'mycsrf' })).text();
    for (const secret of SECRETS) expect(html, secret).not.toContain(secret);
    for (const visible of VISIBLE) expect(html, visible).toContain(visible);
    for (const name of ['x-api-key', 'x-auth-token', 'x-secret-key', 'x-password']) {
      expect(html).toContain(
        `<tr><th scope="row">${name}</th><td><code>${CLEANSED}</code></td></tr>`,
      );
    }
    for (const name of ['mysession', 'csrftoken', 'mycsrf', 'api_key', 'password', 'SECRET_KEY']) {
      expect(html).toContain(
        `<tr><th scope="row">${name}</th><td><code>${CLEANSED}</code></td></tr>`,
      );
    }
    expect(html).toContain('<h3>Cookies</h3>');
    expect(html).toContain('<h3>Form data</h3>');
    expect(html).toContain('<h2>Settings</h2>');
  });

  it('reads CSRF_COOKIE_NAME defensively: absent or not a string, csrftoken is still hidden', () => {
    for (const extra of [{}, { CSRF_COOKIE_NAME: 42 }]) {
      const html = serverError(secretRequest(extra), { debug: true, error: new Error('x') }).text();
      expect(html).not.toContain('csrf-value-9');
      expect(html).toContain('csrf-custom-10'); // not a CSRF cookie without the setting
    }
  });

  it('a request without settings still hides the default session and CSRF cookies', () => {
    const r = new HttpRequest({
      method: 'GET',
      url: '/',
      headers: { host: 'testserver', cookie: 'sessionid=s-value-25; csrftoken=c-value-26; a=b' },
    });
    const html = serverError(r, { debug: true, error: new Error('x') }).text();
    expect(html).not.toContain('s-value-25');
    expect(html).not.toContain('c-value-26');
  });

  it('a query string over DATA_UPLOAD_MAX_NUMBER_FIELDS still renders the page', async () => {
    const { TooManyFieldsSent } = await import('../../../src/runtime/http/errors.js');
    const query = Array.from({ length: 1001 }, (_, i) => `f${i}=1`).join('&');
    const error = new TooManyFieldsSent('too many');
    const response = badRequest(request(`/x/?${query}`), { debug: true, error });
    expect(response.status).toBe(400);
    expect(response.text()).toContain('too many');
  });
});
