/**
 * `Cache.scan` (what the `cache` session engine lists sessions with): the same cases on
 * locmem and on a real redis-server started for this file. A walk returns every live key of
 * the prefix (never one of another prefix, KEY_PREFIX or VERSION), with its value and the
 * milliseconds it has left, and ends with a null cursor.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cache, LocMemCache, RedisCache } from '../../../src/runtime/cache/index.js';
import { type RedisService, serviceSupport, startRedis } from '../../support/services.js';

const support = serviceSupport('redis');

/** Every entry of a walk over `prefix`, by key (Redis may return a key twice). */
async function walk(cache: Cache, prefix: string, count?: number) {
  const found = new Map<string, { value: unknown; ttl: number | null }>();
  let cursor: string | null = null;
  let steps = 0;
  do {
    const step: Awaited<ReturnType<NonNullable<Cache['scan']>>> = await cache.scan!(prefix, {
      cursor,
      count,
    });
    for (const { key, value, ttl } of step.entries) found.set(key, { value, ttl });
    cursor = step.cursor;
    expect(++steps, 'the walk never ends').toBeLessThan(1000);
  } while (cursor !== null);
  return found;
}

/** The cases, for a fresh empty cache and a second cache on the same storage. */
function describeScan(make: (options?: { keyPrefix?: string; version?: number }) => Cache) {
  it('walks every live key of the prefix, with its value and time left; nothing else', async () => {
    const cache = make();
    for (let i = 0; i < 25; i++) await cache.set(`sess.${String(i).padStart(2, '0')}`, { i }, 60);
    await cache.set('sess.forever', [1, 2], null);
    await cache.set('sessions-other', 'x', 60); // shares the characters, not the prefix
    await cache.set('other.1', 'x', 60);
    await cache.set('sess.gone', 'x', 0); // expires at once: never listed
    const found = await walk(cache, 'sess.', 4);
    expect([...found.keys()].sort()).toEqual([
      ...Array.from({ length: 25 }, (_, i) => `sess.${String(i).padStart(2, '0')}`),
      'sess.forever',
    ]);
    expect(found.get('sess.07')!.value).toEqual({ i: 7 });
    expect(found.get('sess.07')!.ttl).toBeGreaterThan(55_000);
    expect(found.get('sess.07')!.ttl).toBeLessThanOrEqual(60_000);
    expect(found.get('sess.forever')).toEqual({ value: [1, 2], ttl: null });
    expect(await walk(cache, 'nothing-here.')).toEqual(new Map());
  });

  it('keeps to its KEY_PREFIX and VERSION, and takes glob characters in them literally', async () => {
    const plain = make();
    const starred = make({ keyPrefix: 'a*[b]?' });
    const v2 = make({ version: 2 });
    await plain.set('k.1', 'plain', 60);
    await starred.set('k.1', 'starred', 60);
    await v2.set('k.1', 'v2', 60);
    const value = async (cache: Cache) =>
      [...(await walk(cache, 'k.')).values()].map((entry) => entry.value);
    expect(await value(plain)).toEqual(['plain']);
    expect(await value(starred)).toEqual(['starred']);
    expect(await value(v2)).toEqual(['v2']);
  });

  it('a key deleted during the walk is not returned; every key present throughout is', async () => {
    const cache = make();
    const names = Array.from({ length: 12 }, (_, i) => `w.${String(i).padStart(2, '0')}`);
    for (const name of names) await cache.set(name, name, 60);
    const first = await cache.scan!('w.', { count: 3 });
    const seen = new Set(first.entries.map((e) => e.key));
    const deleted = names.find((name) => !seen.has(name))!;
    await cache.delete(deleted);
    await cache.set('w.new', 'added meanwhile', 60); // may or may not be returned
    let cursor = first.cursor;
    while (cursor !== null) {
      const step: Awaited<ReturnType<NonNullable<Cache['scan']>>> = await cache.scan!('w.', {
        cursor,
        count: 3,
      });
      for (const entry of step.entries) seen.add(entry.key);
      cursor = step.cursor;
    }
    seen.delete('w.new');
    expect([...seen].sort()).toEqual(names.filter((name) => name !== deleted));
  });

  it('refuses a count that is not a positive integer, and a cursor it never gave', async () => {
    const cache = make();
    await expect(cache.scan!('x', { count: 0 })).rejects.toThrow(
      'cache scan count must be an integer from 1 to 100000, got 0',
    );
    await expect(cache.scan!('x', { count: 2.5 })).rejects.toThrow(TypeError);
  });
}

describe('LocMemCache.scan', () => {
  describeScan(
    (options) =>
      new LocMemCache({ location: `scan-${randomUUID()}`, maxEntries: 1000, ...options }),
  );

  it('walks in key order, count keys a step, and leaves the LRU order alone', async () => {
    const location = `scan-${randomUUID()}`;
    const cache = new LocMemCache({ location, maxEntries: 3, cullFrequency: 3 });
    await cache.set('s.b', 2, 60);
    await cache.set('s.a', 1, 60);
    await cache.set('s.c', 3, 60);
    const step = await cache.scan('s.', { count: 2 });
    expect(step.entries.map((e) => e.key)).toEqual(['s.a', 's.b']);
    expect((await cache.scan('s.', { count: 2, cursor: step.cursor })).entries).toEqual([
      { key: 's.c', value: 3, ttl: expect.any(Number) },
    ]);
    // Another cursor than the walk's last key starts from that key (a sort of its own).
    expect((await cache.scan('s.', { cursor: 's.a' })).entries.map((e) => e.key)).toEqual([
      's.b',
      's.c',
    ]);
    // Full: the next write culls the least recently used third, 's.b' (written first), as
    // it would have without the scan.
    await cache.set('s.d', 4, 60);
    expect(await cache.has('s.b')).toBe(false);
    expect(await cache.has('s.a')).toBe(true);
  });
});

describe.skipIf(!support.available)('RedisCache.scan (SCAN ... MATCH, then GET and PTTL)', () => {
  let redis: RedisService;
  let raw: ReturnType<typeof createClient>;
  const caches: RedisCache[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    raw = createClient({ url: redis.url });
    raw.on('error', () => undefined);
    await raw.connect();
  });
  afterAll(async () => {
    await Promise.all(caches.map((cache) => cache.close()));
    raw?.destroy();
    await redis?.close();
  });

  describeScan((options) => {
    const cache = new RedisCache({ location: redis.url, keyPrefix: randomUUID(), ...options });
    caches.push(cache);
    return cache;
  });

  it('skips keys that are not JSON or not strings; refuses a cursor that is not Redis’s', async () => {
    const cache = new RedisCache({ location: redis.url, keyPrefix: 'odd' });
    caches.push(cache);
    await cache.set('o.json', { ok: true }, 60);
    await raw.set('odd:1:o.text', 'not json');
    await raw.sAdd('odd:1:o.set', 'member');
    const found = await walk(cache, 'o.');
    expect([...found.keys()]).toEqual(['o.json']);
    await expect(cache.scan('o.', { cursor: 'abc' })).rejects.toThrow(
      'cache scan cursor must be one a previous scan returned, got "abc"',
    );
  });
});
