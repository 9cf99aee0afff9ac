import { ImproperlyConfigured } from '../conf/errors.js';
import { type Converter, getConverter } from './converters.js';

/** What `match()` gives back: the unmatched rest of the path and the converted captures. */
export interface PatternMatch {
  rest: string;
  params: Record<string, unknown>;
}

/** One piece of a reversible pattern: literal text, or a param with the regex its text must match. */
export type ReversePart =
  | string
  | { readonly name: string; readonly converter: Converter | undefined; readonly check: RegExp };

/**
 * A compiled route or regex, built once when `path()`/`rePath()` is called; `match()` is the
 * only thing the resolver calls per request and compiles nothing.
 */
export interface CompiledPattern {
  /** The route or regex as written (Django's `str(pattern)`), shown in 404 pages and errors. */
  readonly description: string;
  /** Names of the captured params, in route order. */
  readonly paramNames: readonly string[];
  /** Pieces for `reverse()`, or undefined when the regex cannot be reversed. */
  readonly reverseParts: readonly ReversePart[] | undefined;
  match(path: string): PatternMatch | null;
}

/** Django's `_PATH_PARAMETER_COMPONENT_RE`. */
const PARAMETER = /<(?:([^>:]+):)?([^>]+)>/g;
/** Python's `str.isidentifier()`, close enough: a letter or `_`, then letters, digits, marks, `_`. */
const IDENTIFIER = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u;

const anchoredCache = new Map<string, RegExp>();

/** `^(?:source)$`, compiled once per distinct source: checks a whole param value in `reverse()`. */
function anchored(source: string): RegExp {
  let re = anchoredCache.get(source);
  if (!re) {
    re = new RegExp(`^(?:${source})$`);
    anchoredCache.set(source, re);
  }
  return re;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * A `path()` route such as `'shop/<int:id>/'`, compiled like Django's `RoutePattern`
 * (`_route_to_regex`). A route without params is matched by string comparison, as Django 5
 * does, so most patterns never run a regex at all.
 */
export function compileRoute(route: string, isEndpoint: boolean): CompiledPattern {
  if (typeof route !== 'string') {
    throw new ImproperlyConfigured(`URL route must be a string, got ${typeof route}.`);
  }
  if (route.startsWith('/')) {
    // Django reports this as check urls.W002; here it fails fast, since the pattern could
    // only match a path with a doubled slash.
    throw new ImproperlyConfigured(
      `Your URL pattern '${route}' has a route beginning with a '/'. Remove this slash as it is unnecessary. ` +
        "If this pattern is targeted in an include(), ensure the include() pattern has a trailing '/'.",
    );
  }
  const parts: ReversePart[] = [];
  const paramNames: string[] = [];
  const converters: Converter[] = [];
  let source = '^';
  let previousEnd = 0;
  for (const m of route.matchAll(PARAMETER)) {
    if (/\s/.test(m[0])) {
      throw new ImproperlyConfigured(
        `URL route '${route}' cannot contain whitespace in angle brackets <…>.`,
      );
    }
    const typeName = m[1] ?? 'str';
    const parameter = m[2]!;
    if (!IDENTIFIER.test(parameter)) {
      throw new ImproperlyConfigured(
        `URL route '${route}' uses parameter name '${parameter}' which isn't a valid identifier.`,
      );
    }
    if (paramNames.includes(parameter)) {
      throw new ImproperlyConfigured(
        `URL route '${route}' uses parameter name '${parameter}' more than once.`,
      );
    }
    const converter = getConverter(typeName);
    if (!converter) {
      throw new ImproperlyConfigured(`URL route '${route}' uses invalid converter '${typeName}'.`);
    }
    const literal = route.slice(previousEnd, m.index);
    if (literal) parts.push(literal);
    parts.push({ name: parameter, converter, check: anchored(converter.regex) });
    // Generated group names, so that any identifier works as a param name and a custom
    // converter's own groups cannot collide with ours.
    source += escapeRegExp(literal) + `(?<_p${paramNames.length}>${converter.regex})`;
    paramNames.push(parameter);
    converters.push(converter);
    previousEnd = m.index + m[0].length;
  }
  const tail = route.slice(previousEnd);
  if (/[<>]/.test(route.replace(PARAMETER, ''))) {
    throw new ImproperlyConfigured(
      `URL route '${route}' contains unmatched angle brackets ('<' or '>').`,
    );
  }
  if (tail) parts.push(tail);

  if (paramNames.length === 0) {
    return {
      description: route,
      paramNames,
      reverseParts: parts,
      match: isEndpoint
        ? (path) => (path === route ? { rest: '', params: {} } : null)
        : (path) =>
            path.startsWith(route) ? { rest: path.slice(route.length), params: {} } : null,
    };
  }

  source += escapeRegExp(tail) + (isEndpoint ? '$' : '');
  const regex = new RegExp(source);
  return {
    description: route,
    paramNames,
    reverseParts: parts,
    match(path) {
      const m = regex.exec(path);
      if (!m) return null;
      const groups = m.groups!;
      const params: Record<string, unknown> = {};
      for (let i = 0; i < paramNames.length; i++) {
        try {
          params[paramNames[i]!] = converters[i]!.toJs(groups[`_p${i}`]!);
        } catch {
          // Django: a ValueError from to_python means "this pattern does not match".
          return null;
        }
      }
      return { rest: path.slice(m[0].length), params };
    },
  };
}

/**
 * Translates Python `re` syntax that Django urlconfs use into JavaScript: `(?P<name>…)`,
 * `(?P=name)`, `\Z` and `\A`. Everything else is passed through, so JavaScript syntax works too.
 */
function pythonToJs(regex: string): string {
  let out = '';
  for (let i = 0; i < regex.length; i++) {
    const c = regex[i]!;
    if (c === '\\') {
      const next = regex[i + 1] ?? '';
      out += next === 'Z' ? '$' : next === 'A' ? '^' : c + next;
      i++;
    } else if (regex.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else if (regex.startsWith('(?P=', i)) {
      const end = regex.indexOf(')', i);
      out += `\\k<${regex.slice(i + 4, end)}>`;
      i = end;
    } else {
      out += c;
    }
  }
  return out;
}

/** Index of the `)` closing the group opened at `start`, skipping escapes and classes. */
function closingParen(source: string, start: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/**
 * Reverse pieces of a regex made of literal text and named groups (what urlconfs use in
 * practice). Anything else (classes, quantifiers or alternation outside a group) makes the
 * pattern resolvable but not reversible; Django's `normalize()` guesses there, Tango refuses.
 */
function regexReverseParts(source: string): ReversePart[] | undefined {
  let body = source;
  if (body.startsWith('^')) body = body.slice(1);
  if (body.endsWith('$') && !body.endsWith('\\$')) body = body.slice(0, -1);
  const parts: ReversePart[] = [];
  let literal = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\') {
      const next = body[i + 1];
      if (next === undefined || /[0-9A-Za-z]/.test(next)) return undefined;
      literal += next;
      i++;
    } else if (body.startsWith('(?<', i) && body[i + 3] !== '=' && body[i + 3] !== '!') {
      const end = closingParen(body, i);
      const nameEnd = body.indexOf('>', i);
      if (end === -1 || nameEnd === -1) return undefined;
      if (body[end + 1] !== undefined && '*+?{'.includes(body[end + 1]!)) return undefined;
      if (literal) parts.push(literal);
      literal = '';
      parts.push({
        name: body.slice(i + 3, nameEnd),
        converter: undefined,
        check: anchored(body.slice(nameEnd + 1, end)),
      });
      i = end;
    } else if ('.*+?|[](){}^$'.includes(c)) {
      return undefined;
    } else {
      literal += c;
    }
  }
  if (literal) parts.push(literal);
  return parts;
}

/**
 * A `rePath()` regex, like Django's `RegexPattern`: Python's named-group syntax is accepted.
 * An endpoint regex ending in `$` must match the whole path (Django uses `fullmatch`);
 * otherwise the regex is searched, as Django does, so anchor it with `^`. Named groups become
 * string params; without named groups, positional groups become params `'0'`, `'1'`, ….
 */
export function compileRegex(regex: string, isEndpoint: boolean): CompiledPattern {
  if (typeof regex !== 'string') {
    throw new ImproperlyConfigured(`URL regex must be a string, got ${typeof regex}.`);
  }
  const source = pythonToJs(regex);
  let compiled: RegExp;
  try {
    compiled = new RegExp(isEndpoint && source.endsWith('$') ? `^(?:${source})$` : source);
  } catch (error) {
    throw new ImproperlyConfigured(
      `Your URL pattern '${regex}' is not a valid regular expression: ${(error as Error).message}`,
    );
  }
  const reverseParts = regexReverseParts(source);
  const paramNames = Array.from(source.matchAll(/\(\?<([^>=!][^>]*)>/g), (m) => m[1]!);
  return {
    description: regex,
    paramNames,
    reverseParts,
    match(path) {
      const m = compiled.exec(path);
      if (!m) return null;
      const params: Record<string, unknown> = {};
      if (m.groups) {
        for (const [key, value] of Object.entries(m.groups))
          if (value !== undefined) params[key] = value;
      } else {
        for (let i = 1; i < m.length; i++) if (m[i] !== undefined) params[String(i - 1)] = m[i];
      }
      return { rest: path.slice(m.index + m[0].length), params };
    },
  };
}
