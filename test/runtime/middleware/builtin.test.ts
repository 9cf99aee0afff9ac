import { afterEach, describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import {
  BUILTIN_MIDDLEWARE,
  type Settings,
  type SettingsInput,
} from '../../../src/runtime/conf/settings.js';
import { importString } from '../../../src/runtime/core/import-string.js';
import { SessionMiddleware } from '../../../src/runtime/sessions/middleware.js';
import { AuthenticationMiddleware } from '../../../src/runtime/auth/middleware.js';
import { MessageMiddleware } from '../../../src/runtime/messages/middleware.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { HttpResponse, HttpResponseNotFound } from '../../../src/runtime/http/response.js';
import {
  AppendSlashError,
  CommonMiddleware,
  exemptFromXFrameOptions,
  noAppendSlash,
  SecurityMiddleware,
  XFrameOptionsMiddleware,
  type GetResponse,
  type MiddlewareFactory,
} from '../../../src/runtime/middleware/index.js';
import { path, setUrlconf, UrlResolver, type View } from '../../../src/runtime/urls/index.js';
import { CsrfViewMiddleware } from '../../../src/runtime/middleware/csrf.js';

const ok: View = () => new HttpResponse('ok');

function settingsWith(extra: Partial<SettingsInput> = {}): Readonly<Settings> {
  return defineSettings({
    BASE_DIR: '/srv/site',
    SECRET_KEY: 'test',
    ALLOWED_HOSTS: ['testserver'],
    ...extra,
  });
}

function get(url: string, method = 'GET'): HttpRequest {
  const request = new HttpRequest({ method, url, headers: { host: 'testserver' } });
  request.settings = settingsWith();
  return request;
}

/** The inner handler: resolves like the real one, 404 when nothing matches. */
const handler: GetResponse = async (request) => {
  const match = setResolver.resolve(request.path);
  return match ? match.view(request, match.params) : new HttpResponseNotFound('missing');
};

let setResolver = new UrlResolver([]);
function useUrls(resolver: UrlResolver): void {
  setResolver = resolver;
  setUrlconf(resolver);
}

afterEach(() => setUrlconf(undefined));

async function chain(
  factory: MiddlewareFactory,
  settings: Readonly<Settings>,
  inner: GetResponse = handler,
): Promise<GetResponse> {
  return factory(inner, settings);
}

describe('CommonMiddleware: APPEND_SLASH', () => {
  const urls = () =>
    new UrlResolver([
      path('shop/', ok),
      path('caf\u00e9/', ok),
      path('exact', ok),
      path('api/', noAppendSlash(((): HttpResponse => new HttpResponse('api')) as View)),
      path('<path:rest>/', ok),
    ]);

  it.each([
    ['/shop', '/shop/'],
    ['/shop?a=1&b=%20x', '/shop/?a=1&b=%20x'],
    ['/caf%C3%A9?q=caf\u00e9', '/caf%C3%A9/?q=caf%C3%A9'],
    ['//evil.example', '/%2Fevil.example/'],
  ])('GET %s -> 301 %s', async (url, location) => {
    useUrls(urls());
    const mw = await chain(CommonMiddleware, settingsWith());
    const response = await mw(get(url));
    expect(response.status).toBe(301);
    expect(response.headers.get('Location')).toBe(location);
  });

  it('HEAD redirects too, and so does POST without DEBUG (as Django)', async () => {
    useUrls(urls());
    const mw = await chain(CommonMiddleware, settingsWith());
    expect((await mw(get('/shop', 'HEAD'))).status).toBe(301);
    expect((await mw(get('/shop', 'POST'))).status).toBe(301);
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])(
    '%s with DEBUG raises a clear error instead of losing the body',
    async (method) => {
      useUrls(urls());
      const mw = await chain(CommonMiddleware, settingsWith({ DEBUG: true }));
      await expect(mw(get('/shop?x=1', method))).rejects.toThrow(AppendSlashError);
      await expect(mw(get('/shop?x=1', method))).rejects.toThrow(
        `You called this URL via ${method}, but the URL doesn't end in a slash and you have APPEND_SLASH set. ` +
          `Tango can't redirect to the slash URL while maintaining ${method} data. Change your form to point to ` +
          'testserver/shop/?x=1 (note the trailing slash), or set APPEND_SLASH: false in your settings.',
      );
    },
  );

  it('does not redirect when it should not', async () => {
    useUrls(urls());
    const mw = await chain(CommonMiddleware, settingsWith());
    // the path already ends in a slash
    expect((await mw(get('/nothing/here/'))).status).toBe(200);
    useUrls(
      new UrlResolver([
        path('shop/', ok),
        path('exact', () => new HttpResponseNotFound('view said 404')),
      ]),
    );
    // the view itself answered 404 for a path that resolves: no redirect
    expect((await mw(get('/exact'))).status).toBe(404);
    // path + '/' does not resolve either
    expect((await mw(get('/other'))).status).toBe(404);
    // a 200 is never redirected
    useUrls(new UrlResolver([path('shop/', ok), path('shop', ok)]));
    expect((await mw(get('/shop'))).status).toBe(200);
  });

  it('respects noAppendSlash() views, APPEND_SLASH=false and a missing urlconf', async () => {
    useUrls(urls());
    expect((await (await chain(CommonMiddleware, settingsWith()))(get('/api'))).status).toBe(404);
    expect(
      (await (await chain(CommonMiddleware, settingsWith({ APPEND_SLASH: false })))(get('/shop')))
        .status,
    ).toBe(404);
    setUrlconf(undefined);
    expect((await (await chain(CommonMiddleware, settingsWith()))(get('/shop'))).status).toBe(404);
  });
});

describe('CommonMiddleware: Content-Length', () => {
  it('adds the byte length when absent and keeps one that is set', async () => {
    const mw = await chain(
      CommonMiddleware,
      settingsWith(),
      async () => new HttpResponse('caf\u00e9'),
    );
    expect((await mw(get('/'))).headers.get('Content-Length')).toBe('5');
    const preset = await chain(
      CommonMiddleware,
      settingsWith(),
      async () => new HttpResponse('x', { headers: { 'Content-Length': '99' } }),
    );
    expect((await preset(get('/'))).headers.get('Content-Length')).toBe('99');
    const empty = await chain(CommonMiddleware, settingsWith(), async () => new HttpResponse(''));
    expect((await empty(get('/'))).headers.get('Content-Length')).toBe('0');
  });
});

describe('SecurityMiddleware', () => {
  it("sets Django 5's default headers", async () => {
    const mw = await chain(SecurityMiddleware, settingsWith(), async () => new HttpResponse('x'));
    const response = await mw(get('/'));
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(response.headers.get('Referrer-Policy')).toBe('same-origin');
    expect(response.headers.get('Cross-Origin-Opener-Policy')).toBe('same-origin');
  });

  it('never overrides what the view set', async () => {
    const mw = await chain(
      SecurityMiddleware,
      settingsWith(),
      async () =>
        new HttpResponse('x', {
          headers: {
            'Referrer-Policy': 'no-referrer',
            'x-content-type-options': 'custom',
            'Cross-Origin-Opener-Policy': 'unsafe-none',
          },
        }),
    );
    const response = await mw(get('/'));
    expect(response.headers.get('Referrer-Policy')).toBe('no-referrer');
    expect(response.headers.get('X-Content-Type-Options')).toBe('custom');
    expect(response.headers.get('Cross-Origin-Opener-Policy')).toBe('unsafe-none');
  });

  it('follows the settings: off switches, lists, the COOP setting when defined', async () => {
    const off = await chain(
      SecurityMiddleware,
      settingsWith({ SECURE_CONTENT_TYPE_NOSNIFF: false, SECURE_REFERRER_POLICY: null }),
      async () => new HttpResponse(),
    );
    const response = await off(get('/'));
    expect(response.headers.has('X-Content-Type-Options')).toBe(false);
    expect(response.headers.has('Referrer-Policy')).toBe(false);
    const list = await chain(
      SecurityMiddleware,
      settingsWith({ SECURE_REFERRER_POLICY: 'origin , strict-origin-when-cross-origin' }),
      async () => new HttpResponse(),
    );
    expect((await list(get('/'))).headers.get('Referrer-Policy')).toBe(
      'origin,strict-origin-when-cross-origin',
    );
    const withCoop = (value: string | null) =>
      ({ ...settingsWith(), SECURE_CROSS_ORIGIN_OPENER_POLICY: value }) as Settings;
    const popups = await chain(
      SecurityMiddleware,
      withCoop('same-origin-allow-popups'),
      async () => new HttpResponse(),
    );
    expect((await popups(get('/'))).headers.get('Cross-Origin-Opener-Policy')).toBe(
      'same-origin-allow-popups',
    );
    const noCoop = await chain(SecurityMiddleware, withCoop(null), async () => new HttpResponse());
    expect((await noCoop(get('/'))).headers.has('Cross-Origin-Opener-Policy')).toBe(false);
  });

  it('rejects invalid policies at start-up, naming the setting', async () => {
    await expect(
      chain(SecurityMiddleware, settingsWith({ SECURE_REFERRER_POLICY: 'same-origin, bogus' })),
    ).rejects.toThrow(ImproperlyConfigured);
    await expect(
      chain(SecurityMiddleware, settingsWith({ SECURE_REFERRER_POLICY: 'bogus' })),
    ).rejects.toThrow("SECURE_REFERRER_POLICY has invalid value(s) 'bogus'");
    await expect(
      chain(SecurityMiddleware, {
        ...settingsWith(),
        SECURE_CROSS_ORIGIN_OPENER_POLICY: 'nope',
      } as Settings),
    ).rejects.toThrow("SECURE_CROSS_ORIGIN_OPENER_POLICY 'nope' is invalid");
  });
});

describe('XFrameOptionsMiddleware', () => {
  it('sets X_FRAME_OPTIONS (default DENY) unless present or exempt', async () => {
    const deny = await chain(
      XFrameOptionsMiddleware,
      settingsWith(),
      async () => new HttpResponse(),
    );
    expect((await deny(get('/'))).headers.get('X-Frame-Options')).toBe('DENY');
    const same = await chain(
      XFrameOptionsMiddleware,
      settingsWith({ X_FRAME_OPTIONS: 'sameorigin' as 'SAMEORIGIN' }),
      async () => new HttpResponse(),
    );
    expect((await same(get('/'))).headers.get('X-Frame-Options')).toBe('SAMEORIGIN');
    const preset = await chain(
      XFrameOptionsMiddleware,
      settingsWith(),
      async () => new HttpResponse('', { headers: { 'x-frame-options': 'SAMEORIGIN' } }),
    );
    expect((await preset(get('/'))).headers.get('X-Frame-Options')).toBe('SAMEORIGIN');
    const exempt = await chain(XFrameOptionsMiddleware, settingsWith(), async () =>
      exemptFromXFrameOptions(new HttpResponse()),
    );
    expect((await exempt(get('/'))).headers.has('X-Frame-Options')).toBe(false);
  });
});

describe('the default stack', () => {
  it("gives Django's header order: Content-Type, X-Frame-Options, Content-Length, nosniff, Referrer-Policy, COOP", async () => {
    const settings = settingsWith();
    let getResponse: GetResponse = async () => new HttpResponse('hi');
    for (const factory of [XFrameOptionsMiddleware, CommonMiddleware, SecurityMiddleware]) {
      getResponse = await factory(getResponse, settings);
    }
    const response = await getResponse(get('/'));
    expect([...response.headers].map(([name]) => name)).toEqual([
      'Content-Type',
      'X-Frame-Options',
      'Content-Length',
      'X-Content-Type-Options',
      'Referrer-Policy',
      'Cross-Origin-Opener-Policy',
    ]);
  });

  it('every BUILTIN_MIDDLEWARE name resolves to its factory by dotted path', async () => {
    const loaded = await Promise.all(
      BUILTIN_MIDDLEWARE.map((name) => importString(name, 'MIDDLEWARE', '/srv')),
    );
    expect(loaded).toEqual([
      SecurityMiddleware,
      SessionMiddleware,
      CommonMiddleware,
      CsrfViewMiddleware,
      AuthenticationMiddleware,
      MessageMiddleware,
      XFrameOptionsMiddleware,
    ]);
  });
});
