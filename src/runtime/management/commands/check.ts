import { createApplication } from '../../handlers/base.js';
import type { AppRegistry } from '../../apps/registry.js';
import type { Settings } from '../../conf/settings.js';
import { XFrameOptionsMiddleware } from '../../middleware/clickjacking.js';
import { CsrfViewMiddleware } from '../../middleware/csrf.js';
import { SecurityMiddleware } from '../../middleware/security.js';
import type { Command } from '../base.js';
import { manageCommandLine } from '../registry.js';

const SECURITY_MIDDLEWARE = 'tango.middleware.security.SecurityMiddleware';
const SESSION_MIDDLEWARE = 'tango.sessions.middleware.SessionMiddleware';
const CSRF_MIDDLEWARE = 'tango.middleware.csrf.CsrfViewMiddleware';
const XFRAME_MIDDLEWARE = 'tango.middleware.clickjacking.XFrameOptionsMiddleware';

/** One finding: `[id, message, hint?]`; ids ending in `E<n>` are errors, `W<n>` warnings. */
export type CheckMessage = [id: string, message: string, hint?: string];

/**
 * Django's `SECRET_KEY_INSECURE_PREFIX` is `'django-insecure-'`; Tango's startproject writes
 * `'tango-insecure-'` (src/cli/secret-key.ts). Both mark a generated development key: a key
 * carried over from a Django project's settings is one too.
 */
export const SECRET_KEY_INSECURE_PREFIX = 'tango-insecure-';
const INSECURE_PREFIXES = [SECRET_KEY_INSECURE_PREFIX, 'django-insecure-'];
export const SECRET_KEY_MIN_LENGTH = 50;
export const SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5;

/** Django 5.2's `_check_secret_key`, counting code points as Python's `len()` does. */
export function isSecureSecretKey(key: unknown): boolean {
  if (typeof key !== 'string') return false;
  const chars = [...key];
  return (
    new Set(chars).size >= SECRET_KEY_MIN_UNIQUE_CHARACTERS &&
    chars.length >= SECRET_KEY_MIN_LENGTH &&
    !INSECURE_PREFIXES.some((prefix) => key.startsWith(prefix))
  );
}

const secretKeyWarning = (name: string): string =>
  `Your ${name} has less than ${SECRET_KEY_MIN_LENGTH} characters, less than ${SECRET_KEY_MIN_UNIQUE_CHARACTERS} unique characters, or it's prefixed with '${SECRET_KEY_INSECURE_PREFIX}' indicating that it was generated automatically by Tango. Please generate a long and random value, otherwise many of Tango's security-critical features will be vulnerable to attack.`;

const sessionCookieMessage = (message: string): string =>
  `${message} Using a secure-only session cookie makes it more difficult for network traffic sniffers to hijack user sessions.`;
const httpOnlyMessage = (message: string): string =>
  `${message} Using an HttpOnly session cookie makes it more difficult for cross-site scripting attacks to hijack user sessions.`;

/**
 * Django 5.2's deployment security checks (django/core/checks/security/base.py, sessions.py,
 * csrf.py), with their ids and wording: "Django" reads "Tango", dotted paths are Tango's, and
 * Python's `True` is `true`. In Django's registration order; `check` sorts them for printing.
 */
const DEPLOY_MESSAGES = {
  W001: `You do not have '${SECURITY_MIDDLEWARE}' in your MIDDLEWARE so the SECURE_HSTS_SECONDS, SECURE_CONTENT_TYPE_NOSNIFF, SECURE_REFERRER_POLICY, SECURE_CROSS_ORIGIN_OPENER_POLICY, and SECURE_SSL_REDIRECT settings will have no effect.`,
  W002: `You do not have '${XFRAME_MIDDLEWARE}' in your MIDDLEWARE, so your pages will not be served with an 'x-frame-options' header. Unless there is a good reason for your site to be served in a frame, you should consider enabling this header to help prevent clickjacking attacks.`,
  W003: `You don't appear to be using Tango's built-in cross-site request forgery protection via the middleware ('${CSRF_MIDDLEWARE}' is not in your MIDDLEWARE). Enabling the middleware is the safest approach to ensure you don't leave any holes.`,
  W004: 'You have not set a value for the SECURE_HSTS_SECONDS setting. If your entire site is served only over SSL, you may want to consider setting a value and enabling HTTP Strict Transport Security. Be sure to read the documentation first; enabling HSTS carelessly can cause serious, irreversible problems.',
  W005: 'You have not set the SECURE_HSTS_INCLUDE_SUBDOMAINS setting to true. Without this, your site is potentially vulnerable to attack via an insecure connection to a subdomain. Only set this to true if you are certain that all subdomains of your domain should be served exclusively via SSL.',
  W006: "Your SECURE_CONTENT_TYPE_NOSNIFF setting is not set to true, so your pages will not be served with an 'X-Content-Type-Options: nosniff' header. You should consider enabling this header to prevent the browser from identifying content types incorrectly.",
  W008: 'Your SECURE_SSL_REDIRECT setting is not set to true. Unless your site should be available over both SSL and non-SSL connections, you may want to either set this setting true or configure a load balancer or reverse-proxy server to redirect all connections to HTTPS.',
  W009: secretKeyWarning('SECRET_KEY'),
  W010: sessionCookieMessage(
    "You have 'tango.sessions' in your INSTALLED_APPS, but you have not set SESSION_COOKIE_SECURE to true.",
  ),
  W011: sessionCookieMessage(
    `You have '${SESSION_MIDDLEWARE}' in your MIDDLEWARE, but you have not set SESSION_COOKIE_SECURE to true.`,
  ),
  W012: sessionCookieMessage('SESSION_COOKIE_SECURE is not set to true.'),
  W013: httpOnlyMessage(
    "You have 'tango.sessions' in your INSTALLED_APPS, but you have not set SESSION_COOKIE_HTTPONLY to true.",
  ),
  W014: httpOnlyMessage(
    `You have '${SESSION_MIDDLEWARE}' in your MIDDLEWARE, but you have not set SESSION_COOKIE_HTTPONLY to true.`,
  ),
  W015: httpOnlyMessage('SESSION_COOKIE_HTTPONLY is not set to true.'),
  W016: `You have '${CSRF_MIDDLEWARE}' in your MIDDLEWARE, but you have not set CSRF_COOKIE_SECURE to true. Using a secure-only CSRF cookie makes it more difficult for network traffic sniffers to steal the CSRF token.`,
  W018: 'You should not have DEBUG set to true in deployment.',
  W019: `You have '${XFRAME_MIDDLEWARE}' in your MIDDLEWARE, but X_FRAME_OPTIONS is not set to 'DENY'. Unless there is a good reason for your site to serve other parts of itself in a frame, you should change it to 'DENY'.`,
  W020: 'ALLOWED_HOSTS must not be empty in deployment.',
  W021: 'You have not set the SECURE_HSTS_PRELOAD setting to true. Without this, your site cannot be submitted to the browser preload list.',
  W022: 'You have not set the SECURE_REFERRER_POLICY setting. Without this, your site will not send a Referrer-Policy header. You should consider enabling this header to protect user privacy.',
  E023: 'You have set the SECURE_REFERRER_POLICY setting to an invalid value.',
  E024: 'You have set the SECURE_CROSS_ORIGIN_OPENER_POLICY setting to an invalid value.',
} as const;

const REFERRER_POLICY_VALUES = [
  'no-referrer',
  'no-referrer-when-downgrade',
  'origin',
  'origin-when-cross-origin',
  'same-origin',
  'strict-origin',
  'strict-origin-when-cross-origin',
  'unsafe-url',
];
const COOP_VALUES = ['same-origin', 'same-origin-allow-popups', 'unsafe-none'];

/** Whether MIDDLEWARE holds this built-in, by dotted path or as the factory itself. */
function hasMiddleware(settings: Readonly<Settings>, path: string, factory?: unknown): boolean {
  return settings.MIDDLEWARE.some(
    (entry) =>
      entry === path ||
      (factory !== undefined && entry === factory) ||
      // The sessions app sits above management: its factory is recognised by its name.
      (factory === undefined &&
        typeof entry === 'function' &&
        entry.name === path.split('.').pop()),
  );
}

/** Django 5.2's `--deploy` checks, in its registration order. */
function deployChecks(settings: Readonly<Settings>): CheckMessage[] {
  const found: CheckMessage[] = [];
  const w = (id: keyof typeof DEPLOY_MESSAGES): void => {
    found.push([`security.${id}`, DEPLOY_MESSAGES[id]]);
  };
  const security = hasMiddleware(settings, SECURITY_MIDDLEWARE, SecurityMiddleware);
  const xframe = hasMiddleware(settings, XFRAME_MIDDLEWARE, XFrameOptionsMiddleware);
  const csrf = hasMiddleware(settings, CSRF_MIDDLEWARE, CsrfViewMiddleware);
  const sessionApp = settings.INSTALLED_APPS.includes('tango.sessions');
  const sessionMiddleware = hasMiddleware(settings, SESSION_MIDDLEWARE);

  // django/core/checks/security/base.py
  if (!security) w('W001');
  if (!xframe) w('W002');
  if (security && !settings.SECURE_HSTS_SECONDS) w('W004');
  if (security && settings.SECURE_HSTS_SECONDS && settings.SECURE_HSTS_INCLUDE_SUBDOMAINS !== true)
    w('W005');
  if (security && settings.SECURE_HSTS_SECONDS && settings.SECURE_HSTS_PRELOAD !== true) w('W021');
  if (security && settings.SECURE_CONTENT_TYPE_NOSNIFF !== true) w('W006');
  if (security && settings.SECURE_SSL_REDIRECT !== true) w('W008');
  if (!isSecureSecretKey(settings.SECRET_KEY)) w('W009');
  const fallbacks: unknown = settings.SECRET_KEY_FALLBACKS;
  if (!Array.isArray(fallbacks)) {
    found.push(['security.W025', secretKeyWarning('SECRET_KEY_FALLBACKS')]);
  } else {
    fallbacks.forEach((key: unknown, index) => {
      if (!isSecureSecretKey(key))
        found.push(['security.W025', secretKeyWarning(`SECRET_KEY_FALLBACKS[${index}]`)]);
    });
  }
  if (settings.DEBUG) w('W018');
  if (xframe && settings.X_FRAME_OPTIONS !== 'DENY') w('W019');
  if (settings.ALLOWED_HOSTS.length === 0) w('W020');
  if (security) {
    const policy = settings.SECURE_REFERRER_POLICY;
    if (policy === null) w('W022');
    else if (!policy.split(',').every((v) => REFERRER_POLICY_VALUES.includes(v.trim())))
      found.push([
        'security.E023',
        DEPLOY_MESSAGES.E023,
        `Valid values are: ${[...REFERRER_POLICY_VALUES].sort().join(', ')}.`,
      ]);
    const coop = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY;
    if (coop !== null && !COOP_VALUES.includes(coop))
      found.push([
        'security.E024',
        DEPLOY_MESSAGES.E024,
        `Valid values are: ${[...COOP_VALUES].sort().join(', ')}.`,
      ]);
  }

  // django/core/checks/security/sessions.py: one common warning when both app and middleware.
  if (settings.SESSION_COOKIE_SECURE !== true) {
    const ids = [...(sessionApp ? ['W010'] : []), ...(sessionMiddleware ? ['W011'] : [])];
    for (const id of ids.length > 1 ? ['W012'] : ids) w(id as keyof typeof DEPLOY_MESSAGES);
  }
  if (settings.SESSION_COOKIE_HTTPONLY !== true) {
    const ids = [...(sessionApp ? ['W013'] : []), ...(sessionMiddleware ? ['W014'] : [])];
    for (const id of ids.length > 1 ? ['W015'] : ids) w(id as keyof typeof DEPLOY_MESSAGES);
  }

  // django/core/checks/security/csrf.py
  if (!csrf) w('W003');
  if (!settings.CSRF_USE_SESSIONS && csrf && settings.CSRF_COOKIE_SECURE !== true) w('W016');
  return found;
}

/**
 * Django-style system checks on settings that load fine but are likely wrong; with `deploy`,
 * also Django 5.2's deployment security checks (`deployChecks`). Returns `[id, message, hint?]`.
 *
 * @example
 * systemChecks(settings, true).map(([id]) => id); // ['security.W004', 'security.W008', ...]
 */
export function systemChecks(settings: Readonly<Settings>, deploy: boolean): CheckMessage[] {
  const found: CheckMessage[] = [];
  const sessionsInstalled = settings.INSTALLED_APPS.includes('tango.sessions');
  const middlewareInstalled = hasMiddleware(settings, SESSION_MIDDLEWARE);
  if (middlewareInstalled && !sessionsInstalled) {
    found.push([
      'sessions.E001',
      `'${SESSION_MIDDLEWARE}' is in MIDDLEWARE but 'tango.sessions' is not in INSTALLED_APPS.`,
    ]);
  }
  if (settings.SESSION_COOKIE_SAMESITE === 'None' && !settings.SESSION_COOKIE_SECURE) {
    found.push([
      'sessions.W001',
      "SESSION_COOKIE_SAMESITE is 'None' but SESSION_COOKIE_SECURE is false: browsers reject such cookies.",
    ]);
  }
  const locmem = locmemSessionCacheWarning(settings);
  if (locmem) found.push(['sessions.W002', locmem]);
  if (deploy) found.push(...deployChecks(settings));
  return found;
}

/**
 * Tango's own check (Django has none): sessions kept in a locmem cache. The `cache` engine
 * then loses sessions to eviction past `MAX_ENTRIES` (300 by default: 400 cookie-less requests
 * evicted 20 of 20 live sessions), and both `cache` and `cached_db` see a different cache in
 * each worker process. Returns the warning, or undefined.
 */
function locmemSessionCacheWarning(settings: Readonly<Settings>): string | undefined {
  const engine = settings.SESSION_ENGINE;
  if (engine !== 'cache' && engine !== 'cached_db') return undefined;
  const alias = settings.SESSION_CACHE_ALIAS;
  const cache = Object.hasOwn(settings.CACHES, alias) ? settings.CACHES[alias] : undefined;
  if (cache?.BACKEND !== 'locmem') return undefined;
  const maxEntries = cache.OPTIONS?.MAX_ENTRIES ?? 300;
  const where = `CACHES['${alias}']`;
  return engine === 'cache'
    ? `SESSION_ENGINE 'cache' keeps sessions only in the locmem cache ${where}, which holds at most ${maxEntries} entries (OPTIONS.MAX_ENTRIES) per process and evicts the oldest: past ${maxEntries} sessions visitors are logged out, and each worker process has its own sessions. Use a Redis cache ({ BACKEND: 'redis', LOCATION: 'redis://...' }), or SESSION_ENGINE 'db' or 'cached_db'.`
    : `SESSION_ENGINE 'cached_db' caches sessions in the locmem cache ${where}, which each worker process holds separately: with --workers, a process can read a session another process has since changed. Use a Redis cache for ${where}, or SESSION_ENGINE 'db'.`;
}

/** The runserver start-up warning about migrations not yet applied, or undefined. */
export async function unappliedMigrationsWarning(
  settings: Readonly<Settings>,
  apps: AppRegistry,
): Promise<string | undefined> {
  if (!settings.DATABASES.default) return undefined;
  try {
    const { getConnection, unappliedMigrations } = await import('../../db/index.js');
    const pending = await unappliedMigrations(await getConnection(settings), apps);
    if (pending.length === 0) return undefined;
    const labels = [...new Set(pending.map((m) => m.app))].join(', ');
    return `You have ${pending.length} unapplied migration(s). Your project may not work properly until you apply the migrations for app(s): ${labels}.\nRun 'npm run migrate' (${manageCommandLine('migrate')}) to apply them.`;
  } catch {
    return undefined;
  }
}

/**
 * `manage.ts check`: loads settings, apps, urls, templates and middleware exactly as the server
 * does, then runs the system checks. Exits 1 on errors.
 */
export const check: Command = {
  help: 'Checks the entire Tango project for potential problems.',
  options: { deploy: { type: 'boolean', description: 'Check deployment settings.' } },
  async handle({ options }, { settings, stdout, stderr }) {
    const app = await createApplication(settings);
    await app.close();
    const found = systemChecks(settings, Boolean(options.deploy));
    if (found.length === 0) {
      stdout.write(formatChecks(found));
      return 0;
    }
    const errors = found.filter(([id]) => /\.E\d+$/.test(id));
    const out = errors.length > 0 ? stderr : stdout;
    // Django's manage.py prints a failed check as the SystemCheckError it raises.
    out.write((errors.length > 0 ? 'SystemCheckError: ' : '') + formatChecks(found));
    return errors.length > 0 ? 1 : 0;
  },
};

/**
 * Django's report (django/core/management/base.py `check()`): the issues grouped under
 * `ERRORS:` and `WARNINGS:`, each group sorted, each line `?: (id) message` with an indented
 * `HINT:` line when there is one, and the count.
 *
 * @example
 * formatChecks([['security.W018', 'You should not have DEBUG set to true in deployment.']]);
 */
export function formatChecks(found: readonly CheckMessage[]): string {
  if (found.length === 0) return 'System check identified no issues (0 silenced).\n';
  const line = ([id, message, hint]: CheckMessage): string =>
    `?: (${id}) ${message}${hint ? `\n\tHINT: ${hint}` : ''}`;
  let body = '';
  for (const [name, test] of [
    ['ERRORS', (id: string) => /\.E\d+$/.test(id)],
    ['WARNINGS', (id: string) => !/\.E\d+$/.test(id)],
  ] as const) {
    const group = found.filter(([id]) => test(id)).map(line);
    if (group.length > 0) body += `\n${name}:\n${group.sort().join('\n')}\n`;
  }
  const n = found.length;
  return `System check identified some issues:\n${body}\nSystem check identified ${n === 1 ? '1 issue' : `${n} issues`} (0 silenced).\n`;
}
