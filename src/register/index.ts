/**
 * `tango/register`: runs a project's TypeScript on Node 20, where Node cannot strip types
 * itself. `node --import tango/register manage.ts check` is what a Node 20 project's npm
 * scripts run (Node 22.18+ and 24 run `node manage.ts check` with no loader at all).
 *
 * It does for `.ts` files what Node 22.18+ does natively, at a fraction of tsx's start-up: a
 * module hook (./hooks.ts) compiles each `.ts` module once with esbuild (the one tsx installs)
 * and keeps the JavaScript in a cache on disk, so later runs load the cached code without
 * starting esbuild; every other module goes to Node's own loader untouched. tsx, by contrast,
 * runs a second Node process (its CLI) and inspects every module of the graph; measured on a
 * generated project, `manage.ts help` started in ~0.15 s this way against ~0.4 s through tsx
 * (bench/startup.mjs, docs/benchmarks.md "Start-up").
 *
 * Where Node strips types itself it registers nothing.
 *
 * @example
 * // package.json of a Node 20 project
 * // "check": "node --import tango/register manage.ts check"
 */
import module from 'node:module';

const typescript = (process.features as { typescript?: unknown }).typescript;
if (typeof typescript !== 'string' || typescript === '') {
  // Stack traces name the .ts files and lines (the compiled code carries a source map).
  process.setSourceMapsEnabled(true);
  module.register('./hooks.js', import.meta.url);
}
