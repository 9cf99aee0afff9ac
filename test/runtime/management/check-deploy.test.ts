/**
 * `check --deploy` against Django 5.2:
 *
 * 1. Django's tests/check_framework/test_security.py ported row by row (each row names its
 *    Django test and checks only the ids the Django check function under test can produce);
 * 2. live: the same settings given to real Django 5.2's `run_checks(include_deployment_checks=
 *    True, tags=['security'])` and to `systemChecks(settings, true)` give the same ids and the
 *    same messages (Tango's wording is Django's with "Django" -> "Tango", dotted paths mapped,
 *    `True` -> `true`), and `formatChecks` prints Django's report byte for byte.
 *
 * Without Django 5.2 the live part skips with a loud warning; under CI=true it fails instead.
 */
import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import {
  BUILTIN_MIDDLEWARE,
  type Settings,
  type SettingsInput,
} from '../../../src/runtime/conf/settings.js';
import {
  type CheckMessage,
  formatChecks,
  SECRET_KEY_INSECURE_PREFIX,
  systemChecks,
} from '../../../src/runtime/management/commands/check.js';
import { SecurityMiddleware } from '../../../src/runtime/middleware/security.js';
import { django52Python, runPythonJson } from '../../support/django.js';

const SECURITY = 'tango.middleware.security.SecurityMiddleware';
const SESSION = 'tango.sessions.middleware.SessionMiddleware';
const CSRF = 'tango.middleware.csrf.CsrfViewMiddleware';
const XFRAME = 'tango.middleware.clickjacking.XFrameOptionsMiddleware';
const GOOD_KEY = 'abcdefghijklmnopqrstuvwx'.repeat(2) + 'ab';

/** Django's `get_random_secret_key()`. */
function randomSecretKey(): string {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)';
  let key = '';
  for (let i = 0; i < 50; i++) key += chars[randomInt(chars.length)];
  return key;
}

function settingsWith(extra: Partial<SettingsInput> = {}): Readonly<Settings> {
  return defineSettings({
    BASE_DIR: '/srv/site',
    SECRET_KEY: GOOD_KEY,
    ALLOWED_HOSTS: ['example.com'],
    ...extra,
  });
}

/** Settings Django's tests use that `defineSettings` refuses (truthy strings, None, missing). */
function rawSettings(extra: Record<string, unknown>, remove: string[] = []): Readonly<Settings> {
  const s = Object.entries({ ...settingsWith(), ...extra }).filter(
    ([name]) => !remove.includes(name),
  );
  return Object.fromEntries(s) as unknown as Settings;
}

const ids = (found: readonly CheckMessage[]): string[] => found.map(([id]) => id);

type Row = [django: string, settings: Readonly<Settings>, family: string[], expected: string[]];

const W = (n: string): string => `security.${n}`;
const fam = (...n: string[]): string[] => n.map(W);

const SESSIONS_SECURE = fam('W010', 'W011', 'W012');
const SESSIONS_HTTPONLY = fam('W013', 'W014', 'W015');

/** tests/check_framework/test_security.py, Django 5.2. */
const ROWS: Row[] = [
  // CheckSessionCookieSecureTest
  [
    'CheckSessionCookieSecureTest.test_session_cookie_secure_with_installed_app',
    settingsWith({ SESSION_COOKIE_SECURE: false, INSTALLED_APPS: ['tango.sessions'] }),
    SESSIONS_SECURE,
    fam('W010'),
  ],
  [
    'CheckSessionCookieSecureTest.test_session_cookie_secure_with_installed_app_truthy',
    rawSettings({ SESSION_COOKIE_SECURE: '1', INSTALLED_APPS: ['tango.sessions'] }),
    SESSIONS_SECURE,
    fam('W010'),
  ],
  [
    'CheckSessionCookieSecureTest.test_session_cookie_secure_with_middleware',
    settingsWith({ SESSION_COOKIE_SECURE: false, MIDDLEWARE: [SESSION] }),
    SESSIONS_SECURE,
    fam('W011'),
  ],
  [
    'CheckSessionCookieSecureTest.test_session_cookie_secure_both',
    settingsWith({
      SESSION_COOKIE_SECURE: false,
      INSTALLED_APPS: ['tango.sessions'],
      MIDDLEWARE: [SESSION],
    }),
    SESSIONS_SECURE,
    fam('W012'),
  ],
  [
    'CheckSessionCookieSecureTest.test_session_cookie_secure_true',
    settingsWith({
      SESSION_COOKIE_SECURE: true,
      INSTALLED_APPS: ['tango.sessions'],
      MIDDLEWARE: [SESSION],
    }),
    SESSIONS_SECURE,
    [],
  ],
  // CheckSessionCookieHttpOnlyTest
  [
    'CheckSessionCookieHttpOnlyTest.test_session_cookie_httponly_with_installed_app',
    settingsWith({ SESSION_COOKIE_HTTPONLY: false, INSTALLED_APPS: ['tango.sessions'] }),
    SESSIONS_HTTPONLY,
    fam('W013'),
  ],
  [
    'CheckSessionCookieHttpOnlyTest.test_session_cookie_httponly_with_installed_app_truthy',
    rawSettings({ SESSION_COOKIE_HTTPONLY: '1', INSTALLED_APPS: ['tango.sessions'] }),
    SESSIONS_HTTPONLY,
    fam('W013'),
  ],
  [
    'CheckSessionCookieHttpOnlyTest.test_session_cookie_httponly_with_middleware',
    settingsWith({ SESSION_COOKIE_HTTPONLY: false, MIDDLEWARE: [SESSION] }),
    SESSIONS_HTTPONLY,
    fam('W014'),
  ],
  [
    'CheckSessionCookieHttpOnlyTest.test_session_cookie_httponly_both',
    settingsWith({
      SESSION_COOKIE_HTTPONLY: false,
      INSTALLED_APPS: ['tango.sessions'],
      MIDDLEWARE: [SESSION],
    }),
    SESSIONS_HTTPONLY,
    fam('W015'),
  ],
  [
    'CheckSessionCookieHttpOnlyTest.test_session_cookie_httponly_true',
    settingsWith({
      SESSION_COOKIE_HTTPONLY: true,
      INSTALLED_APPS: ['tango.sessions'],
      MIDDLEWARE: [SESSION],
    }),
    SESSIONS_HTTPONLY,
    [],
  ],
  // CheckCSRFMiddlewareTest
  [
    'CheckCSRFMiddlewareTest.test_no_csrf_middleware',
    settingsWith({ MIDDLEWARE: [] }),
    fam('W003'),
    fam('W003'),
  ],
  [
    'CheckCSRFMiddlewareTest.test_with_csrf_middleware',
    settingsWith({ MIDDLEWARE: [CSRF] }),
    fam('W003'),
    [],
  ],
  // CheckCSRFCookieSecureTest
  [
    'CheckCSRFCookieSecureTest.test_with_csrf_cookie_secure_false',
    settingsWith({ MIDDLEWARE: [CSRF], CSRF_COOKIE_SECURE: false }),
    fam('W016'),
    fam('W016'),
  ],
  [
    'CheckCSRFCookieSecureTest.test_with_csrf_cookie_secure_truthy',
    rawSettings({ MIDDLEWARE: [CSRF], CSRF_COOKIE_SECURE: '1' }),
    fam('W016'),
    fam('W016'),
  ],
  [
    'CheckCSRFCookieSecureTest.test_use_sessions_with_csrf_cookie_secure_false',
    settingsWith({ MIDDLEWARE: [CSRF], CSRF_USE_SESSIONS: true, CSRF_COOKIE_SECURE: false }),
    fam('W016'),
    [],
  ],
  [
    'CheckCSRFCookieSecureTest.test_with_csrf_cookie_secure_false_no_middleware',
    settingsWith({ MIDDLEWARE: [], CSRF_COOKIE_SECURE: false }),
    fam('W016'),
    [],
  ],
  [
    'CheckCSRFCookieSecureTest.test_with_csrf_cookie_secure_true',
    settingsWith({ MIDDLEWARE: [CSRF], CSRF_COOKIE_SECURE: true }),
    fam('W016'),
    [],
  ],
  // CheckSecurityMiddlewareTest
  [
    'CheckSecurityMiddlewareTest.test_no_security_middleware',
    settingsWith({ MIDDLEWARE: [] }),
    fam('W001'),
    fam('W001'),
  ],
  [
    'CheckSecurityMiddlewareTest.test_with_security_middleware',
    settingsWith({ MIDDLEWARE: [SECURITY] }),
    fam('W001'),
    [],
  ],
  [
    'the middleware given as the factory itself counts (Tango)',
    settingsWith({ MIDDLEWARE: [SecurityMiddleware] }),
    fam('W001'),
    [],
  ],
  // CheckStrictTransportSecurityTest
  [
    'CheckStrictTransportSecurityTest.test_no_sts',
    settingsWith({ MIDDLEWARE: [SECURITY], SECURE_HSTS_SECONDS: 0 }),
    fam('W004'),
    fam('W004'),
  ],
  [
    'CheckStrictTransportSecurityTest.test_no_sts_no_middleware',
    settingsWith({ MIDDLEWARE: [], SECURE_HSTS_SECONDS: 0 }),
    fam('W004'),
    [],
  ],
  [
    'CheckStrictTransportSecurityTest.test_with_sts',
    settingsWith({ MIDDLEWARE: [SECURITY], SECURE_HSTS_SECONDS: 3600 }),
    fam('W004'),
    [],
  ],
  // CheckStrictTransportSecuritySubdomainsTest
  [
    'CheckStrictTransportSecuritySubdomainsTest.test_no_sts_subdomains',
    settingsWith({
      MIDDLEWARE: [SECURITY],
      SECURE_HSTS_INCLUDE_SUBDOMAINS: false,
      SECURE_HSTS_SECONDS: 3600,
    }),
    fam('W005'),
    fam('W005'),
  ],
  [
    'CheckStrictTransportSecuritySubdomainsTest.test_no_sts_subdomains_no_middleware',
    settingsWith({
      MIDDLEWARE: [],
      SECURE_HSTS_INCLUDE_SUBDOMAINS: false,
      SECURE_HSTS_SECONDS: 3600,
    }),
    fam('W005'),
    [],
  ],
  [
    'CheckStrictTransportSecuritySubdomainsTest.test_no_sts_subdomains_no_seconds',
    rawSettings({ MIDDLEWARE: [SECURITY], SECURE_SSL_REDIRECT: false, SECURE_HSTS_SECONDS: null }),
    fam('W005'),
    [],
  ],
  [
    'CheckStrictTransportSecuritySubdomainsTest.test_with_sts_subdomains',
    settingsWith({
      MIDDLEWARE: [SECURITY],
      SECURE_HSTS_INCLUDE_SUBDOMAINS: true,
      SECURE_HSTS_SECONDS: 3600,
    }),
    fam('W005'),
    [],
  ],
  // CheckStrictTransportSecurityPreloadTest
  [
    'CheckStrictTransportSecurityPreloadTest.test_no_sts_preload',
    settingsWith({ MIDDLEWARE: [SECURITY], SECURE_HSTS_PRELOAD: false, SECURE_HSTS_SECONDS: 3600 }),
    fam('W021'),
    fam('W021'),
  ],
  [
    'CheckStrictTransportSecurityPreloadTest.test_no_sts_preload_no_middleware',
    settingsWith({ MIDDLEWARE: [], SECURE_HSTS_PRELOAD: false, SECURE_HSTS_SECONDS: 3600 }),
    fam('W021'),
    [],
  ],
  [
    'CheckStrictTransportSecurityPreloadTest.test_no_sts_preload_no_seconds',
    rawSettings({ MIDDLEWARE: [SECURITY], SECURE_SSL_REDIRECT: false, SECURE_HSTS_SECONDS: null }),
    fam('W021'),
    [],
  ],
  [
    'CheckStrictTransportSecurityPreloadTest.test_with_sts_preload',
    settingsWith({ MIDDLEWARE: [SECURITY], SECURE_HSTS_PRELOAD: true, SECURE_HSTS_SECONDS: 3600 }),
    fam('W021'),
    [],
  ],
  // CheckXFrameOptionsMiddlewareTest
  [
    'CheckXFrameOptionsMiddlewareTest.test_middleware_not_installed',
    settingsWith({ MIDDLEWARE: [] }),
    fam('W002'),
    fam('W002'),
  ],
  [
    'CheckXFrameOptionsMiddlewareTest.test_middleware_installed',
    settingsWith({ MIDDLEWARE: [XFRAME] }),
    fam('W002'),
    [],
  ],
  // CheckXFrameOptionsDenyTest
  [
    'CheckXFrameOptionsDenyTest.test_x_frame_options_not_deny',
    settingsWith({ MIDDLEWARE: [XFRAME], X_FRAME_OPTIONS: 'SAMEORIGIN' }),
    fam('W019'),
    fam('W019'),
  ],
  [
    'CheckXFrameOptionsDenyTest.test_middleware_not_installed',
    settingsWith({ MIDDLEWARE: [], X_FRAME_OPTIONS: 'SAMEORIGIN' }),
    fam('W019'),
    [],
  ],
  [
    'CheckXFrameOptionsDenyTest.test_xframe_deny',
    settingsWith({ MIDDLEWARE: [XFRAME], X_FRAME_OPTIONS: 'DENY' }),
    fam('W019'),
    [],
  ],
  // CheckContentTypeNosniffTest
  [
    'CheckContentTypeNosniffTest.test_no_content_type_nosniff',
    settingsWith({ MIDDLEWARE: [SECURITY], SECURE_CONTENT_TYPE_NOSNIFF: false }),
    fam('W006'),
    fam('W006'),
  ],
  [
    'CheckContentTypeNosniffTest.test_no_content_type_nosniff_no_middleware',
    settingsWith({ MIDDLEWARE: [], SECURE_CONTENT_TYPE_NOSNIFF: false }),
    fam('W006'),
    [],
  ],
  [
    'CheckContentTypeNosniffTest.test_with_content_type_nosniff',
    settingsWith({ MIDDLEWARE: [SECURITY], SECURE_CONTENT_TYPE_NOSNIFF: true }),
    fam('W006'),
    [],
  ],
  // CheckSSLRedirectTest
  [
    'CheckSSLRedirectTest.test_no_ssl_redirect',
    settingsWith({ MIDDLEWARE: [SECURITY], SECURE_SSL_REDIRECT: false }),
    fam('W008'),
    fam('W008'),
  ],
  [
    'CheckSSLRedirectTest.test_no_ssl_redirect_no_middleware',
    settingsWith({ MIDDLEWARE: [], SECURE_SSL_REDIRECT: false }),
    fam('W008'),
    [],
  ],
  [
    'CheckSSLRedirectTest.test_with_ssl_redirect',
    settingsWith({ MIDDLEWARE: [SECURITY], SECURE_SSL_REDIRECT: true }),
    fam('W008'),
    [],
  ],
  // CheckSecretKeyTest
  ['CheckSecretKeyTest.test_okay_secret_key', settingsWith({}), fam('W009'), []],
  [
    'CheckSecretKeyTest.test_empty_secret_key',
    rawSettings({ SECRET_KEY: '' }),
    fam('W009'),
    fam('W009'),
  ],
  [
    'CheckSecretKeyTest.test_missing_secret_key',
    rawSettings({}, ['SECRET_KEY']),
    fam('W009'),
    fam('W009'),
  ],
  [
    'CheckSecretKeyTest.test_none_secret_key',
    rawSettings({ SECRET_KEY: null }),
    fam('W009'),
    fam('W009'),
  ],
  [
    'CheckSecretKeyTest.test_insecure_secret_key',
    settingsWith({ SECRET_KEY: SECRET_KEY_INSECURE_PREFIX + randomSecretKey() }),
    fam('W009'),
    fam('W009'),
  ],
  [
    "a Django project's generated key (django-insecure-) is insecure too (Tango)",
    settingsWith({ SECRET_KEY: 'django-insecure-' + randomSecretKey() }),
    fam('W009'),
    fam('W009'),
  ],
  [
    'CheckSecretKeyTest.test_low_length_secret_key',
    settingsWith({ SECRET_KEY: 'abcdefghijklmnopqrstuvwx'.repeat(2) + 'a' }),
    fam('W009'),
    fam('W009'),
  ],
  [
    'CheckSecretKeyTest.test_low_entropy_secret_key',
    settingsWith({ SECRET_KEY: 'abcd'.repeat(20) }),
    fam('W009'),
    fam('W009'),
  ],
  [
    'fifty a characters: long enough, one distinct character (Tango; passed before)',
    settingsWith({ SECRET_KEY: 'a'.repeat(50) }),
    fam('W009'),
    fam('W009'),
  ],
  [
    'a random 50-character key passes (Tango)',
    settingsWith({ SECRET_KEY: randomSecretKey() }),
    fam('W009'),
    [],
  ],
  // CheckSecretKeyFallbacksTest (messages checked below)
  [
    'CheckSecretKeyFallbacksTest.test_okay_secret_key_fallbacks',
    settingsWith({ SECRET_KEY_FALLBACKS: [GOOD_KEY] }),
    fam('W025'),
    [],
  ],
  [
    'CheckSecretKeyFallbacksTest.test_no_secret_key_fallbacks',
    rawSettings({}, ['SECRET_KEY_FALLBACKS']),
    fam('W025'),
    fam('W025'),
  ],
  [
    'CheckSecretKeyFallbacksTest.test_insecure_secret_key_fallbacks',
    settingsWith({ SECRET_KEY_FALLBACKS: [SECRET_KEY_INSECURE_PREFIX + randomSecretKey()] }),
    fam('W025'),
    fam('W025'),
  ],
  [
    'CheckSecretKeyFallbacksTest.test_low_length_secret_key_fallbacks',
    settingsWith({ SECRET_KEY_FALLBACKS: ['abcdefghijklmnopqrstuvwx'.repeat(2) + 'a'] }),
    fam('W025'),
    fam('W025'),
  ],
  [
    'CheckSecretKeyFallbacksTest.test_low_entropy_secret_key_fallbacks',
    settingsWith({ SECRET_KEY_FALLBACKS: ['abcd'.repeat(20)] }),
    fam('W025'),
    fam('W025'),
  ],
  [
    'CheckSecretKeyFallbacksTest.test_multiple_keys',
    settingsWith({ SECRET_KEY_FALLBACKS: [GOOD_KEY, 'badkey'] }),
    fam('W025'),
    fam('W025'),
  ],
  [
    'CheckSecretKeyFallbacksTest.test_multiple_bad_keys',
    settingsWith({ SECRET_KEY_FALLBACKS: [GOOD_KEY, 'badkey1', 'badkey2'] }),
    fam('W025'),
    fam('W025', 'W025'),
  ],
  // CheckDebugTest
  ['CheckDebugTest.test_debug_true', settingsWith({ DEBUG: true }), fam('W018'), fam('W018')],
  ['CheckDebugTest.test_debug_false', settingsWith({ DEBUG: false }), fam('W018'), []],
  // CheckAllowedHostsTest
  [
    'CheckAllowedHostsTest.test_allowed_hosts_empty',
    settingsWith({ ALLOWED_HOSTS: [] }),
    fam('W020'),
    fam('W020'),
  ],
  [
    'CheckAllowedHostsTest.test_allowed_hosts_set',
    settingsWith({ ALLOWED_HOSTS: ['.example.com'] }),
    fam('W020'),
    [],
  ],
  // CheckReferrerPolicyTest
  [
    'CheckReferrerPolicyTest.test_no_referrer_policy',
    settingsWith({ MIDDLEWARE: [SECURITY], SECURE_REFERRER_POLICY: null }),
    fam('W022', 'E023'),
    fam('W022'),
  ],
  [
    'CheckReferrerPolicyTest.test_no_referrer_policy_no_middleware',
    settingsWith({ MIDDLEWARE: [], SECURE_REFERRER_POLICY: null }),
    fam('W022', 'E023'),
    [],
  ],
  ...['strict-origin', 'strict-origin,origin', 'strict-origin, origin'].map(
    (value): Row => [
      `CheckReferrerPolicyTest.test_with_referrer_policy (${value})`,
      settingsWith({ MIDDLEWARE: [SECURITY], SECURE_REFERRER_POLICY: value }),
      fam('W022', 'E023'),
      [],
    ],
  ),
  [
    'CheckReferrerPolicyTest.test_with_invalid_referrer_policy',
    settingsWith({ MIDDLEWARE: [SECURITY], SECURE_REFERRER_POLICY: 'invalid-value' }),
    fam('W022', 'E023'),
    fam('E023'),
  ],
  // CheckCrossOriginOpenerPolicyTest
  [
    'CheckCrossOriginOpenerPolicyTest.test_no_coop',
    settingsWith({ MIDDLEWARE: [SECURITY], SECURE_CROSS_ORIGIN_OPENER_POLICY: null }),
    fam('E024'),
    [],
  ],
  ...['same-origin', 'same-origin-allow-popups', 'unsafe-none'].map(
    (value): Row => [
      `CheckCrossOriginOpenerPolicyTest.test_with_coop (${value})`,
      settingsWith({ MIDDLEWARE: [SECURITY], SECURE_CROSS_ORIGIN_OPENER_POLICY: value }),
      fam('E024'),
      [],
    ],
  ),
  [
    'CheckCrossOriginOpenerPolicyTest.test_with_invalid_coop',
    settingsWith({ MIDDLEWARE: [SECURITY], SECURE_CROSS_ORIGIN_OPENER_POLICY: 'invalid-value' }),
    fam('E024'),
    fam('E024'),
  ],
];

describe("check --deploy: Django 5.2's tests/check_framework/test_security.py", () => {
  it.each(ROWS)('%s', (_django, settings, family, expected) => {
    expect(ids(systemChecks(settings, true)).filter((id) => family.includes(id))).toEqual(expected);
  });

  it('W025 names the fallback (test_multiple_bad_keys, test_no_secret_key_fallbacks)', () => {
    const messages = (s: Readonly<Settings>): string[] =>
      systemChecks(s, true)
        .filter(([id]) => id === 'security.W025')
        .map(([, message]) => message.split(' has ')[0]!);
    expect(
      messages(settingsWith({ SECRET_KEY_FALLBACKS: [GOOD_KEY, 'badkey1', 'badkey2'] })),
    ).toEqual(['Your SECRET_KEY_FALLBACKS[1]', 'Your SECRET_KEY_FALLBACKS[2]']);
    expect(messages(rawSettings({}, ['SECRET_KEY_FALLBACKS']))).toEqual([
      'Your SECRET_KEY_FALLBACKS',
    ]);
  });

  it('none of them without --deploy', () => {
    expect(ids(systemChecks(settingsWith({ DEBUG: true, ALLOWED_HOSTS: [] }), false))).toEqual([]);
  });

  it("prints Django's report: ERRORS then WARNINGS, sorted, HINT lines, the count", () => {
    const text = formatChecks([
      ['security.W018', 'You should not have DEBUG set to true in deployment.'],
      ['security.E023', 'Bad.', 'Valid values are: a, b.'],
      ['security.W004', 'No HSTS.'],
    ]);
    expect(text).toBe(
      'System check identified some issues:\n\nERRORS:\n?: (security.E023) Bad.\n\tHINT: Valid values are: a, b.\n\nWARNINGS:\n?: (security.W004) No HSTS.\n?: (security.W018) You should not have DEBUG set to true in deployment.\n\nSystem check identified 3 issues (0 silenced).\n',
    );
  });
});

// ---- live against Django 5.2 ----

const django = await django52Python();

/** Runs Django's security checks for each case; returns the issues and the printed report. */
const ORACLE = String.raw`
import io, json, sys
import django
from django.conf import settings
settings.configure(SECRET_KEY='x' * 60, INSTALLED_APPS=[], MIDDLEWARE=[], ALLOWED_HOSTS=[])
django.setup()
from django.core import checks
from django.core.management.base import BaseCommand
from django.test.utils import override_settings
out = []
for case in json.load(sys.stdin):
    with override_settings(**case):
        issues = checks.run_checks(include_deployment_checks=True, tags=['security'])
        # E101/E102 (CSRF_FAILURE_VIEW) are not deployment checks.
        issues = [i for i in issues if i.id not in ('security.E101', 'security.E102')]
        cmd = BaseCommand(stdout=io.StringIO(), stderr=io.StringIO(), no_color=True)
        try:
            cmd.check(include_deployment_checks=True, display_num_errors=True, tags=['security'])
            text = cmd.stderr._out.getvalue() or cmd.stdout._out.getvalue()
        except Exception as e:
            text = str(e)  # manage.py prints a SystemCheckError as it is
        out.append({'issues': [[i.id, i.msg, i.hint] for i in issues], 'text': text})
print(json.dumps(out))
`;

/** A Tango setting value as Django names it (dotted paths, the insecure-key prefix). */
function toDjango(input: Partial<SettingsInput>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...input };
  const path = (p: string): string =>
    p === 'tango.sessions'
      ? 'django.contrib.sessions'
      : p.replace(/^tango\.sessions\./, 'django.contrib.sessions.').replace(/^tango\./, 'django.');
  if (input.INSTALLED_APPS) out.INSTALLED_APPS = input.INSTALLED_APPS.map(path);
  if (input.MIDDLEWARE) out.MIDDLEWARE = input.MIDDLEWARE.map((m) => path(String(m)));
  const key = (k: string): string =>
    k.startsWith(SECRET_KEY_INSECURE_PREFIX)
      ? 'django-insecure-' + k.slice(SECRET_KEY_INSECURE_PREFIX.length)
      : k;
  if (input.SECRET_KEY !== undefined) out.SECRET_KEY = key(input.SECRET_KEY);
  if (input.SECRET_KEY_FALLBACKS) out.SECRET_KEY_FALLBACKS = input.SECRET_KEY_FALLBACKS.map(key);
  return out;
}

/** Django's wording as Tango prints it. */
function fromDjango(text: string): string {
  return text
    .replaceAll('django.contrib.sessions', 'tango.sessions')
    .replaceAll("'django.middleware.", "'tango.middleware.")
    .replaceAll('django-insecure-', SECRET_KEY_INSECURE_PREFIX)
    .replaceAll('Django', 'Tango')
    .replace(/\bTrue\b/g, 'true');
}

/** Settings combinations, from a fresh project to a hardened one. */
const LIVE: [name: string, input: Partial<SettingsInput>][] = [
  [
    'a new project (DEBUG, generated key, every built-in middleware)',
    {
      DEBUG: true,
      SECRET_KEY: SECRET_KEY_INSECURE_PREFIX + randomSecretKey(),
      INSTALLED_APPS: ['tango.sessions'],
      MIDDLEWARE: [...BUILTIN_MIDDLEWARE],
      ALLOWED_HOSTS: [],
    },
  ],
  [
    'hardened',
    {
      SECRET_KEY: randomSecretKey(),
      SECRET_KEY_FALLBACKS: [randomSecretKey()],
      INSTALLED_APPS: ['tango.sessions'],
      MIDDLEWARE: [...BUILTIN_MIDDLEWARE],
      ALLOWED_HOSTS: ['example.com'],
      SECURE_HSTS_SECONDS: 31536000,
      SECURE_HSTS_INCLUDE_SUBDOMAINS: true,
      SECURE_HSTS_PRELOAD: true,
      SECURE_SSL_REDIRECT: true,
      SESSION_COOKIE_SECURE: true,
      CSRF_COOKIE_SECURE: true,
    },
  ],
  ['no middleware at all', { SECRET_KEY: 'short', MIDDLEWARE: [], ALLOWED_HOSTS: [] }],
  [
    'HSTS without subdomains and preload; weak headers; invalid COOP',
    {
      SECRET_KEY: 'a'.repeat(50),
      MIDDLEWARE: [SECURITY, XFRAME, CSRF],
      SECURE_HSTS_SECONDS: 60,
      SECURE_CONTENT_TYPE_NOSNIFF: false,
      SECURE_REFERRER_POLICY: null,
      SECURE_CROSS_ORIGIN_OPENER_POLICY: 'invalid-value',
      X_FRAME_OPTIONS: 'SAMEORIGIN',
      CSRF_USE_SESSIONS: true,
    },
  ],
  [
    'an invalid referrer policy in a list; bad fallbacks',
    {
      SECRET_KEY: 'django-insecure-' + randomSecretKey(),
      SECRET_KEY_FALLBACKS: [GOOD_KEY, 'badkey', SECRET_KEY_INSECURE_PREFIX + randomSecretKey()],
      MIDDLEWARE: [SECURITY, SESSION],
      SECURE_REFERRER_POLICY: 'strict-origin, bogus',
      SESSION_COOKIE_HTTPONLY: false,
    },
  ],
  [
    'sessions app without its middleware, cookies not HttpOnly',
    {
      SECRET_KEY: 'abcd'.repeat(20),
      INSTALLED_APPS: ['tango.sessions'],
      MIDDLEWARE: [CSRF],
      SESSION_COOKIE_HTTPONLY: false,
      DEBUG: true,
    },
  ],
];

describe.skipIf(!django.available)('check --deploy against real Django 5.2', () => {
  it('gives the same ids, messages, hints and report for every combination', async () => {
    const answers = await runPythonJson<
      { issues: [string, string, string | null][]; text: string }[]
    >(
      django,
      ORACLE,
      LIVE.map(([, input]) => toDjango(input)),
    );
    LIVE.forEach(([name, input], i) => {
      const tango = systemChecks(
        settingsWith({ ALLOWED_HOSTS: [], SECRET_KEY_FALLBACKS: [], ...input }),
        true,
      ).filter(([id]) => id.startsWith('security.'));
      const theirs = answers[i]!;
      const expected = theirs.issues
        .map(([id, msg, hint]) => [id, fromDjango(msg), hint ?? undefined].join('\n'))
        .sort();
      const ours = tango.map(([id, msg, hint]) => [id, msg, hint].join('\n')).sort();
      expect(ours, name).toEqual(expected);
      const errors = tango.some(([id]) => /\.E\d+$/.test(id));
      expect((errors ? 'SystemCheckError: ' : '') + formatChecks(tango).trimEnd(), name).toBe(
        fromDjango(theirs.text).trimEnd(),
      );
    });
  });
});
