// Lint rules, including the dependency rules of DESIGN.md §3: cli -> generator; the generator
// imports neither node:fs nor the runtime; the runtime never imports cli or generator; all
// three may import src/common, which imports none of them; and each
// runtime folder value-imports only folders of lower layers (scripts/runtime-layers.mjs; type
// imports may point anywhere in the runtime). scripts/check-layers.mjs checks the same rules on
// the whole import graph, dynamic imports included, and finds cycles.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { forbiddenImports, RUNTIME_LAYERS } from './scripts/runtime-layers.mjs';

const NOT_CLI_OR_GENERATOR = {
  group: ['**/cli/**', '**/generator/**'],
  message: 'The runtime never imports the CLI or the generator (DESIGN.md §3).',
};

/** One block per runtime folder: the folders of its own and higher layers are refused. */
const runtimeLayerRules = RUNTIME_LAYERS.flat().map((folder) => ({
  files: folder === 'shortcuts' ? ['src/runtime/shortcuts.ts'] : [`src/runtime/${folder}/**`],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          NOT_CLI_OR_GENERATOR,
          ...(forbiddenImports(folder).length === 0
            ? []
            : [
                {
                  group: forbiddenImports(folder).map((other) =>
                    other === 'shortcuts' ? '**/shortcuts.js' : `**/${other}/**`,
                  ),
                  allowTypeImports: true,
                  message: `'${folder}' may value-import only lower layers of the runtime (scripts/runtime-layers.mjs, docs/architecture.md); a type-only import is allowed.`,
                },
              ]),
        ],
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '.dist-*/**',
      'packages/create-tango/lib/**',
      'node_modules/**',
      'coverage/**',
      'templates/**',
      'test/**/__snapshots__/**',
      '.tmp/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        performance: 'readonly',
        structuredClone: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        URLSearchParams: 'readonly',
        setImmediate: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/generator/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:fs', 'node:fs/*', 'fs', 'fs/*'],
              message: 'The generator is pure: no file system (DESIGN.md §3).',
            },
            {
              group: ['**/runtime/**', '**/cli/**'],
              message: 'The generator imports neither the runtime nor the CLI (DESIGN.md §3).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/common/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/runtime/**', '**/cli/**', '**/generator/**'],
              message:
                'src/common is imported by the CLI, the generator and the runtime, and imports none of them (docs/architecture.md, "Layers").',
            },
          ],
        },
      ],
    },
  },
  ...runtimeLayerRules,
  {
    files: ['src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/runtime/**'],
              message: 'The CLI goes through the generator, not the runtime (DESIGN.md §3).',
            },
          ],
        },
      ],
    },
  },
);
