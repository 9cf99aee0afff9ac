/**
 * Shared set-up of the auth tests: settings like Django's auth_tests (sessions, CSRF, auth and
 * messages middleware; the urlconf in site/), a real SQLite database migrated by `migrate`, a
 * one-iteration PBKDF2 hasher so that logins are fast (Django's own test settings use MD5 for
 * the same reason; the hashers' tests use the real counts), and Django's AuthViewsTestCase
 * users: testclient, staff, inactive, superuser (password 'password').
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PBKDF2PasswordHasher } from '../../../src/runtime/auth/hashers.js';
import { getUserManager, type User } from '../../../src/runtime/auth/models.js';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import type { Settings, SettingsInput } from '../../../src/runtime/conf/settings.js';
import type { Application } from '../../../src/runtime/handlers/base.js';
import { createTestApplication } from '../../../src/runtime/test/environment.js';

export const SITE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'site');
export const SECRET_KEY = 'django-insecure-auth-tests-k3y';

/** PBKDF2-SHA256 with one iteration: Django's format, a test's speed. */
export class FastPBKDF2Hasher extends PBKDF2PasswordHasher {
  override iterations = 1;
}

/** The auth tests' settings, with `overrides`. */
export function authSettings(overrides: Partial<SettingsInput> = {}): Readonly<Settings> {
  return defineSettings({
    BASE_DIR: SITE,
    SECRET_KEY,
    DEBUG: false,
    ALLOWED_HOSTS: ['testserver', 'otherserver'],
    INSTALLED_APPS: ['tango.sessions', 'tango.messages', 'tango.auth'],
    MIDDLEWARE: [
      'tango.sessions.middleware.SessionMiddleware',
      'tango.middleware.csrf.CsrfViewMiddleware',
      'tango.auth.middleware.AuthenticationMiddleware',
      'tango.messages.middleware.MessageMiddleware',
    ],
    ROOT_URLCONF: 'urls',
    TEMPLATES: [{ BACKEND: 'handlebars', DIRS: ['templates'], APP_DIRS: true }],
    DATABASES: { default: { ENGINE: 'sqlite', NAME: ':memory:' } },
    PASSWORD_HASHERS: [FastPBKDF2Hasher, 'tango.auth.hashers.PBKDF2PasswordHasher'],
    ...overrides,
  });
}

/** The users of Django's auth_tests fixtures. */
export interface Fixture {
  testclient: User;
  staff: User;
  inactive: User;
  superuser: User;
}

/** Creates the fixture users (password 'password'). */
export async function createUsers(settings: Readonly<Settings>): Promise<Fixture> {
  const users = getUserManager(settings);
  return {
    testclient: await users.createUser('testclient', {
      email: 'testclient@example.com',
      password: 'password',
      firstName: 'Test',
      lastName: 'Client',
    }),
    staff: await users.createUser('staff', {
      email: 'staffmember@example.com',
      password: 'password',
      isStaff: true,
    }),
    inactive: await users.createUser('inactive', {
      email: 'testclient2@example.com',
      password: 'password',
      isActive: false,
    }),
    superuser: await users.createSuperuser('superuser', {
      email: 'super@example.com',
      password: 'password',
    }),
  };
}

/** A migrated test application on `authSettings(overrides)` and its settings. */
export async function authApplication(
  overrides: Partial<SettingsInput> = {},
): Promise<{ app: Application; settings: Readonly<Settings> }> {
  const app = await createTestApplication(authSettings(overrides));
  return { app, settings: app.settings };
}
