import { ImproperlyConfigured } from '../conf/errors.js';
import type { HttpRequest } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import { type CompiledPattern, compileRegex, compileRoute } from './pattern.js';

/**
 * A view: takes the request and the converted path captures (Django's view kwargs, plus any
 * `kwargs` given to `path()`), returns a response, sync or async.
 *
 * @example
 * export const detail: View = (request, { id }) => new HttpResponse(`<p>Item ${id}</p>`);
 */
export type View = (
  request: HttpRequest,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- params are typed by the route, which TS cannot see
  params: Record<string, any>,
) => HttpResponse | Promise<HttpResponse>;

/** Options of `path()`/`rePath()` for a view. */
export interface PathOptions {
  /** The pattern's name, for `reverse()` and `{{url}}`. */
  name?: string;
  /** Extra params passed to the view; they override captured ones (Django's `kwargs`). */
  kwargs?: Record<string, unknown>;
}

/** Options of `path()`/`rePath()` for an `include()`. */
export interface IncludePathOptions {
  /** Extra params passed to every view of the included patterns. */
  kwargs?: Record<string, unknown>;
}

/** A route to a view (Django's `URLPattern`). Built by `path()`/`rePath()`. */
export class UrlPattern {
  readonly kind = 'pattern';
  constructor(
    readonly pattern: CompiledPattern,
    readonly view: View,
    readonly name: string | undefined,
    readonly kwargs: Readonly<Record<string, unknown>>,
  ) {}
}

/** A route prefix in front of included patterns (Django's `URLResolver`). Built by `path(route, include(...))`. */
export class UrlResolverEntry {
  readonly kind = 'resolver';
  constructor(
    readonly pattern: CompiledPattern,
    readonly patterns: readonly UrlEntry[],
    readonly namespace: string | undefined,
    readonly kwargs: Readonly<Record<string, unknown>>,
  ) {}
}

/** One urlconf entry. */
export type UrlEntry = UrlPattern | UrlResolverEntry;

/** What `include()` returns: patterns waiting for a prefix from `path()`/`rePath()`. */
export class IncludedUrls {
  constructor(
    readonly patterns: readonly UrlEntry[],
    readonly namespace: string | undefined,
  ) {}
}

/** A urlconf module imported whole: `import * as shopUrls from './shop/urls.js'`. */
export interface UrlconfModule {
  default?: readonly UrlEntry[];
  urlpatterns?: readonly UrlEntry[];
  /** Default namespace of the module's patterns (Django's `app_name`). */
  appName?: string;
}

/** Checks developer input once, when the urlconf is imported, with a message naming the culprit. */
export function checkEntries(entries: unknown, where: string): readonly UrlEntry[] {
  if (!Array.isArray(entries)) {
    throw new ImproperlyConfigured(
      `${where} must be an array of path(...) entries, got ${typeof entries}.`,
    );
  }
  entries.forEach((entry, i) => {
    if (!(entry instanceof UrlPattern) && !(entry instanceof UrlResolverEntry)) {
      throw new ImproperlyConfigured(
        `${where}[${i}] is not a path(...) entry (got ${entry === null ? 'null' : typeof entry}). ` +
          'Build entries with path(), rePath() and include() from tango/urls.',
      );
    }
  });
  return entries as UrlEntry[];
}

/**
 * Includes other patterns under a prefix, like Django's `include()`. Takes an array or an
 * imported urlconf module (its default export or `urlpatterns`, and its `appName` as the default
 * namespace). With a `namespace`, names inside are reversed as `'namespace:name'`.
 *
 * @example
 * import shopUrls from './shop/urls.js';
 * export default [path('shop/', include(shopUrls, { namespace: 'shop' }))];
 */
export function include(
  patterns: readonly UrlEntry[] | UrlconfModule,
  options: { namespace?: string } = {},
): IncludedUrls {
  let list: unknown = patterns;
  let namespace = options.namespace;
  if (!Array.isArray(patterns) && patterns !== null && typeof patterns === 'object') {
    const mod = patterns as UrlconfModule;
    list = mod.urlpatterns ?? mod.default;
    namespace ??= mod.appName;
  }
  if (
    namespace !== undefined &&
    (typeof namespace !== 'string' || !namespace || namespace.includes(':'))
  ) {
    throw new ImproperlyConfigured(
      `include() namespace ${JSON.stringify(namespace)} must be a non-empty string without ':'.`,
    );
  }
  return new IncludedUrls(checkEntries(list, 'include() patterns'), namespace);
}

function build(
  pattern: (isEndpoint: boolean) => CompiledPattern,
  view: View | IncludedUrls,
  options: PathOptions,
  fn: string,
): UrlEntry {
  const kwargs = Object.freeze({ ...(options.kwargs ?? {}) });
  if (view instanceof IncludedUrls) {
    if (options.name !== undefined) {
      throw new ImproperlyConfigured(
        `${fn}() with include() takes no name; give the included patterns names instead.`,
      );
    }
    return new UrlResolverEntry(pattern(false), view.patterns, view.namespace, kwargs);
  }
  if (typeof view !== 'function') {
    throw new ImproperlyConfigured(
      `${fn}(): view must be a function or include(...), got ${view === null ? 'null' : typeof view}.`,
    );
  }
  if (
    options.name !== undefined &&
    (typeof options.name !== 'string' || options.name.includes(':'))
  ) {
    throw new ImproperlyConfigured(
      `URL pattern name ${JSON.stringify(options.name)} is invalid: names must be strings without ':' (use include() namespaces).`,
    );
  }
  return new UrlPattern(pattern(true), view, options.name, kwargs);
}

/**
 * A route, like Django's `path()`: literal text plus `<converter:name>` captures (`str` by
 * default; `int`, `slug`, `uuid`, `path` and registered converters). The route is compiled
 * now; an unknown converter throws `ImproperlyConfigured` naming the route. No leading `/`.
 *
 * @example
 * path('articles/<int:year>/', views.yearArchive, { name: 'year-archive' });
 * path('shop/', include(shopUrls));
 */
export function path(route: string, view: View, options?: PathOptions): UrlPattern;
export function path(
  route: string,
  view: IncludedUrls,
  options?: IncludePathOptions,
): UrlResolverEntry;
export function path(
  route: string,
  view: View | IncludedUrls,
  options: PathOptions = {},
): UrlEntry {
  return build((isEndpoint) => compileRoute(route, isEndpoint), view, options, 'path');
}

/**
 * A regex route, like Django's `re_path()`. Python's `(?P<name>…)` groups are accepted;
 * captures are strings. Start it with `^` and end endpoints with `$`.
 *
 * @example
 * rePath('^archive/(?P<year>[0-9]{4})/$', views.yearArchive, { name: 'archive' });
 */
export function rePath(regex: string, view: View, options?: PathOptions): UrlPattern;
export function rePath(
  regex: string,
  view: IncludedUrls,
  options?: IncludePathOptions,
): UrlResolverEntry;
export function rePath(
  regex: string,
  view: View | IncludedUrls,
  options: PathOptions = {},
): UrlEntry {
  return build((isEndpoint) => compileRegex(regex, isEndpoint), view, options, 'rePath');
}
