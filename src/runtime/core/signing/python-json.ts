/**
 * Python's `json.dumps(obj, separators=(',', ':'))` and `json.loads`, as Django's
 * `JSONSerializer` uses them: the exact bytes Django signs, so signatures match.
 */
// eslint-disable-next-line no-control-regex -- JSON must escape control characters
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\u007f-\uffff]/;
const SHORT_ESCAPES: Record<number, string> = {
  0x22: '\\"',
  0x5c: '\\\\',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
  0x08: '\\b',
  0x0c: '\\f',
};

/** Python's `py_encode_basestring_ascii`: everything outside `' '..'~'` becomes an escape. */
function quoteJsonString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    // Astral characters are already UTF-16 surrogate pairs here: each half is escaped on its
    // own, which is exactly Python's `\ud83d\ude00`.
    out += s.slice(last, i) + (SHORT_ESCAPES[c] ?? '\\u' + c.toString(16).padStart(4, '0'));
    last = i + 1;
  }
  return out + s.slice(last) + '"';
}

/**
 * Python's `float.__repr__`/`int.__str__` for a JavaScript number. Integer-valued numbers
 * print as Python ints (what they almost always were on the Django side); other finite
 * numbers agree with JavaScript except below 1e-4, where Python switches to `1e-05` form.
 */
function formatJsonNumber(n: number): string {
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Math.abs(n) >= 1e-4) return String(n);
  const [mantissa, exponent = '0'] = n.toExponential().split('e');
  const e = Number(exponent);
  return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

function jsonKey(key: unknown): string {
  // Python's json.dumps converts these dict key types to strings; anything else is a TypeError.
  if (typeof key === 'string') return key;
  if (typeof key === 'number') return formatJsonNumber(key);
  if (typeof key === 'bigint') return key.toString();
  if (typeof key === 'boolean') return key ? 'true' : 'false';
  if (key === null) return 'null';
  throw new TypeError(`keys must be str, int, float, bool or None, not ${typeof key}`);
}

function serializeJson(value: unknown, key: string, stack: unknown[]): string | undefined {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    value = (value as { toJSON(key: string): unknown }).toJSON(key);
  }
  switch (typeof value) {
    case 'string':
      return quoteJsonString(value);
    case 'number':
      return formatJsonNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  if (stack.includes(value)) throw new TypeError('Circular reference detected');
  stack.push(value);
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      out += serializeJson(value[i], String(i), stack) ?? 'null';
    }
    out += ']';
  } else if (value instanceof Map) {
    out = '{';
    let first = true;
    for (const [k, v] of value) {
      const name = jsonKey(k);
      const item = serializeJson(v, name, stack);
      if (item === undefined) continue;
      out += (first ? '' : ',') + quoteJsonString(name) + ':' + item;
      first = false;
    }
    out += '}';
  } else if (value instanceof Set) {
    throw new TypeError('Object of type Set is not JSON serializable');
  } else {
    out = '{';
    let first = true;
    for (const name of Object.keys(value as object)) {
      const item = serializeJson((value as Record<string, unknown>)[name], name, stack);
      if (item === undefined) continue;
      out += (first ? '' : ',') + quoteJsonString(name) + ':' + item;
      first = false;
    }
    out += '}';
  }
  stack.pop();
  return out;
}

/**
 * Python's `json.dumps(value, separators=(',', ':'))` with its default `ensure_ascii=True`:
 * the exact bytes Django's `JSONSerializer` signs. Unlike `JSON.stringify`, non-ASCII and DEL
 * become `\uXXXX` (lower-case hex, astral characters as surrogate pairs), floats below 1e-4
 * use Python's exponent form, and NaN/Infinity are written as Python writes them.
 * `toJSON()` is honoured and `undefined` is skipped as in `JSON.stringify`; a `Map` keeps its
 * insertion order (a plain object puts integer-like keys first, a JavaScript rule).
 *
 * @example
 * pythonJsonDumps({ name: 'Zoë', n: [1, 2.5] }); // '{"name":"Zo\\u00eb","n":[1,2.5]}'
 */
export function pythonJsonDumps(value: unknown): string {
  const out = serializeJson(value, '', []);
  if (out === undefined)
    throw new TypeError(`Object of type ${typeof value} is not JSON serializable`);
  return out;
}

/** Options of `pythonJsonLoads`. */
export interface PythonJsonLoadsOptions {
  /**
   * Return a top-level JSON object as a `Map` whose entries are in the text's order, as
   * Python's `dict` keeps them. A plain object cannot: JavaScript lists integer-like keys
   * (`"1"`, `"20"`) first, so `{"zz":1,"1":2}` would iterate as `1, zz`. Nested objects stay
   * plain objects. Default false. `pythonJsonDumps` writes a `Map` back in the same order.
   */
  ordered?: boolean;
}

/**
 * Python's `json.loads`: standard JSON plus the `NaN`, `Infinity` and `-Infinity` literals
 * Python writes. Throws `SyntaxError` on malformed input. With `ordered`, a top-level object
 * comes back as a `Map` in the text's key order (a repeated key keeps its first position and
 * its last value, as in Python and `JSON.parse`).
 *
 * @example
 * pythonJsonLoads('{"a":NaN}'); // { a: NaN }
 * pythonJsonLoads('{"zz":1,"1":2}', { ordered: true }); // Map { 'zz' => 1, '1' => 2 }
 */
export function pythonJsonLoads(text: string, options: PythonJsonLoadsOptions = {}): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    // Only Python's non-standard literals justify the slow path.
    if (!/NaN|Infinity/.test(text)) throw error;
    return new PythonJsonParser(text, options.ordered ?? false).parseDocument();
  }
  if (!options.ordered || typeof value !== 'object' || value === null || Array.isArray(value))
    return value;
  const entries = Object.entries(value);
  // Without integer-like keys a plain object already keeps the text's order.
  if (!entries.some(([key]) => INTEGER_LIKE.test(key))) return new Map(entries);
  return new PythonJsonParser(text, true).parseDocument();
}

/** Keys JavaScript may move to the front of an object (array indices); a superset is fine. */
const INTEGER_LIKE = /^\d+$/;

/** A small recursive-descent JSON parser that also accepts NaN/Infinity (slow path only). */
class PythonJsonParser {
  #i = 0;
  /** How many arrays and objects enclose the current position. */
  #depth = 0;
  /** `ordered`: the top-level object becomes a `Map` in the text's order. */
  constructor(
    readonly text: string,
    readonly ordered = false,
  ) {}

  parseDocument(): unknown {
    const value = this.#value();
    this.#ws();
    if (this.#i !== this.text.length) this.#fail();
    return value;
  }

  #fail(): never {
    throw new SyntaxError(`Invalid JSON at position ${this.#i}`);
  }

  #ws(): void {
    const t = this.text;
    while (this.#i < t.length && ' \t\n\r'.includes(t[this.#i]!)) this.#i++;
  }

  #literal(word: string, value: unknown): unknown {
    if (!this.text.startsWith(word, this.#i)) this.#fail();
    this.#i += word.length;
    return value;
  }

  #value(): unknown {
    this.#ws();
    const c = this.text[this.#i];
    switch (c) {
      case '{':
        return this.#object();
      case '[':
        return this.#array();
      case '"':
        return this.#string();
      case 't':
        return this.#literal('true', true);
      case 'f':
        return this.#literal('false', false);
      case 'n':
        return this.#literal('null', null);
      case 'N':
        return this.#literal('NaN', NaN);
      case 'I':
        return this.#literal('Infinity', Infinity);
      default:
        if (c === '-' && this.text.startsWith('-Infinity', this.#i))
          return this.#literal('-Infinity', -Infinity);
        return this.#number();
    }
  }

  #number(): number {
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.#i;
    const match = m.exec(this.text);
    if (!match) this.#fail();
    this.#i += match[0].length;
    return Number(match[0]);
  }

  #string(): string {
    // eslint-disable-next-line no-control-regex -- JSON strings exclude raw control characters
    const m = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
    m.lastIndex = this.#i;
    const match = m.exec(this.text);
    if (!match) this.#fail();
    this.#i += match[0].length;
    return JSON.parse(match[0]) as string;
  }

  #array(): unknown[] {
    this.#i++;
    const out: unknown[] = [];
    this.#ws();
    if (this.text[this.#i] === ']') {
      this.#i++;
      return out;
    }
    this.#depth++;
    for (;;) {
      out.push(this.#value());
      this.#ws();
      const c = this.text[this.#i++];
      if (c === ']') {
        this.#depth--;
        return out;
      }
      if (c !== ',') this.#fail();
    }
  }

  #object(): Record<string, unknown> | Map<string, unknown> {
    this.#i++;
    const asMap = this.ordered && this.#depth === 0;
    const map = new Map<string, unknown>();
    const out: Record<string, unknown> = {};
    this.#depth++;
    this.#ws();
    if (this.text[this.#i] === '}') {
      this.#i++;
      this.#depth--;
      return asMap ? map : out;
    }
    for (;;) {
      this.#ws();
      if (this.text[this.#i] !== '"') this.#fail();
      const key = this.#string();
      this.#ws();
      if (this.text[this.#i++] !== ':') this.#fail();
      const value = this.#value();
      if (asMap) {
        map.set(key, value);
      } else {
        // defineProperty, so that a "__proto__" key is data, as with JSON.parse.
        Object.defineProperty(out, key, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      this.#ws();
      const c = this.text[this.#i++];
      if (c === '}') {
        this.#depth--;
        return asMap ? map : out;
      }
      if (c !== ',') this.#fail();
    }
  }
}
