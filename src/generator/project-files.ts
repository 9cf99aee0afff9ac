import type { JsonValue } from './json.js';
import prettierOptions from './prettier-options.json' with { type: 'json' };

/**
 * Versions a generated project pins for its dev tools: the ones this repository is built and
 * tested with (package.json devDependencies), so the project type-checks the same way. tsx is
 * there only for the `tsx` runner (Node 20 runs the project through it); where Node strips
 * types itself, every script, `manage.ts test` included, runs with plain `node`
 * (`projectDevDependencies`).
 */
export const PROJECT_DEV_DEPENDENCIES: Readonly<Record<string, string>> = {
  tsx: '4.20.6',
  typescript: '5.9.3',
  '@types/node': '20.19.25',
};

/**
 * The dev tools of a project run by `runner`: `PROJECT_DEV_DEPENDENCIES`, without tsx for a
 * `node` project.
 *
 * @example
 * Object.keys(projectDevDependencies('node')); // ['typescript', '@types/node']
 */
export function projectDevDependencies(runner: TypeScriptRunner): Record<string, string> {
  const { tsx, ...others } = PROJECT_DEV_DEPENDENCIES;
  return runner === 'tsx' ? { tsx: tsx!, ...others } : others;
}

/**
 * Node flags of the server (`npm start`): a 32 MiB young-generation semi-space instead of
 * Node's 16. A request allocates short-lived objects (the page, headers, session data); with
 * room for more of them, fewer survive a scavenge only because they were still in flight.
 * Measured on the tutorial's session pages: 20-35 % less CPU per request (docs/benchmarks.md),
 * for up to ~32 MiB more memory under load.
 */
export const SERVER_NODE_FLAGS = '--max-semi-space-size=32';

/**
 * What runs the project's TypeScript: `node` itself where it strips types by default (Node
 * 22.18+, 24), else `tsx` (Node 20: the npm scripts preload `tango/register`, which compiles
 * with tsx's esbuild, and `npx tsx manage.ts` works by hand). The generated code is
 * erasable-only TypeScript with `.ts` import specifiers, so both run the same files unchanged.
 */
export type TypeScriptRunner = 'node' | 'tsx';

/** The Node versions a project supports, by runner (a `node` project needs type stripping). */
export const PROJECT_NODE_ENGINES: Readonly<Record<TypeScriptRunner, string>> = {
  node: '^22.18.0 || >=24.0.0',
  tsx: '^20.19.0 || ^22.12.0 || >=24.0.0',
};

/**
 * Dependencies whose install scripts the project approves (npm's `allowScripts`; npm 11 runs
 * unapproved ones too, but ends every install with a warning that lists them):
 * better-sqlite3 downloads or compiles its native addon, esbuild (under tsx) checks its
 * binary. The runtime itself has none (its copy in `vendor/` is packed without `prepare`).
 * A `node` project has no tsx, so no esbuild (`projectAllowedScripts`).
 */
export const PROJECT_ALLOWED_SCRIPTS: Readonly<Record<string, boolean>> = {
  'better-sqlite3': true,
  esbuild: true,
};

/**
 * The install scripts a project run by `runner` approves: esbuild's only with tsx.
 *
 * @example
 * projectAllowedScripts('node'); // { 'better-sqlite3': true }
 */
export function projectAllowedScripts(runner: TypeScriptRunner): Record<string, boolean> {
  const { esbuild, ...others } = PROJECT_ALLOWED_SCRIPTS;
  return runner === 'tsx' ? { ...others, esbuild: esbuild! } : others;
}

/**
 * The module a Node 20 project's npm scripts preload (`node --import tango/register`): the
 * runtime's TypeScript loader, which compiles each `.ts` file once into the project's
 * node_modules/.cache and runs the program on the main thread, far quicker to start than the
 * tsx CLI (src/register/index.ts).
 */
export const NODE20_LOADER = 'tango/register';

/**
 * How the npm scripts start `manage.ts`: plain `node` where Node strips types itself, `node
 * --import tango/register` on Node 20 (`NODE20_LOADER`), with node `flags` before the script.
 *
 * @example
 * manageScript('tsx'); // 'node --import tango/register manage.ts'
 * manageScript('node', SERVER_NODE_FLAGS); // 'node --max-semi-space-size=32 manage.ts'
 */
export function manageScript(runner: TypeScriptRunner, flags?: string): string {
  const loader = runner === 'tsx' ? `--import ${NODE20_LOADER}` : undefined;
  return ['node', flags, loader, 'manage.ts'].filter(Boolean).join(' ');
}

/**
 * The command that runs `manage.ts` by hand (`node manage.ts migrate`, `npx tsx manage.ts
 * migrate`), for the generated README and the CLI's next steps.
 *
 * @example
 * manageCommand('node'); // 'node manage.ts'
 */
export function manageCommand(runner: TypeScriptRunner): string {
  return runner === 'node' ? 'node manage.ts' : 'npx tsx manage.ts';
}

/**
 * The production scripts: `build` compiles the project into `build/` (`manage.ts build`);
 * `serve` runs the production server (`manage.ts serve`) with plain `node` and the server's
 * node flags: from the sources where Node strips types itself, from `build/` on Node 20, so no
 * compiler (tsx, esbuild) runs in the serving process. `npm run serve -- 127.0.0.1:8000` takes
 * runserver's address argument.
 *
 * @example
 * productionScripts('tsx').serve; // 'node --max-semi-space-size=32 build/manage.js serve'
 */
export function productionScripts(runner: TypeScriptRunner): { build: string; serve: string } {
  return {
    build: `${manageScript(runner)} build`,
    serve: `node ${SERVER_NODE_FLAGS} ${runner === 'node' ? 'manage.ts' : 'build/manage.js'} serve`,
  };
}

/**
 * The generated project's `package.json`: scripts wrapping `manage.ts` (run by `runner`; the
 * production `build` and `serve` of `productionScripts`), the runtime as its one dependency (`tangoSpec`: `^<version>` from a registry, or the runtime
 * packed into `vendor/` when generated from a checkout), the tools that type-check
 * TypeScript, the Node versions it runs on and the install scripts it approves.
 *
 * @example
 * projectPackageJson('mysite', '^0.1.0', 'node').scripts.migrate; // 'node manage.ts migrate'
 */
export function projectPackageJson(
  name: string,
  tangoSpec: string,
  runner: TypeScriptRunner = 'tsx',
) {
  return {
    name,
    private: true,
    type: 'module',
    scripts: {
      start: `${manageScript(runner, SERVER_NODE_FLAGS)} runserver`,
      migrate: `${manageScript(runner)} migrate`,
      test: `${manageScript(runner)} test`,
      check: `${manageScript(runner)} check`,
      typecheck: 'tsc --noEmit',
      ...productionScripts(runner),
    },
    engines: { node: PROJECT_NODE_ENGINES[runner] },
    dependencies: { tango: tangoSpec },
    devDependencies: projectDevDependencies(runner),
    allowScripts: projectAllowedScripts(runner),
  } satisfies JsonValue;
}

/**
 * The generated project's `tsconfig.json`: strict, Node's ESM resolution, type-check only
 * (`node` or `tsx` runs the sources; `npm run typecheck` checks them). Only erasable syntax
 * (`erasableSyntaxOnly`: no enums, namespaces or parameter properties), and relative imports
 * name the `.ts` file (`allowImportingTsExtensions`), which is what lets Node run the files
 * without a compiler.
 *
 * @example
 * projectTsconfig().compilerOptions.erasableSyntaxOnly; // true
 */
export function projectTsconfig() {
  return {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      isolatedModules: true,
      verbatimModuleSyntax: true,
      erasableSyntaxOnly: true,
      allowImportingTsExtensions: true,
      types: ['node'],
      noEmit: true,
      skipLibCheck: true,
    },
    exclude: ['node_modules'],
  } satisfies JsonValue;
}

/**
 * The generated project's `.prettierrc.json`: the one options constant this repository
 * formats with, so `npx prettier --write .` in a project keeps the generated style.
 *
 * @example
 * projectPrettierrc().singleQuote; // true
 */
export function projectPrettierrc(): JsonValue {
  return { ...prettierOptions };
}
