/**
 * A cache that caches nothing (Django's `DummyCache`), for development setups that want the
 * cache API without caching. `add()` reports success, as Django's does, but nothing is kept.
 *
 * See https://docs.djangoproject.com/en/stable/topics/cache/#dummy-caching-for-development
 */
import type { Cache } from './cache.js';

/**
 * Implements the interface without storing anything.
 *
 * @example
 * const cache = new DummyCache();
 * await cache.set('k', 1);
 * await cache.get('k'); // undefined
 */
export class DummyCache implements Cache {
  async get<T = unknown>(_key: string): Promise<T | undefined> {
    return undefined;
  }
  async set(_key: string, _value: unknown, _timeout?: number | null): Promise<void> {}
  async add(_key: string, _value: unknown, _timeout?: number | null): Promise<boolean> {
    return true;
  }
  async delete(_key: string): Promise<boolean> {
    return false;
  }
  async has(_key: string): Promise<boolean> {
    return false;
  }
  async clear(): Promise<void> {}
  async close(): Promise<void> {}
}
