/**
 * The generator's in-memory file system: a `Map` from a POSIX relative path to the file's
 * content. Text is a `string`; anything copied byte for byte stays a `Uint8Array`. The CLI reads
 * a template directory into one of these and writes the generated one to disk (Nx's `Tree` +
 * `flushChanges`: a pure core with the effects at the edge).
 *
 * @example
 * const tree: FileTree = new Map([['manage.ts.hbs', '#!/usr/bin/env -S npx tsx\n']]);
 */
export type FileTree = Map<string, string | Uint8Array>;

const decoder = new TextDecoder('utf-8', { fatal: false });
const encoder = new TextEncoder();

/**
 * The content of a tree entry as text (UTF-8 for bytes).
 *
 * @example
 * textOf(new TextEncoder().encode('hi')); // 'hi'
 */
export function textOf(content: string | Uint8Array): string {
  return typeof content === 'string' ? content : decoder.decode(content);
}

/**
 * The size of a tree entry in bytes, as it will be on disk (UTF-8 for text).
 *
 * @example
 * byteLength('é'); // 2
 */
export function byteLength(content: string | Uint8Array): number {
  return typeof content === 'string' ? encoder.encode(content).byteLength : content.byteLength;
}

/**
 * A copy of `tree` with its entries in path order, so output is deterministic whatever order
 * the template directory was read in.
 *
 * @example
 * [...sortTree(new Map([['b', ''], ['a', '']])).keys()]; // ['a', 'b']
 */
export function sortTree(tree: FileTree): FileTree {
  return new Map([...tree].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
