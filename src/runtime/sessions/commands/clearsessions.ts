/**
 * `manage.ts clearsessions` (Django's `clearsessions`): removes expired sessions from engines
 * that keep them (db, cached_db, file). Meant for a cron job, or see
 * `SESSION_CLEAR_EXPIRED_EVERY` for the server to do it. `--dry-run` (Tango) counts what
 * would go and removes nothing.
 */
import { CommandError, type Command } from '../../management/base.js';

/** Why an engine has nothing to clear, by engine name. */
const NOTHING_TO_CLEAR: Record<string, string> = {
  cache: 'expires sessions itself',
  signed_cookies: 'keeps no sessions on the server',
  encrypted_cookies: 'keeps no sessions on the server',
};

/**
 * Builds the `SESSION_ENGINE` store, calls `clearExpired()` and reports the count; with
 * `--dry-run`, `countExpired()` instead (nothing is removed). Exit 0; a store that fails (no
 * table yet, database down), or a custom store that cannot count, is a `CommandError` (exit 1).
 *
 * @example
 * // crontab: 0 4 * * * cd /srv/mysite && npx tsx manage.ts clearsessions
 * // npx tsx manage.ts clearsessions --dry-run   ->  Would remove 12 expired session(s).
 */
export const clearsessions: Command = {
  help: 'Can be run as a cronjob or directly to clean out expired sessions when the backend supports it.',
  options: {
    'dry-run': {
      type: 'boolean',
      description: 'Count the expired sessions that would be removed, and remove nothing.',
    },
  },
  async handle(args, { settings, stdout }) {
    // Imported here, not above: the sessions app lists this command in `manage.ts help`, which
    // must not load the session engines (and, through them, the database and cache code).
    const { createSessionStore, engineLabel } = await import('../engines.js');
    const engine = engineLabel(settings.SESSION_ENGINE);
    const dryRun = args.options['dry-run'] === true;
    const store = await createSessionStore(settings);
    try {
      let removed: number | null;
      if (dryRun && !store.countExpired) {
        throw new CommandError(
          `The '${engine}' engine cannot count expired sessions (its store has no countExpired()): --dry-run is not available.`,
        );
      }
      try {
        removed = dryRun ? await store.countExpired!() : await store.clearExpired();
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new CommandError(
          `Could not ${dryRun ? 'count' : 'clear'} expired sessions with the '${engine}' engine: ${reason}`,
        );
      }
      if (removed === null) {
        const why = NOTHING_TO_CLEAR[engine] ?? 'has nothing to clear';
        stdout.write(`Nothing to clear: the '${engine}' engine ${why}.\n`);
      } else {
        stdout.write(`${dryRun ? 'Would remove' : 'Removed'} ${removed} expired session(s).\n`);
      }
      return 0;
    } finally {
      await store.close?.();
    }
  },
};
