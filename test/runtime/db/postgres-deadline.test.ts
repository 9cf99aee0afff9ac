/**
 * Hardening item 2 for PostgreSQL: a server that stops answering (SIGSTOP to the postmaster
 * and its backends: connections stay open, the kernel still accepts new ones, nothing
 * replies) costs a statement at most `OPTIONS.query_timeout` and a pool checkout at most
 * `OPTIONS.connect_timeout`, then `DatabaseUnavailable`; a timed-out connection is discarded,
 * and after SIGCONT the next statement succeeds. Small deadlines keep the file short, except
 * for one check of the defaults.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImproperlyConfigured } from '../../../src/runtime/conf/index.js';
import {
  DatabaseUnavailable,
  PostgresConnection,
  postgresOptions,
} from '../../../src/runtime/db/index.js';
import { type PostgresService, serviceSupport, startPostgres } from '../../support/services.js';

const support = serviceSupport('postgresql');

/** The deadlines these tests configure, in seconds. */
const DEADLINE = 0.5;
/** Slack for a loaded 2-core machine: well under the old hang, which lasted as long as the freeze. */
const MARGIN_MS = 2_000;

/** How long `promise` took to settle, and its rejection. */
async function timed(promise: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  return { ms: performance.now() - started, error };
}

describe('OPTIONS.query_timeout and connect_timeout (postgresOptions)', () => {
  const options = (OPTIONS?: Record<string, unknown>) =>
    postgresOptions({ URL: 'postgres://app@db/site', ...(OPTIONS ? { OPTIONS } : {}) }, 'default');

  it('bound every statement by default (5 s) and every connection or pool checkout (2 s)', () => {
    expect(options()).toMatchObject({ connectTimeout: 2, queryTimeout: 5 });
    expect(options({ query_timeout: 0.25, connect_timeout: 0.5 })).toMatchObject({
      connectTimeout: 0.5,
      queryTimeout: 0.25,
    });
  });

  it('must be positive numbers of seconds (0 would mean "wait forever" to pg), naming the setting', () => {
    for (const name of ['query_timeout', 'connect_timeout']) {
      for (const value of [0, -1, '5', null, Infinity]) {
        expect(() => options({ [name]: value })).toThrow(ImproperlyConfigured);
        expect(() => options({ [name]: value })).toThrow(
          `DATABASES['default'].OPTIONS.${name} must be a positive number of seconds, got ${JSON.stringify(value)}.`,
        );
      }
    }
  });
});

describe.skipIf(!support.available)('PostgresConnection with a frozen server (SIGSTOP)', () => {
  let pg: PostgresService;
  const connections: PostgresConnection[] = [];

  /** A connection with the test deadlines (or `OPTIONS` of a DATABASES entry), closed after the test. */
  function connection(OPTIONS: Record<string, unknown> = {}): PostgresConnection {
    const created = new PostgresConnection(
      postgresOptions(
        {
          URL: pg.url,
          OPTIONS: { query_timeout: DEADLINE, connect_timeout: DEADLINE, ...OPTIONS },
        },
        'default',
      ),
    );
    connections.push(created);
    return created;
  }

  beforeAll(async () => {
    pg = await startPostgres();
    const setup = new PostgresConnection({ url: pg.url });
    await setup.exec("CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')");
    await setup.close();
  });
  afterEach(async () => {
    // Thaw first: a failed or timed-out test must never leave the server frozen.
    pg.thaw();
    await Promise.all(connections.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await pg?.close();
  });

  const where = () =>
    `PostgreSQL at postgres://tango@127.0.0.1:${pg.port}/tango (DATABASES['default'])`;

  it('rejects a statement on a pooled connection within query_timeout, discards that connection, and serves again after SIGCONT', async () => {
    const db = connection();
    expect(await db.get('SELECT v FROM t')).toEqual({ v: 'kept' }); // one idle pooled connection
    pg.freeze();
    const statement = await timed(db.get('SELECT v FROM t'));
    expect(statement.error).toBeInstanceOf(DatabaseUnavailable);
    expect((statement.error as Error).message).toBe(
      `${where()} did not answer within ${DEADLINE} s (OPTIONS.query_timeout)`,
    );
    expect(statement.ms).toBeGreaterThanOrEqual(DEADLINE * 1000 - 50);
    expect(statement.ms).toBeLessThan(DEADLINE * 1000 + MARGIN_MS);
    // That connection was discarded: the next statement needs a new one, which the frozen
    // server never finishes opening.
    const checkout = await timed(db.get('SELECT v FROM t'));
    expect(checkout.error).toBeInstanceOf(DatabaseUnavailable);
    expect((checkout.error as Error).message).toBe(
      `Cannot connect to ${where()}: no answer within ${DEADLINE} s (OPTIONS.connect_timeout)`,
    );
    expect(checkout.ms).toBeLessThan(DEADLINE * 1000 + MARGIN_MS);
    pg.thaw();
    expect(await db.get('SELECT v FROM t')).toEqual({ v: 'kept' });
  });

  it('bounds the wait for a free pooled connection by connect_timeout when the pool is held by frozen statements', async () => {
    const db = connection({ pool: { max_size: 1 } });
    await db.get('SELECT 1');
    pg.freeze();
    const started = performance.now();
    const [holder, waiter] = await Promise.allSettled([db.get('SELECT 1'), db.get('SELECT 2')]);
    expect(performance.now() - started).toBeLessThan(DEADLINE * 1000 + MARGIN_MS);
    expect((holder as PromiseRejectedResult).reason).toBeInstanceOf(DatabaseUnavailable);
    expect((waiter as PromiseRejectedResult).reason).toBeInstanceOf(DatabaseUnavailable);
    pg.thaw();
    expect(await db.get('SELECT 3 AS n')).toEqual({ n: 3 });
  });

  it('rolls a transaction back when the server freezes inside it: DatabaseUnavailable within query_timeout, nothing committed', async () => {
    const db = connection();
    await db.get('SELECT 1');
    const result = timed(
      db.transaction(async (tx) => {
        await tx.run('INSERT INTO t VALUES (?)', ['lost']);
        pg.freeze();
        await tx.run('INSERT INTO t VALUES (?)', ['never']);
      }),
    );
    const { error, ms } = await result;
    expect(error).toBeInstanceOf(DatabaseUnavailable);
    expect(ms).toBeLessThan(DEADLINE * 1000 + MARGIN_MS);
    pg.thaw();
    expect(await db.all('SELECT v FROM t ORDER BY v')).toEqual([{ v: 'kept' }]);
  });

  it('close() does not wait past the deadline for a statement on a frozen server', async () => {
    const db = connection();
    await db.get('SELECT 1');
    pg.freeze();
    const pending = db.get('SELECT 1').catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the statement is on the wire
    const closing = await timed(db.close());
    expect(closing.ms).toBeLessThan(DEADLINE * 1000 + MARGIN_MS);
    expect(await pending).toBeInstanceOf(DatabaseUnavailable);
  });

  it('with no OPTIONS at all, a statement on a frozen server still ends within the default 5 s', async () => {
    const db = new PostgresConnection(postgresOptions({ URL: pg.url }, 'default'));
    connections.push(db);
    await db.get('SELECT 1');
    pg.freeze();
    const { error, ms } = await timed(db.get('SELECT 1'));
    expect(error).toBeInstanceOf(DatabaseUnavailable);
    expect((error as Error).message).toBe(
      `${where()} did not answer within 5 s (OPTIONS.query_timeout)`,
    );
    expect(ms).toBeGreaterThanOrEqual(4_900);
    expect(ms).toBeLessThan(5_000 + MARGIN_MS);
  }, 15_000);
});
