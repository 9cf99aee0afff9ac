/** Loads the fixture site (test/fixtures/site) as an application, with migrations applied. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSettings } from '../../src/runtime/conf/index.js';
import { createTestApplication } from '../../src/runtime/test/environment.js';

export const FIXTURE_SETTINGS = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'site',
  'site',
  'settings.ts',
);

/** A fresh fixture application on test settings (in-memory SQLite, migrated). */
export async function fixtureApp() {
  return createTestApplication(await loadSettings(FIXTURE_SETTINGS));
}
