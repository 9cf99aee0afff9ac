/**
 * The robustness suite's own bookkeeping: every file it names exists (a renamed file would
 * otherwise drop out of the suite silently), and the `unit` project leaves them to
 * `robustness`, so `vitest run` runs each exactly once.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import config from '../../vitest.config.js';
import { ROBUSTNESS_FILES, ROBUSTNESS_SUITE } from './suite.js';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

interface ProjectConfig {
  test: { name: string; include?: string[]; exclude?: string[] };
}

const projects = (config as { test: { projects: ProjectConfig[] } }).test.projects;
const project = (name: string) => projects.find((p) => p.test.name === name)!.test;

describe('the robustness suite', () => {
  it.each(ROBUSTNESS_FILES)('%s exists', (file) => {
    expect(existsSync(path.join(ROOT, file)), `${file} is named in test/robustness/suite.ts`).toBe(
      true,
    );
  });

  it('is the robustness project, and the unit project excludes all of it', () => {
    expect(project('robustness').include).toEqual(ROBUSTNESS_SUITE);
    for (const entry of ROBUSTNESS_SUITE) expect(project('unit').exclude).toContain(entry);
  });
});
