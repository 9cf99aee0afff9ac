/**
 * Django's own CSRF tests (tests/csrf_tests/tests.py of Django 5.x), ported case by case to a
 * table: every row names the Django test it comes from. Django calls `process_request` and
 * `process_view` by hand and expects `None` (accepted) or a 403; here each request goes through
 * `CsrfViewMiddleware` (or a view wrapper, where Django's test uses the decorator) to a view
 * that answers 200 'OK', so "accepted" is a 200 from the view.
 *
 * `CsrfViewMiddlewareTestMixin` runs twice, as in Django: with the secret in the cookie and with
 * `CSRF_USE_SESSIONS` (the secret in a recording fake session, Django's `TestingSessionStore`).
 *
 * Not ported, because they do not apply: `test_reading_post_data_raises_unreadable_post_error`
 * and `test_reading_post_data_raises_os_error` (the server reads the whole body before the
 * middleware runs: there is no lazy `request.POST` to fail), the assertions on the cached
 * properties `allowed_origins_exact` / `allowed_origin_subdomains` (private here; their effect
 * is tested), and `X-Forwarded-Port` (`USE_X_FORWARDED_PORT` is not a Tango setting: the port
 * of the Referer rule comes from the Host header; see src/runtime/middleware/csrf.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import type { Settings, SettingsInput } from '../../../src/runtime/conf/settings.js';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { HttpResponse, HttpResponseNotFound } from '../../../src/runtime/http/response.js';
import {
  CSRF_ALLOWED_CHARS,
  CSRF_SECRET_LENGTH,
  CSRF_SESSION_KEY,
  CSRF_TOKEN_LENGTH,
  CsrfViewMiddleware,
  InvalidTokenFormat,
  REASON_BAD_ORIGIN,
  REASON_CSRF_TOKEN_MISSING,
  REASON_NO_CSRF_COOKIE,
  checkTokenFormat,
  csrfExempt,
  csrfProtect,
  doesTokenMatch,
  ensureCsrfCookie,
  getToken,
  maskCipherSecret,
  requiresCsrfToken,
  rotateToken,
  unmaskCipherToken,
} from '../../../src/runtime/middleware/csrf.js';
import type { GetResponse } from '../../../src/runtime/middleware/types.js';
import { render } from '../../../src/runtime/shortcuts.js';
import { TemplateEngine, configureTemplates } from '../../../src/runtime/template/index.js';
import {
  path as route,
  setUrlconf,
  UrlResolver,
  type View,
} from '../../../src/runtime/urls/index.js';

/** Django's test secret and two masked versions of it. */
const TEST_SECRET = 'lcccccccX2kcccccccY2jcccccccssIC';
const MASKED_TEST_SECRET1 = '1bcdefghij2bcdefghij3bcdefghij4bcdefghij5bcdefghij6bcdefghijABCD';
const MASKED_TEST_SECRET2 = '2JgchWvM1tpxT2lfz9aydoXW9yT1DN3NdLiejYxOOlzzV4nhBbYqmqZYbAV3V5Bf';

/** Django's `assertMaskedSecretCorrect`. */
function expectMaskedSecret(masked: string, secret: string): void {
  expect(masked).toHaveLength(CSRF_TOKEN_LENGTH);
  expect(secret).toHaveLength(CSRF_SECRET_LENGTH);
  expect(
    [...masked].every((c) => CSRF_ALLOWED_CHARS.includes(c)),
    masked,
  ).toBe(true);
  expect(unmaskCipherToken(masked)).toBe(secret);
}

// ---------------------------------------------------------------------------------------------
// CsrfFunctionTests

describe('CsrfFunctionTests', () => {
  it.each([
    [TEST_SECRET, MASKED_TEST_SECRET1],
    [TEST_SECRET, MASKED_TEST_SECRET2],
    ['a'.repeat(32), 'vFioG3XOLyGyGsPRFyB9iYUs341ufzIEvFioG3XOLyGyGsPRFyB9iYUs341ufzIE'],
    ['a'.repeat(32), 'a'.repeat(64)],
    ['a'.repeat(32), 'b'.repeat(64)],
    ['b'.repeat(32), 'a'.repeat(32) + 'b'.repeat(32)],
    ['b'.repeat(32), 'b'.repeat(32) + 'c'.repeat(32)],
    ['c'.repeat(32), 'a'.repeat(32) + 'c'.repeat(32)],
  ])('test_unmask_cipher_token: %s from %s', (secret, masked) => {
    expect(unmaskCipherToken(masked)).toBe(secret);
  });

  it.each(['a'.repeat(32), TEST_SECRET, 'da4SrUiHJYoJ0HYQ0vcgisoIuFOxx4ER'])(
    'test_mask_cipher_secret: %s',
    (secret) => {
      expectMaskedSecret(maskCipherSecret(secret), secret);
    },
  );

  it.each([TEST_SECRET, MASKED_TEST_SECRET1, 'a'.repeat(64)])(
    'test_check_token_format_valid: %s',
    (token) => {
      expect(checkTokenFormat(token)).toBeUndefined();
    },
  );

  it.each([
    ['*'.repeat(64), 'has invalid characters'],
    ['a'.repeat(16), 'has incorrect length'],
  ])('test_check_token_format_invalid: %s', (token, message) => {
    expect(() => checkTokenFormat(token)).toThrow(InvalidTokenFormat);
    expect(() => checkTokenFormat(token)).toThrow(message);
  });

  it.each<[string, string, boolean]>([
    [MASKED_TEST_SECRET1, TEST_SECRET, true],
    [MASKED_TEST_SECRET2, TEST_SECRET, true],
    ['a'.repeat(64), unmaskCipherToken('a'.repeat(64)), true],
    [TEST_SECRET, TEST_SECRET, true],
    ['a'.repeat(32), 'a'.repeat(32), true],
    ['a'.repeat(32), TEST_SECRET, false],
    ['a'.repeat(64), TEST_SECRET, false],
    // test_does_token_match_wrong_token_length: Django asserts; Tango answers false.
    ['a'.repeat(16), TEST_SECRET, false],
  ])('test_does_token_match: %s vs %s -> %s', (token, secret, expected) => {
    expect(doesTokenMatch(token, secret)).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// The harness: Django's TestingHttpRequest, TestingSessionStore, TestingHttpResponse and the
// views of tests/csrf_tests/views.py.

/** Django's TestingSessionStore: records every value stored (the secrets "set"). */
class TestingSession {
  readonly data = new Map<string, unknown>();
  readonly cookiesSet: unknown[] = [];
  modified = false;
  get(key: string, fallback?: unknown): unknown {
    return this.data.has(key) ? this.data.get(key) : fallback;
  }
  set(key: string, value: unknown): void {
    this.data.set(key, value);
    this.modified = true;
    this.cookiesSet.push(value);
  }
}

/** Django's TestingHttpResponse: records the values passed to set_cookie(). */
class TestingHttpResponse extends HttpResponse {
  readonly cookiesSet: string[] = [];
  override setCookie(name: string, value: string | number = '', options = {}): this {
    this.cookiesSet.push(String(value));
    return super.setCookie(name, value, options);
  }
}

type Mode = 'cookie' | 'session';

interface RequestSpec {
  method?: string;
  path?: string;
  /** The secret the client holds (cookie, or session value); undefined: none. */
  cookie?: string;
  /** `csrfmiddlewaretoken` in a urlencoded body. */
  post?: string;
  /** The token header (`X-CSRFToken` unless `tokenHeader`). */
  meta?: string;
  tokenHeader?: string;
  headers?: Record<string, string>;
  secure?: boolean;
}

let currentSettings: Readonly<Settings>;

function makeRequest(mode: Mode, spec: RequestSpec): HttpRequest {
  const headers: Record<string, string> = { host: 'testserver', ...(spec.headers ?? {}) };
  if (mode === 'cookie' && spec.cookie !== undefined) headers.cookie = `csrftoken=${spec.cookie}`;
  let body: Buffer | undefined;
  if (spec.post !== undefined) {
    body = Buffer.from(new URLSearchParams({ csrfmiddlewaretoken: spec.post }).toString());
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (spec.meta !== undefined) headers[spec.tokenHeader ?? 'x-csrftoken'] = spec.meta;
  const request = new HttpRequest({
    method: spec.method ?? 'GET',
    url: spec.path ?? '/post/',
    headers,
    body,
    encrypted: spec.secure ?? false,
  });
  request.settings = currentSettings;
  if (mode === 'session') {
    const session = new TestingSession();
    if (spec.cookie !== undefined) session.set(CSRF_SESSION_KEY, spec.cookie);
    (request as unknown as { session: TestingSession }).session = session;
  }
  return request;
}

function sessionOf(request: HttpRequest): TestingSession {
  return request.session as unknown as TestingSession;
}

/** Django's `_read_csrf_cookie`: the secret sent back, or false. */
function readCsrfCookie(mode: Mode, request: HttpRequest, response: HttpResponse): string | false {
  if (mode === 'session') {
    const value = sessionOf(request).get(CSRF_SESSION_KEY);
    return typeof value === 'string' ? value : false;
  }
  return response.cookies.get('csrftoken')?.value ?? false;
}

/** Django's `_get_cookies_set`. */
function cookiesSet(mode: Mode, request: HttpRequest, response: HttpResponse): unknown[] {
  return mode === 'session'
    ? sessionOf(request).cookiesSet
    : (response as TestingHttpResponse).cookiesSet;
}

/** Django's `_check_token_present`: the page's form token unmasks to `secret`. */
function expectTokenPresent(response: HttpResponse, secret = TEST_SECRET): void {
  const match = /name="csrfmiddlewaretoken" value="(.*?)"/.exec(response.text());
  expect(match, `no csrfmiddlewaretoken in ${response.text()}`).toBeTruthy();
  expectMaskedSecret(match![1]!, secret);
}

const ok: View = () => new TestingHttpResponse('OK');
/** post_form_view: a page with a form and no token. */
const postFormView: View = () =>
  new HttpResponse(
    '<html><body><h1>\u00a1Unicode!<form method="post"><input type="text"></form></body></html>',
  );
/** token_view: renders `{% csrf_token %}` (here `{{csrf_input}}`). */
const tokenView: View = (request) => render(request, 'token.html');
/** non_token_view_using_request_processor: the token is in the context but unused. */
const nonTokenView: View = (request) => render(request, 'empty.html');
/** _CsrfCookieRotator as a wrapper: rotate_token() after the inner view (process_response). */
function rotating(view: View): View {
  return async (request, params) => {
    const response = await view(request, params);
    rotateToken(request);
    return response;
  };
}
const sandwichedRotateTokenView = csrfProtect(rotating(ensureCsrfCookie(ok)));
const ensuredAndProtectedView = csrfProtect(ensureCsrfCookie(ok));

const URLS = [
  route('post/', postFormView),
  route('token/', tokenView),
  route('nontoken/', nonTokenView),
  route('exempt-post/', csrfExempt(postFormView)),
  route('exempt-token/', csrfExempt(tokenView)),
  route('ensure/', ensureCsrfCookie(ok)),
  route('protected/', csrfProtect(ok)),
];

/** The chain of the tests: the middleware (unless `bare`) around the resolved view. */
async function middleware(): Promise<GetResponse> {
  const resolver = new UrlResolver(URLS);
  const handler: GetResponse = async (request) => {
    const match = resolver.resolve(request.path);
    if (!match) return render(request, '404.html', {}, { status: 404 });
    return match.view(request, match.params);
  };
  return CsrfViewMiddleware(handler, currentSettings);
}

function configureSettings(mode: Mode, extra: Partial<SettingsInput> = {}): void {
  currentSettings = defineSettings({
    BASE_DIR: '/srv/site',
    SECRET_KEY: 'test',
    ALLOWED_HOSTS: ['testserver'],
    ...(mode === 'session' ? { CSRF_USE_SESSIONS: true, CSRF_COOKIE_DOMAIN: null } : {}),
    ...extra,
  });
}

let templates: string;
let logs: string[] = [];
let restoreLogs: () => void;

beforeAll(async () => {
  templates = await mkdtemp(path.join(os.tmpdir(), 'tango-csrf-'));
  await writeFile(path.join(templates, 'token.html'), '{{csrf_input}}');
  await writeFile(path.join(templates, 'empty.html'), '');
  await writeFile(path.join(templates, '404.html'), '{{csrf_token}}');
  configureTemplates(await TemplateEngine.create({ dirs: [templates], appDirs: [], debug: false }));
  setUrlconf(new UrlResolver(URLS));
  restoreLogs = setLogSink((name, level, message) => logs.push(`${level} ${name} ${message}`));
});

afterAll(async () => {
  restoreLogs();
  configureTemplates(undefined);
  setUrlconf(undefined);
  await rm(templates, { recursive: true, force: true });
});

afterEach(() => {
  logs = [];
});

/** A refused request: 403, `text/html; charset=utf-8`, and Django's log line naming `reason`. */
function expectRejected(response: HttpResponse, reason: string, requestPath = '/post/'): void {
  expect(response.status).toBe(403);
  expect(response.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
  expect(logs).toEqual([`WARNING tango.security.csrf Forbidden (${reason}): ${requestPath}`]);
}

function expectAccepted(response: HttpResponse): void {
  expect(response.status, response.text().slice(0, 300)).toBe(200);
  expect(logs).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// CsrfViewMiddlewareTestMixin: the declarative rows, run in both modes

interface Row {
  /** The Django test the row comes from. */
  django: string;
  settings?: Partial<SettingsInput>;
  request: RequestSpec;
  /** 'accepted', or the reason of the refusal. */
  expect: 'accepted' | string;
  /** With DEBUG: the 403 page contains the reason (Django's assertContains). */
  page?: boolean;
}

const POST_WITH_TOKEN = { method: 'POST', cookie: MASKED_TEST_SECRET1, post: MASKED_TEST_SECRET2 };
const EXAMPLE = { ALLOWED_HOSTS: ['www.example.com'] };

const MIXIN_ROWS: Row[] = [
  { django: 'test_no_csrf_cookie', request: { method: 'POST' }, expect: REASON_NO_CSRF_COOKIE },
  ...(
    [
      [undefined, undefined, REASON_CSRF_TOKEN_MISSING],
      ['a'.repeat(16), undefined, 'CSRF token from POST has incorrect length.'],
      ['*'.repeat(64), undefined, 'CSRF token from POST has invalid characters.'],
      ['a'.repeat(64), undefined, 'CSRF token from POST incorrect.'],
      [
        undefined,
        'a'.repeat(16),
        "CSRF token from the 'X-Csrftoken' HTTP header has incorrect length.",
      ],
      [
        undefined,
        '*'.repeat(64),
        "CSRF token from the 'X-Csrftoken' HTTP header has invalid characters.",
      ],
      [undefined, 'a'.repeat(64), "CSRF token from the 'X-Csrftoken' HTTP header incorrect."],
    ] as const
  ).map(
    ([post, meta, reason]): Row => ({
      django: 'test_csrf_cookie_bad_or_missing_token',
      request: { method: 'POST', cookie: MASKED_TEST_SECRET1, post, meta },
      expect: reason,
    }),
  ),
  {
    django: 'test_csrf_cookie_bad_token_custom_header',
    settings: { CSRF_HEADER_NAME: 'HTTP_X_CSRFTOKEN_CUSTOMIZED' },
    request: {
      method: 'POST',
      cookie: MASKED_TEST_SECRET1,
      meta: 'a'.repeat(16),
      tokenHeader: 'x-csrftoken-customized',
    },
    expect: "CSRF token from the 'X-Csrftoken-Customized' HTTP header has incorrect length.",
  },
  {
    django: 'test_process_request_csrf_cookie_and_token',
    request: POST_WITH_TOKEN,
    expect: 'accepted',
  },
  {
    django: 'test_process_request_csrf_cookie_no_token_exempt_view',
    request: { method: 'POST', cookie: MASKED_TEST_SECRET1, path: '/exempt-post/' },
    expect: 'accepted',
  },
  {
    django: 'test_csrf_token_in_header',
    request: { method: 'POST', cookie: MASKED_TEST_SECRET1, meta: MASKED_TEST_SECRET2 },
    expect: 'accepted',
  },
  {
    django: 'test_csrf_token_in_header_with_customized_name',
    settings: { CSRF_HEADER_NAME: 'HTTP_X_CSRFTOKEN_CUSTOMIZED' },
    request: {
      method: 'POST',
      cookie: MASKED_TEST_SECRET1,
      meta: MASKED_TEST_SECRET2,
      tokenHeader: 'x-csrftoken-customized',
    },
    expect: 'accepted',
  },
  {
    django: 'test_put_and_delete_rejected (PUT)',
    request: { method: 'PUT' },
    expect: REASON_NO_CSRF_COOKIE,
  },
  {
    django: 'test_put_and_delete_rejected (DELETE)',
    request: { method: 'DELETE' },
    expect: REASON_NO_CSRF_COOKIE,
  },
  {
    django: 'test_put_and_delete_allowed (PUT)',
    request: { method: 'PUT', cookie: MASKED_TEST_SECRET1, meta: MASKED_TEST_SECRET2 },
    expect: 'accepted',
  },
  {
    django: 'test_put_and_delete_allowed (DELETE)',
    request: { method: 'DELETE', cookie: MASKED_TEST_SECRET1, meta: MASKED_TEST_SECRET2 },
    expect: 'accepted',
  },
  {
    django: 'test_https_bad_referer',
    settings: { DEBUG: true, ...EXAMPLE },
    request: {
      ...POST_WITH_TOKEN,
      secure: true,
      headers: { host: 'www.example.com', referer: 'https://www.evil.org/somepage' },
    },
    expect:
      'Referer checking failed - https://www.evil.org/somepage does not match any trusted origins.',
    page: true,
  },
  {
    django: 'test_https_no_referer',
    settings: { DEBUG: true },
    request: { ...POST_WITH_TOKEN, secure: true },
    expect: 'Referer checking failed - no Referer.',
    page: true,
  },
  {
    django: 'test_https_malformed_host',
    request: {
      method: 'POST',
      secure: true,
      headers: { host: '@malformed', referer: 'https://www.evil.org/somepage' },
    },
    expect:
      'Referer checking failed - https://www.evil.org/somepage does not match any trusted origins.',
  },
  {
    django: 'test_origin_malformed_host',
    request: {
      method: 'POST',
      secure: true,
      headers: { host: '@malformed', origin: 'https://www.evil.org' },
    },
    expect: REASON_BAD_ORIGIN.replace('%s', 'https://www.evil.org'),
  },
  ...(
    [
      [
        'http://http://www.example.com/',
        'Referer checking failed - Referer is insecure while host is secure.',
      ],
      ['', 'Referer checking failed - Referer is malformed.'],
      ['ØBöIß', 'Referer checking failed - Referer is malformed.'],
      ['//example.com/', 'Referer checking failed - Referer is malformed.'],
      ['https://', 'Referer checking failed - Referer is malformed.'],
      ['https://[', 'Referer checking failed - Referer is malformed.'],
    ] as const
  ).map(
    ([referer, reason]): Row => ({
      django: 'test_https_malformed_referer',
      settings: { DEBUG: true },
      request: { ...POST_WITH_TOKEN, secure: true, headers: { referer } },
      expect: reason,
      page: true,
    }),
  ),
  {
    django: 'test_https_good_referer',
    settings: EXAMPLE,
    request: {
      ...POST_WITH_TOKEN,
      secure: true,
      headers: { host: 'www.example.com', referer: 'https://www.example.com/somepage' },
    },
    expect: 'accepted',
  },
  {
    django: 'test_https_good_referer_2',
    settings: EXAMPLE,
    request: {
      ...POST_WITH_TOKEN,
      secure: true,
      headers: { host: 'www.example.com', referer: 'https://www.example.com' },
    },
    expect: 'accepted',
  },
  {
    django: 'test_https_good_referer_malformed_host',
    settings: { CSRF_TRUSTED_ORIGINS: ['https://dashboard.example.com'] },
    request: {
      ...POST_WITH_TOKEN,
      secure: true,
      headers: { host: '@malformed', referer: 'https://dashboard.example.com/somepage' },
    },
    expect: 'accepted',
  },
  {
    django: 'test_https_csrf_trusted_origin_allowed',
    settings: { ...EXAMPLE, CSRF_TRUSTED_ORIGINS: ['https://dashboard.example.com'] },
    request: {
      ...POST_WITH_TOKEN,
      secure: true,
      headers: { host: 'www.example.com', referer: 'https://dashboard.example.com' },
    },
    expect: 'accepted',
  },
  {
    django: 'test_https_csrf_wildcard_trusted_origin_allowed',
    settings: { ...EXAMPLE, CSRF_TRUSTED_ORIGINS: ['https://*.example.com'] },
    request: {
      ...POST_WITH_TOKEN,
      secure: true,
      headers: { host: 'www.example.com', referer: 'https://dashboard.example.com' },
    },
    expect: 'accepted',
  },
  ...(
    [
      ['test_bad_origin_bad_domain', 'https://www.evil.org', false, {}],
      ['test_bad_origin_null_origin', 'null', false, {}],
      ['test_bad_origin_bad_protocol', 'http://example.com', true, {}],
      [
        'test_bad_origin_csrf_trusted_origin_bad_protocol',
        'http://foo.example.com',
        true,
        {
          CSRF_TRUSTED_ORIGINS: [
            'http://no-match.com',
            'https://*.example.com',
            'http://*.no-match.com',
            'http://*.no-match-2.com',
          ],
        },
      ],
      ['test_bad_origin_cannot_be_parsed', 'https://[', false, {}],
    ] as const
  ).map(
    ([django, origin, secure, settings]): Row => ({
      django,
      settings: { ...EXAMPLE, ...(settings as Partial<SettingsInput>) },
      request: { ...POST_WITH_TOKEN, secure, headers: { host: 'www.example.com', origin } },
      expect: REASON_BAD_ORIGIN.replace('%s', origin),
    }),
  ),
  ...(
    [
      ['test_good_origin_insecure', 'http://www.example.com', false, {}],
      ['test_good_origin_secure', 'https://www.example.com', true, {}],
      [
        'test_good_origin_csrf_trusted_origin_allowed',
        'https://dashboard.example.com',
        true,
        { CSRF_TRUSTED_ORIGINS: ['https://dashboard.example.com'] },
      ],
      [
        'test_good_origin_wildcard_csrf_trusted_origin_allowed',
        'https://foo.example.com',
        true,
        { CSRF_TRUSTED_ORIGINS: ['https://*.example.com'] },
      ],
    ] as const
  ).map(
    ([django, origin, secure, settings]): Row => ({
      django,
      settings: { ...EXAMPLE, ...(settings as Partial<SettingsInput>) },
      request: { ...POST_WITH_TOKEN, secure, headers: { host: 'www.example.com', origin } },
      expect: 'accepted',
    }),
  ),
];

/** Rows of CsrfViewMiddlewareTests (cookie) and CsrfViewMiddlewareUseSessionsTests only. */
const COOKIE_ROWS: Row[] = [
  {
    django: 'test_bad_csrf_cookie_characters',
    request: { method: 'POST', cookie: '*'.repeat(64) },
    expect: 'CSRF cookie has invalid characters.',
  },
  {
    django: 'test_bad_csrf_cookie_length',
    request: { method: 'POST', cookie: 'a'.repeat(16) },
    expect: 'CSRF cookie has incorrect length.',
  },
  ...(
    [
      [TEST_SECRET, TEST_SECRET, undefined],
      [TEST_SECRET, MASKED_TEST_SECRET2, undefined],
      [TEST_SECRET, undefined, TEST_SECRET],
      [TEST_SECRET, undefined, MASKED_TEST_SECRET2],
      [MASKED_TEST_SECRET1, TEST_SECRET, undefined],
      [MASKED_TEST_SECRET1, MASKED_TEST_SECRET2, undefined],
      [MASKED_TEST_SECRET1, undefined, TEST_SECRET],
      [MASKED_TEST_SECRET1, undefined, MASKED_TEST_SECRET2],
    ] as const
  ).map(
    ([cookie, post, meta]): Row => ({
      django: 'test_masked_unmasked_combinations',
      request: { method: 'POST', path: '/token/', cookie, post, meta },
      expect: 'accepted',
    }),
  ),
  {
    django: 'test_https_good_referer_behind_proxy (no X-Forwarded-Port: the Host has no port)',
    settings: { ...EXAMPLE, CSRF_COOKIE_DOMAIN: '.example.com' },
    request: {
      ...POST_WITH_TOKEN,
      secure: true,
      headers: { host: '10.0.0.2', referer: 'https://www.example.com/somepage' },
    },
    expect: 'accepted',
  },
  {
    django: 'test_https_good_referer_matches_cookie_domain',
    settings: { ...EXAMPLE, CSRF_COOKIE_DOMAIN: '.example.com' },
    request: { ...POST_WITH_TOKEN, secure: true, headers: { referer: 'https://foo.example.com/' } },
    expect: 'accepted',
  },
  {
    django: 'test_https_good_referer_matches_cookie_domain_with_different_port (port from Host)',
    settings: { ...EXAMPLE, CSRF_COOKIE_DOMAIN: '.example.com' },
    request: {
      ...POST_WITH_TOKEN,
      secure: true,
      headers: { host: 'www.example.com:4443', referer: 'https://foo.example.com:4443/' },
    },
    expect: 'accepted',
  },
  {
    django: 'test_https_reject_insecure_referer',
    settings: { CSRF_COOKIE_DOMAIN: '.example.com', DEBUG: true },
    request: { ...POST_WITH_TOKEN, secure: true, headers: { referer: 'http://example.com/' } },
    expect: 'Referer checking failed - Referer is insecure while host is secure.',
    page: true,
  },
];

const SESSION_ROWS: Row[] = [
  // Bare secrets are not allowed when CSRF_USE_SESSIONS=True (as cookies, they are).
  ...(
    [
      [MASKED_TEST_SECRET1, TEST_SECRET, undefined],
      [MASKED_TEST_SECRET1, MASKED_TEST_SECRET2, undefined],
      [MASKED_TEST_SECRET1, undefined, TEST_SECRET],
      [MASKED_TEST_SECRET1, undefined, MASKED_TEST_SECRET2],
    ] as const
  ).map(
    ([cookie, post, meta]): Row => ({
      django: 'test_masked_unmasked_combinations',
      request: { method: 'POST', path: '/token/', cookie, post, meta },
      expect: 'accepted',
    }),
  ),
  ...(
    [
      [
        'test_https_good_referer_behind_proxy (no X-Forwarded-Port: the Host has no port)',
        { host: '10.0.0.2', referer: 'https://www.example.com/somepage' },
      ],
      ['test_https_good_referer_matches_cookie_domain', { referer: 'https://foo.example.com/' }],
      [
        'test_https_good_referer_matches_cookie_domain_with_different_port (port from Host)',
        { host: 'www.example.com:4443', referer: 'https://foo.example.com:4443/' },
      ],
    ] as const
  ).map(
    ([django, headers]): Row => ({
      django,
      settings: { ...EXAMPLE, SESSION_COOKIE_DOMAIN: '.example.com' },
      request: { ...POST_WITH_TOKEN, secure: true, headers },
      expect: 'accepted',
    }),
  ),
  {
    django: 'test_https_reject_insecure_referer',
    settings: { SESSION_COOKIE_DOMAIN: '.example.com', DEBUG: true },
    request: { ...POST_WITH_TOKEN, secure: true, headers: { referer: 'http://example.com/' } },
    expect: 'Referer checking failed - Referer is insecure while host is secure.',
    page: true,
  },
];

describe.each<[string, Mode, Row[]]>([
  ['CsrfViewMiddlewareTests', 'cookie', [...MIXIN_ROWS, ...COOKIE_ROWS]],
  ['CsrfViewMiddlewareUseSessionsTests', 'session', [...MIXIN_ROWS, ...SESSION_ROWS]],
])('%s (table)', (_name, mode, rows) => {
  it.each(rows.map((row) => [row.django, row] as const))('%s', async (_django, row) => {
    configureSettings(mode, row.settings);
    const response = await (await middleware())(makeRequest(mode, row.request));
    if (row.expect === 'accepted') {
      expectAccepted(response);
    } else {
      expectRejected(response, row.expect, row.request.path ?? '/post/');
      if (row.page) expect(response.text()).toContain(row.expect.replace(/'/g, '&#x27;'));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// CsrfViewMiddlewareTestMixin: the tests that are not a single request, in both modes

describe.each<[string, Mode]>([
  ['CsrfViewMiddlewareTests', 'cookie'],
  ['CsrfViewMiddlewareUseSessionsTests', 'session'],
])('%s', (_name, mode) => {
  const run = async (spec: RequestSpec, extra?: Partial<SettingsInput>) => {
    configureSettings(mode, extra);
    const request = makeRequest(mode, spec);
    const response = await (await middleware())(request);
    return { request, response };
  };

  it('test_get_token_csrf_cookie_set', async () => {
    const { request, response } = await run({ path: '/token/', cookie: TEST_SECRET });
    expectTokenPresent(response, TEST_SECRET);
    // The existing secret is kept, and sent again (its age renewed).
    expect(readCsrfCookie(mode, request, response)).toBe(TEST_SECRET);
  });

  it('test_get_token_csrf_cookie_not_set', async () => {
    const { request, response } = await run({ path: '/token/' });
    const secret = readCsrfCookie(mode, request, response);
    expect(secret).toHaveLength(CSRF_SECRET_LENGTH);
    expectTokenPresent(response, secret as string);
  });

  it('test_rotate_token', async () => {
    configureSettings(mode);
    const request = makeRequest(mode, { cookie: TEST_SECRET });
    const mw = await CsrfViewMiddleware(async (r) => {
      rotateToken(r);
      return new TestingHttpResponse('OK');
    }, currentSettings);
    const response = await mw(request);
    const secret = readCsrfCookie(mode, request, response);
    expect(secret).toHaveLength(CSRF_SECRET_LENGTH);
    expect(secret).not.toBe(TEST_SECRET);
  });

  it('test_process_response_get_token_not_used', async () => {
    const { request, response } = await run({ path: '/nontoken/' });
    expect(readCsrfCookie(mode, request, response)).toBe(false);
    expect(response.headers.get('Vary')).toBeUndefined();
  });

  it('test_rotate_token_triggers_second_reset', async () => {
    configureSettings(mode);
    const request = makeRequest(mode, POST_WITH_TOKEN);
    const response = await sandwichedRotateTokenView(request, {});
    expect(response.text()).toBe('OK');
    const actual = readCsrfCookie(mode, request, response);
    // set_cookie() was called a second time with a different secret (the last two; the
    // session variant also records the secret the request started with).
    expect(cookiesSet(mode, request, response).slice(-2)).toEqual([TEST_SECRET, actual]);
    expect(actual).not.toBe(TEST_SECRET);
  });

  it('test_token_node_no_csrf_cookie', async () => {
    configureSettings(mode);
    const request = makeRequest(mode, { path: '/token/' });
    const response = await tokenView(request, {});
    expectTokenPresent(response, unmaskCipherToken(getToken(request)));
  });

  it('test_token_node_empty_csrf_cookie', async () => {
    const { request, response } = await run({ path: '/token/', cookie: '' });
    const secret = unmaskCipherToken(getToken(request));
    expectTokenPresent(response, secret);
    expect(secret).not.toBe('');
  });

  it('test_token_node_with_csrf_cookie', async () => {
    expectTokenPresent((await run({ path: '/token/', cookie: MASKED_TEST_SECRET1 })).response);
  });

  it('test_get_token_for_exempt_view', async () => {
    expectTokenPresent(
      (await run({ path: '/exempt-token/', cookie: MASKED_TEST_SECRET1 })).response,
    );
  });

  it('test_get_token_for_requires_csrf_token_view', async () => {
    configureSettings(mode);
    const request = makeRequest(mode, { path: '/token/', cookie: MASKED_TEST_SECRET1 });
    expectTokenPresent(await requiresCsrfToken(tokenView)(request, {}));
  });

  it('test_token_node_with_new_csrf_cookie', async () => {
    const { request, response } = await run({ path: '/token/' });
    const secret = readCsrfCookie(mode, request, response);
    expectTokenPresent(response, secret as string);
  });

  it('test_cookie_not_reset_on_accepted_request', async () => {
    const { request, response } = await run({ ...POST_WITH_TOKEN, path: '/token/' });
    expect(readCsrfCookie(mode, request, response)).toBe(TEST_SECRET);
  });

  it('test_ensures_csrf_cookie_no_logging', async () => {
    configureSettings(mode);
    await ensureCsrfCookie(ok)(makeRequest(mode, {}), {});
    expect(logs).toEqual([]);
  });

  it('test_ensures_csrf_cookie_with_middleware', async () => {
    const { request, response } = await run({ path: '/ensure/' });
    expect(readCsrfCookie(mode, request, response)).toBeTruthy();
    if (mode === 'cookie') expect(response.headers.get('Vary')).toContain('Cookie');
  });

  it('test_csrf_token_on_404_stays_constant (CsrfInErrorHandlingViewsTests)', async () => {
    configureSettings(mode, { DEBUG: false });
    const mw = await middleware();
    const first = makeRequest(mode, { path: '/does not exist/' });
    const one = await mw(first);
    expect(one.status).toBe(404);
    const secret = readCsrfCookie(mode, first, one) as string;
    const second = makeRequest(mode, { path: '/does not exist/', cookie: secret });
    const two = await mw(second);
    expectMaskedSecret(one.text(), unmaskCipherToken(two.text()));
  });
});

// ---------------------------------------------------------------------------------------------
// CsrfViewMiddlewareTests: cookie only

describe('CsrfViewMiddlewareTests', () => {
  const mode: Mode = 'cookie';

  it('test_ensures_csrf_cookie_no_middleware', async () => {
    configureSettings(mode);
    const request = makeRequest(mode, {});
    const response = await ensureCsrfCookie(ok)(request, {});
    expect(readCsrfCookie(mode, request, response)).toBeTruthy();
    expect(response.headers.get('Vary')).toContain('Cookie');
  });

  it.each([
    ['test_csrf_cookie_age', 123, /; Max-Age=123;/],
    ['test_csrf_cookie_age_none', null, /^(?!.*Max-Age)/],
  ])('%s', async (_name, age, pattern) => {
    configureSettings(mode, {
      CSRF_COOKIE_NAME: 'csrfcookie',
      CSRF_COOKIE_DOMAIN: '.example.com',
      CSRF_COOKIE_AGE: age,
      CSRF_COOKIE_PATH: '/test/',
      CSRF_COOKIE_SECURE: true,
      CSRF_COOKIE_HTTPONLY: true,
    });
    const response = await (await middleware())(makeRequest(mode, { path: '/token/' }));
    const header = response.setCookieHeaders().find((h) => h.startsWith('csrfcookie='));
    expect(header).toMatch(pattern);
    for (const attribute of ['Domain=.example.com', 'HttpOnly', 'Path=/test/', 'Secure'])
      expect(header).toContain(`; ${attribute}`);
  });

  it('test_csrf_cookie_samesite', async () => {
    configureSettings(mode, { CSRF_COOKIE_NAME: 'csrfcookie', CSRF_COOKIE_SAMESITE: 'Strict' });
    const response = await (await middleware())(makeRequest(mode, { path: '/token/' }));
    expect(response.cookies.get('csrfcookie')?.options.sameSite).toBe('Strict');
  });

  it.each([
    ['test_process_view_token_too_long', 'x'.repeat(100000)],
    ['test_process_view_token_invalid_chars', ('!@#' + MASKED_TEST_SECRET2).slice(0, 64)],
    ['test_invalid_cookie_replaced_on_GET', 'badvalue'],
  ])('%s', async (_name, cookie) => {
    configureSettings(mode);
    const request = makeRequest(mode, { path: '/token/', cookie });
    const response = await (await middleware())(request);
    const secret = readCsrfCookie(mode, request, response);
    expect(secret).toHaveLength(CSRF_SECRET_LENGTH);
    expect(secret).not.toBe(cookie);
  });

  it('test_invalid_cookie_replaced_on_GET (protected view, no middleware)', async () => {
    configureSettings(mode);
    const request = makeRequest(mode, { path: '/protected/', cookie: 'badvalue' });
    const response = await csrfProtect(ok)(request, {});
    expect(response.text()).toBe('OK');
    expect(readCsrfCookie(mode, request, response)).toHaveLength(CSRF_SECRET_LENGTH);
  });

  it.each([TEST_SECRET, MASKED_TEST_SECRET1])(
    'test_valid_secret_not_replaced_on_GET: %s',
    async (cookie) => {
      configureSettings(mode);
      const request = makeRequest(mode, { cookie });
      const response = await csrfProtect(ok)(request, {});
      expect(response.text()).toBe('OK');
      expect(readCsrfCookie(mode, request, response)).toBe(false);
    },
  );

  it('test_set_cookie_called_only_once', async () => {
    configureSettings(mode);
    const request = makeRequest(mode, POST_WITH_TOKEN);
    const response = await ensuredAndProtectedView(request, {});
    expect(response.text()).toBe('OK');
    expect(readCsrfCookie(mode, request, response)).toBe(TEST_SECRET);
    expect(cookiesSet(mode, request, response)).toEqual([TEST_SECRET]);
  });

  it.each([
    ['test_masked_secret_accepted_and_replaced', MASKED_TEST_SECRET1],
    ['test_bare_secret_accepted_and_not_replaced', TEST_SECRET],
  ])('%s', async (_name, cookie) => {
    configureSettings(mode);
    const request = makeRequest(mode, { ...POST_WITH_TOKEN, cookie, path: '/token/' });
    const response = await (await middleware())(request);
    expectAccepted(response);
    expect(readCsrfCookie(mode, request, response)).toBe(TEST_SECRET);
    expectTokenPresent(response, TEST_SECRET);
  });
});

// ---------------------------------------------------------------------------------------------
// CsrfViewMiddlewareUseSessionsTests: sessions only

describe('CsrfViewMiddlewareUseSessionsTests', () => {
  const mode: Mode = 'session';

  it('test_no_session_on_request', async () => {
    configureSettings(mode);
    const request = new HttpRequest({
      method: 'GET',
      url: '/post/',
      headers: { host: 'testserver' },
    });
    request.settings = currentSettings;
    await expect((await middleware())(request)).rejects.toThrow(
      new ImproperlyConfigured(
        'CSRF_USE_SESSIONS is enabled, but request.session is not set. SessionMiddleware must appear before CsrfViewMiddleware in MIDDLEWARE.',
      ),
    );
  });

  it('test_process_response_get_token_used', async () => {
    configureSettings(mode);
    const request = makeRequest(mode, {});
    await ensureCsrfCookie(ok)(request, {});
    expect(readCsrfCookie(mode, request, new HttpResponseNotFound())).toBeTruthy();
  });

  it('test_session_modify', async () => {
    configureSettings(mode);
    const mw = await middleware();
    const request = makeRequest(mode, { path: '/ensure/' });
    await mw(request);
    expect(readCsrfCookie(mode, request, new HttpResponse())).toBeTruthy();
    // The same session on a second request: the secret is unchanged, so it is not saved again.
    const session = sessionOf(request);
    session.modified = false;
    const again = makeRequest(mode, { path: '/ensure/' });
    (again as unknown as { session: TestingSession }).session = session;
    await mw(again);
    expect(session.modified).toBe(false);
  });
});
