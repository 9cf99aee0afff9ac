import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import {
  PRETTIER_OPTIONS,
  projectPackageJson,
  projectTsconfig,
  toJson,
  type JsonValue,
} from '../../src/generator/index.js';

const cases: [string, JsonValue][] = [
  ['package.json', projectPackageJson('mysite', 'file:../tango')],
  ['tsconfig.json', projectTsconfig()],
  ['empty containers', { a: {}, b: [], c: [{}], d: [[]] }],
  ['scalars', { s: 'x"y\\z\n', n: -1.5, t: true, f: false, z: null }],
  ['short array inline', { types: ['node', 'vitest'] }],
  [
    'long array broken',
    { files: Array.from({ length: 12 }, (_, i) => `some/long/path/number-${i}.ts`) },
  ],
  ['array that just fits', { k: ['x'.repeat(89)] }],
  ['array one over', { k: ['x'.repeat(90)] }],
  ['objects in arrays', { list: [{ a: 1 }, { b: [1, 2] }] }],
  ['nested', { a: { b: { c: [1, 2, 3] } } }],
  ['top-level array', [1, 'two', null]],
];

describe('toJson', () => {
  it.each(cases)('%s is exactly what prettier prints', async (_, value) => {
    const text = toJson(value);
    expect(JSON.parse(text)).toEqual(value);
    expect(await prettier.format(text, { ...PRETTIER_OPTIONS, parser: 'json' })).toBe(text);
  });
});
