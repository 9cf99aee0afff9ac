/**
 * The packed runtime is kept between `startproject` runs from a checkout (src/cli/vendor.ts
 * `cachedPack`): the second pack reads the cached tarball, and any change to a packed file
 * packs anew.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PACK_CACHE_DIR, packRuntime } from '../../src/cli/vendor.js';
import { tempDir } from '../e2e/helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let checkout: string;

beforeEach(async () => {
  tmp = await tempDir('tango-vendor-cache-');
  checkout = path.join(tmp.dir, 'tango');
  await mkdir(path.join(checkout, 'dist', 'cli'), { recursive: true });
  await writeFile(
    path.join(checkout, 'package.json'),
    JSON.stringify({ name: 'tango', version: '9.9.9', files: ['dist'] }),
  );
  await writeFile(path.join(checkout, 'dist', 'cli', 'main.js'), 'export const v = 1;\n');
});
afterEach(async () => {
  await tmp.cleanup();
});

/** The content of `file` inside a packed tarball. */
async function packedContent(bytes: Uint8Array, file: string): Promise<string> {
  const archive = path.join(tmp.dir, `t-${Math.random().toString(36).slice(2)}.tgz`);
  await writeFile(archive, bytes);
  return execFileSync('tar', ['xzOf', archive, `package/${file}`], { encoding: 'utf8' });
}

describe('packRuntime cache', () => {
  it('keeps the tarball and serves the next pack from it', async () => {
    const first = await packRuntime(checkout);
    const cache = path.join(checkout, PACK_CACHE_DIR);
    const kept = await readdir(cache);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(/^tango-9\.9\.9-[0-9a-f]{20}\.tgz$/);
    expect(new Uint8Array(await readFile(path.join(cache, kept[0]!)))).toEqual(first.bytes);
    // Served from the cache: a marker written into the cached file comes back.
    const marked = new Uint8Array([...first.bytes, 0]);
    await writeFile(path.join(cache, kept[0]!), marked);
    const second = await packRuntime(checkout);
    expect(second.bytes).toEqual(marked);
    expect(second.files).toEqual(first.files);
  });

  it('packs anew when a packed file changes, keeping only the newest tarball', async () => {
    const first = await packRuntime(checkout);
    expect(await packedContent(first.bytes, 'dist/cli/main.js')).toBe('export const v = 1;\n');
    await writeFile(path.join(checkout, 'dist', 'cli', 'main.js'), 'export const v = 22;\n');
    const second = await packRuntime(checkout);
    expect(await packedContent(second.bytes, 'dist/cli/main.js')).toBe('export const v = 22;\n');
    expect(await readdir(path.join(checkout, PACK_CACHE_DIR))).toHaveLength(1);
    // A new file is a change too.
    await writeFile(path.join(checkout, 'dist', 'cli', 'extra.js'), '');
    const third = await packRuntime(checkout);
    expect(third.files).toContain('dist/cli/extra.js');
  });
});
