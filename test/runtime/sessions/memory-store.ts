/**
 * An in-memory SessionStore for Session/middleware unit tests, in addition to the real engines
 * (it passes the same contract suite, see memory-store.test.ts). It is written as a custom
 * engine that does not extend `ServerSideStoreBase`, so it checks no keys itself: the contract
 * suite runs it behind `guardSessionStore`, as `createSessionStore` does. It records every call,
 * and `failWith` makes the next calls reject, to simulate a store that is down (or broken).
 */
import { createWithFreshKey } from '../../../src/runtime/sessions/keys.js';
import { UpdateError } from '../../../src/runtime/sessions/exceptions.js';
import type {
  SessionData,
  ServerSideStore,
  SessionStoreOptions,
} from '../../../src/runtime/sessions/store.js';

export class MemoryStore implements ServerSideStore {
  readonly kind = 'server';
  readonly records = new Map<string, { json: string; expiresAt: number }>();
  readonly calls: string[] = [];
  /** When set, every call rejects with it. */
  failWith: Error | undefined;
  closed = false;
  readonly #now: () => number;

  constructor(options: SessionStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  #check(call: string): void {
    this.calls.push(call);
    if (this.failWith) throw this.failWith;
  }

  async load(key: string): Promise<SessionData | null> {
    this.#check(`load ${key}`);
    const record = this.records.get(key);
    if (!record || record.expiresAt <= this.#now()) return null;
    return JSON.parse(record.json) as SessionData;
  }

  async create(data: SessionData, expiresAt: Date): Promise<string> {
    this.#check('create');
    return createWithFreshKey(async (key) => {
      if (this.records.has(key)) return false;
      this.records.set(key, { json: JSON.stringify(data), expiresAt: expiresAt.getTime() });
      return true;
    });
  }

  async save(key: string, data: SessionData, expiresAt: Date): Promise<string> {
    this.#check(`save ${key}`);
    if (!this.records.has(key)) throw new UpdateError(`no session ${key}`);
    this.records.set(key, { json: JSON.stringify(data), expiresAt: expiresAt.getTime() });
    return key;
  }

  async delete(key: string): Promise<void> {
    this.#check(`delete ${key}`);
    this.records.delete(key);
  }

  async exists(key: string): Promise<boolean> {
    this.#check(`exists ${key}`);
    const record = this.records.get(key);
    return record !== undefined && record.expiresAt > this.#now();
  }

  async clearExpired(): Promise<number> {
    this.#check('clearExpired');
    let removed = 0;
    for (const [key, record] of this.records) {
      if (record.expiresAt <= this.#now()) {
        this.records.delete(key);
        removed++;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
