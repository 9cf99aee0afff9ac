/**
 * Database errors, named as in Django's `django.db.utils` (which follows PEP 249), so a
 * Django user reads the same names in a Tango traceback. Every driver error is converted to
 * one of these once, in the connection, so callers never see driver-specific classes.
 */
import { ServiceUnavailable } from '../core/exceptions.js';

/** Options shared by every database error. */
export interface DatabaseErrorOptions {
  /** The driver's error, kept for debugging. */
  cause?: unknown;
  /** The driver's error code (`SQLITE_CONSTRAINT_PRIMARYKEY`, PostgreSQL's SQLSTATE). */
  code?: string;
  /** The table named by a "no such table" error. */
  table?: string;
}

/**
 * Base class of every database error (Django's `DatabaseError`).
 *
 * @example
 * try { await db.run('INSERT ...'); } catch (e) { if (e instanceof DatabaseError) ... }
 */
export class DatabaseError extends Error {
  override name = 'DatabaseError';
  /** The driver's error code, when it gave one. */
  readonly code: string | undefined;
  /**
   * The missing table of a "no such table" (SQLite) or "relation does not exist"
   * (PostgreSQL) error, whatever class the dialect uses for it.
   */
  readonly table: string | undefined;
  constructor(message: string, options: DatabaseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.table = options.table;
  }
}

/**
 * An error in the database's operation rather than in the SQL, such as a missing table
 * (Django's `OperationalError`; SQLite reports "no such table: x" this way).
 *
 * @example
 * // OperationalError: no such table: django_session
 */
export class OperationalError extends DatabaseError {
  override name = 'OperationalError';
}

/**
 * The database cannot be reached or used right now (locked past the busy timeout, the file
 * cannot be opened, a disk I/O error; for PostgreSQL a refused or lost connection). A
 * `ServiceUnavailable`, so a request that meets it gets a 503, the server stays up and
 * recovers when the database returns (DESIGN.md §7); not a `DatabaseError` (Python has no
 * multiple inheritance to copy here, and the handler needs the one family). `code` keeps the
 * driver's error code.
 *
 * @example
 * try { await db.get('SELECT 1'); } catch (e) { if (e instanceof DatabaseUnavailable) ... }
 */
export class DatabaseUnavailable extends ServiceUnavailable {
  override name = 'DatabaseUnavailable';
  /** The driver's error code (`SQLITE_BUSY`, `ECONNREFUSED`), when it gave one. */
  readonly code: string | undefined;
  constructor(message: string, options: DatabaseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
  }
}

/**
 * A constraint was violated, such as a duplicate primary key (Django's `IntegrityError`).
 *
 * @example
 * // IntegrityError: UNIQUE constraint failed: django_session.session_key
 */
export class IntegrityError extends DatabaseError {
  override name = 'IntegrityError';
}

/**
 * The SQL is wrong for the schema: a syntax error, a missing column, or (raised by callers
 * that know the fix) a table that `migrate` has not created yet (Django's `ProgrammingError`).
 *
 * @example
 * throw new ProgrammingError("no such table: django_session — run 'npm run migrate'");
 */
export class ProgrammingError extends DatabaseError {
  override name = 'ProgrammingError';
}

/**
 * True when `error` says that `table` does not exist (the usual symptom of a missing
 * `migrate`), in any dialect.
 *
 * @example
 * if (isMissingTable(error, 'django_session')) throw new ProgrammingError("... run 'npm run migrate'");
 */
export function isMissingTable(error: unknown, table: string): boolean {
  return error instanceof DatabaseError && error.table === table;
}

/**
 * Loading, planning or applying migrations failed; management commands print its message as
 * a `CommandError`. Not a `DatabaseError`: it is often a problem with the migration files.
 *
 * @example
 * // MigrationError: Cannot find a migration matching '0002' from app 'sessions'.
 */
export class MigrationError extends Error {
  override name = 'MigrationError';
}
