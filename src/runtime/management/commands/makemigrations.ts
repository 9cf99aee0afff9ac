/**
 * `manage.ts makemigrations [app_label ...]` (Django's `makemigrations`). Tango has no models
 * to diff, so without `--empty` there are never changes (`No changes detected`, exit 0, as
 * Django on an unchanged project); `--empty` writes a numbered SQL template to fill in.
 * See https://docs.djangoproject.com/en/stable/ref/django-admin/#makemigrations
 */
import { findApp, makeMigration } from '../../db/migrations.js';
import { type Command, CommandError } from '../base.js';
import { repr } from '../../../common/text.js';
import { asCommandErrors } from './migrate.js';

/**
 * The `makemigrations` command.
 *
 * @example
 * // npx tsx manage.ts makemigrations --empty WebApp -n add_visits
 * // Migrations for 'WebApp':
 * //   WebApp/migrations/0001_add_visits.sql
 */
export const makemigrations: Command = {
  help: 'Creates new migration(s) for apps: with --empty, a numbered SQL file to fill in.',
  args: '[app_label ...]',
  options: {
    empty: { type: 'boolean', description: 'Create an empty migration.' },
    name: { type: 'string', short: 'n', description: 'Use this name for migration file(s).' },
    'dry-run': {
      type: 'boolean',
      description: "Just show what migrations would be made; don't actually write them.",
    },
    check: {
      type: 'boolean',
      description:
        'Exit with a non-zero status if model changes are missing migrations (never, in Tango).',
    },
    noinput: {
      type: 'boolean',
      description: 'Accepted for Django compatibility; makemigrations never prompts.',
    },
  },
  async handle({ positionals, options }, { apps, stdout }) {
    const name = typeof options.name === 'string' ? options.name : undefined;
    if (name !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new CommandError('The migration name must be a valid identifier.');
    }
    const chosen = positionals.map((label) => {
      const app = findApp(apps, label);
      // Django writes this to stderr and exits with status 2.
      if (!app) throw new CommandError(`No installed app with label ${repr(label)}.`, 2);
      return app;
    });
    if (options.empty) {
      if (!chosen.length)
        throw new CommandError('You must supply at least one app label when using --empty.');
      // --check is a dry run that fails when something would be written (Django 4.2+).
      const dryRun = Boolean(options['dry-run'] || options.check);
      for (const app of chosen)
        await asCommandErrors(() => makeMigration(app, { name, dryRun }, stdout));
      return options.check ? 1 : 0;
    }
    const labels = positionals;
    if (labels.length === 0) stdout.write('No changes detected\n');
    else if (labels.length === 1) stdout.write(`No changes detected in app '${labels[0]}'\n`);
    else stdout.write(`No changes detected in apps '${labels.join("', '")}'\n`);
    return 0;
  },
};
