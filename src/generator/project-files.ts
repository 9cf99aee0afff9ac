import type { JsonValue } from './json.js';
import prettierOptions from './prettier-options.json' with { type: 'json' };

/**
 * Versions a generated project pins for its dev tools: the ones this repository is built and
 * tested with (package.json devDependencies), so the project type-checks the same way. tsx is
 * there for every runner: Node 20 runs the project through it, and on newer Node
 * `manage.ts test` still starts node:test with `--import tsx`.
 */
export const PROJECT_DEV_DEPENDENCIES: Readonly<Record<string, string>> = {
  tsx: '4.20.6',
  typescript: '5.9.3',
  '@types/node': '20.19.25',
};

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
 * 22.18+, 24), else `tsx` (Node 20). The generated code is erasable-only TypeScript with
 * `.ts` import specifiers, so both run the same files unchanged.
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
 */
export const PROJECT_ALLOWED_SCRIPTS: Readonly<Record<string, boolean>> = {
  'better-sqlite3': true,
  esbuild: true,
};

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
 * The generated project's `package.json`: scripts wrapping `manage.ts` (run by `runner`), the
 * runtime as its one dependency (`tangoSpec`: `^<version>` from a registry, or the runtime
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
      start: `${runner} ${SERVER_NODE_FLAGS} manage.ts runserver`,
      migrate: `${runner} manage.ts migrate`,
      test: `${runner} manage.ts test`,
      check: `${runner} manage.ts check`,
      typecheck: 'tsc --noEmit',
    },
    engines: { node: PROJECT_NODE_ENGINES[runner] },
    dependencies: { tango: tangoSpec },
    devDependencies: { ...PROJECT_DEV_DEPENDENCIES },
    allowScripts: { ...PROJECT_ALLOWED_SCRIPTS },
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
