import { describe, expect, it } from 'vitest';
import { findClosing, maskSource, splitTopLevel } from '../../src/generator/source-scan.js';

describe('maskSource', () => {
  it.each([
    ["a('[') // ]", "a(' ')     "],
    ['x /* [ */ y', 'x         y'],
    ['"a\\"b" c', '"    " c'],
    ['`t ${x} [`;', '`        `;'],
    ["'open\nnext", "'    \nnext"],
    ['/* a\nb */c', '    \n    c'],
  ])('%j -> %j', (source, masked) => {
    expect(maskSource(source)).toBe(masked);
    expect(maskSource(source)).toHaveLength(source.length);
  });
});

describe('findClosing and splitTopLevel', () => {
  it('matches nested brackets and ignores brackets in strings', () => {
    const source = "[a, f(b, ']'), [c]]";
    expect(findClosing(maskSource(source), 0)).toBe(source.length - 1);
    expect(findClosing(maskSource('[a, (b]'), 0)).toBe(-1);
    expect(findClosing(maskSource('[a'), 0)).toBe(-1);
  });

  it('splits at top-level commas only', () => {
    expect(splitTopLevel("'a', f(b, c), [d, e],")).toEqual([
      [0, 3],
      [4, 12],
      [13, 20],
    ]);
  });
});
