import { createApplication } from '../../handlers/base.js';
import type { AppRegistry } from '../../apps/registry.js';
import type { Settings } from '../../conf/settings.js';
import { CsrfViewMiddleware } from '../../middleware/csrf.js';
import type { Command } from '../base.js';

const SESSION_MIDDLEWARE = 'tango.sessions.middleware.SessionMiddleware';
const CSRF_MIDDLEWARE = 'tango.middleware.csrf.CsrfViewMiddleware';

/**
 * Django-style system checks on settings that load fine but are likely wrong. Returns
 * `[id, message]` pairs; ids ending in E are errors, W warnings.
 */
export function systemChecks(settings: Readonly<Settings>, deploy: boolean): [string, string][] {
  const found: [string, string][] = [];
  const sessionsInstalled = settings.INSTALLED_APPS.includes('tango.sessions');
  const middlewareInstalled = settings.MIDDLEWARE.includes(SESSION_MIDDLEWARE);
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
  if (deploy) {
    // Django's django/core/checks/security/csrf.py (security.W003, security.W016).
    const csrfMiddleware = settings.MIDDLEWARE.some(
      (entry) => entry === CSRF_MIDDLEWARE || entry === CsrfViewMiddleware,
    );
    if (!csrfMiddleware) {
      found.push([
        'security.W003',
        `You don't appear to be using Tango's built-in cross-site request forgery protection via the middleware ('${CSRF_MIDDLEWARE}' is not in your MIDDLEWARE). Enabling the middleware is the safest approach to ensure you don't leave any holes.`,
      ]);
    } else if (!settings.CSRF_USE_SESSIONS && !settings.CSRF_COOKIE_SECURE) {
      found.push([
        'security.W016',
        `You have '${CSRF_MIDDLEWARE}' in your MIDDLEWARE, but you have not set CSRF_COOKIE_SECURE to true. Using a secure-only CSRF cookie makes it more difficult for network traffic sniffers to steal the CSRF token.`,
      ]);
    }
    if (settings.DEBUG)
      found.push(['security.W018', 'You should not have DEBUG set to true in deployment.']);
    if (!settings.SESSION_COOKIE_SECURE)
      found.push(['security.W012', 'SESSION_COOKIE_SECURE is not set to true.']);
    if (!settings.SESSION_COOKIE_HTTPONLY)
      found.push(['security.W013', 'SESSION_COOKIE_HTTPONLY is not set to true.']);
    if (settings.SECRET_KEY.startsWith('tango-insecure-') || settings.SECRET_KEY.length < 50) {
      found.push([
        'security.W009',
        'Your SECRET_KEY is short or was generated for development; generate a long random one for production.',
      ]);
    }
    if (settings.ALLOWED_HOSTS.length === 0)
      found.push(['security.W020', 'ALLOWED_HOSTS must not be empty in deployment.']);
  }
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
    return `You have ${pending.length} unapplied migration(s). Your project may not work properly until you apply the migrations for app(s): ${labels}.\nRun 'npm run migrate' (npx tsx manage.ts migrate) to apply them.`;
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
    const errors = found.filter(([id]) => /\.E\d+$/.test(id));
    if (found.length === 0) {
      stdout.write('System check identified no issues (0 silenced).\n');
      return 0;
    }
    const out = errors.length > 0 ? stderr : stdout;
    out.write('System check identified some issues:\n\n');
    for (const [id, message] of found) out.write(`?: (${id}) ${message}\n`);
    out.write(
      `\nSystem check identified ${found.length} issue${found.length === 1 ? '' : 's'} (0 silenced).\n`,
    );
    return errors.length > 0 ? 1 : 0;
  },
};
