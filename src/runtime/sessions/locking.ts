/**
 * Per-session locks, opt-in: `SESSION_LOCKING = true` locks every request that carries a
 * session cookie, from before its session is loaded until after it is saved;
 * `blockingSession(view)` locks only that view's requests (Laravel's `->block()`), from when
 * the view starts. Two requests that lock the same session run one after the other, so a
 * read-modify-write of one key (a counter, a cart) never loses an update; requests that do
 * not lock never wait. Without locking, a save still merges its changes into the latest stored
 * data (`SessionStore.update`), so concurrent requests that write *different* keys never lose
 * each other's writes.
 *
 * Each server-side engine locks with its store's own primitive (a lock row in the database, a
 * Redis key `SET NX PX`, an `O_EXCL` lock file; docs/session-store-contract.md), which works
 * across processes and machines. Requests of one process queue in memory first
 * (`acquireSessionLock`), so only one of them at a time asks the store, and waiting costs the
 * store nothing until another process holds the lock.
 *
 * A lock not acquired within the timeout is `SessionLockTimeout` (503). A lock is released on
 * every path (the view throws, the save fails, the store is down), and a lock whose holder
 * died lapses after its expiry.
 */
import { ImproperlyConfigured } from '../conf/errors.js';
import type { HttpRequest } from '../http/request.js';
import type { View } from '../urls/conf.js';
import { SessionLockTimeout } from './exceptions.js';
import type { SessionLock, SessionLockOptions, SessionStore } from './store.js';

/**
 * Default lock wait, in seconds (`SESSION_LOCK_TIMEOUT`).
 *
 * @example
 * await session.lock({ timeout: DEFAULT_LOCK_TIMEOUT });
 */
export const DEFAULT_LOCK_TIMEOUT = 10;

/**
 * Default lifetime of a lock nobody released, in seconds (`SESSION_LOCK_EXPIRY`).
 *
 * @example
 * await session.lock({ expiry: DEFAULT_LOCK_EXPIRY });
 */
export const DEFAULT_LOCK_EXPIRY = 30;

/** A request waiting in this process for a session another request of it holds. */
interface Waiter {
  grant(): void;
}

/**
 * Per store, per session key: present while a request of this process holds (or is acquiring)
 * the lock, with the requests waiting for it in order.
 */
const localQueues = new WeakMap<object, Map<string, Waiter[]>>();

function queuesOf(store: object): Map<string, Waiter[]> {
  let queues = localQueues.get(store);
  if (!queues) localQueues.set(store, (queues = new Map()));
  return queues;
}

/** Waits (at most `timeoutMs`) until no other request of this process holds `key`. */
function acquireLocal(
  queues: Map<string, Waiter[]>,
  key: string,
  timeoutMs: number,
  timeout: number,
): Promise<void> {
  const queue = queues.get(key);
  if (queue === undefined) {
    queues.set(key, []);
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const waiter: Waiter = {
      grant() {
        clearTimeout(timer);
        resolve();
      },
    };
    const timer = setTimeout(() => {
      const at = queue.indexOf(waiter);
      if (at !== -1) queue.splice(at, 1);
      reject(new SessionLockTimeout(timeout));
    }, timeoutMs);
    queue.push(waiter);
  });
}

/** Hands `key` to the next waiting request of this process, or frees it. */
function releaseLocal(queues: Map<string, Waiter[]>, key: string): void {
  const queue = queues.get(key);
  if (queue === undefined) return;
  const next = queue.shift();
  if (next) next.grant();
  else queues.delete(key);
}

/**
 * True when `store` can lock sessions (it has a `lock` method): every built-in server-side
 * engine; not `signed_cookies`, whose cookie is the data.
 *
 * @example
 * if (!canLock(store)) throw new ImproperlyConfigured('...');
 */
export function canLock(store: SessionStore): boolean {
  return typeof store.lock === 'function';
}

/**
 * Locks session `key` of `store`: first against the other requests of this process (a queue
 * in memory), then through the store (`store.lock`), against every process. Rejects with
 * `SessionLockTimeout` when the whole wait exceeds `options.timeout` seconds, and with
 * `ImproperlyConfigured` for a store that cannot lock. The returned lock's `release()` frees
 * both, once.
 *
 * @example
 * const held = await acquireSessionLock(store, key, { timeout: 10, expiry: 30 });
 * try { ... } finally { await held.release(); }
 */
export async function acquireSessionLock(
  store: SessionStore,
  key: string,
  options: SessionLockOptions,
): Promise<SessionLock> {
  if (!canLock(store)) {
    throw new ImproperlyConfigured(
      `The session engine (${store.constructor.name}) cannot lock sessions: ${store.kind === 'client' ? 'its cookie is the data, so there is nothing on the server to lock' : 'its store has no lock() method'}. Use the db, cached_db, file or cache engine for SESSION_LOCKING and blockingSession().`,
    );
  }
  const started = Date.now();
  const timeoutMs = options.timeout * 1000;
  const queues = queuesOf(store);
  await acquireLocal(queues, key, timeoutMs, options.timeout);
  let held: SessionLock;
  try {
    const left = Math.max(0, timeoutMs - (Date.now() - started)) / 1000;
    held = await store.lock!(key, { timeout: left, expiry: options.expiry });
  } catch (error) {
    releaseLocal(queues, key);
    if (error instanceof SessionLockTimeout && error.timeout !== options.timeout) {
      throw new SessionLockTimeout(options.timeout, { cause: error });
    }
    throw error;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      try {
        await held.release();
      } finally {
        releaseLocal(queues, key);
      }
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The waiting loop of a store's `lock`: calls `tryAcquire` until it reports the lock taken,
 * pausing between attempts (2 ms, doubling to 50 ms, with jitter so that processes do not
 * retry in step), and throws `SessionLockTimeout` once `timeout` seconds have passed. Another
 * process holds the lock whenever this waits: requests of one process queue in memory first.
 *
 * @example
 * await pollForLock(() => this.cache.add(lockKey, token, options.expiry), options.timeout);
 */
export async function pollForLock(
  tryAcquire: () => boolean | Promise<boolean>,
  timeout: number,
): Promise<void> {
  const deadline = Date.now() + timeout * 1000;
  let pause = 2;
  for (;;) {
    if (await tryAcquire()) return;
    const left = deadline - Date.now();
    if (left <= 0) throw new SessionLockTimeout(timeout);
    await sleep(Math.min(left, pause * (0.5 + Math.random())));
    pause = Math.min(pause * 2, 50);
  }
}

/**
 * Options of `blockingSession`: the lock's wait and lifetime in seconds; by default the
 * settings' (`SESSION_LOCK_TIMEOUT`, `SESSION_LOCK_EXPIRY`).
 *
 * @example
 * blockingSession(addToCart, { timeout: 5 } satisfies BlockingSessionOptions);
 */
export type BlockingSessionOptions = Partial<SessionLockOptions>;

/**
 * Wraps a view so that its requests lock their session (Laravel's `->block()`): the view runs
 * once no other locking request holds the session, with the session's data reloaded under the
 * lock (changes other middleware made before the view are kept on top of it), and the lock is
 * released after `SessionMiddleware` saved the session, whatever happened. Requests without a
 * session cookie have nothing to lock. Use it for views that read and then write the same key
 * (a counter, a cart) while the same visitor may send several requests at once; with
 * `SESSION_LOCKING = true` every request locks and this wrapper is not needed.
 *
 * A lock not acquired within `timeout` is `SessionLockTimeout` (503). The session engine must
 * be able to lock (`db`, `cached_db`, `file`, `cache`); with `signed_cookies` the wrapped view
 * answers 500 (`ImproperlyConfigured`).
 *
 * @example
 * // urls.ts
 * path('cart/add/', blockingSession(views.addToCart, { timeout: 5 }), { name: 'cart-add' }),
 */
export function blockingSession(view: View, options: BlockingSessionOptions = {}): View {
  const blocking: View = async (request: HttpRequest, params) => {
    if (!request.hasSession) {
      throw new ImproperlyConfigured(
        "blockingSession() needs request.session: add 'tango.sessions.middleware.SessionMiddleware' to MIDDLEWARE.",
      );
    }
    await request.session.lock(options);
    return view(request, params);
  };
  Object.defineProperty(blocking, 'name', { value: view.name || 'blockingSession' });
  return blocking;
}
