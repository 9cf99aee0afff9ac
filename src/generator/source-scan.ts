/**
 * Just enough of a JavaScript lexer to edit generated files safely: comments and the insides of
 * string and template literals are blanked out (same length, newlines kept), so a search or a
 * bracket count on the masked text only ever sees code. Regular-expression literals are not
 * recognised; settings and urlconf files rarely hold one, and a mismatch only makes an edit
 * give up (never corrupt a file).
 *
 * @example
 * maskSource("a('[') // ]"); // "a(' ')     "
 */
export function maskSource(source: string): string {
  const out: string[] = [];
  let i = 0;
  const blank = (ch: string) => (ch === '\n' ? '\n' : ' ');
  while (i < source.length) {
    const ch = source[i]!;
    const next = source[i + 1];
    if (ch === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') out.push(blank(source[i++]!));
    } else if (ch === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      while (i < stop) out.push(blank(source[i++]!));
    } else if (ch === "'" || ch === '"' || ch === '`') {
      out.push(ch);
      i++;
      while (i < source.length && source[i] !== ch) {
        if (ch !== '`' && source[i] === '\n') break; // unterminated string: stop at the line end
        if (source[i] === '\\' && i + 1 < source.length) {
          out.push(' ');
          i++;
        }
        out.push(blank(source[i++]!));
      }
      if (i < source.length && source[i] === ch) {
        out.push(ch);
        i++;
      }
    } else {
      out.push(ch);
      i++;
    }
  }
  return out.join('');
}

const PAIRS: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };

/**
 * The index of the bracket that closes the one at `open` in masked source, or -1 when the
 * brackets do not balance.
 *
 * @example
 * findClosing(maskSource('[a, [b]]'), 0); // 7
 */
export function findClosing(masked: string, open: number): number {
  const stack: string[] = [];
  for (let i = open; i < masked.length; i++) {
    const ch = masked[i]!;
    if (PAIRS[ch]) stack.push(PAIRS[ch]);
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (stack.pop() !== ch) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/**
 * Splits the masked inside of a bracket pair at its top-level commas; returns `[start, end)`
 * offsets into the inside (empty trailing segment dropped).
 *
 * @example
 * splitTopLevel("'a', f(b, c)"); // [[0, 3], [4, 12]]
 */
export function splitTopLevel(maskedInside: string): [number, number][] {
  const parts: [number, number][] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < maskedInside.length; i++) {
    const ch = maskedInside[i]!;
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push([start, i]);
      start = i + 1;
    }
  }
  if (maskedInside.slice(start).trim()) parts.push([start, maskedInside.length]);
  return parts;
}

/**
 * Where the line holding `index` starts.
 *
 * @example
 * lineStart('a\nbc', 3); // 2
 */
export function lineStart(source: string, index: number): number {
  return source.lastIndexOf('\n', index - 1) + 1;
}

/**
 * The leading whitespace of the line holding `index`.
 *
 * @example
 * indentAt('  x', 2); // '  '
 */
export function indentAt(source: string, index: number): string {
  const start = lineStart(source, index);
  return /^[ \t]*/.exec(source.slice(start))![0];
}
