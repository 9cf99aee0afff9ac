import { describe, it, expect } from 'vitest';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import {
  include,
  NoReverseMatch,
  path,
  registerConverter,
  rePath,
  UrlResolver,
  type View,
} from '../../../src/runtime/urls/index.js';

const view = (label: string): View => {
  // The resolver never calls views; a labelled stub is enough to tell them apart.
  const fn = (() => label) as unknown as View;
  Object.defineProperty(fn, 'name', { value: label });
  return fn;
};

const UUID = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';

describe('converters', () => {
  const resolver = new UrlResolver([
    path('s/<str:v>/', view('str')),
    path('d/<v>/', view('default')),
    path('i/<int:v>/', view('int')),
    path('g/<slug:v>/', view('slug')),
    path('u/<uuid:v>/', view('uuid')),
    path('p/<path:v>', view('path')),
  ]);
  const cases: [string, string | null, unknown][] = [
    ['/s/hello/', 'str', 'hello'],
    ['/s/caf\u00e9 ok/', 'str', 'caf\u00e9 ok'],
    ['/s/a/b/', null, undefined],
    ['/s//', null, undefined],
    ['/d/x.y/', 'default', 'x.y'],
    ['/i/42/', 'int', 42],
    ['/i/0/', 'int', 0],
    ['/i/007/', 'int', 7],
    ['/i/-1/', null, undefined],
    ['/i/4x/', null, undefined],
    ['/i/1.5/', null, undefined],
    ['/g/my-slug_2/', 'slug', 'my-slug_2'],
    ['/g/no.dots/', null, undefined],
    ['/g/caf\u00e9/', null, undefined],
    [`/u/${UUID}/`, 'uuid', UUID],
    [`/u/${UUID.toUpperCase()}/`, null, undefined],
    ['/u/1b4e28ba2fa111d2883f0016d3cca427/', null, undefined],
    ['/p/a/b/c.txt', 'path', 'a/b/c.txt'],
    ['/p/', null, undefined],
  ];
  it.each(cases)('%s resolves to %s with %j', (url, label, value) => {
    const match = resolver.resolve(url);
    if (label === null) {
      expect(match).toBeNull();
    } else {
      expect(match?.view.name).toBe(label);
      expect(match?.params).toEqual({ v: value });
    }
  });

  it('reverse round-trips every converter', () => {
    const named = new UrlResolver([
      path('i/<int:v>/', view('int'), { name: 'int' }),
      path('g/<slug:v>/', view('slug'), { name: 'slug' }),
      path('u/<uuid:v>/', view('uuid'), { name: 'uuid' }),
      path('p/<path:v>', view('path'), { name: 'path' }),
      path('s/<v>/', view('str'), { name: 'str' }),
    ]);
    const values: [string, unknown][] = [
      ['int', 12],
      ['slug', 'a-b_c'],
      ['uuid', UUID],
      ['path', 'x/y/z.txt'],
      ['str', 'hello world'],
    ];
    for (const [name, v] of values) {
      const url = named.reverse(name, { v });
      expect(named.resolve(decodeURIComponent(url))?.params).toEqual({ v });
    }
  });

  it('a custom converter converts both ways and rejects by throwing', () => {
    registerConverter(
      {
        regex: '[0-9]{4}',
        toJs(value) {
          const year = Number(value);
          if (year < 1900) throw new RangeError('too old');
          return year;
        },
        toUrl(value) {
          if (typeof value !== 'number') throw new TypeError('not a number');
          return String(value).padStart(4, '0');
        },
      },
      'yyyy_test',
    );
    const r = new UrlResolver([
      path('y/<yyyy_test:year>/', view('year'), { name: 'year' }),
      path('y/<str:other>/', view('fallback')),
    ]);
    expect(r.resolve('/y/2024/')?.params).toEqual({ year: 2024 });
    expect(r.resolve('/y/1800/')?.view.name).toBe('fallback'); // toJs threw: next pattern
    expect(r.resolve('/y/20245/')?.view.name).toBe('fallback');
    expect(r.reverse('year', { year: 999 })).toBe('/y/0999/');
    expect(() => r.reverse('year', { year: '2024' })).toThrow(NoReverseMatch);
    expect(() => r.reverse('year', { year: 12345 })).toThrow(NoReverseMatch);
  });

  it('refuses to replace a converter or register a broken one', () => {
    expect(() => registerConverter({ regex: 'x', toJs: String, toUrl: String }, 'int')).toThrow(
      "Converter 'int' is already registered.",
    );
    expect(() =>
      registerConverter({ regex: '[', toJs: String, toUrl: String }, 'broken_test'),
    ).toThrow(ImproperlyConfigured);
  });
});

describe('route compilation', () => {
  it('an unknown converter fails at definition, naming the route', () => {
    expect(() => path('a/<integer:id>/', view('x'))).toThrow(
      new ImproperlyConfigured("URL route 'a/<integer:id>/' uses invalid converter 'integer'."),
    );
  });

  it.each([
    ['a/<int: id>/', 'cannot contain whitespace'],
    ['a/<int:1d>/', "parameter name '1d' which isn't a valid identifier"],
    ['a/<id>/<int:id>/', "parameter name 'id' more than once"],
    ['a/<id/', 'unmatched angle brackets'],
    ['a/id>/', 'unmatched angle brackets'],
    ['/a/', "route beginning with a '/'"],
  ])('route %j is rejected (%s)', (route, message) => {
    expect(() => path(route, view('x'))).toThrow(ImproperlyConfigured);
    expect(() => path(route, view('x'))).toThrow(message);
  });

  it('rejects non-views, names with colons and names on includes', () => {
    expect(() => path('a/', 'views.a' as unknown as View)).toThrow(
      'view must be a function or include(...)',
    );
    expect(() => path('a/', view('a'), { name: 'x:y' })).toThrow("without ':'");
    expect(() => path('a/', include([]), { name: 'x' } as never)).toThrow('takes no name');
    expect(() => include([{}] as never)).toThrow('include() patterns[0] is not a path(...) entry');
    expect(() => new UrlResolver(['x'] as never)).toThrow(
      'The urlconf[0] is not a path(...) entry',
    );
    expect(() => include([], { namespace: 'a:b' })).toThrow(ImproperlyConfigured);
  });

  it('escapes regex metacharacters in literal route text', () => {
    const r = new UrlResolver([
      path('a.b/', view('dot')),
      path('c+d/(e)/', view('plus')),
      path('f$[g]^/<int:n>/', view('meta')),
      path('h|i/*/?/', view('pipe'), { name: 'pipe' }),
    ]);
    expect(r.resolve('/a.b/')?.view.name).toBe('dot');
    expect(r.resolve('/aXb/')).toBeNull();
    expect(r.resolve('/c+d/(e)/')?.view.name).toBe('plus');
    expect(r.resolve('/ccd/e/')).toBeNull();
    expect(r.resolve('/f$[g]^/3/')?.params).toEqual({ n: 3 });
    expect(r.resolve('/fg/3/')).toBeNull();
    expect(r.resolve('/h|i/*/?/')?.view.name).toBe('pipe');
    expect(r.reverse('pipe')).toBe('/h%7Ci/*/%3F/');
  });
});

describe('resolve', () => {
  const shop = [
    path('', view('shop-index'), { name: 'index' }),
    path('<int:id>/', view('shop-detail'), { name: 'detail' }),
  ];
  const resolver = new UrlResolver([
    path('', view('home'), { name: 'home' }),
    path('shop/', include(shop, { namespace: 'shop' })),
    path('blog/<slug:cat>/', include([path('<int:id>/', view('post'), { name: 'post' })]), {
      kwargs: { section: 'blog' },
    }),
    path('k/<int:id>/', view('kw'), { name: 'kw', kwargs: { id: 'overridden', extra: true } }),
    rePath('^archive/(?P<year>[0-9]{4})/$', view('archive'), { name: 'archive' }),
    rePath('^old/([a-z]+)/(\\d+)/$', view('positional')),
    rePath('^prefix', view('searched')),
  ]);

  it("strips the leading slash like Django's root pattern and needs it", () => {
    expect(resolver.resolve('/')?.view.name).toBe('home');
    expect(resolver.resolve('')).toBeNull();
    expect(resolver.resolve('shop/')).toBeNull();
  });

  it('matches endpoints exactly', () => {
    expect(resolver.resolve('/x')).toBeNull();
    expect(resolver.resolve('/shop')).toBeNull();
    expect(resolver.resolve('/shop/3/extra/')).toBeNull();
  });

  it('resolves through include prefixes with full route, names and namespaces', () => {
    expect(resolver.resolve('/shop/')).toMatchObject({
      route: 'shop/',
      name: 'shop:index',
      urlName: 'index',
      namespaces: ['shop'],
      params: {},
    });
    expect(resolver.resolve('/shop/3/')).toMatchObject({
      route: 'shop/<int:id>/',
      name: 'shop:detail',
      params: { id: 3 },
    });
  });

  it('merges prefix captures, include kwargs and endpoint captures', () => {
    const m = resolver.resolve('/blog/news/7/');
    expect(m).toMatchObject({
      route: 'blog/<slug:cat>/<int:id>/',
      name: 'post',
      params: { cat: 'news', id: 7, section: 'blog' },
    });
  });

  it('path kwargs override captured params, as Django does', () => {
    expect(resolver.resolve('/k/5/')?.params).toEqual({ id: 'overridden', extra: true });
  });

  it('rePath: named groups are strings, positional groups are numbered, unanchored end is searched', () => {
    expect(resolver.resolve('/archive/2024/')).toMatchObject({
      route: '^archive/(?P<year>[0-9]{4})/$',
      params: { year: '2024' },
    });
    expect(resolver.resolve('/archive/2024/x')).toBeNull();
    expect(resolver.resolve('/old/abc/12/')?.params).toEqual({ 0: 'abc', 1: '12' });
    expect(resolver.resolve('/prefix-and-more')?.view.name).toBe('searched');
  });

  it('params objects are fresh per request (views may mutate them)', () => {
    const a = resolver.resolve('/')!;
    a.params.x = 1;
    expect(resolver.resolve('/')!.params).toEqual({});
  });

  it('an include whose children do not match falls through to later patterns', () => {
    const r = new UrlResolver([
      path('a/', include([path('x/', view('ax'))])),
      path('a/<str:rest>/', view('fallback')),
    ]);
    expect(r.resolve('/a/y/')?.view.name).toBe('fallback');
    expect(r.resolve('/a/x/')?.view.name).toBe('ax');
  });

  it('accepts imported urlconf modules and their appName as the namespace', () => {
    const mod = { default: [path('x/', view('mx'), { name: 'x' })], appName: 'mod' };
    const r = new UrlResolver([
      path('m/', include(mod)),
      path('n/', include({ urlpatterns: mod.default })),
    ]);
    expect(r.resolve('/m/x/')?.name).toBe('mod:x');
    expect(r.reverse('mod:x')).toBe('/m/x/');
    expect(r.reverse('x')).toBe('/n/x/');
  });
});

describe('tried', () => {
  const r = new UrlResolver([
    path('a/', view('a'), { name: 'dup' }),
    path(
      'shop/',
      include([path('<int:id>/', view('d'), { name: 'detail' }), path('x/', view('x'))], {
        namespace: 'shop',
      }),
    ),
    path('empty/', include([])),
    rePath('^re/(?P<year>[0-9]{4})/$', view('re'), { name: 're' }),
  ]);

  it('lists every pattern without a path', () => {
    expect(r.tried()).toEqual([
      "a/ [name='dup']",
      "shop/ <int:id>/ [name='detail']",
      'shop/ x/',
      'empty/',
      "^re/(?P<year>[0-9]{4})/$ [name='re']",
    ]);
  });

  it('lists what Django tried for a path: non-matching includes alone', () => {
    expect(r.tried('/nothing/')).toEqual([
      "a/ [name='dup']",
      'shop/',
      'empty/',
      "^re/(?P<year>[0-9]{4})/$ [name='re']",
    ]);
    expect(r.tried('/shop/zz/')).toContain("shop/ <int:id>/ [name='detail']");
  });
});

describe('reverse', () => {
  const r = new UrlResolver([
    path('a/', view('a'), { name: 'dup' }),
    path('b/', view('b'), { name: 'dup' }),
    path(
      'shop/',
      include([path('<int:id>/', view('d'), { name: 'detail' })], { namespace: 'shop' }),
    ),
    path('one/', include([path('x/', view('x1'), { name: 'x' })], { namespace: 'ns' })),
    path('two/', include([path('x/', view('x2'), { name: 'x' })], { namespace: 'ns' })),
    path('', include([path('c/', view('c1'), { name: 'c' })])),
    path('', include([path('c2/', view('c2'), { name: 'c' })])),
    path(
      'outer/',
      include(
        [
          path(
            'inner/',
            include([path('leaf/', view('leaf'), { name: 'leaf' })], { namespace: 'in' }),
          ),
        ],
        { namespace: 'out' },
      ),
    ),
    path('k/', view('k'), { name: 'kw', kwargs: { year: 2024 } }),
    path('q/<str:s>/', view('q'), { name: 'q' }),
    path('p/<path:p>', view('p'), { name: 'p' }),
    rePath('^re/(?P<year>[0-9]{4})/$', view('re'), { name: 're' }),
    rePath('^re2/\\.x/(?P<slug>[a-z-]+)$', view('re2'), { name: 're2' }),
    rePath('^opt/(?P<n>[0-9]+)?/$', view('opt'), { name: 'opt' }),
    rePath('^any/.*$', view('any'), { name: 'any' }),
  ]);

  // Expected values generated with Django 3.2.25's reverse() for the same urlconf.
  it.each([
    ['dup', {}, '/b/'],
    ['shop:detail', { id: 3 }, '/shop/3/'],
    ['ns:x', {}, '/one/x/'],
    ['c', {}, '/c2/'],
    ['out:in:leaf', {}, '/outer/inner/leaf/'],
    ['kw', {}, '/k/'],
    ['kw', { year: 2024 }, '/k/'],
    [
      'q',
      { s: "a b?c#d%e&f=g@h:i~j!k$l'm(n)o*p+q,r;s \u00e9" },
      "/q/a%20b%3Fc%23d%25e&f=g@h:i~j!k$l'm(n)o*p+q,r;s%20%C3%A9/",
    ],
    ['re', { year: 2024 }, '/re/2024/'],
    ['re2', { slug: 'a-b' }, '/re2/.x/a-b'],
  ] as const)('%s %j -> %s', (name, params, url) => {
    expect(r.reverse(name, params)).toBe(url);
  });

  it('percent-escapes a leading double slash so the URL is not scheme-relative', () => {
    expect(r.reverse('p', { p: '/not-leading/x' })).toBe('/p//not-leading/x');
    const root = new UrlResolver([path('<path:p>', view('p'), { name: 'p' })]);
    expect(root.reverse('p', { p: '/evil.example/' })).toBe('/%2Fevil.example/');
  });

  it('adds query and fragment', () => {
    expect(
      r.reverse('shop:detail', { id: 3 }, { query: { page: '2', q: 'a b' }, fragment: 'top' }),
    ).toBe('/shop/3/?page=2&q=a+b#top');
    expect(r.reverse('dup', {}, { query: {} })).toBe('/b/');
  });

  // Messages as Django 3.2.25 words them, with routes instead of regexes in the tried list.
  it.each([
    [
      'nope',
      {},
      "Reverse for 'nope' not found. 'nope' is not a valid view function or pattern name.",
    ],
    [
      'shop:detail',
      {},
      "Reverse for 'detail' with no arguments not found. 1 pattern(s) tried: ['shop/<int:id>/']",
    ],
    [
      'shop:detail',
      { id: 'x' },
      "Reverse for 'detail' with keyword arguments '{'id': 'x'}' not found. 1 pattern(s) tried: ['shop/<int:id>/']",
    ],
    [
      'shop:detail',
      { id: 3, extra: 1 },
      "Reverse for 'detail' with keyword arguments '{'id': 3, 'extra': 1}' not found.",
    ],
    [
      'kw',
      { year: 2023 },
      "Reverse for 'kw' with keyword arguments '{'year': 2023}' not found. 1 pattern(s) tried: ['k/']",
    ],
    ['nope:detail', {}, "'nope' is not a registered namespace"],
    ['shop:nope:x', {}, "'nope' is not a registered namespace inside 'shop'"],
    ['out:nope:leaf', {}, "'nope' is not a registered namespace inside 'out'"],
    [
      'shop:nope',
      {},
      "Reverse for 'nope' not found. 'nope' is not a valid view function or pattern name.",
    ],
    ['detail', { id: 3 }, "Reverse for 'detail' not found."],
    ['q', { s: 'a/b' }, "Reverse for 'q' with keyword arguments"],
    ['re', { year: 24 }, "Reverse for 're' with keyword arguments"],
    ['opt', { n: 1 }, "Reverse for 'opt' not found."],
    ['any', {}, "Reverse for 'any' not found."],
  ] as const)('%s %j throws NoReverseMatch: %s', (name, params, message) => {
    expect(() => r.reverse(name, params)).toThrow(NoReverseMatch);
    expect(() => r.reverse(name, params)).toThrow(message);
  });

  it('int params reject negatives and fractions', () => {
    expect(() => r.reverse('shop:detail', { id: -1 })).toThrow(NoReverseMatch);
    expect(() => r.reverse('shop:detail', { id: 1.5 })).toThrow(NoReverseMatch);
  });
});

describe('staticUrls', () => {
  it('lists named patterns without parameters, in definition order, with namespaces', async () => {
    const { path, include, UrlResolver } = await import('../../../src/runtime/urls/index.js');
    const { HttpResponse } = await import('../../../src/runtime/http/index.js');
    const view = () => new HttpResponse('');
    const resolver = new UrlResolver([
      path('', view, { name: 'home' }),
      path('item/<int:id>/', view, { name: 'item' }),
      path('about/', view),
      path('shop/', include([path('cart/', view, { name: 'cart' })], { namespace: 'shop' })),
      path('hits/', view, { name: 'hits' }),
    ]);
    expect(resolver.staticUrls()).toEqual([
      { name: 'home', url: '/' },
      { name: 'shop:cart', url: '/shop/cart/' },
      { name: 'hits', url: '/hits/' },
    ]);
  });
});

describe('reverse without params is remembered', () => {
  it('gives the same URL again, still applies query and fragment, and keeps failing for unknown names', async () => {
    const { path, UrlResolver, NoReverseMatch } = await import(
      '../../../src/runtime/urls/index.js'
    );
    const { HttpResponse } = await import('../../../src/runtime/http/index.js');
    const view = () => new HttpResponse('');
    const resolver = new UrlResolver([
      path('hits/', view, { name: 'hits' }),
      path('n/<int:id>/', view, { name: 'n' }),
    ]);
    expect(resolver.reverse('hits')).toBe('/hits/');
    expect(resolver.reverse('hits')).toBe('/hits/');
    expect(resolver.reverse('hits', {}, { query: { a: '1' }, fragment: 'x' })).toBe('/hits/?a=1#x');
    expect(resolver.reverse('hits')).toBe('/hits/');
    expect(() => resolver.reverse('n')).toThrow(NoReverseMatch);
    expect(() => resolver.reverse('n')).toThrow(NoReverseMatch);
    expect(resolver.reverse('n', { id: 4 })).toBe('/n/4/');
  });
});
