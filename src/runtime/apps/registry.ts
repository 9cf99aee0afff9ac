import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ImproperlyConfigured } from '../conf/errors.js';
import { BUILTIN_APPS, type Settings } from '../conf/settings.js';
import { importModule } from '../conf/import-module.js';
import { importString } from '../core/import-string.js';
import type { AppConfig, InstalledApp } from './config.js';

/** True for a name in the `BUILTIN_APPS` registry (`'tango.sessions'`, ...). */
function isBuiltinApp(name: string): boolean {
  return (BUILTIN_APPS as readonly string[]).includes(name);
}

/**
 * A built-in app's config: the default export of its `apps` module, found by the same
 * dotted-path import as built-in middleware (`'tango.sessions'` -> `sessions/apps`), as Django
 * imports `django.contrib.sessions.apps`. Only the apps in use are ever loaded.
 */
async function loadBuiltinApp(name: string, baseDir: string): Promise<AppConfig> {
  const config = (await importString(
    `${name}.apps.default`,
    'INSTALLED_APPS',
    baseDir,
  )) as AppConfig;
  if (!config?.name) throw new ImproperlyConfigured(`The built-in app '${name}' has no AppConfig.`);
  return config;
}

/** Extensions tried for a project app's `apps` module, in order. */
const APP_MODULE_FILES = ['apps.ts', 'apps.js', 'apps.mts', 'apps.mjs'];

/**
 * The installed apps, in `INSTALLED_APPS` order (Django's `django.apps.apps`). Lookups by
 * label or name go through `Map`s, never plain objects, so an app labelled `constructor`,
 * `toString` or `__proto__` is found as itself and a missing one is `undefined` (in a plain
 * object those keys are always there).
 *
 * @example
 * const apps = await AppRegistry.load(settings);
 * apps.get('sessions').migrations;
 */
export class AppRegistry {
  readonly #byLabel: ReadonlyMap<string, InstalledApp>;
  readonly #byName: ReadonlyMap<string, InstalledApp>;

  private constructor(readonly apps: readonly InstalledApp[]) {
    this.#byLabel = new Map(apps.map((app) => [app.label, app]));
    this.#byName = new Map(apps.map((app) => [app.name, app]));
  }

  /** Resolves every `INSTALLED_APPS` entry; a name that does not resolve is a start-up error. */
  static async load(settings: Readonly<Settings>): Promise<AppRegistry> {
    const apps: InstalledApp[] = [];
    const labels = new Set<string>();
    for (const name of settings.INSTALLED_APPS) {
      const app = await loadApp(name, settings.BASE_DIR);
      if (labels.has(app.label)) {
        throw new ImproperlyConfigured(
          `Application labels aren't unique, duplicates: ${app.label} (INSTALLED_APPS entry '${name}').`,
        );
      }
      labels.add(app.label);
      apps.push(app);
    }
    for (const app of apps) await app.ready?.();
    return new AppRegistry(apps);
  }

  /** The app with this label (else this name), or undefined. */
  get(labelOrName: string): InstalledApp | undefined {
    return this.#byLabel.get(labelOrName) ?? this.#byName.get(labelOrName);
  }

  /** True if an app with this name is installed. */
  isInstalled(name: string): boolean {
    return this.#byName.has(name);
  }
}

async function loadApp(name: string, baseDir: string): Promise<InstalledApp> {
  const builtin = isBuiltinApp(name);
  let config: AppConfig;
  let appPath: string;
  if (builtin) {
    config = await loadBuiltinApp(name, baseDir);
    appPath = config.path ?? baseDir;
  } else {
    if (!/^[A-Za-z_$][\w$]*(\/[A-Za-z_$][\w$]*)*$/.test(name)) {
      throw new ImproperlyConfigured(
        `INSTALLED_APPS entry '${name}' is not an app: use a built-in (${BUILTIN_APPS.join(', ')}) or a project folder name.`,
      );
    }
    appPath = path.join(baseDir, name);
    const file = APP_MODULE_FILES.map((f) => path.join(appPath, f)).find((f) => existsSync(f));
    if (!file) {
      throw new ImproperlyConfigured(
        `INSTALLED_APPS entry '${name}' does not resolve: no ${name}/apps.ts in ${baseDir}.`,
      );
    }
    const mod = (await importModule(pathToFileURL(file).href)) as { default?: AppConfig };
    if (!mod.default?.name) {
      throw new ImproperlyConfigured(
        `${path.relative(baseDir, file)} must default-export defineApp({ name: '${name}' }).`,
      );
    }
    config = mod.default;
  }
  const templatesDir = path.join(appPath, 'templates');
  const migrationsDir = path.join(appPath, 'migrations');
  return {
    ...config,
    label: config.label ?? name.split(/[./]/).pop()!,
    path: appPath,
    templatesDir: existsSync(templatesDir) ? templatesDir : undefined,
    migrationsDir: builtin || !existsSync(migrationsDir) ? undefined : migrationsDir,
  };
}
