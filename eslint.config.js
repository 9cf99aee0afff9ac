// Lint rules, including the dependency rules of DESIGN.md §3:
// cli -> generator; generator imports neither node:fs nor the runtime; the runtime never
// imports cli or generator; core runtime modules never import sessions (types only).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const runtimeCore = [
  'src/runtime/conf/**',
  'src/runtime/http/**',
  'src/runtime/urls/**',
  'src/runtime/template/**',
  'src/runtime/middleware/**',
  'src/runtime/core/**',
  'src/runtime/cache/**',
  'src/runtime/db/**',
  'src/runtime/server/**',
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
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
    files: ['src/runtime/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/cli/**', '**/generator/**'],
              message: 'The runtime never imports the CLI or the generator (DESIGN.md §3).',
            },
          ],
        },
      ],
    },
  },
  {
    files: runtimeCore,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/cli/**', '**/generator/**'],
              message: 'The runtime never imports the CLI or the generator (DESIGN.md §3).',
            },
            {
              group: ['**/sessions/**'],
              allowTypeImports: true,
              message:
                'Core runtime modules never import sessions, as Django core never imports contrib (DESIGN.md §3).',
            },
          ],
        },
      ],
    },
  },
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
