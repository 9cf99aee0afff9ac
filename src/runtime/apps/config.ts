import type { Connection } from '../db/connection.js';
import type { Command } from '../management/base.js';

/** A migration: plain SQL per dialect, or code. Names sort in order (`0001_initial`). */
export interface Migration {
  /** e.g. `'0001_initial'`. */
  name: string;
  /** Applies the migration on `db` (see `tango/db` `Connection`). */
  up(db: Connection): Promise<void>;
  /** Reverts it, when possible. */
  down?(db: Connection): Promise<void>;
}

/**
 * An installed app, like Django's `AppConfig`. A project app's `apps.ts` default-exports
 * `defineApp({ name: 'WebApp' })`; its folder (templates/, migrations/, tests.ts) is found
 * next to `apps.ts`.
 *
 * @example
 * export default defineApp({ name: 'WebApp', verboseName: 'Web app' });
 */
export interface AppConfig {
  /** The name used in `INSTALLED_APPS`. */
  name: string;
  /** Short unique label (default: last part of `name`), used for migrations. */
  label?: string;
  verboseName?: string;
  /** Absolute folder of the app; filled in by the registry for project apps. */
  path?: string;
  /** Migrations provided in code (built-in apps). Project apps use files in `migrations/`. */
  migrations?: Migration[];
  /** Management commands this app adds to `manage.ts`. */
  commands?: Record<string, Command>;
  /** Called once the registry is ready (Django's `AppConfig.ready`). */
  ready?(): void | Promise<void>;
}

/** A resolved app: every optional path filled in. */
export interface InstalledApp extends AppConfig {
  label: string;
  path: string;
  /** `path/templates` when it exists. */
  templatesDir: string | undefined;
  /** `path/migrations` when it exists (project apps). */
  migrationsDir: string | undefined;
}

/**
 * Declares an app (Django's `AppConfig`): identity helper for type checking.
 *
 * @example
 * export default defineApp({ name: 'WebApp' });
 */
export function defineApp(config: AppConfig): AppConfig {
  return config;
}
