/**
 * The robustness suite (hardening item 11): the files of the vitest project `robustness`.
 * vitest.config.ts includes them there and excludes them from `unit`, so `npm test` runs each
 * exactly once; `npx vitest run --project robustness` runs the suite alone.
 *
 * The fuzz files live in test/robustness/; the failure tests written for hardening items 2
 * and 3 stay beside the code they test and are named here.
 */

/** The new fuzz tests. */
export const ROBUSTNESS_FUZZ = ['test/robustness/**/*.test.ts'];

/**
 * Existing files that belong to the suite: item 2, stores that stop answering (SIGSTOP), and
 * item 3, scaffolding that fails or is killed half-way.
 */
export const ROBUSTNESS_FILES = [
  'test/runtime/cache/redis-deadline.test.ts',
  'test/runtime/db/postgres-deadline.test.ts',
  'test/runtime/store-deadlines.test.ts',
  'test/cli/all-or-nothing.test.ts',
  'test/cli/interrupted.test.ts',
];

/** Everything the `robustness` project runs. */
export const ROBUSTNESS_SUITE = [...ROBUSTNESS_FUZZ, ...ROBUSTNESS_FILES];
