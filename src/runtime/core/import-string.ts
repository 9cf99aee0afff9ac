import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ImproperlyConfigured } from '../conf/errors.js';
import { importModule } from '../conf/import-module.js';

/** This package's runtime root (dist/runtime or src/runtime), for `tango.*` dotted paths. */
const RUNTIME_ROOT = new URL('../', import.meta.url);
const EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/**
 * `./app/mw.ts` in a project compiled by `manage.ts build` (Node 20): the `.js` file the build
 * wrote in its place, when the `.ts` file is not there. Settings name modules by their source.
 */
function compiledCounterpart(file: string): string {
  const match = /\.([cm]?)ts$/.exec(file);
  if (!match || existsSync(file)) return file;
  const compiled = file.slice(0, -match[0].length) + `.${match[1]}js`;
  return existsSync(compiled) ? compiled : file;
}

/**
 * Resolves a dotted path to an export, like Django's `import_string`:
 * `'tango.sessions.middleware.SessionMiddleware'` imports the runtime module
 * `sessions/middleware` and returns its `SessionMiddleware` export; `'./app/mw.ts#timing'`
 * imports a project module relative to `baseDir`. The error names the entry and `setting`.
 *
 * @example
 * const factory = await importString('tango.middleware.common.CommonMiddleware', 'MIDDLEWARE', baseDir);
 */
export async function importString(
  dotted: string,
  setting: string,
  baseDir: string,
): Promise<unknown> {
  let url: string;
  let exportName: string;
  if (dotted.startsWith('tango.')) {
    const parts = dotted.split('.').slice(1);
    exportName = parts.pop() ?? '';
    if (parts.length === 0 || !parts.every((p) => /^[a-z_][a-z0-9_]*$/.test(p))) {
      throw new ImproperlyConfigured(`${setting} entry '${dotted}' is not a valid dotted path.`);
    }
    url = new URL(parts.join('/') + EXTENSION, RUNTIME_ROOT).href;
  } else if (dotted.startsWith('./') && dotted.includes('#')) {
    const [file, name] = dotted.split('#') as [string, string];
    url = pathToFileURL(compiledCounterpart(path.resolve(baseDir, file))).href;
    exportName = name;
  } else {
    throw new ImproperlyConfigured(
      `${setting} entry '${dotted}' does not resolve: use a built-in 'tango.…' path or './module.ts#export'.`,
    );
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await importModule(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new ImproperlyConfigured(
        `${setting} entry '${dotted}' does not resolve: no such module.`,
      );
    }
    throw error;
  }
  if (!(exportName in mod)) {
    throw new ImproperlyConfigured(
      `${setting} entry '${dotted}' does not resolve: the module has no export '${exportName}'.`,
    );
  }
  return mod[exportName];
}
