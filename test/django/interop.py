#!/usr/bin/python3
"""Live Django oracle for test/runtime/core/django-interop.test.ts.

Reads {"secretKey": ..., "ops": [...]} as JSON on stdin, runs each op with REAL Django and
writes a JSON list of results ({"ok": value} or {"error": "ExceptionClass", "message": ...}).

    echo '{"secretKey":"k","ops":[{"op":"dumps","obj":{"a":1}}]}' | /usr/bin/python3 test/django/interop.py

Django 3.2 has no SECRET_KEY_FALLBACKS; ops that take "fallbackKeys" try each key in turn,
which is what current Django's Signer.unsign does.

Runs on Debian's Django 3.2 and on Django 5.2 (test/support/django.ts finds both). An op may
carry "settings": {...}, applied with override_settings for that op only (for example
{"SIGNED_COOKIE_LEGACY_SALT_FALLBACK": false}, a 5.2 setting). Session ops take "items"
([[key, value], ...]) instead of "data" where key order matters, and the *_keys ops return the
decoded keys in Python's dict order (a JSON object read in JavaScript may reorder them).
"""

import base64
import contextlib
import json
import sys
import warnings
import zlib
from unittest import mock

warnings.simplefilter('ignore')

import django  # noqa: E402
from django.conf import settings  # noqa: E402


def csrf_request(op):
    from django.http import HttpRequest
    request = HttpRequest()
    request.method = op.get('method', 'GET')
    request.path = '/form/'
    request.META.update({'SERVER_NAME': 'testserver', 'SERVER_PORT': '80', 'HTTP_HOST': 'testserver'})
    if op.get('cookie') is not None:
        request.COOKIES[settings.CSRF_COOKIE_NAME] = op['cookie']
    if op.get('post') is not None:
        request.POST['csrfmiddlewaretoken'] = op['post']
    if op.get('header') is not None:
        request.META['HTTP_X_CSRFTOKEN'] = op['header']
    if op.get('origin') is not None:
        request.META['HTTP_ORIGIN'] = op['origin']
    return request


def csrf_issue(op):
    """A GET through Django's CsrfViewMiddleware to a view that writes get_token(): the CSRF
    cookie Django sends (None if it sends none) and the form token of the page."""
    from django.http import HttpResponse
    from django.middleware import csrf
    request = csrf_request(op)
    response = csrf.CsrfViewMiddleware(lambda r: HttpResponse(csrf.get_token(r)))(request)
    cookie = response.cookies.get(settings.CSRF_COOKIE_NAME)
    return {'cookie': cookie.value if cookie is not None else None, 'token': response.content.decode()}


def csrf_verify(op):
    """Django's CsrfViewMiddleware judges an unsafe request: accepted, or the reason it gives."""
    from django.http import HttpResponse
    from django.middleware import csrf
    request = csrf_request({'method': 'POST', **op})
    middleware = csrf.CsrfViewMiddleware(lambda r: HttpResponse('OK'))
    reasons = []
    reject = middleware._reject
    middleware._reject = lambda req, reason: reasons.append(reason) or reject(req, reason)
    middleware.process_request(request)
    response = middleware.process_view(request, lambda r: HttpResponse('OK'), (), {})
    return {'accepted': response is None, 'reason': reasons[0] if reasons else None}


def error_page(op):
    """Django's plain error page (no templates configured) for status 400, 403, 404 or 500."""
    from django.core.exceptions import BadRequest, PermissionDenied
    from django.http import Http404, HttpRequest
    from django.views import defaults
    request = HttpRequest()
    request.path = '/missing/'
    response = {
        400: lambda: defaults.bad_request(request, BadRequest()),
        403: lambda: defaults.permission_denied(request, PermissionDenied()),
        404: lambda: defaults.page_not_found(request, Http404()),
        500: lambda: defaults.server_error(request),
    }[op['status']]()
    return {'status': response.status_code, 'contentType': response['Content-Type'],
            'body': response.content.decode()}


def main():
    request = json.load(sys.stdin)
    settings.configure(SECRET_KEY=request['secretKey'], DEFAULT_HASHING_ALGORITHM='sha256',
                       INSTALLED_APPS=[], ALLOWED_HOSTS=['testserver'],
                       CSRF_TRUSTED_ORIGINS=request.get('csrfTrustedOrigins', []))
    django.setup()

    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.core import signing
    from django.http import HttpRequest, HttpResponse
    from django.http.cookie import parse_cookie

    def with_keys(op, fn):
        keys = [op.get('key') or settings.SECRET_KEY] + op.get('fallbackKeys', [])
        error = None
        for key in keys:
            try:
                return fn(key)
            except signing.SignatureExpired:
                raise
            except signing.BadSignature as e:
                error = e
        raise error

    def run(op):
        from django.test.utils import override_settings
        with override_settings(**op.get('settings', {})):
            return run_op(op)

    def session_data(op):
        return dict(op['items']) if 'items' in op else op['data']

    def run_op(op):
        kind = op['op']
        clock = mock.patch('time.time', return_value=op['now']) if 'now' in op else contextlib.nullcontext()
        with clock:
            if kind == 'dumps':
                return signing.dumps(op['obj'], key=op.get('key'), salt=op.get('salt', 'django.core.signing'),
                                     compress=op.get('compress', False))
            if kind == 'loads':
                return with_keys(op, lambda key: signing.loads(
                    op['s'], key=key, salt=op.get('salt', 'django.core.signing'), max_age=op.get('maxAge')))
            if kind == 'sign':
                return signing.Signer(key=op.get('key'), salt=op.get('salt')).sign(op['value'])
            if kind == 'unsign':
                return with_keys(op, lambda key: signing.Signer(key=key, salt=op.get('salt')).unsign(op['value']))
            if kind == 'set_signed_cookie':
                response = HttpResponse()
                response.set_signed_cookie(op['name'], op['value'], salt=op.get('salt', ''))
                return response.cookies[op['name']].output(header='').strip()
            if kind == 'get_signed_cookie':
                req = HttpRequest()
                req.COOKIES = parse_cookie(op['cookieHeader'])
                return req.get_signed_cookie(op['name'], salt=op.get('salt', ''), max_age=op.get('maxAge'))
            if kind == 'session_encode':
                return SessionStore().encode(session_data(op))
            if kind == 'session_decode':
                return SessionStore().decode(op['encoded'])
            if kind == 'session_decode_keys':
                return list(SessionStore().decode(op['encoded']).keys())
            if kind == 'signed_cookie_session_encode':
                store = SessionStore()
                store._session_cache = session_data(op)
                return store._get_session_key()
            if kind == 'signed_cookie_session_decode':
                return SessionStore(session_key=op['value']).load()
            if kind == 'signed_cookie_session_decode_keys':
                return list(SessionStore(session_key=op['value']).load().keys())
            if kind == 'parse_cookie':
                return list(parse_cookie(op['header']).items())
            if kind == 'set_cookie':
                names = {'maxAge': 'max_age', 'httpOnly': 'httponly', 'sameSite': 'samesite'}
                response = HttpResponse()
                response.set_cookie(op['name'], op['value'],
                                    **{names.get(k, k): v for k, v in op.get('options', {}).items()})
                return response.cookies[op['name']].output(header='').strip()
            if kind == 'zlib_compress':
                return base64.b64encode(zlib.compress(base64.b64decode(op['data']))).decode()
            if kind == 'version':
                return django.get_version()
            if kind == 'error_page':
                return error_page(op)
            if kind == 'csrf_mask':
                from django.middleware import csrf
                with mock.patch.object(csrf, '_get_new_csrf_string', return_value=op['mask']):
                    return csrf._mask_cipher_secret(op['secret'])
            if kind == 'csrf_unmask':
                from django.middleware import csrf
                return csrf._unmask_cipher_token(op['token'])
            if kind == 'csrf_issue':
                return csrf_issue(op)
            if kind == 'csrf_verify':
                return csrf_verify(op)
            if kind == 'json_dumps':
                return signing.JSONSerializer().dumps(op['obj']).decode('latin-1')
            raise ValueError('unknown op %r' % kind)

    results = []
    for op in request['ops']:
        try:
            results.append({'ok': run(op)})
        except Exception as e:  # noqa: BLE001 - the test compares exception classes
            results.append({'error': type(e).__name__, 'message': str(e)})
    json.dump(results, sys.stdout)


if __name__ == '__main__':
    main()
