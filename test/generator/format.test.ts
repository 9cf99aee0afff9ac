import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { FormatError, PRETTIER_OPTIONS, formatTree, parserFor } from '../../src/generator/index.js';
import { REPO_ROOT } from './helpers.js';

describe('formatTree', () => {
  it('formats code, JSON and Markdown, and leaves Handlebars HTML and bytes alone', async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const tree = await formatTree(
      new Map<string, string | Uint8Array>([
        ['a.ts', 'export const a={b:"c"}'],
        ['b.json', '{"a":[1,2]}'],
        ['c.md', '# T\n\n* item'],
        ['d.html', '<p>{{#if x}}  {{x}}{{/if}}</p>'],
        ['e.bin', bytes],
      ]),
    );
    expect(tree.get('a.ts')).toBe("export const a = { b: 'c' };\n");
    expect(tree.get('b.json')).toBe('{ "a": [1, 2] }\n');
    expect(tree.get('c.md')).toBe('# T\n\n- item\n');
    expect(tree.get('d.html')).toBe('<p>{{#if x}}  {{x}}{{/if}}</p>');
    expect(tree.get('e.bin')).toBe(bytes);
  });

  it('throws a FormatError naming the file', async () => {
    await expect(formatTree(new Map([['x/y.ts', 'const = 1']]))).rejects.toBeInstanceOf(
      FormatError,
    );
    await expect(formatTree(new Map([['x/y.ts', 'const = 1']]))).rejects.toThrow(
      /^could not format x\/y\.ts: /,
    );
  });

  it.each([
    ['a/b.ts', 'typescript'],
    ['x.MJS', 'babel'],
    ['.prettierrc.json', 'json'],
    ['README.md', 'markdown'],
    ['home.html', undefined],
    ['Makefile', undefined],
    ['.gitignore', undefined],
  ])('parserFor(%j) is %j', (file, parser) => {
    expect(parserFor(file)).toBe(parser);
  });
});

describe('one prettier options constant', () => {
  it('is what prettier resolves for files of this repository (prettier.config.js)', async () => {
    const json = JSON.parse(
      await readFile(path.join(REPO_ROOT, 'src/generator/prettier-options.json'), 'utf8'),
    );
    expect(PRETTIER_OPTIONS).toEqual(json);
    const file = path.join(REPO_ROOT, 'src/cli/main.ts');
    expect(await prettier.resolveConfigFile(file)).toBe(path.join(REPO_ROOT, 'prettier.config.js'));
    expect(await prettier.resolveConfig(file, { editorconfig: false })).toEqual(json);
  });
});
