import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The parts of this package's package.json the CLI reads. */
export interface PackageInfo {
  /** The directory holding package.json, templates/ and bin/. */
  root: string;
  version: string;
}

let cached: Promise<PackageInfo> | undefined;

/**
 * This package's root: the nearest directory above this module whose package.json is named
 * `tango`. The same walk works from `dist/cli/` (the built CLI) and `src/cli/` (tests via tsx).
 *
 * @example
 * const { root } = await packageInfo();
 * path.join(root, 'templates', 'project');
 */
export function packageInfo(): Promise<PackageInfo> {
  cached ??= (async () => {
    let dir = path.dirname(fileURLToPath(import.meta.url));
    for (;;) {
      try {
        const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (pkg.name === 'tango') return { root: dir, version: pkg.version ?? '0.0.0' };
      } catch {
        // No (readable) package.json here: keep walking up.
      }
      const parent = path.dirname(dir);
      if (parent === dir) throw new Error('tango-admin: cannot find the tango package root');
      dir = parent;
    }
  })();
  return cached;
}
