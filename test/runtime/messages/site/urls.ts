/**
 * Django's tests/messages_tests/urls.py: `add/<level>/` adds each posted `messages` value at
 * that level (passing `fail_silently` only when it was posted) and redirects to `show/`, which
 * renders TEMPLATE, Django's `{% if messages %}<ul class="messages">…`.
 */
import type { HttpRequest } from '../../../../src/runtime/http/request.js';
import { HttpResponseRedirect } from '../../../../src/runtime/http/response.js';
import * as messages from '../../../../src/runtime/messages/index.js';
import { render } from '../../../../src/runtime/shortcuts.js';
import { path, rePath, reverse } from '../../../../src/runtime/urls/index.js';

type Level = 'debug' | 'info' | 'success' | 'warning' | 'error';

function add(request: HttpRequest, params: Record<string, string>) {
  const level = params.level as Level;
  // Don't default to false here, to test that it defaults to false if unspecified.
  const failSilently = request.form.get('fail_silently');
  for (const text of request.form.getAll('messages')) {
    if (failSilently !== null)
      messages[level](request, text, { failSilently: Boolean(failSilently) });
    else messages[level](request, text);
  }
  return new HttpResponseRedirect(reverse('show_message'));
}

function addTemplateResponse(request: HttpRequest, params: Record<string, string>) {
  for (const text of request.form.getAll('messages'))
    messages[params.level as Level](request, text);
  return new HttpResponseRedirect(reverse('show_template_response'));
}

function show(request: HttpRequest) {
  return render(request, 'show.html');
}

function levels(request: HttpRequest) {
  return render(request, 'levels.html');
}

export default [
  rePath('^add/(?P<level>debug|info|success|warning|error)/$', add, { name: 'add_message' }),
  path('show/', show, { name: 'show_message' }),
  rePath(
    '^template_response/add/(?P<level>debug|info|success|warning|error)/$',
    addTemplateResponse,
    {
      name: 'add_template_response',
    },
  ),
  path('template_response/show/', show, { name: 'show_template_response' }),
  path('levels/', levels, { name: 'levels' }),
];
