/**
 * Every setting Tango reads (Django's names), Django's defaults, and the registries of built-in
 * names that settings choose from. Each registry is one list: the setting's type, the start-up
 * validation in `define.ts` and the messages of the modules that implement the entries all
 * derive from it. This module imports no value, so every layer may read it.
 */
import type { PasswordHasherClass } from '../auth/hashers.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import type { MessageStorageClass } from '../messages/storage/base.js';
import type { MiddlewareFactory } from '../middleware/types.js';
import type { SessionSchema } from '../sessions/schema.js';

/**
 * Django's `SESSION_ENGINE` choices, by short name. `sessions/engines.ts` maps each to its
 * store class (a `Record` over this list, so the compiler keeps the two in step).
 */
export const SESSION_ENGINES = [
  'db',
  'file',
  'cache',
  'cached_db',
  'signed_cookies',
  'encrypted_cookies',
] as const;
export type SessionEngineName = (typeof SESSION_ENGINES)[number];

/** `CACHES[alias].BACKEND` choices; `cache/caches.ts` maps each to its backend. */
export const CACHE_BACKENDS = ['locmem', 'redis', 'dummy'] as const;
export type CacheBackendName = (typeof CACHE_BACKENDS)[number];

/** `DATABASES[alias].ENGINE` choices (the SQL dialects); `db/connections.ts` and `db/dialect.ts` map each. */
export const DATABASE_ENGINES = ['sqlite', 'postgresql'] as const;
export type DatabaseEngineName = (typeof DATABASE_ENGINES)[number];

/**
 * The built-in apps, by `INSTALLED_APPS` name (Django's `django.contrib.*`). Each is a folder of
 * the runtime whose `apps` module default-exports its `AppConfig`, loaded through the same
 * dotted-path mechanism as every other built-in (`core/import-string.ts`).
 */
export const BUILTIN_APPS = [
  'tango.sessions',
  'tango.messages',
  'tango.auth',
  'tango.admin',
] as const;
export type BuiltinAppName = (typeof BUILTIN_APPS)[number];

/** Built-in middleware, by Django-style dotted path. */
export const BUILTIN_MIDDLEWARE = [
  'tango.middleware.security.SecurityMiddleware',
  'tango.sessions.middleware.SessionMiddleware',
  'tango.middleware.common.CommonMiddleware',
  'tango.middleware.csrf.CsrfViewMiddleware',
  'tango.auth.middleware.AuthenticationMiddleware',
  'tango.messages.middleware.MessageMiddleware',
  'tango.middleware.clickjacking.XFrameOptionsMiddleware',
] as const;
export type BuiltinMiddleware = (typeof BUILTIN_MIDDLEWARE)[number];

/** `SESSION_COOKIE_SAMESITE` (and every other cookie's SameSite) choices. */
export const SAMESITE_VALUES = ['Lax', 'Strict', 'None', false] as const;

/**
 * A list of choices as messages print it: `'db', 'file' or 'cache'`.
 *
 * @example
 * `ENGINE must be ${formatChoices(DATABASE_ENGINES)}` // "ENGINE must be 'sqlite' or 'postgresql'"
 */
export function formatChoices(choices: readonly unknown[]): string {
  const quoted = choices.map((c) => (typeof c === 'string' ? `'${c}'` : String(c)));
  return quoted.length < 2
    ? quoted.join('')
    : `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`;
}

/**
 * One `MIDDLEWARE` entry: a built-in's dotted path, a project module as
 * `'./path/to/module.ts#exportName'` (relative to `BASE_DIR`), or a factory itself.
 */
export type MiddlewareEntry = BuiltinMiddleware | `./${string}#${string}` | MiddlewareFactory;

/**
 * A view answering a request refused by CSRF protection (`CSRF_FAILURE_VIEW`), Django's
 * `csrf_failure(request, reason)`: `reason` is Django's reason string.
 */
export type CsrfFailureView = (
  request: HttpRequest,
  reason: string,
) => HttpResponse | Promise<HttpResponse>;

/**
 * One `PASSWORD_HASHERS` entry: a built-in's dotted path (`'tango.auth.hashers.PBKDF2PasswordHasher'`,
 * or Django's `'django.contrib.auth.hashers.PBKDF2PasswordHasher'`), `'./module.ts#Export'`
 * relative to `BASE_DIR`, or a hasher class itself.
 */
export type PasswordHasherEntry = string | PasswordHasherClass;

/**
 * One `AUTH_PASSWORD_VALIDATORS` entry, Django's shape: `NAME` is a built-in's dotted path
 * (`'tango.auth.password_validation.MinimumLengthValidator'`, or Django's
 * `'django.contrib.auth.password_validation.…'`), `'./module.ts#Export'`, or the class;
 * `OPTIONS` are its constructor's options, with Django's names (`min_length`).
 */
export interface PasswordValidatorSettings {
  NAME: string | (new (options?: Record<string, unknown>) => unknown);
  OPTIONS?: Record<string, unknown>;
}

/**
 * `AUTH_LOGIN_THROTTLE` (Tango): after `ATTEMPTS` failed logins for one username from one IP
 * address within `WINDOW` seconds, `authenticate()` refuses that pair until the window ends.
 * Counted in the `CACHE_ALIAS` cache (`'default'`): a `locmem` cache counts per process.
 */
export interface LoginThrottleSettings {
  ATTEMPTS: number;
  WINDOW: number;
  CACHE_ALIAS?: string;
}

/** A `DATABASES` entry. SQLite is the embedded default; PostgreSQL for scale-out. */
export type DatabaseSettings =
  | {
      /** `'sqlite'`: `NAME` is a file path (relative to `BASE_DIR`) or `':memory:'`. */
      ENGINE: Extract<DatabaseEngineName, 'sqlite'>;
      NAME: string;
      OPTIONS?: Record<string, unknown>;
    }
  | {
      ENGINE: Extract<DatabaseEngineName, 'postgresql'>;
      /** Either a `postgres://` URL in `URL`, or HOST/PORT/NAME/USER/PASSWORD. */
      URL?: string;
      NAME?: string;
      HOST?: string;
      PORT?: number | string;
      USER?: string;
      PASSWORD?: string;
      OPTIONS?: Record<string, unknown>;
    };

/** A `CACHES` entry. */
export interface CacheSettings {
  /** `'locmem'` (bounded in-process LRU, single process only) or `'redis'`. */
  BACKEND: CacheBackendName;
  /** Redis URL for `'redis'`; a name separating locmem instances otherwise. */
  LOCATION?: string;
  /** Default timeout in seconds (Django default 300); `null` means never expire. */
  TIMEOUT?: number | null;
  KEY_PREFIX?: string;
  VERSION?: number;
  /** `MAX_ENTRIES` (default 300, as Django) for locmem. */
  OPTIONS?: { MAX_ENTRIES?: number; CULL_FREQUENCY?: number } & Record<string, unknown>;
}

/** One `TEMPLATES` entry. Only the Handlebars backend exists. */
export interface TemplateSettings {
  BACKEND?: 'handlebars';
  /** Directories searched first, relative to `BASE_DIR`. */
  DIRS?: string[];
  /** Search each installed app's `templates/` folder after `DIRS`. Default `true`. */
  APP_DIRS?: boolean;
  OPTIONS?: Record<string, unknown>;
}

/** `LOGGING.format` choices. */
export const LOG_FORMATS = ['text', 'json'] as const;

/** `LOGGING`: Tango's small, typed subset of what Django configures with `dictConfig`. */
export interface LoggingSettings {
  /** `'text'` (default): Django's lines; `'json'`: one JSON object per line. */
  format?: (typeof LOG_FORMATS)[number];
  /** A request header carrying a request id (e.g. `'X-Request-ID'`); default `null`: none. */
  requestIdHeader?: string | null;
}

/**
 * Every setting Tango reads, with Django's names. `defineSettings()` takes a partial of this
 * type, so a misspelt setting name is a type error (excess property check) and, at run time,
 * an `ImproperlyConfigured` error.
 */
export interface Settings {
  /** Absolute project root. Relative paths in other settings resolve against it. */
  BASE_DIR: string;
  DEBUG: boolean;
  SECRET_KEY: string;
  /** Older keys still accepted when verifying signatures (key rotation). */
  SECRET_KEY_FALLBACKS: string[];
  /**
   * `getSignedCookie` also accepts cookies signed with the salt Django used before 5.2.15
   * (`name + salt`, CVE-2026-6873), as Django 5.2 does by default; an expired signature is
   * never retried. Turn it off once no such cookie can still be valid. Default `true`.
   */
  SIGNED_COOKIE_LEGACY_SALT_FALLBACK: boolean;
  /** Host names this site serves; with DEBUG and an empty list, localhost names are allowed. */
  ALLOWED_HOSTS: string[];
  /** App names: built-ins such as `'tango.sessions'`, or project folders such as `'WebApp'`. */
  INSTALLED_APPS: string[];
  MIDDLEWARE: MiddlewareEntry[];
  /** Module path of the root urlconf relative to `BASE_DIR`, e.g. `'mysite/urls'`. */
  ROOT_URLCONF: string;
  TEMPLATES: TemplateSettings[];
  DATABASES: Record<string, DatabaseSettings>;
  CACHES: Record<string, CacheSettings>;
  APPEND_SLASH: boolean;
  /** Largest request body in bytes read into memory (Django default 2.5 MB); 413 beyond it. */
  DATA_UPLOAD_MAX_MEMORY_SIZE: number | null;
  /**
   * Most GET or POST parameters a request may carry (Django default 1000); beyond it reading
   * `request.query` or `request.form` is a 400 (`TooManyFieldsSent`). `null` disables the check.
   */
  DATA_UPLOAD_MAX_NUMBER_FIELDS: number | null;
  /** Trust `X-Forwarded-Proto` etc.: `[headerName, value]` meaning "this request is HTTPS". */
  SECURE_PROXY_SSL_HEADER: [string, string] | null;
  USE_X_FORWARDED_HOST: boolean;
  X_FRAME_OPTIONS: 'DENY' | 'SAMEORIGIN';
  SECURE_CONTENT_TYPE_NOSNIFF: boolean;
  SECURE_REFERRER_POLICY: string | null;
  /**
   * Seconds of `Strict-Transport-Security: max-age` that `SecurityMiddleware` sends on HTTPS
   * responses; 0 (Django's default) sends none. Set it only once the whole site is HTTPS.
   */
  SECURE_HSTS_SECONDS: number;
  /** Add `includeSubDomains` to the HSTS header (default false). */
  SECURE_HSTS_INCLUDE_SUBDOMAINS: boolean;
  /** Add `preload` to the HSTS header (default false). */
  SECURE_HSTS_PRELOAD: boolean;
  /** `SecurityMiddleware` answers plain-HTTP requests with a 301 to HTTPS (default false). */
  SECURE_SSL_REDIRECT: boolean;
  /** The host of those redirects; `null` (default): the request's own host. */
  SECURE_SSL_HOST: string | null;
  /**
   * Paths never redirected to HTTPS: regular expressions searched in the path without its
   * leading slash, as Django's (`'^health/$'`); a `RegExp` works too. Default `[]`.
   */
  SECURE_REDIRECT_EXEMPT: (string | RegExp)[];
  /**
   * `Cross-Origin-Opener-Policy` sent by `SecurityMiddleware`: `'same-origin'` (Django's
   * default), `'same-origin-allow-popups'`, `'unsafe-none'`, or `null` for none.
   */
  SECURE_CROSS_ORIGIN_OPENER_POLICY: string | null;
  /**
   * The log's shape (Tango's small subset in place of Django's `dictConfig`): `format` `'text'`
   * (default: Django's lines) or `'json'` (one JSON object per line, for a log collector), and
   * `requestIdHeader`, a request header (e.g. `'X-Request-ID'`) whose value is carried into
   * every access line and every `tango.*` record logged while that request runs.
   */
  LOGGING: LoggingSettings;

  /** A built-in engine name, or a custom store class with a static `fromSettings(settings)`. */
  SESSION_ENGINE:
    | SessionEngineName
    | { fromSettings(settings: Readonly<Settings>): Promise<unknown> };
  SESSION_COOKIE_NAME: string;
  SESSION_COOKIE_AGE: number;
  SESSION_COOKIE_DOMAIN: string | null;
  SESSION_COOKIE_SECURE: boolean;
  SESSION_COOKIE_PATH: string;
  SESSION_COOKIE_HTTPONLY: boolean;
  SESSION_COOKIE_SAMESITE: (typeof SAMESITE_VALUES)[number];
  /**
   * Mark the session cookie `Partitioned` (CHIPS: one cookie jar per top-level site), for a
   * site that runs inside other sites' iframes. Needs `SESSION_COOKIE_SECURE` (Tango; Django
   * has no such setting, ticket #34613). Default false.
   */
  SESSION_COOKIE_PARTITIONED: boolean;
  /**
   * A Standard Schema (zod, valibot, arktype, ...: anything with `~standard`) that session
   * data must pass when it is loaded; data that fails is treated as corrupt: the session
   * starts empty and a line is logged on `tango.security.SuspiciousSession`. The data is kept
   * as stored, not the schema's output. Tango; default null (no validation).
   */
  SESSION_SCHEMA: SessionSchema | null;
  SESSION_SAVE_EVERY_REQUEST: boolean;
  SESSION_EXPIRE_AT_BROWSER_CLOSE: boolean;
  /** Directory for the file engine; `null` means the OS temp dir. */
  SESSION_FILE_PATH: string | null;
  SESSION_CACHE_ALIAS: string;
  /** Only `'json'` (Django's JSONSerializer) is supported: pickle's RCE risk is not copied. */
  SESSION_SERIALIZER: 'json';
  /**
   * Lock every request's session, from its load to its save, so that requests of one visitor
   * that read and write the same key (a counter, a cart) run one after the other, across
   * processes too (Tango; default false). Without it, saves still merge: concurrent requests
   * that write different keys keep each other's writes. `blockingSession(view)` locks one view.
   */
  SESSION_LOCKING: boolean;
  /** Seconds a request waits for its session's lock before a 503 (`SessionLockTimeout`). Default 10. */
  SESSION_LOCK_TIMEOUT: number;
  /** Seconds after which a lock its holder never released (a crashed process) lapses. Default 30. */
  SESSION_LOCK_EXPIRY: number;
  /**
   * Seconds between clearings of expired sessions by the server itself, or `null` (the
   * default) for none: run `clearsessions` from cron instead. One process of the pool clears
   * per period, never two at once (the session engine's locks). Tango.
   */
  SESSION_CLEAR_EXPIRED_EVERY: number | null;

  /** The CSRF cookie's name (Django default `'csrftoken'`). */
  CSRF_COOKIE_NAME: string;
  /** The CSRF cookie's age in seconds (default one year); `null`: a browser-session cookie. */
  CSRF_COOKIE_AGE: number | null;
  /** The CSRF cookie's `Domain`, e.g. `'.example.com'` for cross-subdomain forms; `null`: this host only. */
  CSRF_COOKIE_DOMAIN: string | null;
  CSRF_COOKIE_PATH: string;
  CSRF_COOKIE_SECURE: boolean;
  /** Default false, as Django: JavaScript may read the cookie to send the token in a header. */
  CSRF_COOKIE_HTTPONLY: boolean;
  CSRF_COOKIE_SAMESITE: (typeof SAMESITE_VALUES)[number];
  /** Mark the CSRF cookie `Partitioned` (CHIPS); needs `CSRF_COOKIE_SECURE`. Tango; default false. */
  CSRF_COOKIE_PARTITIONED: boolean;
  /**
   * The header carrying the token for AJAX, in Django's `request.META` form: the default
   * `'HTTP_X_CSRFTOKEN'` is the `X-CSRFToken` header.
   */
  CSRF_HEADER_NAME: string;
  /**
   * Origins trusted for unsafe requests besides this host, with a scheme:
   * `'https://example.com'`, or `'https://*.example.com'` for every subdomain.
   */
  CSRF_TRUSTED_ORIGINS: string[];
  /** Keep the CSRF secret in the session instead of a cookie (needs `SessionMiddleware` first). */
  CSRF_USE_SESSIONS: boolean;
  /**
   * The view for refused requests: a dotted path (`'tango.views.csrf.csrfFailure'`, the
   * default, or `'./module.ts#export'` relative to `BASE_DIR`) or the function itself.
   */
  CSRF_FAILURE_VIEW: string | CsrfFailureView;

  /**
   * The lowest message level recorded (Django's default `INFO`, 20): `messages.debug()` is
   * dropped unless this is `DEBUG` (10) or lower.
   */
  MESSAGE_LEVEL: number;
  /**
   * Tags (CSS classes) by message level, merged over the defaults (`10: 'debug'`, `20: 'info'`,
   * `25: 'success'`, `30: 'warning'`, `40: 'error'`); tag a custom level here.
   */
  MESSAGE_TAGS: Readonly<Record<number, string>>;
  /**
   * Where messages wait for the next page: a dotted path
   * (`'tango.messages.storage.fallback.FallbackStorage'`, the default: the cookie, then the
   * session for what does not fit; `'tango.messages.storage.cookie.CookieStorage'`;
   * `'tango.messages.storage.session.SessionStorage'`), `'./module.ts#Export'` relative to
   * `BASE_DIR`, or the class itself.
   */
  MESSAGE_STORAGE: string | MessageStorageClass;

  /**
   * The backends `authenticate()` tries in order, as dotted paths:
   * `'tango.auth.backends.ModelBackend'` (the default; Django's
   * `'django.contrib.auth.backends.ModelBackend'` names the same backend) or
   * `'./module.ts#Export'` relative to `BASE_DIR`.
   */
  AUTHENTICATION_BACKENDS: string[];
  /**
   * Password hashers, the preferred one first: new passwords use it, and a login with a hash of
   * another (or an older work factor) re-hashes the password with it. Default: Django 5.2's list
   * (PBKDF2-SHA256, PBKDF2-SHA1, Argon2, BCryptSHA256, Scrypt; Tango recognises but cannot
   * compute Argon2 and bcrypt).
   */
  PASSWORD_HASHERS: PasswordHasherEntry[];
  /** Validators new passwords must pass (`validatePassword`); default `[]`, as Django. */
  AUTH_PASSWORD_VALIDATORS: PasswordValidatorSettings[];
  /** Where `loginRequired` sends anonymous visitors: a URL or a URL pattern name. */
  LOGIN_URL: string;
  /** Where `LoginView` goes after a login without a safe `next`: a URL or a pattern name. */
  LOGIN_REDIRECT_URL: string;
  /** Where `LogoutView` goes after a logout; `null` (default) renders `registration/logged_out.html`. */
  LOGOUT_REDIRECT_URL: string | null;
  /**
   * Tango: refuse logins for a username and IP address after `ATTEMPTS` failures within `WINDOW`
   * seconds (counted in the `CACHE_ALIAS` cache), or `null` (the default, as Django) for no limit.
   */
  AUTH_LOGIN_THROTTLE: LoginThrottleSettings | null;
}

/** What a project's `settings.ts` passes to `defineSettings()`. */
export type SettingsInput = Partial<Settings> & Pick<Settings, 'BASE_DIR' | 'SECRET_KEY'>;

/** Django's global defaults (django/conf/global_settings.py), for the settings Tango reads. */
export const DEFAULTS: Omit<Settings, 'BASE_DIR' | 'SECRET_KEY'> = {
  DEBUG: false,
  SECRET_KEY_FALLBACKS: [],
  SIGNED_COOKIE_LEGACY_SALT_FALLBACK: true,
  ALLOWED_HOSTS: [],
  INSTALLED_APPS: [],
  MIDDLEWARE: [],
  ROOT_URLCONF: '',
  TEMPLATES: [],
  DATABASES: {},
  CACHES: { default: { BACKEND: 'locmem' } },
  APPEND_SLASH: true,
  DATA_UPLOAD_MAX_MEMORY_SIZE: 2621440,
  DATA_UPLOAD_MAX_NUMBER_FIELDS: 1000,
  SECURE_PROXY_SSL_HEADER: null,
  USE_X_FORWARDED_HOST: false,
  X_FRAME_OPTIONS: 'DENY',
  SECURE_CONTENT_TYPE_NOSNIFF: true,
  SECURE_REFERRER_POLICY: 'same-origin',
  SECURE_HSTS_SECONDS: 0,
  SECURE_HSTS_INCLUDE_SUBDOMAINS: false,
  SECURE_HSTS_PRELOAD: false,
  SECURE_SSL_REDIRECT: false,
  SECURE_SSL_HOST: null,
  SECURE_REDIRECT_EXEMPT: [],
  SECURE_CROSS_ORIGIN_OPENER_POLICY: 'same-origin',
  LOGGING: { format: 'text', requestIdHeader: null },

  SESSION_ENGINE: 'db',
  SESSION_COOKIE_NAME: 'sessionid',
  SESSION_COOKIE_AGE: 60 * 60 * 24 * 7 * 2,
  SESSION_COOKIE_DOMAIN: null,
  SESSION_COOKIE_SECURE: false,
  SESSION_COOKIE_PATH: '/',
  SESSION_COOKIE_HTTPONLY: true,
  SESSION_COOKIE_SAMESITE: 'Lax',
  SESSION_COOKIE_PARTITIONED: false,
  SESSION_SCHEMA: null,
  SESSION_SAVE_EVERY_REQUEST: false,
  SESSION_EXPIRE_AT_BROWSER_CLOSE: false,
  SESSION_FILE_PATH: null,
  SESSION_CACHE_ALIAS: 'default',
  SESSION_SERIALIZER: 'json',
  SESSION_LOCKING: false,
  SESSION_LOCK_TIMEOUT: 10,
  SESSION_LOCK_EXPIRY: 30,
  SESSION_CLEAR_EXPIRED_EVERY: null,

  CSRF_COOKIE_NAME: 'csrftoken',
  CSRF_COOKIE_AGE: 60 * 60 * 24 * 7 * 52,
  CSRF_COOKIE_DOMAIN: null,
  CSRF_COOKIE_PATH: '/',
  CSRF_COOKIE_SECURE: false,
  CSRF_COOKIE_HTTPONLY: false,
  CSRF_COOKIE_SAMESITE: 'Lax',
  CSRF_COOKIE_PARTITIONED: false,
  CSRF_HEADER_NAME: 'HTTP_X_CSRFTOKEN',
  CSRF_TRUSTED_ORIGINS: [],
  CSRF_USE_SESSIONS: false,
  CSRF_FAILURE_VIEW: 'tango.views.csrf.csrfFailure',

  MESSAGE_LEVEL: 20, // INFO
  MESSAGE_TAGS: {},
  MESSAGE_STORAGE: 'tango.messages.storage.fallback.FallbackStorage',

  AUTHENTICATION_BACKENDS: ['tango.auth.backends.ModelBackend'],
  PASSWORD_HASHERS: [
    'tango.auth.hashers.PBKDF2PasswordHasher',
    'tango.auth.hashers.PBKDF2SHA1PasswordHasher',
    'tango.auth.hashers.Argon2PasswordHasher',
    'tango.auth.hashers.BCryptSHA256PasswordHasher',
    'tango.auth.hashers.ScryptPasswordHasher',
  ],
  AUTH_PASSWORD_VALIDATORS: [],
  LOGIN_URL: '/accounts/login/',
  LOGIN_REDIRECT_URL: '/accounts/profile/',
  LOGOUT_REDIRECT_URL: null,
  AUTH_LOGIN_THROTTLE: null,
};
