import prettierOptions from './prettier-options.json' with { type: 'json' };

/** A JSON value, as generated files hold them (package.json, tsconfig.json). */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

function isScalar(value: JsonValue): boolean {
  return value === null || typeof value !== 'object' || Object.keys(value).length === 0;
}

function print(value: JsonValue, indent: string, prefixWidth: number, suffixWidth: number): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    // Prettier's rule for JSON arrays: one line when it fits the print width, else one item a line.
    if (value.every(isScalar)) {
      const flat = '[' + value.map((item) => print(item, inner, 0, 0)).join(', ') + ']';
      if (prefixWidth + flat.length + suffixWidth <= prettierOptions.printWidth) return flat;
    }
    const items = value.map(
      (item, i) => inner + print(item, inner, inner.length, i < value.length - 1 ? 1 : 0),
    );
    return '[\n' + items.join(',\n') + '\n' + indent + ']';
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  // Objects stay expanded: prettier keeps an object broken when its first key starts a new line.
  const lines = entries.map(([key, item], i) => {
    const head = inner + JSON.stringify(key) + ': ';
    return head + print(item, inner, head.length, i < entries.length - 1 ? 1 : 0);
  });
  return '{\n' + lines.join(',\n') + '\n' + indent + '}';
}

/**
 * Serialises a JSON value exactly as prettier (with this repo's options) formats JSON, so a
 * generated `package.json` is prettier-clean without loading prettier. Style rule 9: JSON
 * files are built as objects, never rendered from text templates.
 *
 * @example
 * toJson({ name: 'mysite', types: ['node'] }); // '{\n  "name": "mysite",\n  "types": ["node"]\n}\n'
 */
export function toJson(value: JsonValue): string {
  return print(value, '', 0, 0) + '\n';
}
