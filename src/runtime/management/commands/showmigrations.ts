/**
 * `manage.ts showmigrations [app_label ...]` (Django's `showmigrations`): each app's
 * migrations, `[X]` when applied. See https://docs.djangoproject.com/en/stable/ref/django-admin/#showmigrations
 */
import { getConnection } from '../../db/connections.js';
import { findApp, showMigrations } from '../../db/migrations.js';
import { type Command, CommandError } from '../base.js';
import { repr } from '../../../common/text.js';
import { asCommandErrors } from './migrate.js';

/**
 * The `showmigrations` command.
 *
 * @example
 * // npx tsx manage.ts showmigrations
 * // sessions
 * //  [X] 0001_initial
 */
export const showmigrations: Command = {
  help: 'Shows all available migrations for the current project.',
  args: '[app_label ...]',
  options: {
    list: {
      type: 'boolean',
      short: 'l',
      description: 'Shows a list of all migrations and which are applied (the default).',
    },
    plan: {
      type: 'boolean',
      short: 'p',
      description: 'Shows all migrations in the order they will be applied.',
    },
    database: {
      type: 'string',
      description:
        'Nominates a database to show migrations for. Defaults to the "default" database.',
    },
  },
  async handle({ positionals, options }, { settings, apps, stdout }) {
    for (const label of positionals) {
      // Django's _validate_app_names exits with status 2.
      if (!findApp(apps, label))
        throw new CommandError(`No installed app with label ${repr(label)}.`, 2);
    }
    const db = getConnection(
      settings,
      typeof options.database === 'string' ? options.database : 'default',
    );
    await asCommandErrors(() =>
      showMigrations(
        db,
        apps,
        { appLabels: positionals.length ? positionals : undefined, plan: Boolean(options.plan) },
        stdout,
      ),
    );
    return 0;
  },
};
