import { defineConfig } from 'vitest/config';
import { ROBUSTNESS_SUITE } from './test/robustness/suite.js';

// Three projects: fast unit/integration tests in parallel; slow end-to-end tests (npm install,
// real servers, Chromium) one file at a time so they do not fight over the 2 cores; and the
// robustness suite (test/robustness/suite.ts: fuzzing a live server, bit flips of signed
// values, frozen stores, interrupted scaffolding), one file at a time as well, because its
// timing bounds (store deadlines, request latency) need a core. Its files are excluded from
// `unit`, so `vitest run` runs every file exactly once.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/browser/**', '**/node_modules/**', ...ROBUSTNESS_SUITE],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'test/browser/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'robustness',
          include: ROBUSTNESS_SUITE,
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
