/**
 * runWorkers() replacing crashed workers (the production `serve` and `runserver --workers`):
 * the restart delay of a crash loop, and a shutdown while a restart is pending. The processes
 * are real (node:cluster): test/fixtures/workers/crash-loop.ts.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { restartDelay } from '../../../src/runtime/server/workers.js';

const FIXTURE = path.resolve(import.meta.dirname, '../../fixtures/workers/crash-loop.ts');

describe('restartDelay', () => {
  it('restarts at once after a worker that ran a while, then doubles from 100 ms up to 30 s', () => {
    expect([0, 1, 2, 3, 4, 5].map(restartDelay)).toEqual([0, 100, 200, 400, 800, 1600]);
    expect(restartDelay(9)).toBe(25_600);
    expect(restartDelay(10)).toBe(30_000);
    expect(restartDelay(1000)).toBe(30_000);
  });
});

describe('a crash loop under runWorkers', () => {
  it('backs off between restarts, and SIGTERM during a pending restart exits 0 without starting it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tango-crash-loop-'));
    const starts = path.join(dir, 'starts.log');
    writeFileSync(starts, '');
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
      env: { ...process.env, CRASH_LOG: starts, CRASH_MODE: 'loop' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const started = Date.now();
      while (!output.includes('in 0.4 s.')) {
        if (Date.now() - started > 30_000) throw new Error(`no third restart:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // A restart is now pending for 400 ms: stop the primary meanwhile.
      child.kill('SIGTERM');
      const code = await exited;
      const before = readFileSync(starts, 'utf8').split('\n').filter(Boolean).length;
      await new Promise((resolve) => setTimeout(resolve, 700));
      const after = readFileSync(starts, 'utf8').split('\n').filter(Boolean).length;
      const delays = [...output.matchAll(/starting a new one in ([\d.]+) s\./g)].map((m) =>
        Number(m[1]),
      );
      // Doubling from 0.1 s. A loaded machine may let the 0.4 s restart come due (and crash)
      // before the signal lands; then the 0.8 s one is the pending one.
      expect({ code, stopping: output.includes('stopping on SIGTERM') }).toEqual({
        code: 0,
        stopping: true,
      });
      expect(delays.length).toBeGreaterThanOrEqual(3);
      expect(delays).toEqual(delays.map((_, i) => 0.1 * 2 ** i).map((d) => Number(d.toFixed(1))));
      // The first worker and the restarts that came due; not the pending one.
      expect(before).toBe(delays.length);
      expect(after).toBe(before);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ends a worker that is still starting when SIGTERM comes (it could not take the message yet)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tango-slow-start-'));
    const starts = path.join(dir, 'starts.log');
    writeFileSync(starts, '');
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
      env: { ...process.env, CRASH_LOG: starts, CRASH_MODE: 'slow-start' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const pids = () => readFileSync(starts, 'utf8').split('\n').filter(Boolean).map(Number);
    try {
      const waitFor = async (what: string, condition: () => boolean) => {
        const started = Date.now();
        while (!condition()) {
          if (Date.now() - started > 30_000) throw new Error(`no ${what}:\n${output}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      await waitFor('start', () => output.includes('listening '));
      process.kill(pids()[0]!, 'SIGKILL');
      // The replacement has started (it wrote its pid) and sleeps 3 s before it listens.
      await waitFor('replacement', () => pids().length === 2);
      const signalled = Date.now();
      child.kill('SIGTERM');
      const code = await exited;
      // Not the 6 s the primary waits before it kills a worker that ignores the request (the
      // bound leaves room for a loaded machine).
      expect({ code, fast: Date.now() - signalled < 5000 }).toEqual({ code: 0, fast: true });
      expect(() => process.kill(pids()[1]!, 0)).toThrow();
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
