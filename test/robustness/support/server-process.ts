/**
 * The robustness server (test/robustness/site/server.ts) as a child process of its own, so its
 * memory is measured apart from the test's: `node --expose-gc --import tsx`, one process, no
 * wrapper (its `/memory/` view collects garbage before it measures).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const SERVER = path.join(REPO_ROOT, 'test', 'robustness', 'site', 'server.ts');
/** The server's stderr kept for failure messages (its security log can be long). */
const KEEP_OUTPUT = 16 * 1024;

/** Memory of a process from /proc, in MiB. */
export interface Memory {
  /** Resident set size now (VmRSS). */
  rss: number;
  /** The highest resident set size so far (VmHWM). */
  peak: number;
}

/** A running robustness server. */
export interface ServerProcess {
  readonly port: number;
  readonly pid: number;
  /** Its memory now. */
  memory(): Memory;
  /** The end of its output (stdout and stderr). */
  output(): string;
  /** Its log records so far, counted by `LEVEL logger` (e.g. `WARNING tango.security.X`). */
  logTally(): ReadonlyMap<string, number>;
  /** True while it runs. */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it exited. */
  stop(): Promise<void>;
}

/** Reads VmRSS and VmHWM of `pid` (Linux). */
export function processMemory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** Starts the server with `env` and resolves once it listens. */
export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', SERVER], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const tally = new Map<string, number>();
  let partial = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-KEEP_OUTPUT);
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const record = /^(DEBUG|INFO|WARNING|ERROR) (\S+) /.exec(line);
      if (record)
        tally.set(`${record[1]} ${record[2]}`, (tally.get(`${record[1]} ${record[2]}`) ?? 0) + 1);
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the robustness server did not start within 60 s:\n${output}`));
    }, 60_000);
    const onLine = () => {
      const m = /^listening (\d+)$/m.exec(output);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onLine);
      resolve(Number(m[1]));
    };
    child.stdout!.on('data', onLine);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the robustness server exited with ${child.exitCode}:\n${output}`));
    });
  });
  return {
    port,
    pid: child.pid!,
    memory: () => processMemory(child.pid!),
    output: () => output,
    logTally: () => tally,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
