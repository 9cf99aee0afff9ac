/**
 * The autoreloader's file watcher: it follows paths, not inodes. Each folder of the tree is
 * watched (inotify on Linux reports every create, write, rename and delete of the folder's
 * entries by name), so an editor that saves by writing a temp file and renaming it over the
 * original (vim, sed -i, most IDEs) is seen on every save, as are new and deleted files and
 * folders. Node 20's `fs.watch(dir, { recursive: true })` on Linux watches each file's inode
 * instead: after the first atomic save it watches the unlinked old file and hears nothing
 * again, and it walks into node_modules. On macOS and Windows the native recursive watcher is
 * path-based already (FSEvents, ReadDirectoryChangesW), so one is used per root there.
 *
 * See https://man7.org/linux/man-pages/man7/inotify.7.html
 */
import { watch, lstatSync, readdirSync, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** Files whose change restarts the server: code, data the code imports, templates, SQL. */
export const WATCHED_FILE = /\.(?:[cm]?[jt]sx?|json|html|hbs|css|sql)$/;

/**
 * Folder names never watched: dependencies, build output, and hidden folders (.git, editor and
 * tool state). Databases, WAL files and session files are never watched files either: their
 * names do not match `WATCHED_FILE`.
 */
const IGNORED_FOLDER = new Set(['node_modules', 'dist', 'coverage', '__pycache__']);

/**
 * True for a name the watcher skips: an ignored folder, or any hidden entry (`.git`, vim's
 * `.views.ts.swp`, emacs's `.#views.ts` lock link, `.DS_Store`).
 */
export function isIgnoredName(name: string): boolean {
  return name.startsWith('.') || IGNORED_FOLDER.has(name);
}

/** Options of `watchTree`. */
export interface WatchTreeOptions {
  /** Called once the tree has been quiet for `debounceMs`, with the files changed (absolute). */
  onChange(files: string[]): void;
  /** Called when a folder cannot be watched (e.g. ENOSPC: the inotify watch limit). */
  onError?(folder: string, error: Error): void;
  /** Quiet period before `onChange`, in ms; default 100. */
  debounceMs?: number;
  /** Extra paths (absolute) to skip with everything under them. Default none. */
  ignore?: readonly string[];
  /** Use one native recursive watcher per root; default on macOS and Windows only. */
  nativeRecursive?: boolean;
}

/** A running tree watcher. */
export interface TreeWatcher {
  /** Watches one more root (nothing happens if it is already under a watched root). */
  add(root: string): void;
  /** The folders being watched (one per root with the native recursive watcher). */
  folders(): string[];
  close(): void;
}

/**
 * Watches every folder under `roots` (except ignored ones) and calls `onChange` with the
 * source files that were written, created, renamed or deleted, once the tree has been quiet
 * for `debounceMs`. Folders created later are watched as they appear; a new folder that
 * already holds source files counts as a change.
 *
 * @example
 * const watcher = watchTree([baseDir], { onChange: (files) => restart(files[0]) });
 * // ...
 * watcher.close();
 */
export function watchTree(roots: readonly string[], options: WatchTreeOptions): TreeWatcher {
  const debounceMs = options.debounceMs ?? 100;
  const native =
    options.nativeRecursive ?? (process.platform === 'darwin' || process.platform === 'win32');
  const ignored = (options.ignore ?? []).map((p) => path.resolve(p));
  /** Watched folders, with the inode each watcher is attached to. */
  const watchers = new Map<string, { watcher: FSWatcher; ino: number }>();
  const rootList: string[] = [];
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const isInside = (child: string, parent: string): boolean =>
    child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
  const isIgnoredPath = (full: string): boolean => ignored.some((p) => isInside(full, p));

  const changed = (file: string): void => {
    if (closed) return;
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...pending];
      pending.clear();
      options.onChange(files);
    }, debounceMs);
  };

  const fail = (folder: string, error: Error): void => options.onError?.(folder, error);

  /** Stops watching `folder` and every folder under it. */
  const unwatch = (folder: string): void => {
    for (const [dir, { watcher }] of watchers) {
      if (isInside(dir, folder)) {
        watcher.close();
        watchers.delete(dir);
      }
    }
  };

  /**
   * Watches `folder` and the folders under it; returns the source files found in them (a
   * folder that appears while the server runs may hold files written before it was watched).
   */
  const watchFolder = (folder: string, found: string[]): void => {
    if (closed || watchers.has(folder) || isIgnoredPath(folder)) return;
    let watcher: FSWatcher;
    let ino: number;
    try {
      ino = lstatSync(folder).ino;
      watcher = watch(folder, { persistent: true }, (_event, name) =>
        onEvent(folder, name === null ? null : String(name)),
      );
    } catch (error) {
      // ENOENT: the folder went away between the event and now; nothing to watch.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') fail(folder, error as Error);
      return;
    }
    // A watched folder that is deleted errors (or just goes quiet); its parent's watcher
    // reports the deletion, which is what counts.
    watcher.on('error', () => {
      watcher.close();
      if (watchers.get(folder)?.watcher === watcher) watchers.delete(folder);
    });
    watchers.set(folder, { watcher, ino });
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (isIgnoredName(entry.name)) continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) watchFolder(full, found);
      else if (WATCHED_FILE.test(entry.name)) found.push(full);
    }
  };

  const onEvent = (folder: string, name: string | null): void => {
    if (closed) return;
    if (name === null) {
      // Some platforms omit the name: something in this folder changed.
      changed(folder);
      return;
    }
    if (name.split(/[/\\]/).some(isIgnoredName)) return;
    const full = path.join(folder, name);
    if (isIgnoredPath(full)) return;
    if (native) {
      if (WATCHED_FILE.test(name)) changed(full);
      return;
    }
    let stats;
    try {
      stats = lstatSync(full);
    } catch {
      stats = undefined;
    }
    if (stats?.isDirectory()) {
      // Already watched (an attribute change): nothing to do. Created, or renamed into place:
      // watch it afresh (a folder replaced under the same name is a new inode, and the old
      // watcher would be deaf).
      if (watchers.get(full)?.ino === stats.ino) return;
      unwatch(full);
      const found: string[] = [];
      watchFolder(full, found);
      for (const file of found) changed(file);
      return;
    }
    if (!stats && watchers.has(full)) {
      // A watched folder was deleted or renamed away: its files are gone from the project.
      unwatch(full);
      changed(full);
      return;
    }
    if (WATCHED_FILE.test(name)) changed(full);
  };

  const add = (root: string): void => {
    const resolved = path.resolve(root);
    if (closed || rootList.some((r) => isInside(resolved, r))) return;
    // A new root that contains earlier ones replaces them.
    for (let i = rootList.length - 1; i >= 0; i--) {
      if (isInside(rootList[i]!, resolved)) {
        unwatch(rootList[i]!);
        rootList.splice(i, 1);
      }
    }
    rootList.push(resolved);
    if (native) {
      try {
        const watcher = watch(resolved, { recursive: true, persistent: true }, (_event, name) =>
          onEvent(resolved, name === null ? null : String(name)),
        );
        watcher.on('error', (error) => fail(resolved, error));
        watchers.set(resolved, { watcher, ino: 0 });
      } catch (error) {
        fail(resolved, error as Error);
      }
      return;
    }
    watchFolder(resolved, []);
  };

  for (const root of roots) add(root);
  return {
    add,
    folders: () => [...watchers.keys()],
    close() {
      closed = true;
      clearTimeout(timer);
      for (const { watcher } of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
