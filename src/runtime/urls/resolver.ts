import { checkEntries, type UrlEntry, UrlPattern, type View } from './conf.js';
import { NoReverseMatch } from './errors.js';
import type { CompiledPattern, ReversePart } from './pattern.js';
import { escapeLeadingSlashes, quoteReversed } from './quote.js';

/**
 * The result of resolving a path (Django's `ResolverMatch`).
 *
 * @example
 * const match = resolver.resolve('/shop/3/');
 * // { view, params: { id: 3 }, route: 'shop/<int:id>/', name: 'shop:detail', urlName: 'detail', namespaces: ['shop'] }
 */
export interface ResolverMatch {
  view: View;
  /** Converted captures merged with `kwargs` from `path()` and enclosing includes. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- mirrors View's params
  params: Record<string, any>;
  /** The full route, e.g. `'shop/<int:id>/'` (Django's `route`). */
  route: string;
  /** The namespaced name, e.g. `'shop:detail'` (Django's `view_name`), or undefined. */
  name: string | undefined;
  /** The pattern's own name, e.g. `'detail'` (Django's `url_name`). */
  urlName: string | undefined;
  /** Enclosing namespaces, outermost first. */
  namespaces: readonly string[];
}

/** A compiled urlconf node. */
type Node = Endpoint | Branch;

interface Endpoint {
  readonly kind: 'endpoint';
  readonly pattern: CompiledPattern;
  readonly view: View;
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly route: string;
  readonly fullName: string | undefined;
  readonly urlName: string | undefined;
  readonly namespaces: readonly string[];
  readonly hasKwargs: boolean;
}

interface Branch {
  readonly kind: 'branch';
  readonly pattern: CompiledPattern;
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly children: readonly Node[];
  readonly namespace: string | undefined;
}

/** One way to reverse a name. */
interface Candidate {
  readonly parts: readonly ReversePart[];
  readonly paramNames: ReadonlySet<string>;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly route: string;
}

/** Django's `_join_route`: a nested regex's leading `^` is dropped. */
function joinRoute(a: string, b: string): string {
  if (!a) return b;
  return a + (b.startsWith('^') ? b.slice(1) : b);
}

/** A Python-style repr of params, for messages that read like Django's. */
function pyRepr(value: unknown): string {
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** Options of `reverse()`. */
export interface ReverseOptions {
  /** Appended as `?query` (Django 5.2's `query`). */
  query?: ConstructorParameters<typeof URLSearchParams>[0];
  /** Appended as `#fragment` (Django 5.2's `fragment`). */
  fragment?: string;
}

/**
 * The urlconf, compiled once (Django's root `URLResolver`): `resolve()` walks precompiled
 * patterns and compiles nothing; `reverse()` looks names up in a table built here.
 *
 * @example
 * const resolver = new UrlResolver([path('shop/<int:id>/', detail, { name: 'detail' })]);
 * resolver.resolve('/shop/3/')?.params; // { id: 3 }
 * resolver.reverse('detail', { id: 3 }); // '/shop/3/'
 */
export class UrlResolver {
  readonly #nodes: readonly Node[];
  /** Full name (`'ns:name'`) to candidates, most recently defined first (Django's order). */
  readonly #reverse = new Map<string, Candidate[]>();
  /** Every registered namespace path, e.g. `'shop'`, `'shop:admin'`. */
  readonly #namespaces = new Set<string>();
  #allTried: string[] | undefined;
  /** `reverse(name)` without params never changes once the urlconf is built: remembered. */
  readonly #plain = new Map<string, string>();

  constructor(patterns: readonly UrlEntry[]) {
    this.#nodes = this.#compile(checkEntries(patterns, 'The urlconf'), '', [], [], {}, new Set());
    for (const list of this.#reverse.values()) list.reverse();
  }

  /**
   * Builds the node tree and the reverse table. `seen` holds the namespaces already taken in
   * the current namespace scope: as in Django, the first include with a namespace wins.
   */
  #compile(
    entries: readonly UrlEntry[],
    route: string,
    parts: readonly (readonly ReversePart[] | undefined)[],
    namespaces: readonly string[],
    defaults: Readonly<Record<string, unknown>>,
    seen: Set<string>,
    reversible = true,
  ): Node[] {
    return entries.map((entry): Node => {
      const entryRoute = joinRoute(route, entry.pattern.description);
      const entryParts = [...parts, entry.pattern.reverseParts];
      const entryDefaults = { ...defaults, ...entry.kwargs };
      if (entry instanceof UrlPattern) {
        const fullName =
          entry.name === undefined ? undefined : [...namespaces, entry.name].join(':');
        if (fullName !== undefined && reversible && entryParts.every((p) => p !== undefined)) {
          const flat = entryParts.flat() as ReversePart[];
          const candidate: Candidate = {
            parts: flat,
            paramNames: new Set(flat.flatMap((p) => (typeof p === 'string' ? [] : [p.name]))),
            defaults: entryDefaults,
            route: entryRoute,
          };
          const list = this.#reverse.get(fullName);
          if (list) list.push(candidate);
          else this.#reverse.set(fullName, [candidate]);
        }
        return {
          kind: 'endpoint',
          pattern: entry.pattern,
          view: entry.view,
          kwargs: entry.kwargs,
          route: entryRoute,
          fullName,
          urlName: entry.name,
          namespaces: Object.freeze([...namespaces]),
          hasKwargs: Object.keys(entry.kwargs).length > 0,
        };
      }
      let childNamespaces = namespaces;
      let childSeen = seen;
      let childReversible = reversible;
      if (entry.namespace !== undefined) {
        childNamespaces = [...namespaces, entry.namespace];
        childSeen = new Set();
        if (seen.has(entry.namespace)) childReversible = false;
        seen.add(entry.namespace);
        if (childReversible) this.#namespaces.add(childNamespaces.join(':'));
      }
      return {
        kind: 'branch',
        pattern: entry.pattern,
        kwargs: entry.kwargs,
        namespace: entry.namespace,
        children: this.#compile(
          entry.patterns,
          entryRoute,
          entryParts,
          childNamespaces,
          entryDefaults,
          childSeen,
          childReversible,
        ),
      };
    });
  }

  /**
   * The view for a request path (with its leading `/`), or null: Django's `resolve()`,
   * returning null instead of raising `Resolver404`.
   *
   * @example
   * resolver.resolve('/shop/3/')?.name; // 'shop:detail'
   */
  resolve(path: string): ResolverMatch | null {
    // Django's root resolver pattern is `^/`.
    if (path.charCodeAt(0) !== 47) return null;
    return resolveIn(this.#nodes, path.slice(1));
  }

  /**
   * The patterns tried, one description per line of Django's DEBUG 404 page, e.g.
   * `"shop/ <int:id>/ [name='detail']"`. With a `path`, exactly those Django tried for it (an
   * include whose prefix did not match is listed alone); without, every pattern. Meant for
   * error pages: it allocates.
   */
  tried(path?: string): string[] {
    if (path === undefined) {
      this.#allTried ??= triedIn(this.#nodes, undefined).map(describe);
      return [...this.#allTried];
    }
    if (!path.startsWith('/')) return [];
    return triedIn(this.#nodes, path.slice(1)).map(describe);
  }

  /**
   * The URL of every named pattern that takes no parameters, as `{ name, url }` in definition
   * order (`'ns:name'` inside namespaces). For index pages and site maps; it allocates.
   *
   * @example
   * resolver.staticUrls(); // [{ name: 'home', url: '/' }, { name: 'hits', url: '/hits/' }]
   */
  staticUrls(): { name: string; url: string }[] {
    const found: { name: string; url: string }[] = [];
    for (const [name, candidates] of this.#reverse) {
      const candidate = candidates.find((c) => c.paramNames.size === 0);
      const url = candidate && tryCandidate(candidate, {}, []);
      if (url !== undefined) found.push({ name, url });
    }
    return found;
  }

  /**
   * The URL path for a pattern name and params, like Django's `reverse()`: names inside
   * namespaced includes are `'ns:name'`; params go through their converter's `toUrl` and must
   * match its regex; the result is percent-encoded as Django does. Throws `NoReverseMatch`.
   *
   * @example
   * resolver.reverse('shop:detail', { id: 3 }); // '/shop/3/'
   */
  reverse(
    name: string,
    params: Readonly<Record<string, unknown>> = {},
    options: ReverseOptions = {},
  ): string {
    const given = Object.keys(params);
    // Templates reverse the same navigation links on every request: those come from memory.
    let url = given.length === 0 ? this.#plain.get(name) : undefined;
    if (url === undefined) {
      url = this.#find(name, params, given);
      if (given.length === 0) this.#plain.set(name, url);
    }
    return options.query === undefined && options.fragment === undefined
      ? url
      : withQuery(url, options);
  }

  /** The first candidate for `name` that accepts `params`; throws `NoReverseMatch`. */
  #find(name: string, params: Readonly<Record<string, unknown>>, given: string[]): string {
    const candidates = this.#reverse.get(name);
    if (!candidates) throw this.#notFound(name);
    for (const candidate of candidates) {
      const url = tryCandidate(candidate, params, given);
      if (url !== undefined) return url;
    }
    const described =
      given.length === 0 ? 'with no arguments' : `with keyword arguments '${pyRepr(params)}'`;
    const bare = name.slice(name.lastIndexOf(':') + 1);
    throw new NoReverseMatch(
      `Reverse for '${bare}' ${described} not found. ${candidates.length} pattern(s) tried: [${candidates
        .map((c) => pyRepr(c.route))
        .join(', ')}]`,
    );
  }

  #notFound(name: string): NoReverseMatch {
    const path = name.split(':');
    const bare = path.pop()!;
    for (let i = 0; i < path.length; i++) {
      if (!this.#namespaces.has(path.slice(0, i + 1).join(':'))) {
        return new NoReverseMatch(
          i === 0
            ? `'${path[0]}' is not a registered namespace`
            : `'${path[i]}' is not a registered namespace inside '${path.slice(0, i).join(':')}'`,
        );
      }
    }
    return new NoReverseMatch(
      `Reverse for '${bare}' not found. '${bare}' is not a valid view function or pattern name.`,
    );
  }
}

function resolveIn(nodes: readonly Node[], path: string): ResolverMatch | null {
  for (const node of nodes) {
    const m = node.pattern.match(path);
    if (!m) continue;
    if (node.kind === 'endpoint') {
      return {
        view: node.view,
        // Django: `{**captured_kwargs, **self.default_args}`.
        params: node.hasKwargs ? { ...m.params, ...node.kwargs } : m.params,
        route: node.route,
        name: node.fullName,
        urlName: node.urlName,
        namespaces: node.namespaces,
      };
    }
    const sub = resolveIn(node.children, m.rest);
    if (sub) {
      // Django: `{**kwargs, **self.default_kwargs}` updated with the sub-match's kwargs.
      sub.params = { ...m.params, ...node.kwargs, ...sub.params };
      return sub;
    }
  }
  return null;
}

interface Tried {
  patterns: string[];
  name: string | undefined;
}

/** Django's `tried` list for `path`, or for every pattern when `path` is undefined. */
function triedIn(nodes: readonly Node[], path: string | undefined): Tried[] {
  const tried: Tried[] = [];
  for (const node of nodes) {
    const head = node.pattern.description;
    if (node.kind === 'endpoint') {
      tried.push({ patterns: [head], name: node.urlName });
      continue;
    }
    const m = path === undefined ? undefined : node.pattern.match(path);
    if (m === null || node.children.length === 0) {
      tried.push({ patterns: [head], name: undefined });
      continue;
    }
    for (const sub of triedIn(node.children, m?.rest))
      tried.push({ patterns: [head, ...sub.patterns], name: sub.name });
  }
  return tried;
}

function describe(t: Tried): string {
  return t.patterns.join(' ') + (t.name ? ` [name='${t.name}']` : '');
}

/** Django's `_reverse_with_prefix` for one candidate: the URL, or undefined when it does not fit. */
function tryCandidate(
  candidate: Candidate,
  params: Readonly<Record<string, unknown>>,
  given: string[],
): string | undefined {
  const { paramNames, defaults } = candidate;
  for (const key of given) {
    if (!paramNames.has(key) && !(key in defaults)) return undefined;
  }
  for (const name of paramNames) {
    if (!(name in params)) return undefined;
  }
  for (const [key, value] of Object.entries(defaults)) {
    if (!paramNames.has(key) && key in params && params[key] !== value) return undefined;
  }
  let url = '/';
  for (const part of candidate.parts) {
    if (typeof part === 'string') {
      url += part;
      continue;
    }
    let text: string;
    try {
      text = part.converter ? part.converter.toUrl(params[part.name]) : String(params[part.name]);
    } catch {
      // Django: a ValueError from to_url means "this candidate does not match".
      return undefined;
    }
    if (typeof text !== 'string' || !part.check.test(text)) return undefined;
    url += text;
  }
  return escapeLeadingSlashes(quoteReversed(url));
}

function withQuery(url: string, options: ReverseOptions): string {
  let result = url;
  if (options.query !== undefined) {
    const query = new URLSearchParams(options.query).toString();
    if (query) result += '?' + query;
  }
  if (options.fragment !== undefined) result += '#' + options.fragment;
  return result;
}
