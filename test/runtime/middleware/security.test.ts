/**
 * SecurityMiddleware against Django 5.2's tests/middleware/test_security.py
 * (SecurityMiddlewareTest): one row per Django test, named after it.
 */
import { describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import type { Settings, SettingsInput } from '../../../src/runtime/conf/settings.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { HttpResponse } from '../../../src/runtime/http/response.js';
import { SecurityMiddleware } from '../../../src/runtime/middleware/security.js';

function settingsWith(extra: Partial<SettingsInput> = {}): Readonly<Settings> {
  return defineSettings({
    BASE_DIR: '/srv/site',
    SECRET_KEY: 'test',
    ALLOWED_HOSTS: ['testserver'],
    ...extra,
  });
}

function request(
  url = '/some/url',
  { secure = false, settings = settingsWith() }: { secure?: boolean; settings?: Settings } = {},
): HttpRequest {
  const r = new HttpRequest({
    method: 'GET',
    url,
    headers: { host: 'testserver' },
    encrypted: secure,
  });
  r.settings = settings;
  return r;
}

/** Django's `process_response`: the middleware around a view that sets `headers`. */
async function processResponse(
  extra: Partial<SettingsInput>,
  { secure = false, headers = {} }: { secure?: boolean; headers?: Record<string, string> } = {},
): Promise<HttpResponse> {
  const settings = settingsWith(extra);
  const mw = await SecurityMiddleware(async () => new HttpResponse('', { headers }), settings);
  return mw(request('/some/url', { secure, settings }));
}

/** Django's `process_request`: the redirect, or null when the view would be called. */
async function processRequest(
  extra: Partial<SettingsInput>,
  url: string,
  secure = false,
): Promise<HttpResponse | null> {
  const settings = settingsWith(extra);
  const reached = new HttpResponse('view');
  const mw = await SecurityMiddleware(async () => reached, settings);
  const response = await mw(request(url, { secure, settings }));
  return response === reached ? null : response;
}

type HeaderRow = [
  django: string,
  settings: Partial<SettingsInput>,
  options: { secure?: boolean; headers?: Record<string, string> },
  header: string,
  expected: string | null,
];

describe('SecurityMiddleware: response headers (Django SecurityMiddlewareTest)', () => {
  const STS = 'Strict-Transport-Security';
  const rows: HeaderRow[] = [
    ['test_sts_on', { SECURE_HSTS_SECONDS: 3600 }, { secure: true }, STS, 'max-age=3600'],
    [
      'test_sts_already_present',
      { SECURE_HSTS_SECONDS: 3600 },
      { secure: true, headers: { [STS]: 'max-age=7200' } },
      STS,
      'max-age=7200',
    ],
    ['test_sts_only_if_secure', { SECURE_HSTS_SECONDS: 3600 }, { secure: false }, STS, null],
    ['test_sts_off', { SECURE_HSTS_SECONDS: 0 }, { secure: true }, STS, null],
    [
      'test_sts_include_subdomains',
      { SECURE_HSTS_SECONDS: 600, SECURE_HSTS_INCLUDE_SUBDOMAINS: true },
      { secure: true },
      STS,
      'max-age=600; includeSubDomains',
    ],
    [
      'test_sts_no_include_subdomains',
      { SECURE_HSTS_SECONDS: 600, SECURE_HSTS_INCLUDE_SUBDOMAINS: false },
      { secure: true },
      STS,
      'max-age=600',
    ],
    [
      'test_sts_preload',
      { SECURE_HSTS_SECONDS: 10886400, SECURE_HSTS_PRELOAD: true },
      { secure: true },
      STS,
      'max-age=10886400; preload',
    ],
    [
      'test_sts_subdomains_and_preload',
      {
        SECURE_HSTS_SECONDS: 10886400,
        SECURE_HSTS_INCLUDE_SUBDOMAINS: true,
        SECURE_HSTS_PRELOAD: true,
      },
      { secure: true },
      STS,
      'max-age=10886400; includeSubDomains; preload',
    ],
    [
      'test_sts_no_preload',
      { SECURE_HSTS_SECONDS: 10886400, SECURE_HSTS_PRELOAD: false },
      { secure: true },
      STS,
      'max-age=10886400',
    ],
    [
      'test_content_type_on',
      { SECURE_CONTENT_TYPE_NOSNIFF: true },
      {},
      'X-Content-Type-Options',
      'nosniff',
    ],
    [
      'test_content_type_already_present',
      { SECURE_CONTENT_TYPE_NOSNIFF: true },
      { secure: true, headers: { 'X-Content-Type-Options': 'foo' } },
      'X-Content-Type-Options',
      'foo',
    ],
    [
      'test_content_type_off',
      { SECURE_CONTENT_TYPE_NOSNIFF: false },
      {},
      'X-Content-Type-Options',
      null,
    ],
    ['test_referrer_policy_off', { SECURE_REFERRER_POLICY: null }, {}, 'Referrer-Policy', null],
    ...(
      [
        ['strict-origin', 'strict-origin'],
        ['strict-origin,origin', 'strict-origin,origin'],
        ['strict-origin, origin', 'strict-origin,origin'],
      ] as const
    ).map(
      ([value, expected]): HeaderRow => [
        `test_referrer_policy_on (${value})`,
        { SECURE_REFERRER_POLICY: value },
        {},
        'Referrer-Policy',
        expected,
      ],
    ),
    [
      'test_referrer_policy_already_present',
      { SECURE_REFERRER_POLICY: 'strict-origin' },
      { headers: { 'Referrer-Policy': 'unsafe-url' } },
      'Referrer-Policy',
      'unsafe-url',
    ],
    [
      'test_coop_off',
      { SECURE_CROSS_ORIGIN_OPENER_POLICY: null },
      {},
      'Cross-Origin-Opener-Policy',
      null,
    ],
    ['test_coop_default', {}, {}, 'Cross-Origin-Opener-Policy', 'same-origin'],
    ...['same-origin', 'same-origin-allow-popups', 'unsafe-none'].map(
      (value): HeaderRow => [
        `test_coop_on (${value})`,
        { SECURE_CROSS_ORIGIN_OPENER_POLICY: value },
        {},
        'Cross-Origin-Opener-Policy',
        value,
      ],
    ),
    [
      'test_coop_already_present',
      { SECURE_CROSS_ORIGIN_OPENER_POLICY: 'unsafe-none' },
      { headers: { 'Cross-Origin-Opener-Policy': 'same-origin' } },
      'Cross-Origin-Opener-Policy',
      'same-origin',
    ],
  ];

  it.each(rows)('%s', async (_django, extra, options, header, expected) => {
    const response = await processResponse(extra, options);
    expect(response.headers.get(header) ?? null).toBe(expected);
  });
});

describe('SecurityMiddleware: SECURE_SSL_REDIRECT (Django SecurityMiddlewareTest)', () => {
  const rows: [
    django: string,
    settings: Partial<SettingsInput>,
    url: string,
    secure: boolean,
    location: string | null,
  ][] = [
    [
      'test_ssl_redirect_on',
      { SECURE_SSL_REDIRECT: true },
      '/some/url?query=string',
      false,
      'https://testserver/some/url?query=string',
    ],
    ['test_no_redirect_ssl', { SECURE_SSL_REDIRECT: true }, '/some/url', true, null],
    [
      'test_redirect_exempt',
      { SECURE_SSL_REDIRECT: true, SECURE_REDIRECT_EXEMPT: ['^insecure/'] },
      '/insecure/page',
      false,
      null,
    ],
    [
      'test_redirect_ssl_host',
      { SECURE_SSL_REDIRECT: true, SECURE_SSL_HOST: 'secure.example.com' },
      '/some/url',
      false,
      'https://secure.example.com/some/url',
    ],
    ['test_ssl_redirect_off', { SECURE_SSL_REDIRECT: false }, '/some/url', false, null],
    // Tango's own rows.
    [
      'exempt patterns are searched, not matched, as re.search (Tango)',
      { SECURE_SSL_REDIRECT: true, SECURE_REDIRECT_EXEMPT: ['health'] },
      '/api/health/',
      false,
      null,
    ],
    [
      'a RegExp works as an exempt pattern (Tango)',
      { SECURE_SSL_REDIRECT: true, SECURE_REDIRECT_EXEMPT: [/^health\/$/g] },
      '/health/',
      false,
      null,
    ],
    [
      'the redirect keeps an encoded path and IRI query (Tango)',
      { SECURE_SSL_REDIRECT: true },
      '/caf%C3%A9/?q=caf\u00e9',
      false,
      'https://testserver/caf%C3%A9/?q=caf%C3%A9',
    ],
    [
      'SECURE_PROXY_SSL_HEADER makes a proxied request secure: no redirect (Tango)',
      { SECURE_SSL_REDIRECT: true, SECURE_PROXY_SSL_HEADER: ['X-Forwarded-Proto', 'https'] },
      '/proxied',
      false,
      null,
    ],
  ];

  it.each(rows)('%s', async (_django, extra, url, secure, location) => {
    const settings = settingsWith(extra);
    const reached = new HttpResponse('view');
    const mw = await SecurityMiddleware(async () => reached, settings);
    const r = new HttpRequest({
      method: 'GET',
      url,
      headers: { host: 'testserver', 'x-forwarded-proto': 'https' },
      encrypted: secure,
    });
    r.settings = settings;
    // Only the proxy row configures SECURE_PROXY_SSL_HEADER; elsewhere the header is ignored.
    const response = await mw(r);
    if (location === null) {
      expect(response).toBe(reached);
    } else {
      expect(response.status).toBe(301);
      expect(response.headers.get('Location')).toBe(location);
    }
  });

  it('a disallowed host is refused (DisallowedHost), not redirected to', async () => {
    const redirect = await processRequest({ SECURE_SSL_REDIRECT: true }, '/x');
    expect(redirect?.headers.get('Location')).toBe('https://testserver/x');
    const settings = settingsWith({ SECURE_SSL_REDIRECT: true });
    const mw = await SecurityMiddleware(async () => new HttpResponse(), settings);
    const evil = new HttpRequest({ method: 'GET', url: '/x', headers: { host: 'evil.example' } });
    evil.settings = settings;
    await expect(mw(evil)).rejects.toThrow(/Invalid HTTP_HOST header/);
  });

  it('HSTS comes first, in the order Django sets the headers', async () => {
    const response = await processResponse({ SECURE_HSTS_SECONDS: 60 }, { secure: true });
    expect([...response.headers].map(([name]) => name)).toEqual([
      'Content-Type',
      'Strict-Transport-Security',
      'X-Content-Type-Options',
      'Referrer-Policy',
      'Cross-Origin-Opener-Policy',
    ]);
  });
});

describe('SECURE_* settings are validated by defineSettings, naming the setting', () => {
  it.each([
    [{ SECURE_HSTS_SECONDS: -1 }, 'SECURE_HSTS_SECONDS'],
    [{ SECURE_HSTS_SECONDS: 1.5 }, 'SECURE_HSTS_SECONDS'],
    [{ SECURE_HSTS_SECONDS: '3600' }, 'SECURE_HSTS_SECONDS'],
    [{ SECURE_HSTS_PRELOAD: 'yes' }, 'SECURE_HSTS_PRELOAD'],
    [{ SECURE_HSTS_INCLUDE_SUBDOMAINS: 1 }, 'SECURE_HSTS_INCLUDE_SUBDOMAINS'],
    [{ SECURE_SSL_REDIRECT: 'true' }, 'SECURE_SSL_REDIRECT'],
    [{ SECURE_SSL_HOST: 'https://secure.example.com' }, 'SECURE_SSL_HOST'],
    [{ SECURE_REDIRECT_EXEMPT: '^x/' }, 'SECURE_REDIRECT_EXEMPT'],
    [{ SECURE_REDIRECT_EXEMPT: ['(unclosed'] }, 'SECURE_REDIRECT_EXEMPT[0]'],
    [{ SECURE_CROSS_ORIGIN_OPENER_POLICY: 1 }, 'SECURE_CROSS_ORIGIN_OPENER_POLICY'],
  ])('%o', (extra, name) => {
    expect(() => settingsWith(extra as Partial<SettingsInput>)).toThrow(ImproperlyConfigured);
    expect(() => settingsWith(extra as Partial<SettingsInput>)).toThrow(name);
  });

  it("has Django's defaults", () => {
    const s = settingsWith();
    expect([
      s.SECURE_HSTS_SECONDS,
      s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
      s.SECURE_HSTS_PRELOAD,
      s.SECURE_SSL_REDIRECT,
      s.SECURE_SSL_HOST,
      s.SECURE_REDIRECT_EXEMPT,
      s.SECURE_CROSS_ORIGIN_OPENER_POLICY,
    ]).toEqual([0, false, false, false, null, [], 'same-origin']);
  });

  it('an invalid COOP value fails when the middleware is created', async () => {
    await expect(
      (async () =>
        SecurityMiddleware(
          async () => new HttpResponse(),
          settingsWith({ SECURE_CROSS_ORIGIN_OPENER_POLICY: 'invalid-value' }),
        ))(),
    ).rejects.toThrow("SECURE_CROSS_ORIGIN_OPENER_POLICY 'invalid-value' is invalid");
  });
});
