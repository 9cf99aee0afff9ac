import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Called with the changed path relative to the watched root (`/`-separated), or null: rescan. */
export type ChangeListener = (relative: string | null) => void;

/** How to watch a tree: one recursive watcher, or one watcher per directory (the fallback). */
export type WatchMode = 'recursive' | 'per-directory';

/** Lists `root` and its subdirectories (hidden ones skipped, as the loader skips them). */
async function directories(root: string): Promise<string[]> {
  const found = [root];
  for (let i = 0; i < found.length; i++) {
    const dir = found[i]!;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      if (i === 0) return []; // not a directory (a file event), or gone
      continue;
    }
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('.'))
        found.push(path.join(dir, entry.name));
    }
  }
  return found;
}

/**
 * Watches a template directory tree for DEBUG reloading. `fs.watch` with `recursive: true`
 * works on Linux, macOS and Windows from Node 20; elsewhere (`ERR_FEATURE_UNAVAILABLE_ON_PLATFORM`)
 * each directory gets its own watcher, and new directories are picked up on the next rescan.
 * Watcher errors (a directory removed) are swallowed: reloading is a convenience, never a crash.
 * Returns a function that stops every watcher.
 */
export async function watchTree(
  root: string,
  onChange: ChangeListener,
  mode: WatchMode = 'recursive',
): Promise<() => void> {
  const watchers = new Map<string, FSWatcher>();
  let closed = false;

  const add = (dir: string, recursive: boolean): boolean => {
    if (closed || watchers.has(dir)) return true;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { recursive, persistent: false }, (_event, filename) => {
        if (closed) return;
        if (filename === null) return onChange(null);
        const relative = path
          .relative(root, path.join(dir, filename.toString()))
          .split(path.sep)
          .join('/');
        onChange(relative);
        if (!recursive) void addSubdirectories(path.join(dir, filename.toString()));
      });
    } catch (error) {
      if (
        (error as NodeJS.ErrnoException).code === 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM' &&
        recursive
      )
        return false;
      return true; // the directory vanished meanwhile: nothing to watch
    }
    watcher.on('error', () => {
      watcher.close();
      watchers.delete(dir);
    });
    watchers.set(dir, watcher);
    return true;
  };

  const addSubdirectories = async (dir: string): Promise<void> => {
    for (const sub of await directories(dir)) add(sub, false);
  };

  if (mode === 'recursive' && add(root, true)) {
    // fine: one watcher for the whole tree
  } else {
    await addSubdirectories(root);
  }

  return function closeWatchers() {
    closed = true;
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
  };
}
