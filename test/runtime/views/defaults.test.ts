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

describe('plain error pages (DEBUG off), byte-identical to Django 3.2.25', () => {
  // Bodies captured from django.views.defaults with DEBUG=False and no error templates.
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
    expect(response.headers.get('Content-Type')).toBe('text/html');
  });

  it('503 says the service is temporarily unavailable, and leaks nothing', () => {
    const response = serviceUnavailable(request(), {
      debug: false,
      error: new ServiceUnavailable('redis at 10.0.0.5 refused'),
    });
    expect(response.status).toBe(503);
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
    const response = pageNotFound(request('/'), { debug: true, tried: [] });
    expect(response.status).toBe(200);
    expect(response.text()).toContain('The install worked successfully! Congratulations!');
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
