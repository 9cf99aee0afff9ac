import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import {
  HttpResponsePermanentRedirect,
  HttpResponseRedirect,
} from '../../../src/runtime/http/response.js';
import { redirect, render } from '../../../src/runtime/shortcuts.js';
import { configureTemplates, TemplateEngine } from '../../../src/runtime/template/index.js';
import {
  NoReverseMatch,
  path as route,
  setUrlconf,
  UrlResolver,
  type View,
} from '../../../src/runtime/urls/index.js';

let dir: string;
let engine: TemplateEngine;
const stub = (() => undefined) as unknown as View;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tango-shortcuts-'));
  await writeFile(path.join(dir, 'hits.html'), '<p>{{hit}} {{request.method}}</p>');
  engine = await TemplateEngine.create({ dirs: [dir], appDirs: [], debug: false });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  configureTemplates(undefined);
  setUrlconf(undefined);
});

describe('render', () => {
  const request = new HttpRequest({ method: 'GET', url: '/hits/' });

  it('renders the template with the context and request into a 200 HTML response', () => {
    configureTemplates(engine);
    const response = render(request, 'hits.html', { hit: 3 });
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
    expect(response.text()).toBe('<p>3 GET</p>');
  });

  it('takes a status and a content type', () => {
    configureTemplates(engine);
    const response = render(request, 'hits.html', {}, { status: 418, contentType: 'text/plain' });
    expect(response.status).toBe(418);
    expect(response.headers.get('Content-Type')).toBe('text/plain');
  });

  it('without a configured engine, says how to configure one', () => {
    expect(() => render(request, 'hits.html')).toThrow(ImproperlyConfigured);
  });
});

describe('redirect', () => {
  it('redirects to a URL: 302, or 301 when permanent', () => {
    const temporary = redirect('/thanks/?a=1');
    expect(temporary).toBeInstanceOf(HttpResponseRedirect);
    expect(temporary.status).toBe(302);
    expect(temporary.headers.get('Location')).toBe('/thanks/?a=1');
    const permanent = redirect('https://example.com/x', { permanent: true });
    expect(permanent).toBeInstanceOf(HttpResponsePermanentRedirect);
    expect(permanent.status).toBe(301);
    expect(permanent.headers.get('Location')).toBe('https://example.com/x');
  });

  it('reverses a pattern name with params', () => {
    setUrlconf(
      new UrlResolver([
        route('shop/<int:id>/', stub, { name: 'detail' }),
        route('', stub, { name: 'home' }),
      ]),
    );
    expect(redirect('home').headers.get('Location')).toBe('/');
    expect(redirect('detail', { params: { id: 7 } }).headers.get('Location')).toBe('/shop/7/');
  });

  it("an unknown name is an error unless it has a '.' (a relative URL), as Django's resolve_url", () => {
    setUrlconf(new UrlResolver([]));
    expect(() => redirect('nope')).toThrow(NoReverseMatch);
    expect(redirect('page.html').headers.get('Location')).toBe('page.html');
  });
});
