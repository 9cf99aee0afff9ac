/**
 * Scaffolding is all or nothing, even when the disk fills up half-way through a write or a
 * rename fails: the file system calls of src/cli are wrapped here to fail on demand.
 */
import type * as fs from 'node:fs';
import type * as fsPromises from 'node:fs/promises';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run, snapshotDir, workdirs } from './helpers.js';

/** Which calls fail: each predicate gets the call's path(s). */
const faults = vi.hoisted(() => ({
  writeFile: undefined as ((file: string) => boolean) | undefined,
  writeFileSync: undefined as ((file: string) => boolean) | undefined,
  renameSync: undefined as ((from: string, to: string) => boolean) | undefined,
}));

const failure = (code: string, message: string) =>
  Object.assign(new Error(`${code}: ${message}`), { code });

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof fsPromises>();
  // The disk fills up half-way: half of the data lands, then ENOSPC.
  const writeFile = (async (file, data, options) => {
    if (faults.writeFile?.(String(file))) {
      const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data as Uint8Array);
      await real.writeFile(file, bytes.subarray(0, bytes.length >> 1), options);
      throw failure('ENOSPC', 'no space left on device, write');
    }
    return real.writeFile(file, data, options);
  }) as typeof real.writeFile;
  return { ...real, default: { ...real, writeFile }, writeFile };
});

vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  const writeFileSync = ((file, data, options) => {
    if (faults.writeFileSync?.(String(file))) throw failure('ENOSPC', 'no space left on device');
    return real.writeFileSync(file, data, options);
  }) as typeof real.writeFileSync;
  const renameSync = ((from, to) => {
    if (faults.renameSync?.(String(from), String(to))) throw failure('EIO', 'i/o error, rename');
    return real.renameSync(from, to);
  }) as typeof real.renameSync;
  return { ...real, default: { ...real, writeFileSync, renameSync }, writeFileSync, renameSync };
});

const workdir = workdirs();
afterEach(() => {
  faults.writeFile = faults.writeFileSync = faults.renameSync = undefined;
});

/** A fresh generated project (no install); returns its folder. */
async function project(): Promise<string> {
  const cwd = await workdir();
  expect((await run(['startproject', 'mysite', '--no-install'], cwd)).code).toBe(0);
  return path.join(cwd, 'mysite');
}

describe('startapp when the disk is full or a rename fails', () => {
  it('a full disk while editing settings.ts leaves it whole and takes the app folder back', async () => {
    const root = await project();
    const before = await snapshotDir(root);
    const settingsPath = path.join(root, 'mysite', 'settings.ts');
    faults.writeFile = (file) => file.startsWith(root) && file.includes('settings.ts');
    expect(await run(['startapp', 'WebApp', '--kind', 'minimal'], root)).toEqual({
      code: 1,
      stdout: '',
      stderr: `CommandError: could not write ${settingsPath}: ENOSPC: no space left on device, write. Nothing was written.\n`,
    });
    expect(await snapshotDir(root)).toEqual(before);
    // The message was true: a rerun works.
    faults.writeFile = undefined;
    expect((await run(['startapp', 'WebApp', '--kind', 'minimal'], root)).code).toBe(0);
  });

  it('a failed rename of urls.ts puts settings.ts back as it was', async () => {
    const root = await project();
    const before = await snapshotDir(root);
    const urlsPath = path.join(root, 'mysite', 'urls.ts');
    faults.renameSync = (_, to) => to === urlsPath;
    expect(await run(['startapp', 'WebApp', '--kind', 'minimal'], root)).toEqual({
      code: 1,
      stdout: '',
      stderr: `CommandError: could not write ${urlsPath}: EIO: i/o error, rename. Nothing was written.\n`,
    });
    expect(await snapshotDir(root)).toEqual(before);
  });

  it('says what it could not undo instead of "Nothing was written"', async () => {
    const root = await project();
    const settingsPath = path.join(root, 'mysite', 'settings.ts');
    const urlsPath = path.join(root, 'mysite', 'urls.ts');
    faults.renameSync = (_, to) => to === urlsPath;
    faults.writeFileSync = (file) => path.dirname(file) === path.dirname(settingsPath);
    expect(await run(['startapp', 'WebApp', '--kind', 'minimal'], root)).toEqual({
      code: 1,
      stdout: '',
      stderr: `CommandError: could not write ${urlsPath}: EIO: i/o error, rename. Undoing failed: ${settingsPath} was changed and could not be restored (ENOSPC: no space left on device).\n`,
    });
    const after = await snapshotDir(root);
    expect(after['mysite/settings.ts']).toContain("'WebApp'");
    expect(Object.keys(after).some((f) => f.startsWith('WebApp/'))).toBe(false);
  });
});

describe('startproject when the disk is full', () => {
  it('names the file the user asked for, and leaves no staging folder', async () => {
    const cwd = await workdir();
    faults.writeFile = (file) => file.endsWith(path.join('mysite', 'urls.ts'));
    expect(await run(['startproject', 'mysite', '--no-install'], cwd)).toEqual({
      code: 1,
      stdout: '',
      stderr: `CommandError: could not write ${path.join(cwd, 'mysite', 'mysite', 'urls.ts')}: ENOSPC: no space left on device, write. Nothing was written.\n`,
    });
    expect(await snapshotDir(cwd)).toEqual({});
  });

  it('--force never truncates the file it replaces', async () => {
    const cwd = await workdir();
    await mkdir(path.join(cwd, 'site'));
    await writeFile(path.join(cwd, 'site', 'manage.ts'), 'the old manage.ts\n');
    faults.writeFile = (file) => file.includes('manage.ts');
    const result = await run(['startproject', 'mysite', 'site', '--no-install', '--force'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Nothing was written\.\n$/);
    expect(await snapshotDir(path.join(cwd, 'site'))).toEqual({
      'manage.ts': 'the old manage.ts\n',
    });
  });
});
