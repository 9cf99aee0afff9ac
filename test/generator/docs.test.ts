/** docs/generator.md documents the whole public API of `tango/generator`. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers.js';

/** Every name `src/generator/index.ts` exports, values and types. */
async function exportedNames(): Promise<string[]> {
  const index = await readFile(path.join(REPO_ROOT, 'src/generator/index.ts'), 'utf8');
  const names: string[] = [];
  for (const m of index.matchAll(/^export (?:type )?\{([^}]*)\}/gm)) {
    names.push(
      ...m[1]!
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    );
  }
  return names;
}

describe('docs/generator.md', () => {
  it('names every export of tango/generator', async () => {
    const doc = await readFile(path.join(REPO_ROOT, 'docs/generator.md'), 'utf8');
    const names = await exportedNames();
    expect(names.length).toBeGreaterThan(40);
    expect(names).toContain('readTemplateTree');
    expect(names).toContain('PlanJson');
    // Written as code: `name` or `name(...)`.
    const missing = names.filter(
      (name) => !doc.includes('`' + name + '`') && !doc.includes('`' + name + '('),
    );
    expect(missing, 'exports docs/generator.md does not mention').toEqual([]);
  });
});
