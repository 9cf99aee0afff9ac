/**
 * The colour rule both command-line programs and the server share: a terminal gets colour,
 * a pipe none; NO_COLOR always wins; FORCE_COLOR forces it on (even through a pipe) or off.
 */
import { describe, expect, it } from 'vitest';
import { terminalStyle, type ColorTarget } from '../../src/common/terminal.js';
import { terminalStyle as serverStyle } from '../../src/runtime/server/terminal.js';

const tty = { isTTY: true, hasColors: () => true };
const pipe = { isTTY: false };

describe('terminalStyle', () => {
  it.each<[string, ColorTarget, Record<string, string>, boolean]>([
    ['a terminal', tty, {}, true],
    ['a pipe', pipe, {}, false],
    ['a terminal that cannot colour', { isTTY: true, hasColors: () => false }, {}, false],
    ['a terminal with NO_COLOR', tty, { NO_COLOR: '1' }, false],
    ['a pipe with FORCE_COLOR=1', pipe, { FORCE_COLOR: '1' }, true],
    ['a pipe with FORCE_COLOR=3', pipe, { FORCE_COLOR: '3' }, true],
    ['a pipe with FORCE_COLOR set empty', pipe, { FORCE_COLOR: '' }, true],
    ['a terminal with FORCE_COLOR=0', tty, { FORCE_COLOR: '0' }, false],
    ['a terminal with FORCE_COLOR=false', tty, { FORCE_COLOR: 'false' }, false],
    ['a pipe with FORCE_COLOR=1 and NO_COLOR=1', pipe, { FORCE_COLOR: '1', NO_COLOR: '1' }, false],
    ['a terminal with NO_COLOR empty (not set, per no-color.org)', tty, { NO_COLOR: '' }, true],
  ])('%s: coloured %s', (_, stream, env, coloured) => {
    const style = terminalStyle(stream, env);
    expect(style.enabled).toBe(coloured);
    expect(style.error('x')).toBe(coloured ? '\x1b[1m\x1b[31mx\x1b[39m\x1b[22m' : 'x');
    expect(style.warning('x')).toBe(coloured ? '\x1b[1m\x1b[33mx\x1b[39m\x1b[22m' : 'x');
  });

  it('is the one the development server uses', () => {
    expect(serverStyle).toBe(terminalStyle);
  });
});
