/**
 * The `tango.admin` app (Django's `django.contrib.admin`): the admin site's templates
 * (`templates/admin/`) and, when the app registry is ready, Django's admin checks on the apps
 * and middleware the admin needs (admin.E405, E406, E408, E409, E410), so a project that lacks
 * one stops at start-up with the fix instead of failing on the first admin page.
 */
import { fileURLToPath } from 'node:url';
import { defineApp } from '../apps/config.js';
import { getSettings, isConfigured } from '../conf/current.js';
import { ImproperlyConfigured } from '../conf/errors.js';
import type { Settings } from '../conf/settings.js';

const SESSION_MIDDLEWARE = 'tango.sessions.middleware.SessionMiddleware';
const AUTH_MIDDLEWARE = 'tango.auth.middleware.AuthenticationMiddleware';
const MESSAGE_MIDDLEWARE = 'tango.messages.middleware.MessageMiddleware';

/**
 * Django 5.2's admin checks (`django.contrib.admin.checks.check_dependencies`) that apply to
 * Tango, with their ids and wording ("django.contrib" reads "tango"): the messages of what is
 * missing, empty when the settings suit the admin.
 *
 * @example
 * checkAdminDependencies(settings); // ["admin.E408: 'tango.auth.middleware.AuthenticationMiddleware' must be in MIDDLEWARE ..."]
 */
export function checkAdminDependencies(settings: Readonly<Settings>): string[] {
  const errors: string[] = [];
  const apps = settings.INSTALLED_APPS;
  const middleware: readonly unknown[] = settings.MIDDLEWARE;
  const needApp = (id: string, app: string): void => {
    if (!apps.includes(app)) {
      errors.push(
        `admin.${id}: '${app}' must be in INSTALLED_APPS in order to use the admin application.`,
      );
    }
  };
  const needMiddleware = (id: string, entry: string, hint = ''): void => {
    if (!middleware.includes(entry)) {
      errors.push(
        `admin.${id}: '${entry}' must be in MIDDLEWARE in order to use the admin application.${hint}`,
      );
    }
  };
  needApp('E405', 'tango.auth');
  needApp('E406', 'tango.messages');
  needMiddleware('E408', AUTH_MIDDLEWARE);
  needMiddleware('E409', MESSAGE_MIDDLEWARE);
  needMiddleware(
    'E410',
    SESSION_MIDDLEWARE,
    ` HINT: Insert '${SESSION_MIDDLEWARE}' before '${AUTH_MIDDLEWARE}'.`,
  );
  return errors;
}

/**
 * Listed as `'tango.admin'` in `INSTALLED_APPS` (with `'tango.auth'`, `'tango.sessions'` and
 * `'tango.messages'`), and mounted in the root urlconf as `path('admin/', adminSite.urls)`.
 *
 * @example
 * INSTALLED_APPS: ['tango.admin', 'tango.auth', 'tango.sessions', 'tango.messages', 'WebApp']
 */
export default defineApp({
  name: 'tango.admin',
  label: 'admin',
  verboseName: 'Administration',
  path: fileURLToPath(new URL('.', import.meta.url)),
  ready() {
    if (!isConfigured()) return;
    const settings = getSettings();
    // The registry loading these apps may not be the configured project's (a test building
    // an application from other settings): check only settings that install the admin.
    if (!settings.INSTALLED_APPS.includes('tango.admin')) return;
    const errors = checkAdminDependencies(settings);
    if (errors.length > 0) throw new ImproperlyConfigured(errors.join('\n'));
  },
});
