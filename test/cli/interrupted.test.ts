/**
 * Killed and interrupted scaffolding (hardening item 3): Ctrl-C in the middle of a write undoes
 * everything, and the leftovers of a killed run are removed by the next one. In a file of its
 * own so that the robustness suite (test/robustness/suite.ts) runs it.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, snapshotDir, spawnCli, workdirs } from './helpers.js';

const workdir = workdirs();
/** A fresh generated project (no install); returns its folder. */
async function project(): Promise<string> {
  const cwd = await workdir();
  const result = await run(['startproject', 'mysite', '--no-install', '--tango', '^0.1.0'], cwd);
  expect(result.code, result.stderr).toBe(0);
  return path.join(cwd, 'mysite');
}

describe('tango-admin startproject, killed or interrupted', () => {
  it("removes the staging folders a killed run left behind, and keeps a running run's", async () => {
    const cwd = await workdir();
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    const stale = [`.mysite.tango-${deadPid}-0123456789ab`, '.mysite.tango-Ab3dE9'];
    const kept = [`.mysite.tango-${process.pid}-ba9876543210`, '.other.tango-Ab3dE9'];
    for (const dir of [...stale, ...kept]) {
      await mkdir(path.join(cwd, dir, 'mysite'), { recursive: true });
      await writeFile(path.join(cwd, dir, 'manage.ts'), 'half');
    }
    expect((await run(['startproject', 'mysite', '--no-install'], cwd)).code).toBe(0);
    expect((await readdir(cwd)).sort()).toEqual([...kept, 'mysite'].sort());
  });
  it('Ctrl-C while writing leaves nothing behind: no project, no staging folder', async () => {
    const cwd = await workdir();
    const result = await spawnCli(
      ['startproject', 'mysite', '--no-install'],
      cwd,
      { INTERRUPT_AT: 'settings.ts' },
      'interrupted.ts',
    );
    expect(result).toMatchObject({ signal: 'SIGINT', stdout: '', stderr: '' });
    expect(await readdir(cwd)).toEqual([]);
  });

  it('Ctrl-C while a write hangs still undoes everything, within a second', async () => {
    const cwd = await workdir();
    const started = Date.now();
    const result = await spawnCli(
      ['startproject', 'mysite', '--no-install'],
      cwd,
      { INTERRUPT_AT: 'settings.ts', INTERRUPT_HANG: '1' },
      'interrupted.ts',
    );
    expect(result).toMatchObject({ signal: 'SIGINT', stdout: '', stderr: '' });
    expect(await readdir(cwd)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('tango-admin startapp, killed or interrupted', () => {
  it('Ctrl-C while registering undoes everything: no app folder, settings.ts as it was', async () => {
    const root = await project();
    const before = await snapshotDir(root);
    const result = await spawnCli(
      ['startapp', 'WebApp', '--kind', 'minimal'],
      root,
      { INTERRUPT_AT: 'settings.ts' },
      'interrupted.ts',
    );
    expect(result).toMatchObject({ signal: 'SIGINT', stdout: '', stderr: '' });
    expect(await snapshotDir(root)).toEqual(before);
    // and a rerun is not refused
    expect((await run(['startapp', 'WebApp', '--kind', 'minimal'], root)).code).toBe(0);
  });

  it('removes the scratch files and staging folder a killed startapp left behind', async () => {
    const root = await project();
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    const scratch = `.settings.ts.tango-${deadPid}-0123456789ab`;
    await writeFile(path.join(root, 'mysite', scratch), 'half an edit');
    await mkdir(path.join(root, `.WebApp.tango-${deadPid}-0123456789ab`));
    expect((await run(['startapp', 'WebApp', '--kind', 'minimal'], root)).code).toBe(0);
    expect((await readdir(path.join(root, 'mysite'))).filter((f) => f.startsWith('.'))).toEqual([]);
    expect((await readdir(root)).filter((f) => f.includes('.tango-'))).toEqual([]);
  });
});
