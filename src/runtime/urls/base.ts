import { ImproperlyConfigured } from '../conf/errors.js';
import type { ResolverMatch, ReverseOptions, UrlResolver } from './resolver.js';

let current: UrlResolver | undefined;

/**
 * Makes `resolver` the project's urlconf for `reverse()`, `resolve()`, the `{{url}}` template
 * helper and `CommonMiddleware`. The handler calls it once at start-up (Django reads
 * `ROOT_URLCONF`); pass `undefined` to unset (tests).
 *
 * @example
 * setUrlconf(new UrlResolver(urlpatterns));
 */
export function setUrlconf(resolver: UrlResolver | undefined): void {
  current = resolver;
}

/** The configured urlconf; throws `ImproperlyConfigured` before `setUrlconf()`. */
export function getResolver(): UrlResolver {
  if (!current) {
    throw new ImproperlyConfigured(
      'No urlconf is configured: set ROOT_URLCONF (the handler calls setUrlconf()).',
    );
  }
  return current;
}

/**
 * The URL of a named pattern, like Django's `django.urls.reverse()`.
 *
 * @example
 * reverse('WebApp:hits'); // '/hits/'
 * reverse('shop:detail', { id: 3 }, { query: { page: '2' } }); // '/shop/3/?page=2'
 */
export function reverse(
  name: string,
  params?: Readonly<Record<string, unknown>>,
  options?: ReverseOptions,
): string {
  return getResolver().reverse(name, params, options);
}

/**
 * Resolves a path against the configured urlconf, like Django's `django.urls.resolve()`, but
 * returns null rather than raising `Resolver404`.
 *
 * @example
 * resolve('/shop/3/')?.params; // { id: 3 }
 */
export function resolve(path: string): ResolverMatch | null {
  return getResolver().resolve(path);
}
