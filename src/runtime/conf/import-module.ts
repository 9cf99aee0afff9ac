/**
 * Imports one of the project's modules (its settings, an app, the URLconf, a migration) by
 * file URL.
 *
 * A Node 20 project runs through `tango/register` (src/register), which compiles `.ts` modules
 * into copies Node 20 can load and publishes a resolver under
 * `Symbol.for('tango.register.resolve')`: the project's modules are imported from those
 * copies, the same instances the project's own imports get. Elsewhere (Node 22.18+ stripping
 * types itself, a `manage.ts build` output, vitest) the URL is imported as it is.
 *
 * @example
 * const settings = await importModule(pathToFileURL('/srv/mysite/mysite/settings.ts').href);
 */
export async function importModule(url: string): Promise<unknown> {
  const resolve = (globalThis as { [RESOLVER]?: (specifier: string) => string })[RESOLVER];
  return import(resolve ? resolve(url) : url);
}

const RESOLVER = Symbol.for('tango.register.resolve');
