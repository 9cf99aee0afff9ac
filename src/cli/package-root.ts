import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package names the CLI runs from: the runtime with `tango-admin`, or the npm starter. */
const PACKAGES = ['tango', 'create-tango'] as const;

/** Where the running CLI comes from, and what it needs from there. */
export interface PackageInfo {
  /** The directory holding the running package's package.json. */
  root: string;
  /** `tango` (bin/tango-admin.js) or `create-tango` (`npm create tango`, a copy of the CLI). */
  name: (typeof PACKAGES)[number];
  /** The package's version; create-tango's is always the runtime's (a test checks). */
  version: string;
  /** The template trees: `templates/` of tango, `lib/templates/` of create-tango. */
  templates: string;
  /**
   * The source checkout of this repository the CLI runs from, if it does (a folder with
   * `src/` and `package.json` named `tango`, not inside `node_modules`); `undefined` when it
   * runs from an installed package (the registry, a tarball, `npx`).
   */
  checkout?: string;
}

let cached: Promise<PackageInfo> | undefined;

/** A tango source checkout: package.json named tango next to src/ (not an installed copy). */
async function isCheckout(dir: string): Promise<boolean> {
  if (dir.split(path.sep).includes('node_modules')) return false;
  if (!existsSync(path.join(dir, 'src', 'cli'))) return false;
  try {
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as {
      name?: string;
    };
    return pkg.name === 'tango';
  } catch {
    return false;
  }
}

/**
 * The package the CLI runs from: the nearest directory above this module whose package.json
 * is named `tango` or `create-tango`. The same walk works from `dist/cli/` (the built CLI),
 * `src/cli/` (tests via tsx) and create-tango's `lib/cli/`. create-tango inside a checkout
 * (`packages/create-tango`, this repository's workspace) counts as run from that checkout.
 *
 * @example
 * const { templates } = await packageInfo();
 * path.join(templates, 'project');
 */
export function packageInfo(): Promise<PackageInfo> {
  cached ??= (async () => {
    let dir = path.dirname(fileURLToPath(import.meta.url));
    for (;;) {
      let pkg: { name?: string; version?: string } | undefined;
      try {
        pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as typeof pkg;
      } catch {
        // No (readable) package.json here: keep walking up.
      }
      const name = PACKAGES.find((p) => p === pkg?.name);
      if (name) {
        const info: PackageInfo = {
          root: dir,
          name,
          version: pkg?.version ?? '0.0.0',
          templates: path.join(dir, ...(name === 'tango' ? [] : ['lib']), 'templates'),
        };
        const checkout = name === 'tango' ? dir : path.dirname(path.dirname(dir));
        if (await isCheckout(checkout)) info.checkout = checkout;
        return info;
      }
      const parent = path.dirname(dir);
      if (parent === dir) throw new Error('tango-admin: cannot find the tango package root');
      dir = parent;
    }
  })();
  return cached;
}
