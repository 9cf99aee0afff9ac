/**
 * `tango/urls`: URL routing, like `django.urls`: `path()`, `rePath()`, `include()`, path
 * converters, the resolver and `reverse()`.
 */
export { path, rePath, include, UrlPattern, UrlResolverEntry, IncludedUrls } from './conf.js';
export type { View, UrlEntry, PathOptions, IncludePathOptions, UrlconfModule } from './conf.js';
export { registerConverter, getConverter, type Converter } from './converters.js';
export { UrlResolver, type ResolverMatch, type ReverseOptions } from './resolver.js';
export { NoReverseMatch } from './errors.js';
export { setUrlconf, getResolver, reverse, resolve } from './base.js';
export { escapeUriPath, escapeLeadingSlashes, iriToUri, quote } from './quote.js';
