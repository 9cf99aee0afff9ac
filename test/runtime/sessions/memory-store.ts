/**
 * An in-memory SessionStore for Session/middleware unit tests, in addition to the real engines
 * (it passes the same contract suite, see memory-store.test.ts). It is written as a custom
 * engine that does not extend `ServerSideStoreBase`, so it checks no keys itself: the contract
 * suite runs it behind `guardSessionStore`, as `createSessionStore` does. It records every call,
 * and `failWith` makes the next calls reject, to simulate a store that is down (or broken).
 *
 * Records are kept as JSON entries (`[...data]`), in order. `update` merges in one synchronous
 * step (nothing else can run in between), and `lock` keeps tokens with an expiry, polled with
 * `pollForLock`: the shape of a custom engine that supports both. `listSessions` and
 * `deleteSessions` (sessions per user) scan the records, in key order, with the shared helpers
 * of sessions/users.ts.
 */
import { createWithFreshKey } from '../../../src/runtime/sessions/keys.js';
import { UpdateError } from '../../../src/runtime/sessions/exceptions.js';
import { pollForLock } from '../../../src/runtime/sessions/locking.js';
import {
  applyChanges,
  type SessionChanges,
  type SessionData,
  type SessionInfo,
  type SessionLock,
  type SessionLockOptions,
  type SessionPage,
  type SessionQuery,
  type ServerSideStore,
  type SessionStoreOptions,
  type UserSessionsDeletion,
} from '../../../src/runtime/sessions/store.js';
import {
  deleteListedSessions,
  resolveSessionQuery,
  sessionUserId,
} from '../../../src/runtime/sessions/users.js';

export class MemoryStore implements ServerSideStore {
  readonly kind = 'server';
  readonly records = new Map<string, { json: string; expiresAt: number }>();
  /** Held locks: key -> token and wall-clock deadline. */
  readonly locks = new Map<string, { token: string; until: number }>();
  readonly calls: string[] = [];
  /** When set, every call rejects with it. */
  failWith: Error | undefined;
  closed = false;
  readonly #now: () => number;
  #tokens = 0;

  constructor(options: SessionStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  #check(call: string): void {
    this.calls.push(call);
    if (this.failWith) throw this.failWith;
  }

  #encode(data: SessionData): string {
    return JSON.stringify([...data]);
  }

  async load(key: string): Promise<SessionData | null> {
    this.#check(`load ${key}`);
    const record = this.records.get(key);
    if (!record || record.expiresAt <= this.#now()) return null;
    return new Map(JSON.parse(record.json) as [string, unknown][]);
  }

  async create(data: SessionData, expiresAt: Date): Promise<string> {
    this.#check('create');
    return createWithFreshKey(async (key) => {
      if (this.records.has(key)) return false;
      this.records.set(key, { json: this.#encode(data), expiresAt: expiresAt.getTime() });
      return true;
    });
  }

  async save(key: string, data: SessionData, expiresAt: Date): Promise<string> {
    this.#check(`save ${key}`);
    if (!this.records.has(key)) throw new UpdateError(`no session ${key}`);
    this.records.set(key, { json: this.#encode(data), expiresAt: expiresAt.getTime() });
    return key;
  }

  async update(key: string, changes: SessionChanges): Promise<SessionData> {
    this.#check(`update ${key}`);
    const record = this.records.get(key);
    if (!record) throw new UpdateError(`no session ${key}`);
    const current = new Map(JSON.parse(record.json) as [string, unknown][]);
    const merged = applyChanges(current, changes);
    this.records.set(key, {
      json: this.#encode(merged),
      expiresAt: changes.expiresAt(merged).getTime(),
    });
    return merged;
  }

  async lock(key: string, options: SessionLockOptions): Promise<SessionLock> {
    this.#check(`lock ${key}`);
    const token = String(++this.#tokens);
    await pollForLock(() => {
      const held = this.locks.get(key);
      if (held && held.until >= Date.now()) return false;
      this.locks.set(key, { token, until: Date.now() + options.expiry * 1000 });
      return true;
    }, options.timeout);
    return {
      release: async () => {
        if (this.locks.get(key)?.token === token) this.locks.delete(key);
      },
    };
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

  async listSessions(query?: SessionQuery): Promise<SessionPage> {
    this.#check('listSessions');
    const { userId, limit, cursor } = resolveSessionQuery(query);
    const keys = [...this.records.keys()].filter((key) => cursor === null || key > cursor).sort();
    const sessions: SessionInfo[] = [];
    for (const [i, key] of keys.entries()) {
      const record = this.records.get(key)!;
      const data = new Map(JSON.parse(record.json) as [string, unknown][]);
      const owner = sessionUserId(data);
      if (record.expiresAt > this.#now() && (userId === null || owner === userId)) {
        sessions.push({ key, expiresAt: new Date(record.expiresAt), userId: owner, data });
      }
      if (sessions.length === limit) {
        return { sessions, cursor: i === keys.length - 1 ? null : key };
      }
    }
    return { sessions, cursor: null };
  }

  async deleteSessions(query: UserSessionsDeletion): Promise<number> {
    this.#check('deleteSessions');
    return deleteListedSessions(
      query,
      (page) => this.listSessions(page),
      async (key) => {
        this.records.delete(key);
      },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
