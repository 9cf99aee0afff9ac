/**
 * Multi-process serving with node:cluster (`manage.ts runserver --workers N`): the primary
 * forks N workers running the same command line; each builds its own application and listens
 * on the shared port, and the primary hands out connections. Sessions are shared between
 * workers only through a shared store (a database, Redis, the file engine): a `locmem` cache
 * lives in each worker's memory (see `locmemSessionWarning`).
 *
 * See https://nodejs.org/api/cluster.html
 */
import cluster, { type Worker } from 'node:cluster';
import type { Settings } from '../conf/settings.js';

/** The message the primary sends a worker to make it stop gracefully. */
const SHUTDOWN = 'tango:shutdown';
/** How long the primary waits for workers to finish in-flight requests before killing them. */
const SHUTDOWN_TIMEOUT_MS = 10_000;
/**
 * Past a worker's own shutdown timeout (it then closes the connections still open), the time
 * it gets to close its stores before the primary kills it.
 */
const STORES_CLOSE_MS = 5_000;
/** A worker that ran at least this long before it died is not part of a crash loop. */
const STABLE_UPTIME_MS = 10_000;
/** The first restart after a quick crash waits this long; each further one twice as long. */
const RESTART_DELAY_MS = 100;
/** The longest wait between two restarts of a crash loop. */
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * How long to wait before starting a worker again after `quickCrashes` workers in a row died
 * within `STABLE_UPTIME_MS` of their start: nothing for the first crash of a worker that ran
 * for a while, then 100 ms, 200 ms, 400 ms ... up to 30 s, so a crash loop (a bug on every
 * request, a store that refuses connections) does not spin on the CPU and flood the log.
 *
 * @example
 * restartDelay(0); // 0
 * restartDelay(3); // 400
 */
export function restartDelay(quickCrashes: number): number {
  if (quickCrashes <= 0) return 0;
  return Math.min(RESTART_DELAY_MS * 2 ** (quickCrashes - 1), MAX_RESTART_DELAY_MS);
}

/**
 * True in a worker forked by `runWorkers`.
 *
 * @example
 * if (!isWorker()) stdout.write('Quit the server with CONTROL-C.\n');
 */
export function isWorker(): boolean {
  return cluster.isWorker;
}

/**
 * The warning to print when several workers would keep sessions in a `locmem` cache, which
 * every worker holds separately (Django's docs say the same of LocMemCache); undefined when
 * the session engine does not use a locmem cache.
 *
 * @example
 * const warning = locmemSessionWarning(settings, 4);
 * if (warning) stderr.write(warning + '\n');
 */
export function locmemSessionWarning(
  settings: Readonly<Settings>,
  workers: number,
): string | undefined {
  if (workers < 2) return undefined;
  const engine = settings.SESSION_ENGINE;
  if (engine !== 'cache' && engine !== 'cached_db') return undefined;
  const alias = settings.SESSION_CACHE_ALIAS;
  const cache = Object.hasOwn(settings.CACHES, alias) ? settings.CACHES[alias] : undefined;
  if (cache?.BACKEND !== 'locmem') return undefined;
  return (
    `Warning: SESSION_ENGINE '${engine}' uses the locmem cache CACHES['${alias}'], which each of the ${workers} worker ` +
    `processes keeps in its own memory: ` +
    (engine === 'cache'
      ? 'sessions will not be shared across workers, and users will appear to be logged out at random. '
      : 'each worker caches its own copy, so a session changed through one worker can be read stale through another. ') +
    `Use a shared cache (CACHES['${alias}'] = { BACKEND: 'redis', LOCATION: 'redis://127.0.0.1:6379/0' }) or SESSION_ENGINE 'db'. See docs/scale-out.md.`
  );
}

/** Options of `runWorkers`. */
export interface RunWorkersOptions {
  /** How many worker processes (≥ 1). */
  count: number;
  /** Called once, when every worker is listening, with the address they share. */
  onListening(address: { host: string; port: number }): void;
  /** Where the primary's own lines go (worker restarts, shutdown). */
  log(line: string): void;
  /**
   * Seconds each worker has to finish its in-flight requests after a shutdown request (the
   * worker enforces it; the primary kills a worker still running 5 s later). Default: the
   * primary kills stragglers after 10 s.
   */
  shutdownTimeout?: number;
  /** Called once when a shutdown begins (a signal), before the workers are asked to stop. */
  onStop?(signal: NodeJS.Signals | undefined): void;
}

/**
 * In the primary: forks `count` workers that re-run the current command line, waits until all
 * listen, restarts a worker that dies after start-up (at once, or after `restartDelay()` when
 * workers keep dying soon after their start), and on SIGINT/SIGTERM asks every worker to
 * finish its in-flight requests and exit (killing stragglers after 10 s, or `shutdownTimeout`
 * + 5 s). Resolves with the exit code: 0 after a requested shutdown, 1 when a worker failed to
 * start (its own error line has been printed by then).
 *
 * @example
 * if (cluster.isPrimary) return runWorkers({ count: 4, onListening: ({ port }) => ..., log });
 */
export function runWorkers(options: RunWorkersOptions): Promise<number> {
  const listening = new Set<Worker>();
  const forkedAt = new Map<Worker, number>();
  const restarts = new Set<NodeJS.Timeout>();
  let quickCrashes = 0;
  let started = false;
  let stopping = false;
  const killAfter =
    options.shutdownTimeout === undefined
      ? SHUTDOWN_TIMEOUT_MS
      : options.shutdownTimeout * 1000 + STORES_CLOSE_MS;

  return new Promise<number>((resolve) => {
    let exitCode = 0;
    const fork = (): Worker => {
      const worker = cluster.fork();
      forkedAt.set(worker, performance.now());
      worker.on('listening', (address) => {
        listening.add(worker);
        if (!started && listening.size === options.count) {
          started = true;
          const host =
            typeof address.address === 'string' && address.address ? address.address : '127.0.0.1';
          options.onListening({ host, port: address.port });
        }
      });
      return worker;
    };

    const live = (): Worker[] =>
      Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);

    const stop = (code: number, signal?: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      exitCode = code;
      if (code === 0) options.onStop?.(signal);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // Ignore the signals while the workers drain, so a second Ctrl-C does not kill the
      // primary and orphan them.
      process.on('SIGINT', ignore);
      process.on('SIGTERM', ignore);
      for (const timer of restarts) clearTimeout(timer);
      restarts.clear();
      for (const worker of live()) {
        // A worker still starting has nothing in flight, and may not listen for the message
        // yet: SIGTERM ends it (or starts its drain, if it has got that far).
        if (listening.has(worker) && worker.isConnected()) worker.send(SHUTDOWN);
        else worker.process.kill('SIGTERM');
      }
      const timer = setTimeout(() => {
        for (const worker of live()) worker.process.kill('SIGKILL');
      }, killAfter);
      timer.unref();
      if (live().length === 0) finish();
    };
    const ignore = (): void => undefined;
    const onSignal = (signal: NodeJS.Signals): void => stop(0, signal);
    const finish = (): void => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', ignore);
      cluster.off('exit', onExit);
      resolve(exitCode);
    };
    const onExit = (worker: Worker, code: number | null, signal: string | null): void => {
      listening.delete(worker);
      const uptime = performance.now() - (forkedAt.get(worker) ?? 0);
      forkedAt.delete(worker);
      if (stopping) {
        if (live().length === 0) finish();
        return;
      }
      if (!started) {
        // A worker that cannot start (bad settings, port taken) has printed why; the others
        // would fail the same way.
        stop(1);
        return;
      }
      quickCrashes = uptime < STABLE_UPTIME_MS ? quickCrashes + 1 : 0;
      const delay = restartDelay(quickCrashes);
      options.log(
        `Worker ${worker.process.pid} exited unexpectedly (${signal ?? `code ${code}`}); starting a new one` +
          (delay > 0 ? ` in ${delay / 1000} s.` : '.'),
      );
      if (delay === 0) {
        fork();
        return;
      }
      const timer = setTimeout(() => {
        restarts.delete(timer);
        if (!stopping) fork();
      }, delay);
      restarts.add(timer);
    };

    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    cluster.on('exit', onExit);
    for (let i = 0; i < options.count; i++) fork();
  });
}

/**
 * In a worker (or a single process): resolves when the process is asked to stop, by SIGINT,
 * SIGTERM or the primary's shutdown message, or, with `whenParentExits`, when the IPC channel
 * to the parent process closes (the autoreloader's child, whose parent is gone). Signals that
 * arrive after the first are ignored, so a Ctrl-C (which reaches every process of the group)
 * followed by the primary's message never cuts a graceful shutdown short.
 *
 * @example
 * await stopRequested();
 * await running.close();
 */
export function stopRequested(options: { whenParentExits?: boolean } = {}): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('message', onMessage);
      process.off('disconnect', stop);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.on('SIGINT', ignore);
      process.on('SIGTERM', ignore);
      resolve();
    };
    const ignore = (): void => undefined;
    const onMessage = (message: unknown): void => {
      if (message === SHUTDOWN) stop();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (cluster.isWorker) process.on('message', onMessage);
    // A 'disconnect' listener keeps the channel referenced; stop() removes it again.
    if (options.whenParentExits && process.connected) process.on('disconnect', stop);
  });
}
