/**
 * Shared helpers for end-to-end tests: scaffold a real project with the built CLI, run its
 * commands, start its server on a free loopback port, and stop it again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { freePort } from '../support/services.js';
import { usePrebuiltSqlite } from './prebuilt.js';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CLI = path.join(REPO_ROOT, 'bin', 'tango-admin.js');

/** A fresh temp directory, removed by the returned cleanup. */
export async function tempDir(
  prefix: string,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Runs the real CLI (`node bin/tango-admin.js ...`). Before a `startproject`, `cwd` gets the
 * checkout's better-sqlite3 addon as a prebuilt binary (test/e2e/prebuilt.ts), so the project's
 * `npm install` does not compile it again.
 */
export async function tangoAdmin(args: string[], cwd: string) {
  if (args[0] === 'startproject') await usePrebuiltSqlite(cwd);
  return execa(process.execPath, [CLI, ...args], {
    cwd,
    reject: false,
    all: true,
    env: { CI: 'true' },
  });
}

/** The project's own tsx (spawned directly so signals reach the server, unlike through npx). */
export function tsxBin(project: string): string {
  return path.join(project, 'node_modules', '.bin', 'tsx');
}

/**
 * The Node options before `manage.ts` in `project`, as its npm scripts run it: `--import
 * tango/register` in a project generated on Node 20 (it has tsx, whose esbuild the loader
 * uses), none where Node strips types itself (22.18+ and 24; such a project has no tsx).
 * Spawned as `process.execPath` directly so that signals reach the server, unlike through npm.
 */
export function manageNodeArgs(project: string): string[] {
  return existsSync(tsxBin(project)) ? ['--import', 'tango/register'] : [];
}

/** Runs `manage.ts ...` inside a generated project, as its npm scripts do (`manageNodeArgs`). */
export function manage(project: string, args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [...manageNodeArgs(project), 'manage.ts', ...args], {
    cwd: project,
    reject: false,
    all: true,
    env,
  });
}

// One free-port helper for every test (it lives with the service starters).
export { freePort } from '../support/services.js';

/** A running `manage.ts runserver`. */
export interface ProjectServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGTERM and wait for a graceful exit; returns the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `manage.ts runserver 127.0.0.1:<free port> --noreload` (or with the autoreloader when
 * `reload` is set) and resolves once it prints that it is serving (or `ready`).
 */
export async function startServer(
  project: string,
  env: Record<string, string> = {},
  options: { reload?: boolean; args?: string[]; ready?: string } = {},
): Promise<ProjectServer> {
  const port = await freePort();
  const args = [
    ...manageNodeArgs(project),
    'manage.ts',
    'runserver',
    `127.0.0.1:${port}`,
    ...(options.reload ? [] : ['--noreload']),
    ...(options.args ?? []),
  ];
  return spawnServer(process.execPath, args, {
    cwd: project,
    env,
    port,
    ready: options.ready,
  });
}

/**
 * Spawns a server command that prints Django's "Quit the server with" line once it listens on
 * `port`, and resolves then (rejecting with its output if it exits first or takes over 60 s).
 * `ready` waits for another text instead (an autoreloader waiting for a broken project's fix).
 */
export async function spawnServer(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; port: number; ready?: string },
): Promise<ProjectServer> {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(options.ready ?? 'Quit the server with')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${options.port}`,
    port: options.port,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * A minimal cookie jar over fetch for HTTP-level tests: sends stored cookies, applies
 * Set-Cookie (Max-Age<=0 deletes), never follows redirects.
 */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size)
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attrs] = header.split(/;\s*/);
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const gone = attrs.some((a) => /^max-age=(0|-\d+)$/i.test(a));
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
    return response;
  }
}
