/**
 * Notices a connection that stopped answering, for a client whose replies arrive in the order
 * of its requests (Redis on one connection). A hung or frozen server neither answers nor
 * closes the connection, and the kernel keeps accepting what the client writes, so no socket
 * event ever fires: only a clock can tell.
 *
 * The connection is stalled when calls have been waiting and this process has been listening
 * for `ms` without a single reply. Replies in order make that the same as "the oldest waiting
 * call waited `ms`", except that a long queue behind a server that keeps answering is never
 * cut short. Time this process spent blocked does not count: replies that arrived meanwhile
 * are still unread in the socket, and a command queued during a long synchronous task may not
 * even have been written yet. So a tick that comes late counts as one tick, not as the time
 * that passed, and a stall takes at least `ms` and eight turns of the event loop.
 *
 * Cost: a call only counts itself in and out (`begin`/`end`); while calls are waiting, one
 * timer ticks eight times per deadline, whatever the number of calls. The verdict comes
 * between `ms` and `ms` plus one tick (an eighth) after the last reply, later if this process
 * is too busy to run its timers on time.
 */
export class StallWatchdog {
  readonly #ms: number;
  readonly #tickMs: number;
  readonly #onStall: () => void;
  /** Calls waiting for the server. */
  #pending = 0;
  /** Whether a reply arrived since the last tick. */
  #answered = false;
  /** Milliseconds of listening without a reply. */
  #silent = 0;
  /** When the last tick ran, or the first waiting call began (performance.now()). */
  #last = 0;
  #armed = false;
  #drained: (() => void)[] = [];

  /**
   * @param ms the deadline in milliseconds
   * @param onStall called when calls waited `ms` without a reply; it must make them settle
   *   (for example by destroying the connection, which rejects them)
   *
   * @example
   * const watchdog = new StallWatchdog(2000, () => client.destroy());
   * watchdog.begin();
   * try { reply = await client.get(key); watchdog.end(true); } catch (e) { watchdog.end(false); throw e; }
   */
  constructor(ms: number, onStall: () => void) {
    this.#ms = ms;
    this.#tickMs = Math.max(1, ms / 8);
    this.#onStall = onStall;
  }

  /** A call starts waiting for the server. */
  begin(): void {
    if (this.#pending++ === 0) {
      this.#silent = 0;
      this.#answered = false;
      this.#last = performance.now();
      if (!this.#armed) this.#arm();
    }
  }

  /**
   * A call ended: `answered` when the server replied (a result or an error reply), not when
   * it failed on this side (offline, stalled, closed).
   */
  end(answered: boolean): void {
    if (answered) this.#answered = true;
    if (--this.#pending === 0 && this.#drained.length) {
      for (const resolve of this.#drained.splice(0)) resolve();
    }
  }

  /** Resolves once no call is waiting: at most about `ms` after the last reply. */
  drained(): Promise<void> {
    if (this.#pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  #arm(): void {
    this.#armed = true;
    setTimeout(this.#tick, this.#tickMs).unref();
  }

  #tick = (): void => {
    const now = performance.now();
    const elapsed = now - this.#last;
    this.#last = now;
    if (this.#pending === 0) {
      this.#armed = false;
      return;
    }
    if (this.#answered) {
      this.#answered = false;
      this.#silent = 0;
    } else {
      // A late tick means this process was busy and may not have read (or even written) yet:
      // only the tick's own length counts, and the next tick, after a poll phase, goes on.
      this.#silent += Math.min(elapsed, this.#tickMs);
    }
    // (A millisecond of slack: timers may fire a fraction early by performance.now().)
    if (this.#silent + 1 >= this.#ms) {
      this.#silent = 0;
      this.#onStall();
    }
    this.#arm();
  };
}
