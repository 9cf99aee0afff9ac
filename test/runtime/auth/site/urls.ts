/**
 * The urlconf of the auth tests (Django's tests/auth_tests/urls.py, the views Tango has):
 * login and logout with their option variants, views behind each wrapper, a password change
 * that keeps its session (updateSessionAuthHash), and a view that reports `request.user`.
 */
import {
  getUserManager,
  LoginView,
  LogoutView,
  loginRequired,
  logoutThenLogin,
  permissionRequired,
  staffMemberRequired,
  updateSessionAuthHash,
  User,
  userPassesTest,
} from '../../../../src/runtime/auth/index.js';
import { HttpResponse, JsonResponse } from '../../../../src/runtime/http/response.js';
import type { HttpRequest } from '../../../../src/runtime/http/request.js';
import { path } from '../../../../src/runtime/urls/conf.js';

/** Django's `remote_user_auth_view`: the template renders the user. */
function whoami(request: HttpRequest): HttpResponse {
  const user = request.user;
  return new JsonResponse({
    username: user.username,
    isAuthenticated: user.isAuthenticated,
    sessionKey: request.session.sessionKey,
  });
}

/** A password change that keeps this session logged in (Django's PasswordChangeView). */
async function passwordChange(request: HttpRequest): Promise<HttpResponse> {
  const user = request.user;
  if (!(user instanceof User)) return new HttpResponse('anonymous', { status: 403 });
  await user.setPassword(request.form.get('new_password') ?? '');
  await getUserManager().save(user);
  if (request.form.get('keep') !== 'no') await updateSessionAuthHash(request, user);
  return new HttpResponse('changed');
}

function ok(): HttpResponse {
  return new HttpResponse('ok');
}

export default [
  path('login/', LoginView.asView(), { name: 'login' }),
  path('login/redirect_authenticated_user_default/', LoginView.asView()),
  path('login/redirect_authenticated_user/', LoginView.asView({ redirectAuthenticatedUser: true })),
  path('login/next_page/', LoginView.asView({ nextPage: '/somewhere/' })),
  path('login/next_page/named/', LoginView.asView({ nextPage: 'password_reset' })),
  path('login/allowed_hosts/', LoginView.asView({ successUrlAllowedHosts: ['otherserver'] })),
  path('custom_requestauth_login/', LoginView.asView({ extraContext: { extra: 'context' } })),
  path('logout/', LogoutView.asView(), { name: 'logout' }),
  path('logout/next_page/', LogoutView.asView({ nextPage: '/somewhere/' })),
  path('logout/next_page/named/', LogoutView.asView({ nextPage: 'password_reset' })),
  path('logout/custom_query/', LogoutView.asView({ redirectFieldName: 'follow' })),
  path('logout/allowed_hosts/', LogoutView.asView({ successUrlAllowedHosts: ['otherserver'] })),
  path('logout_then_login/', logoutThenLogin),
  path('password_reset/', ok, { name: 'password_reset' }),
  path('password_change/', passwordChange),
  path('login_required/', loginRequired(ok)),
  path('login_required_login_url/', loginRequired(ok, { loginUrl: '/somewhere/' })),
  path('login_required_next/', loginRequired(ok, { redirectFieldName: 'back' })),
  path('staff_only/', staffMemberRequired(ok)),
  path('passes_test/', userPassesTest((u) => u.username.startsWith('test'))(ok)),
  path('permission_required_redirect/', permissionRequired('auth_tests.add_customuser')(ok)),
  path(
    'permission_required_exception/',
    permissionRequired('auth_tests.add_customuser', { raiseException: true })(ok),
  ),
  path('whoami/', whoami),
];
