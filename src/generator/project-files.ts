import type { JsonValue } from './json.js';
import prettierOptions from './prettier-options.json' with { type: 'json' };

/**
 * Versions a generated project pins for its dev tools: the ones this repository is built and
 * tested with (package.json devDependencies), so the project type-checks the same way.
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
 * The generated project's `package.json`: scripts wrapping `manage.ts`, the runtime as its one
 * dependency (`tangoSpec`: a `file:` path to a checkout by default, so nothing need be
 * published), and the tools that run TypeScript.
 *
 * @example
 * projectPackageJson('mysite', 'file:/src/tango').dependencies; // { tango: 'file:/src/tango' }
 */
export function projectPackageJson(name: string, tangoSpec: string) {
  return {
    name,
    private: true,
    type: 'module',
    scripts: {
      start: `tsx ${SERVER_NODE_FLAGS} manage.ts runserver`,
      migrate: 'tsx manage.ts migrate',
      test: 'tsx manage.ts test',
      check: 'tsx manage.ts check',
      typecheck: 'tsc --noEmit',
    },
    dependencies: { tango: tangoSpec },
    devDependencies: { ...PROJECT_DEV_DEPENDENCIES },
  } satisfies JsonValue;
}

/**
 * The generated project's `tsconfig.json`: strict, Node's ESM resolution (relative imports end
 * in `.js`), type-check only (`tsx` runs the sources; `npm run typecheck` checks them).
 *
 * @example
 * projectTsconfig().compilerOptions.strict; // true
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
