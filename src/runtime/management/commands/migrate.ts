/**
 * `manage.ts migrate [app_label] [migration_name]` (Django's `migrate`): applies the installed
 * apps' migrations to `DATABASES['default']`, or moves one app to a migration (`zero` unapplies
 * all of it). See https://docs.djangoproject.com/en/stable/ref/django-admin/#migrate
 */
import { getConnection } from '../../db/connections.js';
import { DatabaseError, DatabaseUnavailable, MigrationError } from '../../db/errors.js';
import {
  findApp,
  makePlan,
  appliedMigrations,
  loadMigrations,
  migrate as runMigrations,
  type MigrateTarget,
} from '../../db/migrations.js';
import { type Command, CommandError } from '../base.js';
import { repr } from '../../../common/text.js';

/**
 * Converts the runner's and the database's errors to `CommandError` (one line on stderr, exit
 * 1), the way Django reports a bad target.
 */
export async function asCommandErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof MigrationError) throw new CommandError(error.message);
    if (error instanceof DatabaseError || error instanceof DatabaseUnavailable) {
      throw new CommandError(`${error.name}: ${error.message}`);
    }
    throw error;
  }
}

/**
 * The `migrate` command.
 *
 * @example
 * // npx tsx manage.ts migrate
 * // Operations to perform:
 * //   Apply all migrations: sessions
 * // Running migrations:
 * //   Applying sessions.0001_initial... OK
 */
export const migrate: Command = {
  help: 'Updates the database schema: applies the migrations of the installed apps.',
  args: '[app_label] [migration_name]',
  options: {
    plan: {
      type: 'boolean',
      description: 'Shows a list of the migration actions that will be performed.',
    },
    fake: { type: 'boolean', description: 'Mark migrations as run without actually running them.' },
    check: {
      type: 'boolean',
      description:
        'Exits with a non-zero status if unapplied migrations exist, without applying them.',
    },
    database: {
      type: 'string',
      description: 'Nominates a database to migrate. Defaults to the "default" database.',
    },
  },
  async handle({ positionals, options }, { settings, apps, stdout }) {
    if (positionals.length > 2)
      throw new CommandError('migrate takes at most an app label and a migration name.', 2);
    const [label, name] = positionals;
    if (label !== undefined && !findApp(apps, label))
      throw new CommandError(`No installed app with label ${repr(label)}.`);
    const target: MigrateTarget | undefined =
      label === undefined ? undefined : name === undefined ? { app: label } : { app: label, name };
    const db = getConnection(
      settings,
      typeof options.database === 'string' ? options.database : 'default',
    );
    return asCommandErrors(async () => {
      if (options.check) {
        const steps = makePlan(await loadMigrations(apps), await appliedMigrations(db), target);
        return steps.length ? 1 : 0;
      }
      await runMigrations(
        db,
        apps,
        { plan: Boolean(options.plan), fake: Boolean(options.fake), target },
        stdout,
      );
      return 0;
    });
  },
};
