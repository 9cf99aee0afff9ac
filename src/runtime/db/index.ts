/**
 * `tango/db`: database connections and migrations (Django's `django.db` plus the migration
 * runner behind `migrate`). SQLite (better-sqlite3) and PostgreSQL (pg, pooled).
 *
 * @example
 * import { getConnection } from 'tango/db';
 * const db = getConnection(settings);
 * const rows = await db.all('SELECT session_key FROM django_session');
 */
export type { Connection, RunResult, SqlValue } from './connection.js';
export { closeConnections, getConnection } from './connections.js';
export {
  getDialect,
  numberedPlaceholders,
  parseSqliteDatetime,
  sqliteDatetime,
  type Dialect,
  type DialectName,
} from './dialect.js';
export {
  DatabaseError,
  DatabaseUnavailable,
  IntegrityError,
  isMissingTable,
  MigrationError,
  OperationalError,
  ProgrammingError,
  type DatabaseErrorOptions,
} from './errors.js';
export {
  appliedMigrations,
  findApp,
  LEDGER_TABLE,
  loadMigrations,
  makeMigration,
  makePlan,
  migrate,
  showMigrations,
  unappliedMigrations,
  type AppMigrations,
  type AppsLike,
  type LoadedMigration,
  type MadeMigration,
  type MakeMigrationOptions,
  type MigrateOptions,
  type MigrateTarget,
  type Output,
  type PlanStep,
  type ShowMigrationsOptions,
} from './migrations.js';
export {
  PostgresConnection,
  postgresOptions,
  redactUrl,
  type PostgresOptions,
} from './postgres.js';
export { SqliteConnection, type SqliteOptions } from './sqlite.js';
