/**
 * conf/import-module.ts: the project's modules are imported through tango/register's resolver
 * when one is published (Node 20), else by their URL as they are.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { importModule } from '../../../src/runtime/conf/import-module.js';

const RESOLVER = Symbol.for('tango.register.resolve');
const registry = globalThis as { [RESOLVER]?: (specifier: string) => string };
const source = (value: string) =>
  `data:text/javascript,${encodeURIComponent(`export default ${JSON.stringify(value)};`)}`;

/** The default export of the module `importModule(url)` gives. */
async function defaultOf(url: string): Promise<unknown> {
  return ((await importModule(url)) as { default: unknown }).default;
}

afterEach(() => {
  registry[RESOLVER] = undefined;
});

describe('importModule', () => {
  it('imports the URL as it is when no resolver is published', async () => {
    expect(await defaultOf(source('as is'))).toBe('as is');
  });

  it("imports what tango/register's resolver names instead, asking with the module's URL", async () => {
    const asked: string[] = [];
    registry[RESOLVER] = (specifier) => {
      asked.push(specifier);
      return source('compiled copy');
    };
    const original = source('original');
    expect(await defaultOf(original)).toBe('compiled copy');
    expect(asked).toEqual([original]);
  });

  it('rejects (does not throw synchronously) when the resolver fails, e.g. on a syntax error', async () => {
    registry[RESOLVER] = () => {
      throw new SyntaxError('Transform failed with 1 error');
    };
    const pending = importModule('file:///nowhere/settings.ts');
    expect(pending).toBeInstanceOf(Promise);
    await expect(pending).rejects.toThrow('Transform failed');
  });
});
