/**
 * The sessions app's migrations. `0001_initial` creates Django's own `django_session` table,
 * column for column and with Django's index name, so a Tango service and a Django service can
 * share one database (and one session cookie, given the same `SECRET_KEY`).
 *
 * Django 3.2 `sqlmigrate sessions 0001` on SQLite:
 *   CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY,
 *     "session_data" text NOT NULL, "expire_date" datetime NOT NULL);
 *   CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date");
 * PostgreSQL uses `timestamp with time zone` and adds a `varchar_pattern_ops` index on the key.
 * `IF NOT EXISTS` lets Tango migrate a database where Django already created the table.
 */
import type { Migration } from '../../apps/config.js';
import { getDialect } from '../../db/dialect.js';

/** A migration with the description `migrate --plan` prints, like Django's operations. */
type DescribedMigration = Migration & { description: string };

const initial: DescribedMigration = {
  name: '0001_initial',
  description: 'Create model Session',
  async up(db) {
    const d = getDialect(db.dialect);
    await db.exec(
      `CREATE TABLE IF NOT EXISTS "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, ` +
        `"session_data" text NOT NULL, "expire_date" ${d.types.datetime} NOT NULL);\n` +
        `CREATE INDEX IF NOT EXISTS "django_session_expire_date_a5c62663" ON "django_session" ("expire_date");\n` +
        (db.dialect === 'postgresql'
          ? `CREATE INDEX IF NOT EXISTS "django_session_session_key_c0390e0f_like" ON "django_session" ("session_key" varchar_pattern_ops);\n`
          : ''),
    );
  },
  async down(db) {
    await db.exec('DROP TABLE IF EXISTS "django_session";');
  },
};

/**
 * The `tango.sessions` app's migrations, applied by `migrate` (`AppConfig.migrations`).
 *
 * @example
 * import { migrations } from './migrations/index.js';
 * defineApp({ name: 'tango.sessions', label: 'sessions', migrations });
 */
export const migrations: Migration[] = [initial];
