/**
 * A health endpoint for load balancers and orchestrators (Tango; Django has none built in):
 * 200 when the stores the session engine needs answer within a deadline, 503 otherwise.
 */
import { access, constants } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Settings } from '../conf/settings.js';
import type { HttpRequest } from '../http/request.js';
import { type HttpResponse, HttpResponseNotAllowed, JsonResponse } from '../http/response.js';

/** Options of `health()`. */
export interface HealthOptions {
  /** Seconds each store has to answer; default 2. A store slower than this fails the check. */
  deadline?: number;
  /**
   * `DATABASES` aliases to ping with `SELECT 1`. Default: `['default']` when `SESSION_ENGINE`
   * is `'db'` or `'cached_db'`, else none.
   */
  databases?: readonly string[];
  /**
   * `CACHES` aliases to ping with a read. Default: `[SESSION_CACHE_ALIAS]` when
   * `SESSION_ENGINE` is `'cache'` or `'cached_db'`, else none.
   */
  caches?: readonly string[];
}

/** One store's answer, as the JSON body reports it. */
export interface HealthCheckResult {
  ok: boolean;
  /** Milliseconds it took (to the deadline, for one that did not answer). */
  ms: number;
  /** Why it failed: `'timeout'`, or the error's class name (never its message: the body is public). */
  error?: string;
}

const DEFAULT_DEADLINE = 2;

/** A cache key nobody writes: the read reaches the server and finds nothing. */
const PROBE_KEY = 'tango.health.probe';

class Timeout extends Error {
  override name = 'timeout';
}

/** The stores a session engine reads and writes (the `file` engine: its directory). */
function storesFor(
  settings: Readonly<Settings>,
  options: HealthOptions,
): { databases: readonly string[]; caches: readonly string[]; directory: string | undefined } {
  const engine = settings.SESSION_ENGINE;
  const usesDb = engine === 'db' || engine === 'cached_db';
  const usesCache = engine === 'cache' || engine === 'cached_db';
  return {
    databases: options.databases ?? (usesDb ? ['default'] : []),
    caches: options.caches ?? (usesCache ? [settings.SESSION_CACHE_ALIAS] : []),
    directory:
      engine === 'file'
        ? path.resolve(settings.BASE_DIR, settings.SESSION_FILE_PATH ?? os.tmpdir())
        : undefined,
  };
}

/**
 * Returns a view answering `200 {"status":"ok","checks":{...}}` when every store the session
 * engine needs (the database for `db`, the cache for `cache`, both for `cached_db`, the
 * directory for `file`, nothing for the cookie engines) answers within `deadline` seconds,
 * and `503 {"status":"unavailable",...}` otherwise. It never touches `request.session`, so it
 * creates no session, sets no cookie and writes nothing; `Cache-Control: no-store`.
 *
 * A store that stays hung is not asked again while its last probe is still waiting: later
 * probes wait on that same attempt (and fail at their deadline), so a load balancer probing
 * every second cannot pile up connections on a frozen server. With `SECURE_SSL_REDIRECT`, add the path to `SECURE_REDIRECT_EXEMPT`
 * when the probe comes over plain HTTP.
 *
 * @example
 * // urls.ts
 * import { health } from 'tango/views';
 * export default [path('health/', health({ deadline: 1 })), ...];
 */
export function health(
  options: HealthOptions = {},
): (request: HttpRequest) => Promise<HttpResponse> {
  const deadline = options.deadline ?? DEFAULT_DEADLINE;
  if (typeof deadline !== 'number' || !(deadline > 0) || !Number.isFinite(deadline)) {
    throw new TypeError(
      `option deadline is invalid: ${String(deadline)} (a positive number of seconds)`,
    );
  }
  const inFlight = new Map<string, Promise<void>>();

  async function probe(name: string, run: () => Promise<unknown>): Promise<HealthCheckResult> {
    const started = performance.now();
    const elapsed = (): number => Math.round((performance.now() - started) * 10) / 10;
    // Concurrent probes share one attempt; a hung store gets no second query meanwhile.
    let attempt = inFlight.get(name);
    if (!attempt) {
      const started = run().then(() => undefined);
      attempt = started;
      inFlight.set(name, started);
      void started.then(
        () => inFlight.delete(name),
        () => inFlight.delete(name),
      );
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        attempt,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Timeout()), deadline * 1000);
        }),
      ]);
      return { ok: true, ms: elapsed() };
    } catch (error) {
      return { ok: false, ms: elapsed(), error: error instanceof Error ? error.name : 'Error' };
    } finally {
      clearTimeout(timer);
    }
  }

  return async function health(request: HttpRequest): Promise<HttpResponse> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const refused = new HttpResponseNotAllowed();
      refused.headers.set('Allow', 'GET, HEAD');
      return refused;
    }
    const settings = request.settings;
    if (!settings)
      throw new Error('health(): the request has no settings (not served by the handler).');
    const stores = storesFor(settings, options);
    const checks: [string, Promise<HealthCheckResult>][] = [];
    if (stores.databases.length > 0) {
      const { getConnection } = await import('../db/index.js');
      for (const alias of stores.databases) {
        checks.push([
          `database:${alias}`,
          probe(`database:${alias}`, () => getConnection(settings, alias).get('SELECT 1 AS one')),
        ]);
      }
    }
    if (stores.caches.length > 0) {
      const { getCache } = await import('../cache/index.js');
      for (const alias of stores.caches) {
        checks.push([
          `cache:${alias}`,
          probe(`cache:${alias}`, () => getCache(settings, alias).get(PROBE_KEY)),
        ]);
      }
    }
    if (stores.directory !== undefined) {
      const directory = stores.directory;
      checks.push([
        'sessions:directory',
        probe('sessions:directory', () => access(directory, constants.W_OK | constants.X_OK)),
      ]);
    }
    const results: Record<string, HealthCheckResult> = {};
    for (const [name, result] of checks) results[name] = await result;
    const ok = Object.values(results).every((r) => r.ok);
    const response = new JsonResponse(
      { status: ok ? 'ok' : 'unavailable', checks: results },
      { status: ok ? 200 : 503 },
    );
    response.headers.set('Cache-Control', 'no-store');
    return response;
  };
}
