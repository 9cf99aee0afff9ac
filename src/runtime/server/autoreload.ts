import { fork, type ChildProcess } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';

/** Set in the child process so it serves instead of watching (Django's `RUN_MAIN`). */
export const RUN_MAIN_ENV = 'TANGO_RUN_MAIN';

const WATCHED = /\.(ts|mts|js|mjs|json|html|hbs|css|sql)$/;
const IGNORED = /(^|[/\\])(node_modules|\.git|dist)([/\\]|$)|\.sqlite3|-journal$|-wal$|-shm$/;

/**
 * Runs the current command in a child process and restarts it when a source file under
 * `root` changes, like Django's autoreloader. Returns when the child exits on its own with
 * no restart pending, or when this process is asked to stop (SIGINT/SIGTERM are forwarded).
 *
 * @example
 * if (process.env[RUN_MAIN_ENV]) await serveForever(); else await runWithReloader(baseDir);
 */
export async function runWithReloader(root: string, log: (line: string) => void): Promise<number> {
  let child: ChildProcess | undefined;
  let restarting = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;

  const start = (): ChildProcess => {
    const proc = fork(process.argv[1]!, process.argv.slice(2), {
      env: { ...process.env, [RUN_MAIN_ENV]: 'true' },
      execArgv: process.execArgv,
      stdio: 'inherit',
    });
    return proc;
  };

  let watcher: FSWatcher;
  try {
    watcher = watch(root, { recursive: true }, (_event, filename) => {
      if (!filename || !WATCHED.test(filename) || IGNORED.test(filename)) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        log(`${filename} changed, reloading.`);
        restarting = true;
        child?.kill('SIGTERM');
      }, 100);
    });
  } catch {
    log('Autoreload is not available on this platform; serving without it.');
    return runChildOnce(start());
  }

  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    child?.kill(signal);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    for (;;) {
      child = start();
      const code = await runChildOnce(child);
      if (stopping || !restarting) return code;
      restarting = false;
    }
  } finally {
    watcher.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

function runChildOnce(child: ChildProcess): Promise<number> {
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 0 : 1))),
  );
}
