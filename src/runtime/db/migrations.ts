/**
 * The migration runner (Django's `MigrationLoader` + `MigrationExecutor`, without models).
 * Built-in apps ship migrations as code (`AppConfig.migrations`); project apps keep files in
 * their `migrations/` folder: `NNNN_name.sql` (plain SQL, optionally per dialect as
 * `NNNN_name.sqlite.sql` / `NNNN_name.postgresql.sql`) or `NNNN_name.ts` / `.js` exporting
 * `up(db)` and optionally `down(db)`. Apps migrate in `INSTALLED_APPS` order, each app's
 * migrations in name order; each migration runs in its own transaction together with its row
 * in the `tango_migrations` ledger.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InstalledApp, Migration } from '../apps/config.js';
import type { AppRegistry } from '../apps/registry.js';
import { importModule } from '../conf/import-module.js';
import type { Connection } from './connection.js';
import { getDialect } from './dialect.js';
import { isMissingTable, MigrationError } from './errors.js';

export { MigrationError } from './errors.js';
export {
  makeMigration,
  type MakeMigrationOptions,
  type MadeMigration,
} from './migration-writer.js';

/** Where commands write their output (a `CommandContext.stdout`). */
export interface Output {
  write(text: string): unknown;
}

/** The apps to migrate: an `AppRegistry`, or anything with its `apps` list (tests). */
export type AppsLike = Pick<AppRegistry, 'apps'>;

/** The ledger table recording applied migrations (Django's `django_migrations`). */
export const LEDGER_TABLE = 'tango_migrations';

/** One migration, ready to run. */
export interface LoadedMigration extends Migration {
  /** The app label. */
  app: string;
  /** What `migrate --plan` prints under it (Django's operation descriptions). */
  description: string[];
  /** The file it came from (project apps). */
  file?: string;
}

/** One app's migrations in order. */
export interface AppMigrations {
  app: string;
  migrations: LoadedMigration[];
}

const NAME = /^(\d{4})_\w+$/;
const SQL_FILE = /^(\d{4}_\w+?)(?:\.(sqlite|postgresql))?\.sql$/;
const CODE_FILE = /^(\d{4}_\w+)\.(ts|mts|js|mjs)$/;

function describe(migration: Migration, fallback: string): string[] {
  const d = (migration as { description?: unknown }).description;
  if (typeof d === 'string') return [d];
  if (Array.isArray(d) && d.every((x) => typeof x === 'string')) return d as string[];
  return [fallback];
}

/** A `.sql` migration: the file for the connection's dialect, else the generic one. */
function sqlMigration(app: string, name: string, files: Map<string, string>): LoadedMigration {
  const generic = files.get('');
  return {
    app,
    name,
    description: ['Raw SQL operation'],
    file: generic ?? [...files.values()][0],
    async up(db) {
      const file = files.get(db.dialect) ?? generic;
      if (!file) {
        throw new MigrationError(
          `Migration ${app}.${name} has no SQL for the '${db.dialect}' database: add ${name}.sql or ${name}.${db.dialect}.sql.`,
        );
      }
      await db.exec(await readFile(file, 'utf8'));
    },
  };
}

async function codeMigration(app: string, name: string, file: string): Promise<LoadedMigration> {
  const mod = (await importModule(pathToFileURL(file).href)) as Partial<Migration> & {
    default?: Partial<Migration>;
  };
  const source = typeof mod.up === 'function' ? mod : mod.default;
  if (typeof source?.up !== 'function') {
    throw new MigrationError(`Migration file ${file} must export an async function up(db).`);
  }
  const { up, down } = source;
  return {
    app,
    name,
    description: describe(source as Migration, 'Raw code operation'),
    file,
    up: (db) => up.call(source, db),
    ...(typeof down === 'function' ? { down: (db: Connection) => down.call(source, db) } : {}),
  };
}

/** Reads a project app's `migrations/` folder. */
async function loadDirectory(app: string, dir: string): Promise<LoadedMigration[]> {
  const sql = new Map<string, Map<string, string>>();
  const code = new Map<string, string>();
  for (const entry of (await readdir(dir)).sort()) {
    if (entry.endsWith('.d.ts')) continue;
    let m = SQL_FILE.exec(entry);
    if (m) {
      const files = sql.get(m[1]!) ?? new Map<string, string>();
      files.set(m[2] ?? '', path.join(dir, entry));
      sql.set(m[1]!, files);
      continue;
    }
    m = CODE_FILE.exec(entry);
    if (m) {
      const previous = code.get(m[1]!);
      if (previous) {
        throw new MigrationError(
          `Conflicting files for migration ${app}.${m[1]}: ${path.basename(previous)} and ${entry}. Keep one.`,
        );
      }
      code.set(m[1]!, path.join(dir, entry));
    }
  }
  const migrations: LoadedMigration[] = [];
  for (const [name, file] of code) {
    if (sql.has(name)) {
      throw new MigrationError(
        `Conflicting files for migration ${app}.${name}: ${path.basename(file)} and ${name}.sql. Keep one.`,
      );
    }
    migrations.push(await codeMigration(app, name, file));
  }
  for (const [name, files] of sql) migrations.push(sqlMigration(app, name, files));
  return migrations;
}

/** Sorts by name and refuses two migrations with the same number (a merge of two branches). */
function ordered(app: string, migrations: LoadedMigration[]): LoadedMigration[] {
  const sorted = [...migrations].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1]!, sorted[i]!];
    if (a.name.slice(0, 4) === b.name.slice(0, 4)) {
      throw new MigrationError(
        `Conflicting migrations detected in app '${app}': ${a.name} and ${b.name} have the same number. Renumber one of them.`,
      );
    }
  }
  return sorted;
}

/**
 * Every installed app that has migrations (code migrations, or a `migrations/` folder even if
 * empty: Django's "migrated apps"), in `INSTALLED_APPS` order.
 *
 * @example
 * const plan = await loadMigrations(await AppRegistry.load(settings));
 * plan.map((a) => a.app); // ['sessions', 'WebApp']
 */
export async function loadMigrations(apps: AppsLike): Promise<AppMigrations[]> {
  const result: AppMigrations[] = [];
  for (const app of apps.apps) {
    let migrations: LoadedMigration[];
    if (app.migrations) {
      migrations = app.migrations.map((m) => ({
        ...m,
        app: app.label,
        description: describe(m, 'Raw code operation'),
        up: m.up.bind(m),
        ...(m.down ? { down: m.down.bind(m) } : {}),
      }));
    } else if (app.migrationsDir) {
      migrations = await loadDirectory(app.label, app.migrationsDir);
    } else {
      continue;
    }
    for (const m of migrations) {
      if (!NAME.test(m.name)) {
        throw new MigrationError(
          `Migration name '${m.name}' in app '${app.label}' must look like 0001_initial.`,
        );
      }
    }
    result.push({ app: app.label, migrations: ordered(app.label, migrations) });
  }
  return result;
}

/** Creates the ledger table if needed (as Django creates `django_migrations`). */
async function ensureLedger(db: Connection): Promise<void> {
  const d = getDialect(db.dialect);
  await db.exec(
    `CREATE TABLE IF NOT EXISTS "${LEDGER_TABLE}" ("id" ${d.types.autoId}, "app" varchar(255) NOT NULL, ` +
      `"name" varchar(255) NOT NULL, "applied" ${d.types.datetime} NOT NULL, UNIQUE ("app", "name"))`,
  );
}

const ledgerKey = (app: string, name: string): string => `${app}\0${name}`;

/**
 * The applied migrations as `app\0name` keys; empty when the ledger does not exist yet (so
 * `showmigrations` and `--plan` never create tables).
 */
export async function appliedMigrations(db: Connection): Promise<Set<string>> {
  try {
    const rows = await db.all<{ app: string; name: string }>(
      `SELECT "app", "name" FROM "${LEDGER_TABLE}"`,
    );
    return new Set(rows.map((r) => ledgerKey(r.app, r.name)));
  } catch (error) {
    if (isMissingTable(error, LEDGER_TABLE)) return new Set();
    throw error;
  }
}

/**
 * Migrations not yet applied, in apply order (runserver's start-up warning). Reads only:
 * a database without the ledger simply has everything unapplied.
 *
 * @example
 * const pending = await unappliedMigrations(getConnection(settings), apps);
 * if (pending.length) console.warn(`You have ${pending.length} unapplied migration(s).`);
 */
export async function unappliedMigrations(
  db: Connection,
  apps: AppsLike,
): Promise<LoadedMigration[]> {
  return makePlan(await loadMigrations(apps), await appliedMigrations(db)).map(
    (step) => step.migration,
  );
}

/** Which migrations to run: all, one app's, or up/down to one migration (`'zero'`: none). */
export interface MigrateTarget {
  app: string;
  /** A migration name or unique prefix (`'0001'`), or `'zero'` to unapply all. */
  name?: string;
}

/** Options of `migrate()`. */
export interface MigrateOptions {
  /** Print the plan (Django's `--plan`) and change nothing. Default false. */
  plan?: boolean;
  /** Record migrations as applied/unapplied without running them (`--fake`). Default false. */
  fake?: boolean;
  /** Limit to one app, or move it to one migration. Default: every app, all the way. */
  target?: MigrateTarget;
  /** The clock for the ledger's `applied` column (tests). */
  now?: () => Date;
}

/** One step of a plan. */
export interface PlanStep {
  migration: LoadedMigration;
  backwards: boolean;
}

/** The apps' labels, sorted case-insensitively as listed in command output. */
function labels(all: AppMigrations[]): string[] {
  return all.map((a) => a.app).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
}

/** Resolves `name` (exact or unique prefix) among an app's migrations, as Django does. */
function findMigration(app: AppMigrations, name: string): LoadedMigration {
  const exact = app.migrations.find((m) => m.name === name);
  if (exact) return exact;
  const matches = app.migrations.filter((m) => m.name.startsWith(name));
  if (matches.length > 1) {
    throw new MigrationError(
      `More than one migration matches '${name}' in app '${app.app}'. Please be more specific.`,
    );
  }
  if (!matches[0])
    throw new MigrationError(`Cannot find a migration matching '${name}' from app '${app.app}'.`);
  return matches[0];
}

function appFor(all: AppMigrations[], label: string): AppMigrations {
  const app = all.find((a) => a.app === label);
  if (!app) throw new MigrationError(`App '${label}' does not have migrations.`);
  return app;
}

/**
 * The steps `migrate` would take, in order: forwards for unapplied migrations, or backwards
 * (newest first) for applied ones past a target.
 *
 * @example
 * const steps = makePlan(await loadMigrations(apps), await appliedMigrations(db), { app: 'sessions', name: 'zero' });
 */
export function makePlan(
  all: AppMigrations[],
  applied: ReadonlySet<string>,
  target?: MigrateTarget,
): PlanStep[] {
  const isApplied = (m: LoadedMigration): boolean => applied.has(ledgerKey(m.app, m.name));
  const forwards = (ms: LoadedMigration[]): PlanStep[] =>
    ms.filter((m) => !isApplied(m)).map((migration) => ({ migration, backwards: false }));
  if (!target) return all.flatMap((a) => forwards(a.migrations));
  const app = appFor(all, target.app);
  if (target.name === undefined) return forwards(app.migrations);
  const index =
    target.name === 'zero' ? -1 : app.migrations.indexOf(findMigration(app, target.name));
  const later = app.migrations
    .slice(index + 1)
    .filter(isApplied)
    .reverse();
  if (later.length) return later.map((migration) => ({ migration, backwards: true }));
  return forwards(app.migrations.slice(0, index + 1));
}

/**
 * Applies (or, towards a target, unapplies) migrations and prints Django's `migrate` output:
 *
 * ```
 * Operations to perform:
 *   Apply all migrations: sessions, WebApp
 * Running migrations:
 *   Applying sessions.0001_initial... OK
 * ```
 *
 * A second run prints `No migrations to apply.` Each migration runs in one transaction with
 * its ledger row, so a failure leaves neither half-applied.
 *
 * @example
 * await migrate(getConnection(settings), await AppRegistry.load(settings), {}, process.stdout);
 */
export async function migrate(
  db: Connection,
  apps: AppsLike,
  options: MigrateOptions,
  out: Output,
): Promise<PlanStep[]> {
  const all = await loadMigrations(apps);
  const { target } = options;
  const steps = makePlan(all, await appliedMigrations(db), target);

  if (options.plan) {
    out.write('Planned operations:\n');
    if (!steps.length) out.write('  No planned migration operations.\n');
    for (const { migration, backwards } of steps) {
      out.write(`${migration.app}.${migration.name}\n`);
      for (const line of migration.description)
        out.write(`    ${backwards ? 'Undo ' : ''}${line}\n`);
    }
    return steps;
  }

  for (const { migration, backwards } of steps) {
    if (backwards && !migration.down && !options.fake) {
      throw new MigrationError(
        `Migration ${migration.app}.${migration.name} is not reversible: it has no down(db). ` +
          'Use --fake to unrecord it without running anything.',
      );
    }
  }

  out.write('Operations to perform:\n');
  if (!target) out.write(`  Apply all migrations: ${labels(all).join(', ') || '(none)'}\n`);
  else if (target.name === undefined) out.write(`  Apply all migrations: ${target.app}\n`);
  else if (target.name === 'zero') out.write(`  Unapply all migrations: ${target.app}\n`);
  else
    out.write(
      `  Target specific migration: ${findMigration(appFor(all, target.app), target.name).name}, from ${target.app}\n`,
    );
  out.write('Running migrations:\n');

  await ensureLedger(db);
  if (!steps.length) out.write('  No migrations to apply.\n');
  const d = getDialect(db.dialect);
  const now = options.now ?? (() => new Date());
  for (const { migration, backwards } of steps) {
    const label = `${migration.app}.${migration.name}`;
    out.write(`  ${backwards ? 'Unapplying' : 'Applying'} ${label}...`);
    try {
      await db.transaction(async (tx) => {
        // Another process may have run it since we planned; its ledger row is the truth.
        const row = await tx.get(
          `SELECT 1 AS x FROM "${LEDGER_TABLE}" WHERE "app" = ? AND "name" = ?`,
          [migration.app, migration.name],
        );
        if (Boolean(row) !== backwards) return;
        if (backwards) {
          if (!options.fake) await migration.down!(tx);
          await tx.run(`DELETE FROM "${LEDGER_TABLE}" WHERE "app" = ? AND "name" = ?`, [
            migration.app,
            migration.name,
          ]);
        } else {
          if (!options.fake) await migration.up(tx);
          await tx.run(
            `INSERT INTO "${LEDGER_TABLE}" ("app", "name", "applied") VALUES (?, ?, ?)`,
            [migration.app, migration.name, d.datetime(now())],
          );
        }
      });
    } catch (error) {
      out.write(' FAILED\n');
      if (error instanceof MigrationError) throw error;
      throw new MigrationError(
        `${backwards ? 'Unapplying' : 'Applying'} ${label} failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    out.write(options.fake ? ' FAKED\n' : ' OK\n');
  }
  return steps;
}

/** Options of `showMigrations()`. */
export interface ShowMigrationsOptions {
  /** Only these app labels (already validated), in this order. Default: every app, sorted. */
  appLabels?: string[];
  /** Print one flat list in apply order (`showmigrations --plan`) instead of per app. */
  plan?: boolean;
}

/**
 * Prints each app's migrations with `[X]` when applied (Django's `showmigrations`):
 *
 * ```
 * sessions
 *  [X] 0001_initial
 * ```
 *
 * @example
 * await showMigrations(db, apps, {}, process.stdout);
 */
export async function showMigrations(
  db: Connection,
  apps: AppsLike,
  options: ShowMigrationsOptions,
  out: Output,
): Promise<void> {
  const all = await loadMigrations(apps);
  const applied = await appliedMigrations(db);
  const mark = (m: LoadedMigration): string => (applied.has(ledgerKey(m.app, m.name)) ? 'X' : ' ');
  const wanted = options.appLabels;
  if (options.plan) {
    const chosen = wanted ? all.filter((a) => wanted.includes(a.app)) : all;
    const steps = chosen.flatMap((a) => a.migrations);
    if (!steps.length) out.write('(no migrations)\n');
    for (const m of steps) out.write(`[${mark(m)}]  ${m.app}.${m.name}\n`);
    return;
  }
  for (const label of wanted ?? labels(all)) {
    out.write(`${label}\n`);
    const app = all.find((a) => a.app === label);
    if (!app?.migrations.length) out.write(' (no migrations)\n');
    for (const m of app?.migrations ?? []) out.write(` [${mark(m)}] ${m.name}\n`);
  }
}

/** The installed app a label names, for commands that take app labels. */
export function findApp(apps: AppsLike, label: string): InstalledApp | undefined {
  return apps.apps.find((a) => a.label === label);
}
