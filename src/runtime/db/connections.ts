/**
 * `DATABASES` aliases → open connections, one per alias per process (Django's
 * `django.db.connections`). Adding a backend is one file plus one entry in `BACKENDS`.
 */
import path from 'node:path';
import { ImproperlyConfigured } from '../conf/errors.js';
import {
  DATABASE_ENGINES,
  type DatabaseEngineName,
  type DatabaseSettings,
  formatChoices,
  type Settings,
} from '../conf/settings.js';
import type { Connection } from './connection.js';
import { PostgresConnection, postgresOptions } from './postgres.js';
import { SqliteConnection } from './sqlite.js';

type Backend = (
  config: DatabaseSettings,
  alias: string,
  settings: Readonly<Settings>,
) => Connection;

/** One backend per `DATABASE_ENGINES` name (the `Record` keeps the two lists in step). */
const BACKENDS: Record<DatabaseEngineName, Backend> = {
  sqlite(config, alias, settings) {
    const { NAME: name, OPTIONS: options = {} } = config;
    if (typeof name !== 'string' || !name) {
      throw new ImproperlyConfigured(
        `DATABASES['${alias}'] is improperly configured. Please supply the NAME value.`,
      );
    }
    const timeout = options['timeout'];
    if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout >= 0))) {
      throw new ImproperlyConfigured(
        `DATABASES['${alias}'].OPTIONS.timeout must be a number of seconds, got ${JSON.stringify(timeout)}.`,
      );
    }
    const filename = name === ':memory:' ? name : path.resolve(settings.BASE_DIR, name);
    return new SqliteConnection(filename, { timeout });
  },
  postgresql(config, alias) {
    return new PostgresConnection(postgresOptions(config, alias));
  },
};

const connections = new Map<string, Connection>();

/**
 * The connection for a `DATABASES` alias, opened lazily on its first query and then shared by
 * the whole process. Different settings (another `BASE_DIR` or entry) get their own connection.
 *
 * @example
 * const db = getConnection(settings); // DATABASES['default']
 * await db.get('SELECT 1 AS one'); // { one: 1 }
 */
export function getConnection(settings: Readonly<Settings>, alias = 'default'): Connection {
  const config = Object.hasOwn(settings.DATABASES, alias) ? settings.DATABASES[alias] : undefined;
  if (!config) {
    throw new ImproperlyConfigured(
      `The database alias '${alias}' is not defined in DATABASES` +
        (Object.keys(settings.DATABASES).length
          ? '.'
          : " (it is empty; add DATABASES: { default: { ENGINE: 'sqlite', NAME: 'db.sqlite3' } })."),
    );
  }
  const id = `${alias}\0${settings.BASE_DIR}\0${JSON.stringify(config)}`;
  let connection = connections.get(id);
  if (!connection) {
    const backend = Object.hasOwn(BACKENDS, config.ENGINE) ? BACKENDS[config.ENGINE] : undefined;
    if (!backend) {
      throw new ImproperlyConfigured(
        `DATABASES['${alias}'].ENGINE must be ${formatChoices(DATABASE_ENGINES)}, got '${String(config.ENGINE)}'.`,
      );
    }
    connection = backend(config, alias, settings);
    connections.set(id, connection);
  }
  return connection;
}

/**
 * Closes every connection opened by `getConnection` (at shutdown, and between tests).
 *
 * @example
 * process.on('SIGTERM', () => void closeConnections());
 */
export async function closeConnections(): Promise<void> {
  const all = [...connections.values()];
  connections.clear();
  await Promise.all(all.map((c) => c.close()));
}
