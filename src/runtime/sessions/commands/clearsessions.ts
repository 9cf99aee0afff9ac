/**
 * `manage.ts clearsessions` (Django's `clearsessions`): removes expired sessions from engines
 * that keep them (db, cached_db, file). Meant for a cron job.
 */
import { CommandError, type Command } from '../../management/base.js';
import { createSessionStore, engineLabel } from '../engines.js';

/** Why an engine has nothing to clear, by engine name. */
const NOTHING_TO_CLEAR: Record<string, string> = {
  cache: 'expires sessions itself',
  signed_cookies: 'keeps no sessions on the server',
};

/**
 * Builds the `SESSION_ENGINE` store, calls `clearExpired()` and reports the count. Exit 0;
 * a store that fails (no table yet, database down) is a `CommandError` (exit 1).
 *
 * @example
 * // crontab: 0 4 * * * cd /srv/mysite && npx tsx manage.ts clearsessions
 */
export const clearsessions: Command = {
  help: 'Can be run as a cronjob or directly to clean out expired sessions when the backend supports it.',
  async handle(_args, { settings, stdout }) {
    const engine = engineLabel(settings.SESSION_ENGINE);
    const store = await createSessionStore(settings);
    try {
      let removed: number | null;
      try {
        removed = await store.clearExpired();
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new CommandError(
          `Could not clear expired sessions with the '${engine}' engine: ${reason}`,
        );
      }
      if (removed === null) {
        const why = NOTHING_TO_CLEAR[engine] ?? 'has nothing to clear';
        stdout.write(`Nothing to clear: the '${engine}' engine ${why}.\n`);
      } else {
        stdout.write(`Removed ${removed} expired session(s).\n`);
      }
      return 0;
    } finally {
      await store.close?.();
    }
  },
};
