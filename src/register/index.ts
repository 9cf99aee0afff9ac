/**
 * `tango/register`: runs a project's TypeScript on Node 20, where Node cannot strip types
 * itself. `node --import tango/register manage.ts check` is what a Node 20 project's npm
 * scripts run (Node 22.18+ and 24 run `node manage.ts check` with no loader at all).
 *
 * When the program is a `.ts` file (`manage.ts`), it compiles that file and the `.ts` modules
 * it imports into compiled copies in the project's `node_modules/.cache/tango-register/`
 * (./mirror.ts; a file is compiled again only when it changed, with the esbuild tsx
 * installs), runs the program from its copy here on the main thread, and lets Node's own
 * loader do the rest. The runtime imports the project's modules (settings, apps, urls,
 * migrations) through the resolver this module publishes (`RESOLVER`), so they come from the
 * copies too. Node then never loads the `.ts` program itself: this module waits for ever
 * once the program has run, and Node exits when the program's work is done, with its exit
 * code (0 unless it set one).
 *
 * Why not module hooks alone: Node 20 runs hooks on a separate thread and sends every
 * module of the program there and back, ~0.1 s for `manage.ts check` (its ~180 modules),
 * half of what the command costs (bench/startup.mjs, docs/benchmarks.md "Start-up"). The hooks
 * (./hooks.ts) remain for what the in-thread path does not cover: a program that is not a
 * `.ts` file (`node --import tango/register -e ...`), another `--import` or `--loader` beside
 * this one (it would wait behind this module), or no writable node_modules above the program.
 *
 * Where Node strips types itself it does nothing.
 *
 * @example
 * // package.json of a Node 20 project
 * // "check": "node --import tango/register manage.ts check"
 */
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { isTypeScript, Mirror, RESOLVER } from './mirror.js';

/** The number of `--import` and `--loader` options Node was started with. */
function loaderOptions(): number {
  const words = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  return words.filter((word) => /^--(import|loader|experimental-loader)(=|$)/.test(word)).length;
}

/**
 * The mirror for the program `entry` (`node_modules/.cache/tango-register` of the nearest
 * folder above it with a node_modules folder), or undefined when the hooks must do the work.
 */
function mirrorFor(entry: string | undefined): Mirror | undefined {
  if (!entry || !isTypeScript(entry) || loaderOptions() > 1) return undefined;
  for (let dir = path.dirname(entry); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules'))) {
      const cache = path.join(dir, 'node_modules', '.cache', 'tango-register');
      try {
        mkdirSync(cache, { recursive: true });
        accessSync(cache, constants.W_OK);
      } catch {
        return undefined;
      }
      return new Mirror(cache);
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

const typescript = (process.features as { typescript?: unknown }).typescript;
if (typeof typescript !== 'string' || typescript === '') {
  // Stack traces name the .ts files and lines (the compiled code carries a source map).
  process.setSourceMapsEnabled(true);
  const mirror = mirrorFor(process.argv[1]);
  if (mirror) {
    (globalThis as { [RESOLVER]?: unknown })[RESOLVER] = (
      specifier: string | URL,
      parent?: string,
    ) => mirror.resolve(specifier, parent);
    await import(mirror.prepare(process.argv[1]!));
    process.exitCode ??= 0;
    await new Promise<never>(() => {});
  } else {
    module.register('./hooks.js', import.meta.url);
  }
}
