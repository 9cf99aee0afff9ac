/**
 * `tango/conf`: settings, like `django.conf`. A project's `settings.ts` default-exports
 * `defineSettings({...})`; `manage.ts` names it in `TANGO_SETTINGS_MODULE`.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { configure } from './current.js';
import { defineSettings } from './define.js';
import { importModule } from './import-module.js';
import { ImproperlyConfigured } from './errors.js';
import type { Settings } from './settings.js';

export { configure, getSettings, isConfigured } from './current.js';
export { defineSettings } from './define.js';
export { createEnv, env, type Env, type EnvSource } from './env.js';
export { ImproperlyConfigured } from './errors.js';
export * from './settings.js';

/**
 * Imports a settings module (default export, or a plain object that `defineSettings` accepts)
 * and configures it. The path defaults to `process.env.TANGO_SETTINGS_MODULE`, relative to cwd.
 *
 * @example
 * const settings = await loadSettings('./mysite/settings.ts');
 */
export async function loadSettings(
  modulePath = process.env.TANGO_SETTINGS_MODULE,
): Promise<Readonly<Settings>> {
  if (!modulePath) {
    throw new ImproperlyConfigured(
      'TANGO_SETTINGS_MODULE is not set; run commands through manage.ts.',
    );
  }
  const url = pathToFileURL(path.resolve(modulePath)).href;
  let mod: { default?: unknown };
  try {
    mod = (await importModule(url)) as { default?: unknown };
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (
      err.code === 'ERR_MODULE_NOT_FOUND' &&
      String(err.message).includes(modulePath.replace(/^\.\//, ''))
    ) {
      throw new ImproperlyConfigured(`Settings module '${modulePath}' was not found.`);
    }
    throw error;
  }
  const value = mod.default;
  if (!value || typeof value !== 'object') {
    throw new ImproperlyConfigured(
      `Settings module '${modulePath}' must default-export defineSettings({...}).`,
    );
  }
  const settings = Object.isFrozen(value) ? (value as Settings) : defineSettings(value as Settings);
  return configure(settings);
}
