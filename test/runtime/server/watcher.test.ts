/**
 * The autoreloader's watcher against a real folder: it follows paths, not inodes, so atomic
 * saves (write a temp file, rename it over the original) are seen on every save, as are
 * appends, in-place rewrites, new and deleted files and folders; ignored paths are not.
 */
import { appendFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isIgnoredName, watchTree, type TreeWatcher } from '../../../src/runtime/server/watcher.js';
import { tempDir } from '../../e2e/helpers.js';

/** Collects onChange calls; `next()` resolves with the next one (rejects after `ms`). */
function changes() {
  const calls: string[][] = [];
  let waiter: ((files: string[]) => void) | undefined;
  return {
    calls,
    onChange(files: string[]) {
      calls.push(files);
      waiter?.(files);
      waiter = undefined;
    },
    next(ms = 5000): Promise<string[]> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no change within ${ms} ms`)), ms);
        waiter = (files) => {
          clearTimeout(timer);
          resolve(files);
        };
      });
    },
    /** Resolves true if no change arrives within `ms`. */
    async quiet(ms = 400): Promise<boolean> {
      const before = calls.length;
      await new Promise((r) => setTimeout(r, ms));
      return calls.length === before;
    },
  };
}

/** What editors do on save: write a temp file beside the original, rename it over it. */
async function atomicSave(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(temp, text);
  await rename(temp, file);
}

describe('watchTree', () => {
  let root: Awaited<ReturnType<typeof tempDir>>;
  let watcher: TreeWatcher | undefined;
  let seen: ReturnType<typeof changes>;
  let views: string;

  beforeEach(async () => {
    root = await tempDir('tango-watch-');
    await mkdir(path.join(root.dir, 'app'));
    await mkdir(path.join(root.dir, 'node_modules', 'dep'), { recursive: true });
    await mkdir(path.join(root.dir, '.git'));
    views = path.join(root.dir, 'app', 'views.ts');
    await writeFile(views, 'export const a = 1;\n');
    seen = changes();
    watcher = watchTree([root.dir], { onChange: seen.onChange, debounceMs: 50 });
  });

  afterEach(async () => {
    watcher?.close();
    await root.cleanup();
  });

  it('sees an atomic save every time, not just the first (the inode changes each time)', async () => {
    for (const n of [2, 3, 4]) {
      const next = seen.next();
      await atomicSave(views, `export const a = ${n};\n`);
      expect(await next).toContain(views);
    }
  });

  it('sees appends and in-place rewrites after an atomic save', async () => {
    let next = seen.next();
    await atomicSave(views, 'export const a = 2;\n');
    expect(await next).toContain(views);
    next = seen.next();
    await appendFile(views, '// b2\n');
    expect(await next).toEqual([views]);
    next = seen.next();
    await writeFile(views, 'export const a = 3;\n');
    expect(await next).toEqual([views]);
  });

  it('sees new and deleted files, and files in a new folder and after it is deleted', async () => {
    const extra = path.join(root.dir, 'app', 'extra.ts');
    let next = seen.next();
    await writeFile(extra, 'export {};\n');
    expect(await next).toEqual([extra]);
    next = seen.next();
    await rm(extra);
    expect(await next).toEqual([extra]);

    const folder = path.join(root.dir, 'app', 'sub');
    const inner = path.join(folder, 'inner.ts');
    next = seen.next();
    await mkdir(folder);
    await writeFile(inner, 'export {};\n');
    expect(await next).toContain(inner);
    // The new folder is watched: a later edit inside it is seen too.
    next = seen.next();
    await appendFile(inner, '// edit\n');
    expect(await next).toEqual([inner]);
    next = seen.next();
    await rm(folder, { recursive: true });
    expect((await next).some((file) => file.startsWith(folder))).toBe(true);
  });

  it('sees a folder renamed into place, and edits inside it', async () => {
    const outside = await tempDir('tango-watch-outside-');
    try {
      await writeFile(path.join(outside.dir, 'moved.ts'), 'export {};\n');
      const target = path.join(root.dir, 'moved');
      const next = seen.next();
      await rename(outside.dir, target);
      expect(await next).toEqual([path.join(target, 'moved.ts')]);
      const edit = seen.next();
      await appendFile(path.join(target, 'moved.ts'), '// edit\n');
      expect(await edit).toEqual([path.join(target, 'moved.ts')]);
    } finally {
      await outside.cleanup();
    }
  });

  it('debounces a burst of writes into one call', async () => {
    const next = seen.next();
    for (let i = 0; i < 10; i++) await writeFile(views, `export const a = ${i};\n`);
    expect(await next).toEqual([views]);
    expect(await seen.quiet(200)).toBe(true);
    expect(seen.calls).toHaveLength(1);
  });

  it('ignores node_modules, hidden folders and files, databases and editor leftovers', async () => {
    await writeFile(path.join(root.dir, 'node_modules', 'dep', 'index.js'), 'x');
    await mkdir(path.join(root.dir, 'node_modules', 'new-dep'));
    await writeFile(path.join(root.dir, 'node_modules', 'new-dep', 'index.js'), 'x');
    await writeFile(path.join(root.dir, '.git', 'index.json'), 'x');
    await writeFile(path.join(root.dir, 'db.sqlite3'), 'x');
    await writeFile(path.join(root.dir, 'db.sqlite3-wal'), 'x');
    await writeFile(path.join(root.dir, 'app', '.views.ts.swp'), 'x');
    await writeFile(path.join(root.dir, 'app', 'views.ts~'), 'x');
    await writeFile(path.join(root.dir, 'app', '.#views.ts'), 'x');
    await writeFile(path.join(root.dir, 'sessionidabc123'), 'x');
    expect(await seen.quiet()).toBe(true);
    expect(watcher!.folders().some((f) => f.includes('node_modules') || f.includes('.git'))).toBe(
      false,
    );
  });

  it('skips the extra ignored paths and watches roots added later', async () => {
    watcher!.close();
    const sessions = path.join(root.dir, 'sessions');
    await mkdir(sessions);
    const other = await tempDir('tango-watch-other-');
    try {
      watcher = watchTree([root.dir], {
        onChange: seen.onChange,
        debounceMs: 50,
        ignore: [sessions],
      });
      await writeFile(path.join(sessions, 'x.json'), '{}');
      expect(await seen.quiet()).toBe(true);
      watcher.add(other.dir);
      const next = seen.next();
      await writeFile(path.join(other.dir, 'late.ts'), 'export {};\n');
      expect(await next).toEqual([path.join(other.dir, 'late.ts')]);
    } finally {
      await other.cleanup();
    }
  });
});

describe('isIgnoredName', () => {
  it('skips dependencies, build output and hidden entries', () => {
    for (const name of ['node_modules', 'dist', 'coverage', '.git', '.vscode', '.#views.ts'])
      expect(isIgnoredName(name)).toBe(true);
    for (const name of ['WebApp', 'templates', 'views.ts', 'mysite'])
      expect(isIgnoredName(name)).toBe(false);
  });
});
