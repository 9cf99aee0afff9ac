/**
 * The development server's autoreloader, Django's `django.utils.autoreload` in two processes:
 * this one watches the project and imports none of it; a child re-runs the command line with
 * `TANGO_RUN_MAIN` set and serves. A change restarts the child; a child that fails (a syntax
 * error, an exception while importing settings, urls or views, a bad setting) has printed
 * why, and the next change starts it again, so a broken project waits for its fix instead of
 * ending the server, also at the first start.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { terminalStyle, type TerminalStyle } from './terminal.js';
import { watchTree } from './watcher.js';

/** Set in the child process so it serves instead of watching (Django's `RUN_MAIN`). */
export const RUN_MAIN_ENV = 'TANGO_RUN_MAIN';

/** The message a child sends to have more folders watched (`watchMore`): `{ type, folders }`. */
export const WATCH_MESSAGE = 'tango:autoreload:watch';

/** How long a child may take to stop gracefully (in-flight requests) before it is killed. */
const STOP_TIMEOUT_MS = 3000;

/** Options of `runWithReloader`. */
export interface ReloaderOptions {
  /** Folders watched recursively (the project); the child can add more with `watchMore`. */
  roots: string[];
  /** Where the reloader's own lines go ("views.ts changed, reloading."). */
  log(line: string): void;
  /** Styles for those lines; default from stderr. */
  style?: TerminalStyle;
  /** The child's command; default this process's own (`process.argv`, `process.execArgv`). */
  command?: { script: string; args: string[]; execArgv?: string[] };
  /** Quiet period after a change before restarting, in ms; default 100. */
  debounceMs?: number;
  /** How long a child may take to stop after SIGTERM before it is killed, in ms; default 3000. */
  stopTimeoutMs?: number;
}

/**
 * True in the process that the reloader started (and that should serve).
 *
 * @example
 * if (!isReloaderChild()) return runWithReloader({ roots: [baseDir], log });
 */
export function isReloaderChild(): boolean {
  return Boolean(process.env[RUN_MAIN_ENV]);
}

/**
 * In the reloader's child: asks the reloader to watch `folders` too (the settings' `BASE_DIR`
 * and template folders, known only once the child has imported the settings). A no-op
 * elsewhere.
 *
 * @example
 * watchMore([settings.BASE_DIR]);
 */
export function watchMore(folders: string[]): void {
  if (isReloaderChild() && process.connected) {
    process.send?.({ type: WATCH_MESSAGE, folders });
  }
}

/**
 * Runs the current command in a child process and restarts it when a source file under the
 * roots is written, created, renamed or deleted. When the child exits with an error it waits
 * for the next change and starts it again. Resolves with 0 when asked to stop (SIGINT or
 * SIGTERM, passed on to the child) or when the child stops on its own with code 0.
 *
 * @example
 * if (isReloaderChild()) await serveForever();
 * else process.exitCode = await runWithReloader({ roots: [baseDir], log: console.error });
 */
export async function runWithReloader(options: ReloaderOptions): Promise<number> {
  const style = options.style ?? terminalStyle(process.stderr);
  const command = options.command ?? {
    script: process.argv[1]!,
    args: process.argv.slice(2),
    execArgv: process.execArgv,
  };
  const stopTimeoutMs = options.stopTimeoutMs ?? STOP_TIMEOUT_MS;
  let child: ChildProcess | undefined;
  let changedSinceStart = false;
  let stopping = false;
  let wake: (() => void) | undefined;
  const roots = options.roots.map((root) => path.resolve(root));

  const shown = (file: string): string => {
    const root = roots.find((r) => file.startsWith(r + path.sep));
    return root ? path.relative(root, file) : file;
  };

  const watcher = watchTree(roots, {
    debounceMs: options.debounceMs,
    onChange(files) {
      if (stopping) return;
      options.log(`${shown(files[0]!)} changed, reloading.`);
      changedSinceStart = true;
      if (child) terminate(child, stopTimeoutMs);
      wake?.();
    },
    onError(folder, error) {
      const code = (error as NodeJS.ErrnoException).code;
      options.log(
        style.warning(`Cannot watch ${folder} for changes: ${error.message}`) +
          (code === 'ENOSPC'
            ? ' (the inotify watch limit: raise fs.inotify.max_user_watches with sysctl)'
            : ''),
      );
    },
  });

  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    if (child) terminate(child, stopTimeoutMs);
    wake?.();
  };
  // A Ctrl-C reaches every process of the group: the child stops on its own signal, and this
  // one makes sure it does (repeated signals are ignored; the child is killed after 3 s).
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    for (;;) {
      changedSinceStart = false;
      child = fork(command.script, command.args, {
        env: { ...process.env, [RUN_MAIN_ENV]: 'true' },
        execArgv: command.execArgv ?? process.execArgv,
        stdio: 'inherit',
      });
      child.on('message', (message: unknown) => {
        const m = message as { type?: unknown; folders?: unknown };
        if (m?.type === WATCH_MESSAGE && Array.isArray(m.folders)) {
          for (const folder of m.folders) {
            if (typeof folder !== 'string') continue;
            const resolved = path.resolve(folder);
            if (!roots.some((r) => resolved === r || resolved.startsWith(r + path.sep))) {
              roots.push(resolved);
              watcher.add(resolved);
            }
          }
        }
      });
      const { code, signal } = await exited(child);
      child = undefined;
      if (stopping) return 0;
      if (changedSinceStart) continue;
      if (code === 0) return 0;
      if (signal) options.log(`The server process was stopped by ${signal}.`);
      options.log('Watching for file changes; the server restarts when a file is saved.');
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      if (stopping) return 0;
    }
  } finally {
    watcher.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** Resolves when `child` has exited (its code, or the signal that ended it). */
function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // fork() itself failing (ENOENT, EAGAIN) emits 'error' and may never emit 'exit'.
    child.once('error', () => resolve({ code: child.exitCode ?? 1, signal: null }));
  });
}

const terminating = new WeakSet<ChildProcess>();

/** SIGTERM, then SIGKILL if the child has not exited after `timeoutMs`. */
function terminate(child: ChildProcess, timeoutMs: number): void {
  if (terminating.has(child) || child.exitCode !== null || child.signalCode !== null) return;
  terminating.add(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  timer.unref();
  child.once('exit', () => clearTimeout(timer));
}
