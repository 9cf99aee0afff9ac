/**
 * Expired sessions cleared by the server itself (Tango; `SESSION_CLEAR_EXPIRED_EVERY`), for
 * sites that run no cron job for `clearsessions`. Every server process schedules the clearing,
 * and the store's own locks (`SessionStore.lock`, as for `SESSION_LOCKING`) make sure that,
 * across the whole pool (`--workers N`, several machines sharing the store), one process
 * clears per period and never two at once:
 *
 * - a `recent` lock that is never released, lapsing after the period: whoever takes it
 *   clears, everyone else skips until it lapses;
 * - a `running` lock held while clearing, in case one clearing outlasts the period.
 *
 * Each process's first attempt comes after a random part of the period, so the processes of
 * a pool started together do not all try at once. A failure (the store is down) is logged on
 * `tango.sessions`, and the next period tries again; the server never stops for it.
 */
import { getLogger } from '../core/log.js';
import { SessionLockTimeout } from './exceptions.js';
import type { SessionLock, SessionStore } from './store.js';

const logger = getLogger('tango.sessions');

/**
 * The lock keys of the clearing (of the session-key shape, so that every engine takes them;
 * never minted as session keys, which are 32 characters).
 *
 * @example
 * await store.lock!(CLEAR_RECENT_KEY, { timeout: 0, expiry: period });
 */
export const CLEAR_RECENT_KEY = 'tangoclearsessionsrecently';
/** Held while one process clears (see `CLEAR_RECENT_KEY`). */
export const CLEAR_RUNNING_KEY = 'tangoclearsessionsrunning';

/** A running schedule; `stop()` ends it (and waits for a clearing in progress). */
export interface ClearingSchedule {
  stop(): Promise<void>;
}

/** The lock, or `null` when another process holds it. */
async function tryLock(
  store: SessionStore,
  key: string,
  expiry: number,
): Promise<SessionLock | null> {
  try {
    return await store.lock!(key, { timeout: 0, expiry });
  } catch (error) {
    if (error instanceof SessionLockTimeout) return null;
    throw error;
  }
}

/**
 * One attempt: clears expired sessions if no process of the pool did in the last `period`
 * seconds and none is clearing now. Resolves to the number removed, or `null` when another
 * process had its turn (or the store has nothing to clear).
 *
 * @example
 * await clearExpiredOnce(store, 3600); // 12, or null
 */
export async function clearExpiredOnce(
  store: SessionStore,
  period: number,
): Promise<number | null> {
  if ((await tryLock(store, CLEAR_RECENT_KEY, period)) === null) return null;
  // Held while clearing; lapses by itself if this process dies meanwhile.
  const running = await tryLock(store, CLEAR_RUNNING_KEY, Math.max(period, 3600));
  if (running === null) return null;
  try {
    return await store.clearExpired();
  } finally {
    await running.release();
  }
}

/**
 * Schedules `clearExpiredOnce` every `period` seconds (the first time after a random part of
 * it), logging what was removed. The timers never keep the process alive.
 *
 * @example
 * const schedule = scheduleClearExpired(store, 3600);
 * await schedule.stop(); // at shutdown
 */
export function scheduleClearExpired(store: SessionStore, period: number): ClearingSchedule {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: Promise<void> | undefined;
  let stopped = false;
  const run = async (): Promise<void> => {
    try {
      const removed = await clearExpiredOnce(store, period);
      if (removed !== null) logger.info(`Cleared ${removed} expired session(s).`);
    } catch (error) {
      logger.error(
        `Could not clear expired sessions (SESSION_CLEAR_EXPIRED_EVERY): ${(error as Error).message}`,
      );
    }
  };
  const next = (delay: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      current = run().finally(() => {
        current = undefined;
        next(period * 1000);
      });
    }, delay);
    timer.unref();
  };
  next(Math.random() * period * 1000);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
