/**
 * The process-wide settings (Django's `django.conf.settings`): set once at start-up by
 * `configure()`/`loadSettings()`, read by the few modules that have no request or argument to
 * take them from (the cookie signer's default keys). Imports nothing but the error class, so
 * reading the settings never loads their validation or any backend.
 */
import { ImproperlyConfigured } from './errors.js';
import type { Settings } from './settings.js';

let current: Readonly<Settings> | undefined;

/**
 * Makes `settings` the process-wide settings returned by `getSettings()`.
 *
 * @example
 * configure(defineSettings({ BASE_DIR: '/srv/site', SECRET_KEY: 'x' }));
 */
export function configure(settings: Readonly<Settings>): Readonly<Settings> {
  current = settings;
  return settings;
}

/** The configured settings; throws `ImproperlyConfigured` before `configure()`/`loadSettings()`. */
export function getSettings(): Readonly<Settings> {
  if (!current) {
    throw new ImproperlyConfigured(
      'Settings are not configured. Set TANGO_SETTINGS_MODULE (manage.ts does) or call configure().',
    );
  }
  return current;
}

/** True once settings are configured. */
export function isConfigured(): boolean {
  return current !== undefined;
}
