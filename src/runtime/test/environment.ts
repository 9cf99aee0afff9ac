import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineSettings } from '../conf/define.js';
import { configure, isConfigured, getSettings, loadSettings } from '../conf/index.js';
import type { Settings } from '../conf/settings.js';
import { createApplication, type Application } from '../handlers/base.js';

let shared: Promise<Application> | undefined;

/**
 * Settings for tests, like Django's test runner: `DEBUG` off, a fresh in-memory SQLite
 * database per process instead of the project's file, and a private temp dir for the file
 * engine, so tests never touch development data.
 *
 * @example
 * const settings = testSettings(await loadSettings());
 */
export function testSettings(settings: Readonly<Settings>): Readonly<Settings> {
  const databases = Object.fromEntries(
    Object.entries(settings.DATABASES).map(([alias, db]) => [
      alias,
      db.ENGINE === 'sqlite' ? { ...db, NAME: ':memory:' } : db,
    ]),
  );
  return defineSettings({
    ...settings,
    DEBUG: false,
    // Django's setup_test_environment() adds 'testserver', the Client's Host, to ALLOWED_HOSTS.
    ALLOWED_HOSTS: [...settings.ALLOWED_HOSTS, 'testserver'],
    DATABASES: databases,
    SESSION_FILE_PATH:
      settings.SESSION_ENGINE === 'file'
        ? mkdtempSync(path.join(os.tmpdir(), 'tango-test-sessions-'))
        : settings.SESSION_FILE_PATH,
  });
}

/**
 * Builds an application on test settings and applies every migration, as Django creates its
 * test database. `settings` defaults to the configured ones (or `TANGO_SETTINGS_MODULE`).
 */
export async function createTestApplication(settings?: Readonly<Settings>): Promise<Application> {
  const base = settings ?? (isConfigured() ? getSettings() : await loadSettings());
  const test = configure(testSettings(base));
  const app = await createApplication(test);
  if (Object.keys(test.DATABASES).length > 0) {
    const { getConnection, migrate } = await import('../db/index.js');
    await migrate(await getConnection(test), app.apps, {}, { write: () => undefined });
  }
  return app;
}

/** One test application per process, shared by every `Client` that is not given its own. */
export function sharedTestApplication(): Promise<Application> {
  shared ??= createTestApplication();
  return shared;
}
