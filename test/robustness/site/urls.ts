// Views of the robustness server (test/robustness/site/server.ts): each answers in a form the
// fuzzer can check without parsing HTML.
import { HttpResponse, JsonResponse, type HttpRequest } from '../../../src/runtime/http/index.js';
import { getToken } from '../../../src/runtime/middleware/csrf.js';
import { path } from '../../../src/runtime/urls/index.js';
import { SIG_SALT } from './constants.js';

/** Counts this session's requests (modifies the session, so it is saved and the cookie sent). */
function hits(request: HttpRequest): HttpResponse {
  const hit = Number(request.session.get('hit', 0)) + 1;
  request.session.set('hit', hit);
  return new HttpResponse(`hits=${hit}`);
}

/** Reads the session without modifying it. */
function peek(request: HttpRequest): HttpResponse {
  const hit = request.session.get('hit');
  return new HttpResponse(`hit=${hit === undefined ? 'none' : String(hit)}`);
}

let issued = 0;

/** Sets the `sig` signed cookie to a fresh payload, and echoes the payload. */
function sign(): HttpResponse {
  const payload = `issued-${++issued}`;
  return new HttpResponse(`sig=${payload}`).setSignedCookie('sig', payload, { salt: SIG_SALT });
}

/** What `getSignedCookie` makes of the `sig` cookie. */
function signed(request: HttpRequest): HttpResponse {
  const value = request.getSignedCookie('sig', { salt: SIG_SALT, default: null });
  return new HttpResponse(`sig=${value ?? 'none'}`);
}

/** Uses the CSRF token, so the middleware reads (and may reset) the `csrftoken` cookie. */
function csrf(request: HttpRequest): HttpResponse {
  getToken(request);
  return new HttpResponse('csrf=ok');
}

/**
 * Runs a full garbage collection (the server runs with `--expose-gc`) and answers the memory
 * still in use, so the test can tell retained memory from heap not yet collected.
 */
function memory(): HttpResponse {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return new JsonResponse({ rss, heapUsed, external, arrayBuffers });
}

export default [
  path('hits/', hits),
  path('peek/', peek),
  path('sign/', sign),
  path('signed/', signed),
  path('csrf/', csrf),
  path('memory/', memory),
];
