/**
 * The admin tests' urlconf: the admin where a new project mounts it, a second admin site with
 * small pages (for paging), the auth views at accounts/ (a login that is not the admin's, for
 * a non-staff user), and a page that stores a counter in the session (an anonymous session).
 */
import { AdminSite, adminSite } from '../../../../src/runtime/admin/index.js';
import { authUrls } from '../../../../src/runtime/auth/index.js';
import type { HttpRequest } from '../../../../src/runtime/http/request.js';
import { HttpResponse } from '../../../../src/runtime/http/response.js';
import { include, path } from '../../../../src/runtime/urls/index.js';

/** Sessions listed two at a time. */
export const smallSite = new AdminSite({
  name: 'small',
  siteHeader: 'Small administration',
  sessionsPerPage: 2,
  usersPerPage: 2,
});

function hits(request: HttpRequest): HttpResponse {
  const hit = Number(request.session.get('hit') ?? 0) + 1;
  request.session.set('hit', hit);
  return new HttpResponse(`<p>hits ${hit}</p>`);
}

export default [
  path('admin/', adminSite.urls),
  path('small-admin/', smallSite.urls),
  path('accounts/', include(authUrls)),
  path('hits/', hits, { name: 'hits' }),
  path('', () => new HttpResponse('<p>home</p>'), { name: 'home' }),
];
