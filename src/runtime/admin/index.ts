/**
 * `tango/admin`: the admin site (Django's `django.contrib.admin`) for the parts of a Tango
 * project that it has: the users of `tango.auth` and the sessions of `tango.sessions`. A staff
 * login, then plain HTML pages whose forms work without JavaScript.
 *
 * ```ts
 * // <project>/urls.ts, as the tutorials write `path('admin/', admin.site.urls)`
 * import { adminSite } from 'tango/admin';
 * export default [path('admin/', adminSite.urls), path('', views.home, { name: 'home' })];
 * ```
 *
 * Needs `'tango.admin'`, `'tango.auth'`, `'tango.sessions'` and `'tango.messages'` in
 * `INSTALLED_APPS`, and `SessionMiddleware`, `AuthenticationMiddleware` and
 * `MessageMiddleware` in `MIDDLEWARE` (checked at start-up). Create a first staff user with
 * `npx tsx manage.ts createsuperuser`. More in docs/admin.md.
 *
 * See https://docs.djangoproject.com/en/5.2/ref/contrib/admin/
 */
export { checkAdminDependencies } from './apps.js';
export {
  AdminAuthenticationForm,
  AdminPasswordChangeForm,
  PASSWORD_MISMATCH,
  USER_CHANGE_FIELDS,
  UserChangeForm,
  UserCreationForm,
  USERNAME_TAKEN,
  type FormField,
} from './forms.js';
export { engineName, shortKey } from './sessions.js';
export { AdminSite, adminSite, type AdminAppEntry, type AdminSiteOptions } from './sites.js';
