/**
 * The page `CsrfViewMiddleware` answers a refused request with: Django's
 * `django.views.csrf.csrf_failure` and its `csrf_403.html`, with the DEBUG help section.
 *
 * See https://docs.djangoproject.com/en/5.2/ref/csrf/#django.views.csrf.csrf_failure
 */
import type { HttpRequest } from '../http/request.js';
import { HttpResponse } from '../http/response.js';
import { currentTemplateEngine } from '../template/index.js';
import { escapeHtml as e } from './html.js';

/**
 * The two reasons the page explains at length (Django's `REASON_NO_CSRF_COOKIE` and
 * `REASON_NO_REFERER`). They live here, below the middleware, so that this view needs nothing
 * from it; `tango/middleware/csrf` re-exports them with the other reasons.
 */
export const REASON_NO_CSRF_COOKIE = 'CSRF cookie not set.';
export const REASON_NO_REFERER = 'Referer checking failed - no Referer.';

/** A project template that replaces the built-in page, as Django's `403_csrf.html`. */
export const CSRF_FAILURE_TEMPLATE_NAME = '403_csrf.html';

const NO_REFERER = [
  'You are seeing this message because this HTTPS site requires a “Referer header” to be sent by your web browser, but none was sent. This header is required for security reasons, to ensure that your browser is not being hijacked by third parties.',
  'If you have configured your browser to disable “Referer” headers, please re-enable them, at least for this site, or for HTTPS connections, or for “same-origin” requests.',
  // Django's own text carries markup here (it is marked safe in the template).
  'If you are using the &lt;meta name="referrer" content="no-referrer"&gt; tag or including the “Referrer-Policy: no-referrer” header, please remove them. The CSRF protection requires the “Referer” header to do strict referer checking. If you’re concerned about privacy, use alternatives like &lt;a rel="noreferrer" …&gt; for links to third-party sites.',
];

const NO_COOKIE = [
  'You are seeing this message because this site requires a CSRF cookie when submitting forms. This cookie is required for security reasons, to ensure that your browser is not being hijacked by third parties.',
  'If you have configured your browser to disable cookies, please re-enable them, at least for this site, or for “same-origin” requests.',
];

const STYLE = `
    html * { padding:0; margin:0; }
    body * { padding:10px 20px; }
    body * * { padding:0; }
    body { font-family: sans-serif; background:#eee; color:#000; }
    body>div { border-bottom:1px solid #ddd; }
    h1 { font-weight:normal; margin-bottom:.4em; }
    h1 span { font-size:60%; color:#666; font-weight:normal; }
    #info { background:#f6f6f6; }
    #info ul { margin: 0.5em 4em; }
    #info p, #summary p { padding-top:10px; }
    #summary { background: #ffc; }
    #explanation { background:#eee; border-bottom: 0px none; }`;

const DJANGO_DOCS = 'https://docs.djangoproject.com/en/5.2';

function help(reason: string): string {
  return `<div id="info">
  <h2>Help</h2>
${reason ? `    <p>Reason given for failure:</p>\n    <pre>\n    ${e(reason)}\n    </pre>\n` : ''}
  <p>In general, this can occur when there is a genuine Cross Site Request Forgery, or when
  <a href="${DJANGO_DOCS}/ref/csrf/">Django’s CSRF mechanism</a>, which Tango follows, has not
  been used correctly. For POST forms, you need to ensure:</p>

  <ul>
    <li>Your browser is accepting cookies.</li>

    <li>The view passes its <code>request</code> to <code>render(request, …)</code>
    (<code>tango/shortcuts</code>).</li>

    <li>In the template, there is a <code>{{csrf_input}}</code> inside each POST form that
    targets an internal URL.</li>

    <li>If you are not using <code>CsrfViewMiddleware</code>, then you must use
    <code>csrfProtect</code> on any views that use <code>{{csrf_input}}</code> or
    <code>{{csrf_token}}</code>, as well as those that accept the POST data.</li>

    <li>The form has a valid CSRF token. After logging in in another browser tab or hitting
    the back button after a login, you may need to reload the page with the form, because the
    token is rotated after a login.</li>
  </ul>

  <p>You’re seeing the help section of this page because you have <code>DEBUG: true</code> in
  your settings file. Change that to <code>false</code>, and only the initial error message
  will be displayed.</p>

  <p>You can customize this page using the CSRF_FAILURE_VIEW setting.</p>
</div>`;
}

/**
 * Django's `csrf_failure(request, reason)`: the view `CsrfViewMiddleware` calls for a refused
 * request (the `CSRF_FAILURE_VIEW` default). A 403 page saying "CSRF verification failed.
 * Request aborted.", with the reason and the usual fixes when `DEBUG` is on, and only a pointer
 * to `DEBUG` otherwise. A project template named `403_csrf.html` replaces it (rendered with the
 * request only, as Django does).
 *
 * A replacement `CSRF_FAILURE_VIEW` takes the same two arguments.
 *
 * @example
 * // settings.ts: a page of your own
 * CSRF_FAILURE_VIEW: './mysite/views.ts#csrfFailure',
 * // mysite/views.ts
 * export function csrfFailure(request: HttpRequest, reason: string) {
 *   return render(request, 'csrf_failed.html', { reason }, { status: 403 });
 * }
 */
export function csrfFailure(request: HttpRequest, reason = ''): HttpResponse {
  const engine = currentTemplateEngine();
  if (engine?.has(CSRF_FAILURE_TEMPLATE_NAME)) {
    return new HttpResponse(engine.render(CSRF_FAILURE_TEMPLATE_NAME, {}, request), {
      status: 403,
    });
  }
  const debug = request.settings?.DEBUG ?? false;
  const paragraphs = [
    'CSRF verification failed. Request aborted.',
    ...(reason === REASON_NO_REFERER ? NO_REFERER : []),
    ...(reason === REASON_NO_CSRF_COOKIE ? NO_COOKIE : []),
  ];
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta http-equiv="content-type" content="text/html; charset=utf-8">
  <meta name="robots" content="NONE,NOARCHIVE">
  <title>403 Forbidden</title>
  <style>${STYLE}
  </style>
</head>
<body>
<div id="summary">
  <h1>Forbidden <span>(403)</span></h1>
${paragraphs.map((p) => `  <p>${p}</p>`).join('\n')}
</div>
${
  debug
    ? help(reason)
    : `<div id="explanation">
  <p><small>More information is available with DEBUG: true.</small></p>
</div>`
}
</body>
</html>
`;
  return new HttpResponse(html, { status: 403 });
}
