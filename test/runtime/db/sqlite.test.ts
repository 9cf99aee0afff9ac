import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineSettings, ImproperlyConfigured } from '../../../src/runtime/conf/index.js';
import {
  closeConnections,
  DatabaseError,
  DatabaseUnavailable,
  getConnection,
  IntegrityError,
  isMissingTable,
  OperationalError,
  PostgresConnection,
  SqliteConnection,
} from '../../../src/runtime/db/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tango-db-'));
});
afterEach(async () => {
  await closeConnections();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteConnection on a real file', () => {
  it('opens lazily, in WAL mode with synchronous=NORMAL and a busy timeout', async () => {
    const file = path.join(dir, 'db.sqlite3');
    const db = new SqliteConnection(file, { timeout: 2 });
    expect(existsSync(file)).toBe(false);
    expect(await db.get('PRAGMA journal_mode')).toEqual({ journal_mode: 'wal' });
    expect(existsSync(file)).toBe(true);
    expect(await db.get('PRAGMA synchronous')).toEqual({ synchronous: 1 });
    expect(await db.get('PRAGMA busy_timeout')).toEqual({ timeout: 2000 });
    expect(await db.get('PRAGMA foreign_keys')).toEqual({ foreign_keys: 1 });
    await db.close();
  });

  it('runs, gets and lists rows with ? parameters', async () => {
    const db = new SqliteConnection(path.join(dir, 'db.sqlite3'));
    await db.exec('CREATE TABLE t (k text PRIMARY KEY, v integer); CREATE INDEX t_v ON t (v);');
    expect(await db.run('INSERT INTO t VALUES (?, ?)', ['a', 1])).toEqual({ changes: 1 });
    await db.run('INSERT INTO t VALUES (?, ?)', ['b', 2]);
    expect(await db.get('SELECT v FROM t WHERE k = ?', ['b'])).toEqual({ v: 2 });
    expect(await db.get('SELECT v FROM t WHERE k = ?', ['zz'])).toBeUndefined();
    expect(await db.all('SELECT k FROM t ORDER BY k')).toEqual([{ k: 'a' }, { k: 'b' }]);
    expect(await db.run('UPDATE t SET v = v + 1')).toEqual({ changes: 2 });
    expect(await db.run('DELETE FROM t WHERE k = ?', ['nope'])).toEqual({ changes: 0 });
    await db.close();
  });

  it('persists to disk and reopens after close()', async () => {
    const file = path.join(dir, 'db.sqlite3');
    const db = new SqliteConnection(file);
    await db.exec('CREATE TABLE t (v text)');
    await db.run('INSERT INTO t VALUES (?)', ['kept']);
    await db.close();
    expect(await db.get('SELECT v FROM t')).toEqual({ v: 'kept' });
    const other = new SqliteConnection(file);
    expect(await other.all('SELECT v FROM t')).toEqual([{ v: 'kept' }]);
    await other.close();
    await db.close();
  });

  it('reports a missing table as OperationalError naming it', async () => {
    const db = new SqliteConnection(':memory:');
    const error = await db.get('SELECT * FROM django_session').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationalError);
    expect((error as Error).message).toBe('no such table: django_session');
    expect(isMissingTable(error, 'django_session')).toBe(true);
    expect(isMissingTable(error, 'other')).toBe(false);
  });

  it('reports constraint violations as IntegrityError and bad SQL as OperationalError', async () => {
    const db = new SqliteConnection(':memory:');
    await db.exec('CREATE TABLE t (k text PRIMARY KEY)');
    await db.run('INSERT INTO t VALUES (?)', ['a']);
    const dup = await db.run('INSERT INTO t VALUES (?)', ['a']).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(IntegrityError);
    expect((dup as IntegrityError).code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
    const bad = await db.run('INSRT INTO t VALUES (1)').catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OperationalError);
    expect(bad).toBeInstanceOf(DatabaseError);
    expect((bad as Error).message).toContain('syntax error');
  });

  it('reports a file in a missing directory as DatabaseUnavailable naming the path', async () => {
    const file = path.join(dir, 'missing', 'db.sqlite3');
    const db = new SqliteConnection(file);
    const error = await db.get('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailable);
    expect((error as Error).message).toContain(file);
  });

  it('reports a database locked by another connection past the busy timeout as DatabaseUnavailable', async () => {
    const file = path.join(dir, 'db.sqlite3');
    const holder = new SqliteConnection(file);
    const waiter = new SqliteConnection(file, { timeout: 0 });
    await holder.exec('CREATE TABLE t (v text)');
    let release!: () => void;
    let inside!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const started = new Promise<void>((resolve) => (inside = resolve));
    const transaction = holder.transaction(async (tx) => {
      await tx.run('INSERT INTO t VALUES (?)', ['x']);
      inside();
      await held;
    });
    await started;
    const error = await waiter.run('INSERT INTO t VALUES (?)', ['y']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailable);
    expect((error as DatabaseUnavailable).code).toBe('SQLITE_BUSY');
    release();
    await transaction;
    // Recovers once the lock is gone.
    await waiter.run('INSERT INTO t VALUES (?)', ['y']);
    expect(await waiter.all('SELECT v FROM t ORDER BY v')).toEqual([{ v: 'x' }, { v: 'y' }]);
    await holder.close();
    await waiter.close();
  });
});

describe('SqliteConnection.transaction', () => {
  it('commits when the callback resolves and rolls back when it rejects', async () => {
    const db = new SqliteConnection(':memory:');
    await db.exec('CREATE TABLE t (v text)');
    expect(
      await db.transaction(async (tx) => (await tx.run('INSERT INTO t VALUES (?)', ['a'])).changes),
    ).toBe(1);
    const boom = new Error('boom');
    await expect(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (?)', ['b']);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await db.all('SELECT v FROM t')).toEqual([{ v: 'a' }]);
  });

  it('keeps statements of other callers out of an open transaction', async () => {
    const db = new SqliteConnection(':memory:');
    await db.exec('CREATE TABLE t (v text)');
    let inside!: () => void;
    const started = new Promise<void>((resolve) => (inside = resolve));
    const tx = db.transaction(async (t) => {
      await t.run('INSERT INTO t VALUES (?)', ['in-tx']);
      inside();
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('rollback');
    });
    await started;
    // Issued while the transaction is open: must wait, and so survive its rollback.
    const outside = db.run('INSERT INTO t VALUES (?)', ['outside']);
    await expect(tx).rejects.toThrow('rollback');
    await outside;
    expect(await db.all('SELECT v FROM t')).toEqual([{ v: 'outside' }]);
  });

  it('nests with savepoints', async () => {
    const db = new SqliteConnection(':memory:');
    await db.exec('CREATE TABLE t (v text)');
    await db.transaction(async (tx) => {
      await tx.run('INSERT INTO t VALUES (?)', ['outer']);
      await tx
        .transaction(async (inner) => {
          await inner.run('INSERT INTO t VALUES (?)', ['inner']);
          throw new Error('undo inner');
        })
        .catch(() => undefined);
      await tx.transaction(async (inner) => inner.run('INSERT INTO t VALUES (?)', ['inner2']));
    });
    expect(await db.all('SELECT v FROM t ORDER BY v')).toEqual([{ v: 'inner2' }, { v: 'outer' }]);
  });

  it('refuses a transaction handle used after the transaction ended', async () => {
    const db = new SqliteConnection(':memory:');
    let leaked: Awaited<Parameters<Parameters<typeof db.transaction>[0]>[0]> | undefined;
    await db.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked!.get('SELECT 1')).rejects.toThrow('This transaction has already ended');
  });
});

describe('SqliteConnection group commit (the writes of one event-loop turn share a COMMIT)', () => {
  async function twoConnections() {
    const file = path.join(dir, 'db.sqlite3');
    const writer = new SqliteConnection(file);
    await writer.exec(
      'CREATE TABLE t (k text PRIMARY KEY, v integer);' +
        'CREATE TABLE parent (id integer PRIMARY KEY);' +
        'CREATE TABLE child (id integer, parent_id integer REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)',
    );
    const reader = new SqliteConnection(file);
    return { writer, reader };
  }

  it('commits the writes of one turn together, and each caller resumes only after the COMMIT', async () => {
    const { writer, reader } = await twoConnections();
    const writes = [1, 2, 3].map((n) => writer.run('INSERT INTO t VALUES (?, ?)', [`k${n}`, n]));
    // Still the same turn: the three rows are in one open transaction, invisible elsewhere.
    expect(await reader.get('SELECT count(*) AS n FROM t')).toEqual({ n: 0 });
    const results = await Promise.all(writes);
    expect(results).toEqual([{ changes: 1 }, { changes: 1 }, { changes: 1 }]);
    expect(await reader.get('SELECT count(*) AS n FROM t')).toEqual({ n: 3 });
    await writer.close();
    await reader.close();
  });

  it('rejects only the statement that fails; the rest of the group commits', async () => {
    const { writer, reader } = await twoConnections();
    const first = writer.run('INSERT INTO t VALUES (?, ?)', ['a', 1]);
    const duplicate = writer.run('INSERT INTO t VALUES (?, ?)', ['a', 2]);
    const second = writer.run('INSERT INTO t VALUES (?, ?)', ['b', 3]);
    await expect(duplicate).rejects.toBeInstanceOf(IntegrityError);
    await expect(first).resolves.toEqual({ changes: 1 });
    await expect(second).resolves.toEqual({ changes: 1 });
    expect(await reader.all('SELECT k, v FROM t ORDER BY k')).toEqual([
      { k: 'a', v: 1 },
      { k: 'b', v: 3 },
    ]);
    await writer.close();
    await reader.close();
  });

  it('rejects every write of a group whose COMMIT fails, rolls it back, and keeps working', async () => {
    const { writer, reader } = await twoConnections();
    const row = writer.run('INSERT INTO t VALUES (?, ?)', ['lost', 1]);
    // A deferred foreign key is checked at COMMIT: the statement succeeds, the COMMIT fails.
    const orphan = writer.run('INSERT INTO child VALUES (1, 42)');
    await expect(orphan).rejects.toThrow(/FOREIGN KEY/);
    await expect(row).rejects.toThrow(/FOREIGN KEY/);
    expect(await reader.get('SELECT count(*) AS n FROM t')).toEqual({ n: 0 });
    await expect(writer.run('INSERT INTO t VALUES (?, ?)', ['next', 2])).resolves.toEqual({
      changes: 1,
    });
    expect(await reader.get('SELECT k FROM t')).toEqual({ k: 'next' });
    await writer.close();
    await reader.close();
  });

  it('commits an open group before a transaction(), exec() or close() runs', async () => {
    const { writer, reader } = await twoConnections();
    const grouped = writer.run('INSERT INTO t VALUES (?, ?)', ['grouped', 1]);
    const tx = writer.transaction(async (t) => {
      // The grouped write was committed before this transaction began.
      expect(await reader.get('SELECT count(*) AS n FROM t')).toEqual({ n: 1 });
      await t.run('INSERT INTO t VALUES (?, ?)', ['in-tx', 2]);
    });
    await Promise.all([grouped, tx]);
    const last = writer.run('INSERT INTO t VALUES (?, ?)', ['before-close', 3]);
    await writer.close();
    await last;
    expect(await reader.get('SELECT count(*) AS n FROM t')).toEqual({ n: 3 });
    await reader.close();
  });

  it('runs many transaction() calls waiting on one another one at a time, with writes in between', async () => {
    const { writer, reader } = await twoConnections();
    await writer.run('INSERT INTO t VALUES (?, ?)', ['n', 0]);
    // Each waiter wakes when the running transaction ends: only one may begin, the rest wait
    // again (three or more waiters used to begin together: "cannot start a transaction
    // within a transaction").
    const bump = () =>
      writer.transaction(async (tx) => {
        const row = await tx.get<{ v: number }>('SELECT v FROM t WHERE k = ?', ['n']);
        await tx.run('UPDATE t SET v = ? WHERE k = ?', [row!.v + 1, 'n']);
      });
    const writes = Array.from({ length: 10 }, (_, i) =>
      writer.run('INSERT INTO t VALUES (?, ?)', [`w${i}`, i]),
    );
    await Promise.all([...Array.from({ length: 20 }, bump), ...writes]);
    expect(await reader.get('SELECT v FROM t WHERE k = ?', ['n'])).toEqual({ v: 20 });
    expect(await reader.get('SELECT count(*) AS n FROM t')).toEqual({ n: 11 });
    await writer.close();
    await reader.close();
  });

  it('sees its own uncommitted writes within the turn (one connection, one transaction)', async () => {
    const { writer, reader } = await twoConnections();
    const write = writer.run('INSERT INTO t VALUES (?, ?)', ['mine', 7]);
    expect(await writer.get('SELECT v FROM t WHERE k = ?', ['mine'])).toEqual({ v: 7 });
    await write;
    await writer.close();
    await reader.close();
  });
});

describe('getConnection', () => {
  const settings = (databases: Record<string, unknown>) =>
    defineSettings({ BASE_DIR: dir, SECRET_KEY: 'x', DATABASES: databases as never });

  it('resolves NAME against BASE_DIR and shares one connection per alias', async () => {
    const s = settings({ default: { ENGINE: 'sqlite', NAME: 'db.sqlite3' } });
    const db = getConnection(s);
    expect(getConnection(s, 'default')).toBe(db);
    expect((db as SqliteConnection).filename).toBe(path.join(dir, 'db.sqlite3'));
    await db.exec('CREATE TABLE t (v text)');
    expect(existsSync(path.join(dir, 'db.sqlite3'))).toBe(true);
    await closeConnections();
    expect(getConnection(s)).not.toBe(db);
  });

  it("supports ':memory:'", async () => {
    const db = getConnection(settings({ default: { ENGINE: 'sqlite', NAME: ':memory:' } }));
    expect(await db.get('SELECT 1 AS one')).toEqual({ one: 1 });
  });

  it('names an undefined alias', () => {
    const s = settings({ default: { ENGINE: 'sqlite', NAME: ':memory:' } });
    expect(() => getConnection(s, 'other')).toThrow(ImproperlyConfigured);
    expect(() => getConnection(s, 'other')).toThrow(
      "The database alias 'other' is not defined in DATABASES.",
    );
    expect(() => getConnection(settings({}))).toThrow(
      "DATABASES (it is empty; add DATABASES: { default: { ENGINE: 'sqlite'",
    );
  });

  it('builds a PostgresConnection without connecting (test/runtime/db/postgres.test.ts)', () => {
    const db = getConnection(settings({ default: { ENGINE: 'postgresql', NAME: 'x' } }));
    expect(db).toBeInstanceOf(PostgresConnection);
    expect((db as PostgresConnection).address).toBe('postgres://localhost:5432/x');
  });

  it('requires NAME and a numeric timeout', () => {
    expect(() => getConnection(settings({ default: { ENGINE: 'sqlite', NAME: '' } }))).toThrow(
      'Please supply the NAME value.',
    );
    expect(() =>
      getConnection(
        settings({ default: { ENGINE: 'sqlite', NAME: 'x', OPTIONS: { timeout: 'slow' } } }),
      ),
    ).toThrow("DATABASES['default'].OPTIONS.timeout must be a number of seconds");
  });
});
