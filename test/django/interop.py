#!/usr/bin/python3
"""Live Django oracle for test/runtime/core/django-interop.test.ts.

Reads {"secretKey": ..., "ops": [...]} as JSON on stdin, runs each op with REAL Django and
writes a JSON list of results ({"ok": value} or {"error": "ExceptionClass", "message": ...}).

    echo '{"secretKey":"k","ops":[{"op":"dumps","obj":{"a":1}}]}' | /usr/bin/python3 test/django/interop.py

Django 3.2 has no SECRET_KEY_FALLBACKS; ops that take "fallbackKeys" try each key in turn,
which is what current Django's Signer.unsign does.
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


def main():
    request = json.load(sys.stdin)
    settings.configure(SECRET_KEY=request['secretKey'], DEFAULT_HASHING_ALGORITHM='sha256',
                       INSTALLED_APPS=[])
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
                return signing.Signer(op.get('key'), salt=op.get('salt')).sign(op['value'])
            if kind == 'unsign':
                return with_keys(op, lambda key: signing.Signer(key, salt=op.get('salt')).unsign(op['value']))
            if kind == 'set_signed_cookie':
                response = HttpResponse()
                response.set_signed_cookie(op['name'], op['value'], salt=op.get('salt', ''))
                return response.cookies[op['name']].output(header='').strip()
            if kind == 'get_signed_cookie':
                req = HttpRequest()
                req.COOKIES = parse_cookie(op['cookieHeader'])
                return req.get_signed_cookie(op['name'], salt=op.get('salt', ''), max_age=op.get('maxAge'))
            if kind == 'session_encode':
                return SessionStore().encode(op['data'])
            if kind == 'session_decode':
                return SessionStore().decode(op['encoded'])
            if kind == 'signed_cookie_session_encode':
                store = SessionStore()
                store._session_cache = op['data']
                return store._get_session_key()
            if kind == 'signed_cookie_session_decode':
                return SessionStore(session_key=op['value']).load()
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
