/**
 * Hardening item 2 for Redis: a Redis that stops answering (SIGSTOP: the connection stays open,
 * the kernel still accepts new ones, nothing replies) costs a call at most
 * `OPTIONS.socket_timeout`, then `CacheUnavailable`; while it stays frozen further calls fail at
 * once; after SIGCONT the cache serves again by itself. Small deadlines keep the file short.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CacheUnavailable,
  RedisCache,
  redisCacheOptions,
} from '../../../src/runtime/cache/index.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/index.js';
import { type RedisService, serviceSupport, startRedis } from '../../support/services.js';

const support = serviceSupport('redis');

/** The deadline these tests configure, in seconds. */
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

/** Retries `fn` until it resolves (recovery after SIGCONT), at most `limitMs`. */
async function eventually<T>(fn: () => Promise<T>, limitMs = 5_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('OPTIONS.socket_timeout (redisCacheOptions)', () => {
  const options = (OPTIONS?: Record<string, unknown>) =>
    redisCacheOptions(
      { BACKEND: 'redis', LOCATION: 'redis://127.0.0.1:6379/0', ...(OPTIONS ? { OPTIONS } : {}) },
      'sessions',
    );

  it('defaults to 2 seconds, like connect_timeout', () => {
    expect(options()).toMatchObject({ connectTimeout: 2, socketTimeout: 2 });
    expect(options({ socket_timeout: 0.25 })).toMatchObject({ socketTimeout: 0.25 });
  });

  it('must be a positive number of seconds, naming the setting', () => {
    for (const value of [0, -1, '2', null, Infinity]) {
      expect(() => options({ socket_timeout: value })).toThrow(ImproperlyConfigured);
      expect(() => options({ socket_timeout: value })).toThrow(
        `CACHES['sessions'].OPTIONS.socket_timeout must be a positive number of seconds, got ${JSON.stringify(value)}.`,
      );
    }
  });
});

describe.skipIf(!support.available)('RedisCache with a frozen Redis (SIGSTOP)', () => {
  let redis: RedisService;
  const caches: RedisCache[] = [];

  /** A cache with the test deadline, closed after the test. */
  function cache(): RedisCache {
    const created = new RedisCache({
      location: redis.url,
      label: "CACHES['default']",
      connectTimeout: DEADLINE,
      socketTimeout: DEADLINE,
    });
    caches.push(created);
    return created;
  }

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    // Thaw first: a failed or timed-out test must never leave the server frozen.
    redis.thaw();
    await Promise.all(caches.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await redis?.close();
  });

  const timeoutMessage = () =>
    `Redis at redis://127.0.0.1:${redis.port}/0 (CACHES['default']) did not answer within ${DEADLINE} s (OPTIONS.socket_timeout)`;

  it('rejects a command on the open connection within socket_timeout, fails at once while frozen, and serves again after SIGCONT', async () => {
    const c = cache();
    const key = randomUUID();
    await c.set(key, 'kept', null);
    redis.freeze();
    const first = await timed(c.get(key));
    expect(first.error).toBeInstanceOf(CacheUnavailable);
    expect((first.error as Error).message).toBe(timeoutMessage());
    expect(first.ms).toBeGreaterThanOrEqual(DEADLINE * 1000 - 50);
    expect(first.ms).toBeLessThan(DEADLINE * 1000 + MARGIN_MS);
    // Still frozen: no second wait, the next calls are refused at once (no queue behind the
    // frozen connection).
    const second = await timed(c.set(randomUUID(), 1));
    expect(second.error).toBeInstanceOf(CacheUnavailable);
    expect((second.error as Error).message).toBe(timeoutMessage());
    expect(second.ms).toBeLessThan(DEADLINE * 1000);
    redis.thaw();
    // The data survived (same server, only paused), and the cache serves it again.
    expect(await eventually(() => c.get(key))).toBe('kept');
    await c.set(key, 'again');
    expect(await c.get(key)).toBe('again');
  });

  it('rejects every command in flight together, within socket_timeout', async () => {
    const c = cache();
    await c.set('warm', 1);
    redis.freeze();
    const started = performance.now();
    const results = await Promise.allSettled([
      c.get('a'),
      c.set('b', 2),
      c.add('c', 3),
      c.has('d'),
      c.delete('e'),
    ]);
    const ms = performance.now() - started;
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(CacheUnavailable);
    }
    expect(ms).toBeLessThan(DEADLINE * 1000 + MARGIN_MS);
    redis.thaw();
    await eventually(() => c.set('b', 2));
    expect(await c.get('b')).toBe(2);
  });

  it('bounds the first connection too: connect() and commands against a frozen server', async () => {
    redis.freeze();
    const startup = await timed(cache().connect());
    expect(startup.error).toBeInstanceOf(ImproperlyConfigured);
    expect((startup.error as Error).message).toBe(timeoutMessage());
    expect(startup.ms).toBeLessThan(DEADLINE * 1000 + MARGIN_MS);
    const c = cache();
    const call = await timed(c.get('k'));
    expect(call.error).toBeInstanceOf(CacheUnavailable);
    expect(call.ms).toBeLessThan(DEADLINE * 1000 + MARGIN_MS);
    redis.thaw();
    expect(await eventually(() => c.get('k'))).toBeUndefined();
  });

  it('close() does not wait for a frozen server', async () => {
    const c = cache();
    await c.set('k', 1);
    redis.freeze();
    const pending = c.get('k').catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the GET is on the wire
    const closing = await timed(c.close());
    expect(closing.error).toBeUndefined();
    expect(closing.ms).toBeLessThan(DEADLINE * 1000 + MARGIN_MS);
    expect(await pending).toBeInstanceOf(CacheUnavailable);
  });

  it('does not time out a busy but answering server', async () => {
    const c = cache();
    // Far more work than fits in one deadline, in flight at once: replies keep arriving, so
    // nothing is declared stalled.
    const values = Array.from({ length: 20_000 }, (_, i) => i);
    await Promise.all(values.map((i) => c.set(`k${i}`, i)));
    const got = await Promise.all(values.map((i) => c.get<number>(`k${i}`)));
    expect(got).toEqual(values);
  });
});
