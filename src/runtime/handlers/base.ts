/**
 * The request handler (Django's `django/core/handlers/base.py`): builds the application from
 * the settings once at start-up (apps, templates, urlconf, middleware chain) and turns each
 * request into a response.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { AppRegistry } from '../apps/registry.js';
import { closeCaches, getCache } from '../cache/caches.js';
import { ImproperlyConfigured } from '../conf/errors.js';
import { importModule } from '../conf/import-module.js';
import type { Settings } from '../conf/settings.js';
import { importString } from '../core/import-string.js';
import { closeConnections, getConnection } from '../db/connections.js';
import { BadRequest, Http404 } from '../http/errors.js';
import type { HttpRequest } from '../http/request.js';
import { checkCookieSizes, HttpResponse } from '../http/response.js';
import type { GetResponse, MiddlewareFactory } from '../middleware/types.js';
import { TemplateEngine, configureTemplates } from '../template/index.js';
import { UrlResolver, setUrlconf, type UrlEntry } from '../urls/index.js';
import { convertExceptions, responseForException } from './exception.js';

export { responseForException } from './exception.js';

/**
 * A loaded project: settings, apps, urlconf, templates and the middleware chain, all resolved
 * once at start-up. `handle()` is the whole per-request path.
 */
export interface Application {
  readonly settings: Readonly<Settings>;
  readonly apps: AppRegistry;
  readonly resolver: UrlResolver;
  /** Turns a request into a response; never throws. */
  handle(request: HttpRequest): Promise<HttpResponse>;
  /** Releases stores, connections and watchers (graceful shutdown). */
  close(): Promise<void>;
}

/** Middleware instances may carry a `close()` (session stores); collected for shutdown. */
type Closer = () => Promise<void>;

/**
 * Builds the application for `settings`, like Django's `get_wsgi_application()`: every
 * `INSTALLED_APPS`, `MIDDLEWARE`, `ROOT_URLCONF` and `TEMPLATES` entry is resolved here, so a
 * mistake stops start-up with a message naming it.
 *
 * @example
 * const app = await createApplication(await loadSettings());
 * const response = await app.handle(new HttpRequest({ method: 'GET', url: '/' }));
 */
export async function createApplication(settings: Readonly<Settings>): Promise<Application> {
  const closers: Closer[] = [];
  // Each backend checks its own options when it is created (conf imports none of them): create
  // every DATABASES and CACHES entry now, without connecting, so a mistake stops start-up.
  for (const alias of Object.keys(settings.DATABASES)) getConnection(settings, alias);
  for (const alias of Object.keys(settings.CACHES)) getCache(settings, alias);
  const apps = await AppRegistry.load(settings);

  const templates = await TemplateEngine.fromSettings(settings, apps.apps);
  configureTemplates(templates);
  closers.push(async () => templates.close());

  const resolver = new UrlResolver(await loadUrlconf(settings));
  setUrlconf(resolver);

  const handleView: GetResponse = async function handleView(request) {
    const match = resolver.resolve(request.path);
    if (!match) throw new Http404(`No URL pattern matches ${request.path}`);
    request.resolverMatch = { route: match.route, name: match.name, params: match.params };
    const response = await match.view(request, match.params);
    if (!(response instanceof HttpResponse)) {
      throw new TypeError(
        `The view for '${match.route}' didn't return an HttpResponse. It returned ${response === undefined ? 'undefined' : typeof response} instead.`,
      );
    }
    return response;
  };

  let chain = convertExceptions(handleView, settings, resolver);
  for (const entry of [...settings.MIDDLEWARE].reverse()) {
    const factory = await resolveMiddleware(entry, settings);
    const instance = await factory(chain, settings);
    const close = (instance as { close?: Closer }).close;
    if (typeof close === 'function') closers.push(close);
    chain = convertExceptions(instance, settings, resolver);
  }
  const getResponse = chain;

  return {
    settings,
    apps,
    resolver,
    async handle(request) {
      request.settings = settings;
      try {
        request.getHost();
        // The request target is a path (an absolute URL was turned into its path), or `*`.
        if (request.path.charCodeAt(0) !== 47) return asteriskOrBadTarget(request);
        const response = await getResponse(request);
        // Every cookie of every response: over 4096 bytes raises in DEBUG, else a warning.
        checkCookieSizes(response, settings.DEBUG);
        return response;
      } catch (error) {
        return responseForException(request, error, settings, resolver);
      }
    },
    async close() {
      for (const close of closers.reverse()) await close();
      await Promise.all([closeConnections(), closeCaches()]);
    },
  };
}

/**
 * A request target that is not a path. `OPTIONS *` asks about the server as a whole
 * (RFC 9110 §9.3.7): 200 with no body. Every other one is malformed (RFC 9112 §3.2.4:
 * `*` is only for OPTIONS) and a 400; routing it would find nothing, and with DEBUG the empty
 * `tried` list used to pass for an empty urlconf (the welcome page, 200).
 */
function asteriskOrBadTarget(request: HttpRequest): HttpResponse {
  if (request.url === '*' && request.method === 'OPTIONS') {
    return new HttpResponse('', { contentType: 'text/plain; charset=utf-8' });
  }
  throw new BadRequest(`Invalid request target for ${request.method}: '${request.url}'.`);
}

/** Imports `ROOT_URLCONF` (a module path relative to BASE_DIR) and returns its patterns. */
async function loadUrlconf(settings: Readonly<Settings>): Promise<UrlEntry[]> {
  if (!settings.ROOT_URLCONF) throw new ImproperlyConfigured('The ROOT_URLCONF setting is empty.');
  const base = path.resolve(settings.BASE_DIR, settings.ROOT_URLCONF);
  const file = ['.ts', '.js', '.mts', '.mjs', '']
    .map((ext) => base + ext)
    .find((f) => existsSync(f));
  if (!file) {
    throw new ImproperlyConfigured(
      `ROOT_URLCONF '${settings.ROOT_URLCONF}' does not resolve: no ${base}.ts.`,
    );
  }
  const mod = (await importModule(pathToFileURL(file).href)) as {
    default?: unknown;
    urlpatterns?: unknown;
  };
  const patterns = mod.default ?? mod.urlpatterns;
  if (!Array.isArray(patterns)) {
    throw new ImproperlyConfigured(
      `ROOT_URLCONF '${settings.ROOT_URLCONF}' must default-export an array of path(...) entries.`,
    );
  }
  return patterns as UrlEntry[];
}

async function resolveMiddleware(
  entry: Readonly<Settings>['MIDDLEWARE'][number],
  settings: Readonly<Settings>,
): Promise<MiddlewareFactory> {
  if (typeof entry === 'function') return entry;
  const factory = await importString(entry, 'MIDDLEWARE', settings.BASE_DIR);
  if (typeof factory !== 'function') {
    throw new ImproperlyConfigured(`MIDDLEWARE entry '${entry}' is not a middleware factory.`);
  }
  return factory as MiddlewareFactory;
}
