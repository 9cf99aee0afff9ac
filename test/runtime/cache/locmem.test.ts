import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type Cache,
  DummyCache,
  LocMemCache,
  makeKey,
  type LocMemOptions,
} from '../../../src/runtime/cache/index.js';

/** A cache with its own location and a clock the test moves by hand. */
function cacheWithClock(options: LocMemOptions = {}) {
  const clock = { now: 1_000_000 };
  const cache = new LocMemCache({ location: randomUUID(), now: () => clock.now, ...options });
  return { cache, clock };
}

describe('LocMemCache versioned writes (compare-and-swap)', () => {
  it('getVersioned/setIfVersion/deleteIfVersion compare the entry read: any write makes a new one', async () => {
    const { cache, clock } = cacheWithClock();
    expect(await cache.getVersioned('k')).toBeUndefined();
    expect(await cache.setIfVersion('k', {}, 1)).toBe(false);
    await cache.set('k', { n: 1 }, 60);
    const read = (await cache.getVersioned<{ n: number }>('k'))!;
    expect(read.value).toEqual({ n: 1 });
    await cache.set('k', { n: 1 }, 60); // the same value, but a new write
    expect(await cache.setIfVersion('k', read.version, { n: 2 })).toBe(false);
    const again = (await cache.getVersioned('k'))!;
    expect(await cache.setIfVersion('k', again.version, { n: 2 }, 10)).toBe(true);
    expect(await cache.get('k')).toEqual({ n: 2 });
    clock.now += 10_000;
    expect(await cache.get('k')).toBeUndefined();
    // A version read before the entry expired no longer matches.
    await cache.set('lock', 'token', 60);
    const lock = (await cache.getVersioned('lock'))!;
    expect(await cache.deleteIfVersion('lock', {})).toBe(false);
    expect(await cache.deleteIfVersion('lock', lock.version)).toBe(true);
    expect(await cache.has('lock')).toBe(false);
    expect(await cache.deleteIfVersion('lock', lock.version)).toBe(false);
  });

  it('the dummy cache has none: session engines fall back to plain writes', () => {
    expect((new DummyCache() as Cache).getVersioned).toBeUndefined();
  });
});

describe('LocMemCache basics (Django low-level cache API)', () => {
  it('get/set/has/delete', async () => {
    const { cache } = cacheWithClock();
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.has('k')).toBe(false);
    await cache.set('k', { a: [1, 'two'] });
    expect(await cache.get('k')).toEqual({ a: [1, 'two'] });
    expect(await cache.has('k')).toBe(true);
    await cache.set('k', 'replaced');
    expect(await cache.get('k')).toBe('replaced');
    expect(await cache.delete('k')).toBe(true);
    expect(await cache.delete('k')).toBe(false);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('add() stores only when absent', async () => {
    const { cache } = cacheWithClock();
    expect(await cache.add('k', 1)).toBe(true);
    expect(await cache.add('k', 2)).toBe(false);
    expect(await cache.get('k')).toBe(1);
  });

  it('keeps copies: mutating after set() or get() never changes the stored value', async () => {
    const { cache } = cacheWithClock();
    const value = { list: [1], when: new Date(0) };
    await cache.set('k', value);
    value.list.push(2);
    const read = await cache.get<typeof value>('k');
    expect(read).toEqual({ list: [1], when: new Date(0) });
    read!.list.push(3);
    expect(await cache.get('k')).toEqual({ list: [1], when: new Date(0) });
    expect(read).not.toBe(await cache.get('k'));
  });

  it('gives back equal copies of plain JSON and of values JSON would change', async () => {
    const { cache } = cacheWithClock();
    const plain = { hit: 3, name: 'Raju', nested: { list: [1, 'two', null, true] } };
    await cache.set('plain', plain);
    const read = await cache.get<typeof plain>('plain');
    expect(read).toEqual(plain);
    expect(read).not.toBe(plain);
    read!.nested.list.push(5);
    expect(await cache.get('plain')).toEqual(plain);
    // Each of these would come back different through JSON text; they keep their exact value.
    const holes = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const cases: [string, unknown][] = [
      ['negative zero', { n: -0 }],
      ['NaN', [Number.NaN]],
      ['infinity', { n: Infinity }],
      ['undefined member', { a: undefined }],
      ['date', { when: new Date(5) }],
      ['map', new Map([['k', 1]])],
      ['set in array', [new Set([1])]],
      ['bigint', { n: 10n }],
      ['array with holes', holes],
      [
        'cycle',
        (() => {
          const o: Record<string, unknown> = {};
          o.self = o;
          return o;
        })(),
      ],
    ];
    for (const [name, value] of cases) {
      await cache.set(name, value);
      expect(await cache.get(name), name).toStrictEqual(value);
    }
  });

  it('stores falsy primitives and refuses functions', async () => {
    const { cache } = cacheWithClock();
    await cache.set('zero', 0);
    await cache.set('empty', '');
    await cache.set('no', false);
    await cache.set('nil', null);
    expect([
      await cache.get('zero'),
      await cache.get('empty'),
      await cache.get('no'),
      await cache.get('nil'),
    ]).toEqual([0, '', false, null]);
    await expect(cache.set('f', () => 1)).rejects.toThrow(TypeError);
  });

  it('clear() empties the store', async () => {
    const { cache } = cacheWithClock();
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.clear();
    expect(cache.size).toBe(0);
    expect(await cache.get('a')).toBeUndefined();
  });
});

describe('LocMemCache timeouts (Django: default 300, None forever, 0 expires at once)', () => {
  it('uses the default timeout of 300 seconds', async () => {
    const { cache, clock } = cacheWithClock();
    await cache.set('k', 'v');
    clock.now += 299_999;
    expect(await cache.get('k')).toBe('v');
    clock.now += 1;
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.has('k')).toBe(false);
  });

  it('refuses a NaN or infinite timeout, so no entry can outlive every expiry check (hardening 1)', async () => {
    const { cache, clock } = cacheWithClock();
    for (const timeout of [NaN, Infinity, -Infinity]) {
      await expect(cache.set('k', 'v', timeout)).rejects.toThrow(
        `cache timeout must be a finite number of seconds or null (forever), got ${String(timeout)}`,
      );
      await expect(cache.add('k', 'v', timeout)).rejects.toThrow(TypeError);
    }
    expect(await cache.has('k')).toBe(false);
    await cache.set('k', 'v', 1);
    clock.now += 1_000;
    expect(await cache.get('k')).toBeUndefined();
  });

  it('honours a per-call timeout and the configured default', async () => {
    const { cache, clock } = cacheWithClock({ timeout: 10 });
    await cache.set('default', 'v');
    await cache.set('short', 'v', 2);
    clock.now += 2_000;
    expect(await cache.get('short')).toBeUndefined();
    expect(await cache.get('default')).toBe('v');
    clock.now += 8_000;
    expect(await cache.get('default')).toBeUndefined();
  });

  it('null never expires, 0 and negative timeouts expire immediately', async () => {
    const { cache, clock } = cacheWithClock();
    await cache.set('forever', 'v', null);
    await cache.set('zero', 'v', 0);
    await cache.set('negative', 'v', -5);
    expect(await cache.add('add-zero', 'v', 0)).toBe(true);
    expect(await cache.get('zero')).toBeUndefined();
    expect(await cache.get('negative')).toBeUndefined();
    expect(await cache.get('add-zero')).toBeUndefined();
    clock.now += 10 * 365 * 86_400_000;
    expect(await cache.get('forever')).toBe('v');
  });

  it('a null default TIMEOUT keeps entries forever', async () => {
    const { cache, clock } = cacheWithClock({ timeout: null });
    await cache.set('k', 'v');
    clock.now += 10 * 365 * 86_400_000;
    expect(await cache.get('k')).toBe('v');
  });

  it('add() succeeds over an expired entry, and delete() of an expired entry reports false', async () => {
    const { cache, clock } = cacheWithClock();
    await cache.set('k', 'old', 1);
    await cache.set('gone', 'old', 1);
    clock.now += 1_000;
    expect(await cache.add('k', 'new')).toBe(true);
    expect(await cache.get('k')).toBe('new');
    expect(await cache.delete('gone')).toBe(false);
  });
});

describe('LocMemCache bounds (MAX_ENTRIES, CULL_FREQUENCY, LRU)', () => {
  it('evicts the least recently used third when full', async () => {
    const { cache } = cacheWithClock({ maxEntries: 3 });
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.set('c', 3);
    await cache.get('a'); // a is now the most recently used; b the least
    await cache.set('d', 4);
    expect(cache.size).toBe(3);
    expect(await cache.has('b')).toBe(false);
    expect([await cache.get('a'), await cache.get('c'), await cache.get('d')]).toEqual([1, 3, 4]);
  });

  it("culls len // 3 entries at Django's default of 300", async () => {
    const { cache } = cacheWithClock();
    for (let i = 0; i < 300; i++) await cache.set(`k${i}`, i);
    expect(cache.size).toBe(300);
    await cache.set('one-more', 1);
    expect(cache.size).toBe(201);
    expect(await cache.has('k0')).toBe(false);
    expect(await cache.has('k99')).toBe(false);
    expect(await cache.has('k100')).toBe(true);
    expect(await cache.get('one-more')).toBe(1);
  });

  it('drops expired entries before evicting live ones', async () => {
    const { cache, clock } = cacheWithClock({ maxEntries: 3 });
    await cache.set('old', 1);
    await cache.set('short', 2, 1);
    await cache.set('live', 3);
    clock.now += 1_000;
    await cache.set('new', 4);
    expect(await cache.get('old')).toBe(1);
    expect(await cache.get('live')).toBe(3);
    expect(await cache.get('new')).toBe(4);
  });

  it('CULL_FREQUENCY 0 empties the cache when full', async () => {
    const { cache } = cacheWithClock({ maxEntries: 2, cullFrequency: 0 });
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.set('c', 3);
    expect(cache.size).toBe(1);
    expect(await cache.get('c')).toBe(3);
  });
});

describe('keys (Django make_key)', () => {
  it("builds 'prefix:version:key'", () => {
    expect(makeKey('k', { keyPrefix: '', version: 1 })).toBe(':1:k');
    expect(makeKey('k', { keyPrefix: 'site', version: 2 })).toBe('site:2:k');
  });

  it('shares one store per location, separated by KEY_PREFIX and VERSION', async () => {
    const location = randomUUID();
    const a = new LocMemCache({ location });
    const a2 = new LocMemCache({ location });
    const b = new LocMemCache({ location, keyPrefix: 'b' });
    const v2 = new LocMemCache({ location, version: 2 });
    const elsewhere = new LocMemCache({ location: randomUUID() });
    await a.set('k', 'a');
    expect(await a2.get('k')).toBe('a');
    expect(await b.get('k')).toBeUndefined();
    expect(await v2.get('k')).toBeUndefined();
    expect(await elsewhere.get('k')).toBeUndefined();
    await b.set('k', 'b');
    expect(await a.get('k')).toBe('a');
    expect(b.size).toBe(2);
  });
});

describe('DummyCache', () => {
  it('stores nothing and reports add() as done, like Django', async () => {
    const cache = new DummyCache();
    await cache.set('k', 1);
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.add('k', 1)).toBe(true);
    expect(await cache.has('k')).toBe(false);
    expect(await cache.delete('k')).toBe(false);
  });
});
