/**
 * The `tango.auth` app (Django's `django.contrib.auth`): users in Django's `auth_user` table
 * (its migrations), the login and logout templates (`templates/registration/`), and the
 * `createsuperuser` and `changepassword` commands. When the app registry is ready it imports
 * the project's own hashers, validators and backends named in settings, so a bad dotted path
 * stops start-up rather than the first login.
 */
import { fileURLToPath } from 'node:url';
import { defineApp } from '../apps/config.js';
import { getSettings, isConfigured } from '../conf/current.js';
import { getBackends } from './api.js';
import { changepassword } from './commands/changepassword.js';
import { createsuperuser } from './commands/createsuperuser.js';
import { loadPasswordHashers, getHashers } from './hashers.js';
import { migrations } from './migrations/index.js';
import { getDefaultPasswordValidators, loadPasswordValidators } from './password_validation.js';

/**
 * Listed as `'tango.auth'` in `INSTALLED_APPS`, with
 * `'tango.auth.middleware.AuthenticationMiddleware'` in `MIDDLEWARE` after `SessionMiddleware`.
 *
 * @example
 * INSTALLED_APPS: ['tango.sessions', 'tango.messages', 'tango.auth', 'WebApp']
 */
export default defineApp({
  name: 'tango.auth',
  label: 'auth',
  verboseName: 'Authentication and Authorization',
  path: fileURLToPath(new URL('.', import.meta.url)),
  migrations,
  commands: { changepassword, createsuperuser },
  async ready() {
    if (!isConfigured()) return;
    const settings = getSettings();
    await loadPasswordHashers(settings.PASSWORD_HASHERS, settings.BASE_DIR);
    getHashers(settings.PASSWORD_HASHERS);
    await loadPasswordValidators(settings.AUTH_PASSWORD_VALIDATORS, settings.BASE_DIR);
    getDefaultPasswordValidators();
    await getBackends(settings);
  },
});
