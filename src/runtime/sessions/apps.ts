/**
 * The `tango.sessions` app (Django's `django.contrib.sessions`): its migrations create the
 * `django_session` table for the `db`/`cached_db` engines, and it adds `clearsessions` and
 * `rotatesecretkey` (Tango's: a new `SECRET_KEY` and the settings change that rotates to it).
 */
import { fileURLToPath } from 'node:url';
import { defineApp } from '../apps/config.js';
import { clearsessions } from './commands/clearsessions.js';
import { rotatesecretkey } from './commands/rotatesecretkey.js';
import { migrations } from './migrations/index.js';

/**
 * Listed as `'tango.sessions'` in `INSTALLED_APPS`.
 *
 * @example
 * INSTALLED_APPS: ['tango.sessions', 'WebApp']
 */
export default defineApp({
  name: 'tango.sessions',
  label: 'sessions',
  verboseName: 'Sessions',
  path: fileURLToPath(new URL('.', import.meta.url)),
  migrations,
  commands: { clearsessions, rotatesecretkey },
});
