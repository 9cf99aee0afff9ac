/**
 * `defineSettings()`: Django's defaults merged under a project's settings, validated once.
 * Only the settings' own shape is checked here; each backend checks its own `OPTIONS`, URLs
 * and timeouts when it is created at start-up (`getConnection`, `getCache`), so `conf`
 * imports no backend (DESIGN.md §3).
 */
import path from 'node:path';
import { ImproperlyConfigured } from './errors.js';
import {
  CACHE_BACKENDS,
  DATABASE_ENGINES,
  DEFAULTS,
  formatChoices,
  LOG_FORMATS,
  SAMESITE_VALUES,
  SESSION_ENGINES,
  type Settings,
  type SettingsInput,
} from './settings.js';

const KNOWN = new Set<string>(['BASE_DIR', 'SECRET_KEY', ...Object.keys(DEFAULTS)]);

/** `list.includes(value)` for a readonly tuple and a value of any type. */
function isOneOf(list: readonly unknown[], value: unknown): boolean {
  return list.includes(value);
}

/** Closest known setting name, for "did you mean" hints (Levenshtein distance <= 3). */
function closest(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const known of KNOWN) {
    const d = distance(name.toUpperCase(), known);
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function fail(message: string): never {
  throw new ImproperlyConfigured(message);
}

function expectType(name: string, value: unknown, type: string): void {
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  if (actual !== type) fail(`The ${name} setting must be a ${type}, not ${actual}.`);
}

function validate(s: Settings): void {
  expectType('BASE_DIR', s.BASE_DIR, 'string');
  if (!path.isAbsolute(s.BASE_DIR))
    fail(`The BASE_DIR setting must be an absolute path, got '${s.BASE_DIR}'.`);
  expectType('SECRET_KEY', s.SECRET_KEY, 'string');
  if (!s.SECRET_KEY) fail('The SECRET_KEY setting must not be empty.');
  expectType('DEBUG', s.DEBUG, 'boolean');
  expectType('SIGNED_COOKIE_LEGACY_SALT_FALLBACK', s.SIGNED_COOKIE_LEGACY_SALT_FALLBACK, 'boolean');
  for (const name of [
    'SECRET_KEY_FALLBACKS',
    'ALLOWED_HOSTS',
    'INSTALLED_APPS',
    'MIDDLEWARE',
    'TEMPLATES',
  ] as const) {
    expectType(name, s[name], 'array');
  }
  expectType('DATABASES', s.DATABASES, 'object');
  expectType('CACHES', s.CACHES, 'object');
  for (const name of ['SESSION_COOKIE_AGE'] as const) {
    if (!Number.isInteger(s[name]))
      fail(`The ${name} setting must be an integer number of seconds, got ${String(s[name])}.`);
  }
  const maxFields: unknown = s.DATA_UPLOAD_MAX_NUMBER_FIELDS;
  if (maxFields !== null && !(Number.isInteger(maxFields) && (maxFields as number) >= 0)) {
    fail(
      `The DATA_UPLOAD_MAX_NUMBER_FIELDS setting must be a whole number of fields or null, got ${JSON.stringify(maxFields) ?? String(maxFields)}.`,
    );
  }
  if (typeof s.SESSION_ENGINE === 'string' && !isOneOf(SESSION_ENGINES, s.SESSION_ENGINE)) {
    fail(
      `The SESSION_ENGINE setting '${s.SESSION_ENGINE}' is not one of: ${SESSION_ENGINES.join(', ')} (or a store class).`,
    );
  }
  if (
    typeof s.SESSION_ENGINE !== 'string' &&
    typeof (s.SESSION_ENGINE as { fromSettings?: unknown }).fromSettings !== 'function'
  ) {
    fail(
      'The SESSION_ENGINE setting must be an engine name or a store class with a static fromSettings(settings).',
    );
  }
  if (!isOneOf(SAMESITE_VALUES, s.SESSION_COOKIE_SAMESITE)) {
    fail(
      `The SESSION_COOKIE_SAMESITE setting must be ${formatChoices(SAMESITE_VALUES)}, got ${JSON.stringify(s.SESSION_COOKIE_SAMESITE)}.`,
    );
  }
  if (s.SESSION_SERIALIZER !== 'json') fail("The SESSION_SERIALIZER setting only supports 'json'.");
  validatePartitioned(s, 'SESSION');
  validatePartitioned(s, 'CSRF');
  const schema: unknown = s.SESSION_SCHEMA;
  if (
    schema !== null &&
    typeof (schema as { '~standard'?: { validate?: unknown } } | undefined)?.['~standard']
      ?.validate !== 'function'
  ) {
    fail(
      'The SESSION_SCHEMA setting must be a Standard Schema (a zod, valibot or arktype schema: an object with ~standard.validate) or null.',
    );
  }
  expectType('SESSION_LOCKING', s.SESSION_LOCKING, 'boolean');
  for (const name of ['SESSION_LOCK_TIMEOUT', 'SESSION_LOCK_EXPIRY'] as const) {
    const value: unknown = s[name];
    if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value))
      fail(`The ${name} setting must be a positive number of seconds, got ${String(value)}.`);
  }
  const clearEvery: unknown = s.SESSION_CLEAR_EXPIRED_EVERY;
  if (
    clearEvery !== null &&
    (typeof clearEvery !== 'number' || !(clearEvery > 0) || !Number.isFinite(clearEvery))
  ) {
    fail(
      `The SESSION_CLEAR_EXPIRED_EVERY setting must be a positive number of seconds or null, got ${String(clearEvery)}.`,
    );
  }
  validateCsrf(s);
  validateMessages(s);
  validateAuth(s);
  validateSecure(s);
  validateLogging(s);
  for (const [alias, db] of Object.entries(s.DATABASES)) {
    if (!isOneOf(DATABASE_ENGINES, db.ENGINE)) {
      fail(
        `DATABASES['${alias}'].ENGINE must be ${formatChoices(DATABASE_ENGINES)}, got '${String(db.ENGINE)}'.`,
      );
    }
  }
  for (const [alias, cache] of Object.entries(s.CACHES)) {
    if (!isOneOf(CACHE_BACKENDS, cache.BACKEND)) {
      fail(
        `CACHES['${alias}'].BACKEND must be ${formatChoices(CACHE_BACKENDS)}, got '${String(cache.BACKEND)}'.`,
      );
    }
  }
}

/**
 * `SESSION_COOKIE_PARTITIONED`/`CSRF_COOKIE_PARTITIONED` (Tango's; CHIPS): a boolean, and a
 * partitioned cookie must be `Secure` (browsers refuse it otherwise), so the matching
 * `*_COOKIE_SECURE` must be on.
 */
function validatePartitioned(s: Settings, prefix: 'SESSION' | 'CSRF'): void {
  const name = `${prefix}_COOKIE_PARTITIONED` as const;
  expectType(name, s[name], 'boolean');
  if (s[name] && s[`${prefix}_COOKIE_SECURE`] !== true) {
    fail(
      `The ${name} setting needs ${prefix}_COOKIE_SECURE = true: browsers refuse a Partitioned cookie without Secure.`,
    );
  }
}

/**
 * The `CSRF_*` settings (Django's names and defaults). Django checks only the scheme of
 * `CSRF_TRUSTED_ORIGINS` (check 4_0.E001) and the failure view (security.E101/E102, done when
 * the middleware starts); here every value's shape is checked at start-up.
 */
function validateCsrf(s: Settings): void {
  for (const name of ['CSRF_COOKIE_SECURE', 'CSRF_COOKIE_HTTPONLY', 'CSRF_USE_SESSIONS'] as const)
    expectType(name, s[name], 'boolean');
  for (const name of ['CSRF_COOKIE_NAME', 'CSRF_COOKIE_PATH', 'CSRF_HEADER_NAME'] as const)
    expectType(name, s[name], 'string');
  if (s.CSRF_COOKIE_DOMAIN !== null)
    expectType('CSRF_COOKIE_DOMAIN', s.CSRF_COOKIE_DOMAIN, 'string');
  if (s.CSRF_COOKIE_AGE !== null && !Number.isInteger(s.CSRF_COOKIE_AGE)) {
    fail(
      `The CSRF_COOKIE_AGE setting must be an integer number of seconds or null, got ${String(s.CSRF_COOKIE_AGE)}.`,
    );
  }
  if (!isOneOf(SAMESITE_VALUES, s.CSRF_COOKIE_SAMESITE)) {
    fail(
      `The CSRF_COOKIE_SAMESITE setting must be ${formatChoices(SAMESITE_VALUES)}, got ${JSON.stringify(s.CSRF_COOKIE_SAMESITE)}.`,
    );
  }
  if (!/^HTTP_[A-Z0-9_]+$/.test(s.CSRF_HEADER_NAME)) {
    fail(
      `The CSRF_HEADER_NAME setting names a header as Django's request.META does, such as 'HTTP_X_CSRFTOKEN' (the X-CSRFToken header), got '${s.CSRF_HEADER_NAME}'.`,
    );
  }
  expectType('CSRF_TRUSTED_ORIGINS', s.CSRF_TRUSTED_ORIGINS, 'array');
  for (const origin of s.CSRF_TRUSTED_ORIGINS as unknown[]) {
    if (typeof origin !== 'string' || !origin.includes('://')) {
      // Django's check 4_0.E001, word for word.
      fail(
        `As of Django 4.0, the values in the CSRF_TRUSTED_ORIGINS setting must start with a scheme (usually http:// or https://) but found ${String(origin)}. See the release notes for details. (4_0.E001)`,
      );
    }
  }
  const view: unknown = s.CSRF_FAILURE_VIEW;
  if (
    typeof view !== 'function' &&
    !(typeof view === 'string' && (view.startsWith('tango.') || /^\.\/.+#.+$/.test(view)))
  ) {
    fail(
      `The CSRF_FAILURE_VIEW setting must be a view function or a dotted path ('tango.views.csrf.csrfFailure' or './module.ts#export'), got ${JSON.stringify(view)}.`,
    );
  }
}

/**
 * The `MESSAGE_*` settings. Django checks none of them; here a wrong shape stops start-up. The
 * storage class itself is resolved when `MessageMiddleware` starts.
 */
function validateMessages(s: Settings): void {
  if (!Number.isInteger(s.MESSAGE_LEVEL)) {
    fail(
      `The MESSAGE_LEVEL setting must be an integer message level (such as 20, INFO), got ${JSON.stringify(s.MESSAGE_LEVEL) ?? String(s.MESSAGE_LEVEL)}.`,
    );
  }
  expectType('MESSAGE_TAGS', s.MESSAGE_TAGS, 'object');
  for (const [level, tag] of Object.entries(s.MESSAGE_TAGS)) {
    if (!/^-?\d+$/.test(level) || typeof tag !== 'string') {
      fail(
        `The MESSAGE_TAGS setting maps integer levels to tags (strings), got ${JSON.stringify(level)}: ${JSON.stringify(tag) ?? String(tag)}.`,
      );
    }
  }
  const storage: unknown = s.MESSAGE_STORAGE;
  if (
    typeof storage !== 'function' &&
    !(typeof storage === 'string' && (storage.startsWith('tango.') || /^\.\/.+#.+$/.test(storage)))
  ) {
    fail(
      `The MESSAGE_STORAGE setting must be a storage class or a dotted path ('tango.messages.storage.fallback.FallbackStorage' or './module.ts#export'), got ${JSON.stringify(storage)}.`,
    );
  }
}

/** A dotted path to a built-in (`tango.…`, or Django's `django.contrib.auth.…`) or `./module.ts#export`. */
function isDottedPath(value: unknown, djangoPrefix: string): boolean {
  return (
    typeof value === 'string' &&
    (value.startsWith('tango.') || value.startsWith(djangoPrefix) || /^\.\/.+#.+$/.test(value))
  );
}

/**
 * The auth settings (Django's names and defaults, plus Tango's `AUTH_LOGIN_THROTTLE`). Each
 * entry's shape is checked here; the auth app resolves the dotted paths when it starts.
 */
function validateAuth(s: Settings): void {
  expectType('AUTHENTICATION_BACKENDS', s.AUTHENTICATION_BACKENDS, 'array');
  for (const backend of s.AUTHENTICATION_BACKENDS as unknown[]) {
    if (!isDottedPath(backend, 'django.contrib.auth.backends.')) {
      fail(
        `AUTHENTICATION_BACKENDS entries are dotted paths ('tango.auth.backends.ModelBackend' or './module.ts#export'), got ${JSON.stringify(backend) ?? String(backend)}.`,
      );
    }
  }
  expectType('PASSWORD_HASHERS', s.PASSWORD_HASHERS, 'array');
  if (s.PASSWORD_HASHERS.length === 0)
    fail('The PASSWORD_HASHERS setting must list at least one hasher.');
  for (const hasher of s.PASSWORD_HASHERS as unknown[]) {
    if (typeof hasher !== 'function' && !isDottedPath(hasher, 'django.contrib.auth.hashers.')) {
      fail(
        `PASSWORD_HASHERS entries are hasher classes or dotted paths ('tango.auth.hashers.PBKDF2PasswordHasher' or './module.ts#export'), got ${JSON.stringify(hasher) ?? String(hasher)}.`,
      );
    }
  }
  expectType('AUTH_PASSWORD_VALIDATORS', s.AUTH_PASSWORD_VALIDATORS, 'array');
  for (const [i, validator] of (s.AUTH_PASSWORD_VALIDATORS as unknown[]).entries()) {
    const { NAME: name, OPTIONS: options } = (validator ?? {}) as Record<string, unknown>;
    if (
      typeof validator !== 'object' ||
      validator === null ||
      (typeof name !== 'function' &&
        !isDottedPath(name, 'django.contrib.auth.password_validation.')) ||
      (options !== undefined && (typeof options !== 'object' || options === null))
    ) {
      fail(
        `AUTH_PASSWORD_VALIDATORS[${i}] must be { NAME: 'tango.auth.password_validation.MinimumLengthValidator', OPTIONS?: {...} }, got ${JSON.stringify(validator) ?? String(validator)}.`,
      );
    }
  }
  for (const name of ['LOGIN_URL', 'LOGIN_REDIRECT_URL'] as const) {
    if (typeof s[name] !== 'string' || !s[name])
      fail(`The ${name} setting must be a URL or a URL pattern name, got ${String(s[name])}.`);
  }
  if (
    s.LOGOUT_REDIRECT_URL !== null &&
    (typeof s.LOGOUT_REDIRECT_URL !== 'string' || !s.LOGOUT_REDIRECT_URL)
  ) {
    fail(
      `The LOGOUT_REDIRECT_URL setting must be a URL, a URL pattern name or null, got ${String(s.LOGOUT_REDIRECT_URL)}.`,
    );
  }
  const throttle: unknown = s.AUTH_LOGIN_THROTTLE;
  if (throttle !== null) {
    const t = (throttle ?? {}) as Record<string, unknown>;
    const positiveInteger = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
    if (
      typeof throttle !== 'object' ||
      !positiveInteger(t['ATTEMPTS']) ||
      !positiveInteger(t['WINDOW']) ||
      (t['CACHE_ALIAS'] !== undefined && typeof t['CACHE_ALIAS'] !== 'string') ||
      Object.keys(t).some((k) => !['ATTEMPTS', 'WINDOW', 'CACHE_ALIAS'].includes(k))
    ) {
      fail(
        `The AUTH_LOGIN_THROTTLE setting must be null or { ATTEMPTS: <failures>, WINDOW: <seconds>, CACHE_ALIAS?: 'default' } with positive whole numbers, got ${JSON.stringify(throttle)}.`,
      );
    }
    const alias = (t['CACHE_ALIAS'] as string | undefined) ?? 'default';
    if (!Object.hasOwn(s.CACHES, alias))
      fail(`AUTH_LOGIN_THROTTLE.CACHE_ALIAS '${alias}' is not defined in CACHES.`);
  }
}

/**
 * The `SECURE_*` settings `SecurityMiddleware` reads (Django's names and defaults). The policy
 * values themselves (`SECURE_REFERRER_POLICY`, `SECURE_CROSS_ORIGIN_OPENER_POLICY`) are checked
 * by the middleware when it is created, as Django's E023/E024 apply only with it installed.
 */
function validateSecure(s: Settings): void {
  const seconds: unknown = s.SECURE_HSTS_SECONDS;
  if (!Number.isInteger(seconds) || (seconds as number) < 0) {
    fail(
      `The SECURE_HSTS_SECONDS setting must be a whole number of seconds (0 for no HSTS), got ${JSON.stringify(seconds) ?? String(seconds)}.`,
    );
  }
  for (const name of [
    'SECURE_HSTS_INCLUDE_SUBDOMAINS',
    'SECURE_HSTS_PRELOAD',
    'SECURE_SSL_REDIRECT',
  ] as const) {
    expectType(name, s[name], 'boolean');
  }
  const host: unknown = s.SECURE_SSL_HOST;
  if (host !== null && (typeof host !== 'string' || !/^[^\s/?#@]+$/.test(host))) {
    fail(
      `The SECURE_SSL_HOST setting must be a host name (optionally with a port) or null, got ${JSON.stringify(host) ?? String(host)}.`,
    );
  }
  expectType('SECURE_REDIRECT_EXEMPT', s.SECURE_REDIRECT_EXEMPT, 'array');
  for (const [i, pattern] of (s.SECURE_REDIRECT_EXEMPT as unknown[]).entries()) {
    if (pattern instanceof RegExp) continue;
    if (typeof pattern !== 'string')
      fail(`SECURE_REDIRECT_EXEMPT[${i}] must be a regular expression string or a RegExp.`);
    try {
      new RegExp(pattern);
    } catch (error) {
      fail(`SECURE_REDIRECT_EXEMPT[${i}] is not a valid regular expression: ${String(error)}`);
    }
  }
  const coop: unknown = s.SECURE_CROSS_ORIGIN_OPENER_POLICY;
  if (coop !== null && typeof coop !== 'string')
    fail('The SECURE_CROSS_ORIGIN_OPENER_POLICY setting must be a string or null.');
}

/** `LOGGING` (Tango's subset): `{ format?: 'text' | 'json', requestIdHeader?: string | null }`. */
function validateLogging(s: Settings): void {
  const logging: unknown = s.LOGGING;
  if (typeof logging !== 'object' || logging === null || Array.isArray(logging))
    fail("The LOGGING setting must be an object such as { format: 'json' }.");
  for (const key of Object.keys(logging)) {
    if (key !== 'format' && key !== 'requestIdHeader')
      fail(`Unknown LOGGING option '${key}' (Tango reads format and requestIdHeader).`);
  }
  const { format, requestIdHeader } = logging as Record<string, unknown>;
  if (format !== undefined && !isOneOf(LOG_FORMATS, format))
    fail(`LOGGING.format must be ${formatChoices(LOG_FORMATS)}, got ${JSON.stringify(format)}.`);
  if (
    requestIdHeader !== undefined &&
    requestIdHeader !== null &&
    (typeof requestIdHeader !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(requestIdHeader))
  ) {
    fail(
      `LOGGING.requestIdHeader must be a header name such as 'X-Request-ID' or null, got ${JSON.stringify(requestIdHeader)}.`,
    );
  }
}

/**
 * Merges a project's settings over Django's defaults and validates them once. An unknown
 * name (a typo) or a value of the wrong type throws `ImproperlyConfigured` naming it.
 *
 * @example
 * export default defineSettings({ BASE_DIR: import.meta.dirname, SECRET_KEY: 'dev', DEBUG: true });
 */
export function defineSettings(input: SettingsInput): Readonly<Settings> {
  for (const name of Object.keys(input)) {
    if (!KNOWN.has(name)) {
      const hint = closest(name);
      fail(`Unknown setting '${name}'.${hint ? ` Did you mean '${hint}'?` : ''}`);
    }
  }
  const settings = { ...DEFAULTS, ...input } as Settings;
  validate(settings);
  return Object.freeze(settings);
}
