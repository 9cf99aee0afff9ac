/**
 * The `tango.messages` app (Django's `django.contrib.messages`): one-time notifications
 * ("Profile saved.") carried to the next page in a cookie or the session.
 */
import { fileURLToPath } from 'node:url';
import { defineApp } from '../apps/config.js';

/**
 * Listed as `'tango.messages'` in `INSTALLED_APPS`, with
 * `'tango.messages.middleware.MessageMiddleware'` in `MIDDLEWARE`.
 *
 * @example
 * INSTALLED_APPS: ['tango.sessions', 'tango.messages', 'WebApp']
 */
export default defineApp({
  name: 'tango.messages',
  label: 'messages',
  verboseName: 'Messages',
  path: fileURLToPath(new URL('.', import.meta.url)),
});
