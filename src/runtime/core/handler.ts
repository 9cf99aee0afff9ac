import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { AppRegistry } from '../apps/registry.js';
import { ImproperlyConfigured } from '../conf/errors.js';
import type { Settings } from '../conf/settings.js';
import {
  BadRequest,
  Http404,
  PermissionDenied,
  RequestDataTooBig,
  ServiceUnavailable,
  SuspiciousOperation,
} from '../http/errors.js';
import type { HttpRequest } from '../http/request.js';
import { HttpResponse } from '../http/response.js';
import type { GetResponse, MiddlewareFactory } from '../middleware/types.js';
import { TemplateEngine, configureTemplates } from '../template/index.js';
import { UrlResolver, setUrlconf, type UrlEntry } from '../urls/index.js';
import { badRequest, pageNotFound, permissionDenied, serverError, serviceUnavailable } from '../views/index.js';
import { importString } from './import-string.js';
import { getLogger } from './log.js';

const requestLogger = getLogger('tango.request');

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
        return await getResponse(request);
      } catch (error) {
        return responseForException(request, error, settings, resolver);
      }
    },
    async close() {
      for (const close of closers.reverse()) await close();
      const [{ closeConnections }, { closeCaches }] = await Promise.all([
        import('../db/index.js'),
        import('../cache/index.js'),
      ]);
      await Promise.all([closeConnections(), closeCaches()]);
    },
  };
}

/** Imports `ROOT_URLCONF` (a module path relative to BASE_DIR) and returns its patterns. */
async function loadUrlconf(settings: Readonly<Settings>): Promise<UrlEntry[]> {
  if (!settings.ROOT_URLCONF) throw new ImproperlyConfigured('The ROOT_URLCONF setting is empty.');
  const base = path.resolve(settings.BASE_DIR, settings.ROOT_URLCONF);
  const file = ['.ts', '.js', '.mts', '.mjs', ''].map((ext) => base + ext).find((f) => existsSync(f));
  if (!file) {
    throw new ImproperlyConfigured(`ROOT_URLCONF '${settings.ROOT_URLCONF}' does not resolve: no ${base}.ts.`);
  }
  const mod = (await import(pathToFileURL(file).href)) as { default?: unknown; urlpatterns?: unknown };
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

/**
 * Wraps a handler so that an exception becomes a response before it reaches the middleware
 * around it, as Django's `convert_exception_to_response` does: an outer session middleware
 * then sees a 500 (and does not save) or a 404 (and does).
 */
function convertExceptions(inner: GetResponse, settings: Readonly<Settings>, resolver: UrlResolver): GetResponse {
  // No async frame of its own: one promise per layer on the hot path, not two.
  return function convertExceptionsToResponse(request) {
    const toResponse = (error: unknown) => responseForException(request, error, settings, resolver);
    try {
      return inner(request).catch(toResponse);
    } catch (error) {
      return Promise.resolve(toResponse(error));
    }
  };
}

/** Maps an exception to the response Django would give, and logs it like `django.request`. */
export function responseForException(
  request: HttpRequest,
  error: unknown,
  settings: Readonly<Settings>,
  resolver: UrlResolver | undefined,
): HttpResponse {
  const debug = settings.DEBUG;
  const err = error instanceof Error ? error : new Error(String(error));
  if (err instanceof Http404) {
    requestLogger.warning(`Not Found: ${request.path}`);
    return pageNotFound(request, { debug, tried: resolver?.tried(request.path) ?? [], error: err });
  }
  if (err instanceof RequestDataTooBig) {
    getLogger('tango.security.RequestDataTooBig').warning(err.message);
    const response = badRequest(request, { debug, error: err });
    response.status = 413;
    return response;
  }
  if (err instanceof SuspiciousOperation) {
    getLogger(`tango.security.${err.name}`).error(err.message);
    return badRequest(request, { debug, error: err });
  }
  if (err instanceof BadRequest) {
    requestLogger.warning(`Bad Request: ${request.path}: ${err.message}`);
    return badRequest(request, { debug, error: err });
  }
  if (err instanceof PermissionDenied) {
    requestLogger.warning(`Forbidden (Permission denied): ${request.path}`);
    return permissionDenied(request, { debug, error: err });
  }
  if (err instanceof ServiceUnavailable) {
    requestLogger.error(`Service Unavailable: ${request.path}: ${err.message}`);
    return serviceUnavailable(request, { debug, error: err });
  }
  requestLogger.error(`Internal Server Error: ${request.path}\n${err.stack ?? err.message}`);
  return serverError(request, { debug, error: err });
}
