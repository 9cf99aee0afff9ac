import { constants } from 'node:os';

/** The signals that end a command early: Ctrl-C, `kill`, a closed terminal. */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Calls `onSignal` for SIGINT, SIGTERM and SIGHUP until the returned `stop` is called; while it
 * listens, those signals no longer end the process by themselves, so a critical section can
 * undo its work first and then `dieOf` the signal. SIGKILL cannot be caught.
 *
 * @example
 * const stop = onInterrupt((signal) => { undo(); stop(); dieOf(signal); });
 * try { await writeEverything(); } finally { stop(); }
 */
export function onInterrupt(onSignal: (signal: NodeJS.Signals) => void): () => void {
  const listener = (signal: NodeJS.Signals) => onSignal(signal);
  for (const signal of SIGNALS) process.on(signal, listener);
  return () => {
    for (const signal of SIGNALS) process.removeListener(signal, listener);
  };
}

/**
 * Ends the process as `signal` would have, so the shell sees the usual status (130 for
 * Ctrl-C): with no listener left, re-raising it applies the default action. Call it once every
 * `onInterrupt` is stopped.
 *
 * @example
 * stop();
 * dieOf('SIGINT');
 */
export function dieOf(signal: NodeJS.Signals): never {
  process.kill(process.pid, signal);
  // Only reached when someone else also listens for the signal.
  process.exit(128 + constants.signals[signal]);
}
