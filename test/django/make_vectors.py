#!/usr/bin/python3
"""Generate test/django/vectors.json from REAL Django (the system python3-django).

    cd <repo> && /usr/bin/python3 test/django/make_vectors.py > test/django/vectors.json

Every value below is produced by Django's own code (django.core.signing, HttpResponse.set_cookie,
http.cookies.SimpleCookie, django.http.cookie.parse_cookie, the sessions' SessionStore) with the
clock frozen, so the output is deterministic. Tango's tests (test/runtime/core/signing.test.ts,
test/runtime/http/cookie.test.ts, ...) assert that Tango produces the same bytes.

Django 3.2 has no SECRET_KEY_FALLBACKS (added in 4.1): fallback vectors are values signed with
the old key, which Tango must accept when that key is in fallbackKeys. Everything else used here
(signing format, JSONSerializer, zlib rule, cookie quoting) is unchanged in current Django.
"""

import datetime
import json
import sys
import warnings
from http.cookies import SimpleCookie
from unittest import mock

warnings.simplefilter('ignore')

import django  # noqa: E402
from django.conf import settings  # noqa: E402

SECRET_KEY = 'django-insecure-vector-key-0123456789-abcdefghijklmnopqrstuvwxyz'
OLD_SECRET_KEY = 'django-insecure-old-key-rotated-away'
settings.configure(
    SECRET_KEY=SECRET_KEY,
    DEFAULT_HASHING_ALGORITHM='sha256',
    USE_TZ=True,
    INSTALLED_APPS=[],
)
django.setup()

from django.contrib.sessions.backends.signed_cookies import SessionStore  # noqa: E402
from django.core import signing  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.http.cookie import parse_cookie  # noqa: E402
from django.utils import baseconv  # noqa: E402
from django.utils.crypto import salted_hmac  # noqa: E402

T = 1700000000  # '1r31eq' in base62
T_FRACTION = 1700000000.75


def frozen(t):
    return mock.patch('time.time', return_value=t)


PAYLOADS = [
    {'hit': 1},
    {'name': 'Zoë', 'city': 'Zürich', 'emoji': '😀🎉', 'cjk': '清風'},
    {'_session_expiry': 3600, '_auth_user_id': '42', 'list': [1, 2.5, None, True, False, 'x']},
    {'floats': [0.1, -2.5, 123.456, 1e-05, 1.5e-07, 0.0001, 3.14159e-10]},
    {'controls': '\t\n\r\x00\x1f\x7f "quoted" back\\slash /slash'},
    {'nested': {'a': {'b': {'c': []}}, 'empty': {}}},
    {'repetitive': 'abc' * 200, 'more': ['hello world'] * 20},
    ['a', 'top-level', 'list'],
    'just a string',
    12345678901234,
    None,
]

COOKIE_VALUES = [
    'Raju', '', 'a b', 'a;b', 'a,b', 'a"b', 'a\\b', '"quoted"', ' leading and trailing ',
    'tab\there', 'newline\nhere', 'nul\x00', 'del\x7f', 'latin é ß ÿ \x80 \xa0', '清風', 'emoji 😀',
    "!#$%&'*+-.^_`|~:", 'all kept ()/<=>?@[]{}', 'eq=sign', 'percent%20encoded', 'a\\"b',
    '\\054', 'ends with backslash\\', 'x' * 50, 'mix "清風" ;,\\ é 😀',
]

PARSE_HEADERS = [
    'sessionid=abc',
    'a=1; b=2',
    'a=1, b=2',
    'novalue',
    'a=1; novalue; b=2',
    ';;; a=1 ;;',
    ' = ',
    '=',
    'a=',
    '=b',
    'sessionid=abc; sessionid=def',
    'key with space=1; $Version=1',
    'c="\\054\\073"',
    'c="unterminated',
    'c=unterminated"',
    'c="',
    'c=""',
    'c="a\\"b\\\\c"',
    'c="\\400\\377\\3"',
    'c="trailing\\"',
    'c="\\q\\\\"',
    'c=%20%3B',
    'c=a=b=c',
    '  spaced  =  value  ',
    'c=\t tabbed \t',
    'c=\x85nel\x85; d=\xa0nbsp\xa0',
    'c=\x1cx\x1f',
    'c=清風; d=😀',
    'c="清風 \\351"',
    '',
    'a=1;b=2;c=3',
    'Path=/; Domain=x',
]

SET_COOKIE_CASES = [
    # name, value, options (Tango names), django kwargs
    ('user', 'Raju', {}),
    ('hit', 3, {}),
    ('hit', '1', {'maxAge': 120}),
    ('hit', '1', {'maxAge': 10.6}),
    ('hit', '1', {'maxAge': 0}),
    ('hit', '1', {'maxAge': -5}),
    ('hit', '1', {'maxAge': -5.5}),
    ('hit', '1', {'expires': 'garbage string'}),
    ('hit', '1', {'expires': 'Wed, 21 Oct 2015 07:28:00 GMT', 'maxAge': 10}),
    ('hit', '1', {'path': None}),
    ('hit', '1', {'path': ''}),
    ('hit', '1', {'path': '/sub/'}),
    ('hit', '1', {'domain': '.example.com'}),
    ('hit', '1', {'domain': ''}),
    ('hit', '1', {'secure': True}),
    ('hit', '1', {'httpOnly': True}),
    ('hit', '1', {'sameSite': 'Lax'}),
    ('hit', '1', {'sameSite': 'strict'}),
    ('hit', '1', {'sameSite': 'None'}),
    ('hit', '1', {'sameSite': False}),
    ('hit', '1', {'sameSite': None}),
    ('__Secure-id', 'x', {'secure': True}),
    ('__Host-id', 'x', {'secure': True, 'path': '/'}),
    ('c', 'a b', {'maxAge': 60, 'domain': 'example.com', 'path': '/p/', 'secure': True,
                  'httpOnly': True, 'sameSite': 'Strict'}),
    ('c', '', {}),
    ('c', '清風', {'httpOnly': True}),
    ('sessionid', 'abcdefghijklmnopqrstuvwxyz012345',
     {'maxAge': 1209600, 'domain': None, 'path': '/', 'secure': False, 'httpOnly': True, 'sameSite': 'Lax'}),
]

DELETE_COOKIE_CASES = [
    ('c', {}),
    ('__Secure-c', {}),
    ('__Host-c', {}),
    ('c', {'sameSite': 'none'}),
    ('c', {'sameSite': 'lax'}),
    ('sessionid', {'path': '/example/', 'domain': '.example.local', 'sameSite': 'Lax'}),
    ('c', {'path': None}),
]


ZLIB_WORDS = [b'alpha', b'beta', b'gamma', b'"_auth_user_id"', b':', b'{', b'}', b'1', b'22',
              b'hello world', b'\\u00e9']


def zlib_input(kind, seed, size):
    """Deterministic inputs, mirrored by zlibInput() in test/runtime/core/deflate.test.ts."""
    x = seed
    out = bytearray()
    while len(out) < size:
        x = (x * 1103515245 + 12345) & 0x7fffffff
        if kind == 'words':
            out += ZLIB_WORDS[x % len(ZLIB_WORDS)]
            if x % 5 == 0:
                out.append((x >> 8) % 128)
        elif kind == 'random':
            out.append((x >> 16) & 0xff)
        else:  # 'pattern'
            out.append((len(out) * 7 + (x % 3 == 0)) & 0xff)
    return bytes(out[:size])


def django_kwargs(options):
    names = {'maxAge': 'max_age', 'httpOnly': 'httponly', 'sameSite': 'samesite'}
    return {names.get(k, k): v for k, v in options.items()}


def set_cookie_header(name, value, options, t):
    response = HttpResponse()
    with frozen(t):
        response.set_cookie(name, value, **django_kwargs(options))
    return response.cookies[name].output(header='').strip()


CSRF_ALLOWED = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'


def csrf_string(seed):
    """32 deterministic characters of Django's CSRF alphabet (mirrored nowhere: the vectors hold them)."""
    x = seed
    out = ''
    for _ in range(32):
        x = (x * 1103515245 + 12345) & 0x7fffffff
        out += CSRF_ALLOWED[(x >> 16) % 62]
    return out


def csrf_vectors():
    """Django's CSRF token masking, and cookie/form-token pairs issued by Django's middleware.

    Django 3.2 masks exactly as 5.2 does (_mask_cipher_secret/_unmask_cipher_token are the same
    code); its randomness (_get_new_csrf_string) is replaced by fixed strings. 3.2's middleware
    stored the secret *masked* in the cookie (64 characters); 4.1+ stores it bare (32) and still
    accepts a masked cookie, which is what `issued` checks on the Tango side.
    """
    from django.http import HttpRequest, HttpResponse
    from django.middleware import csrf

    pairs = [(csrf_string(2 * i + 1), csrf_string(2 * i + 2)) for i in range(12)]
    pairs += [('a' * 32, 'a' * 32), ('9' * 32, '9' * 32), ('Z' * 32, '0' * 32),
              ('lcccccccX2kcccccccY2jcccccccssIC', '1bcdefghij2bcdefghij3bcdefghij4b')]
    masks = []
    for secret, mask in pairs:
        with mock.patch.object(csrf, '_get_new_csrf_string', return_value=mask):
            token = csrf._mask_cipher_secret(secret)
        masks.append({'secret': secret, 'mask': mask, 'token': token,
                      'unmasked': csrf._unmask_cipher_token(token)})

    issued = []
    for i in range(4):
        secret, mask1, mask2 = csrf_string(100 + i), csrf_string(200 + i), csrf_string(300 + i)
        request = HttpRequest()
        request.method = 'GET'
        request.META.update({'SERVER_NAME': 'testserver', 'SERVER_PORT': '80'})
        middleware = csrf.CsrfViewMiddleware(lambda r: HttpResponse(csrf.get_token(r)))
        with mock.patch.object(csrf, '_get_new_csrf_string', side_effect=[secret, mask1, mask2]):
            response = middleware(request)
        issued.append({'secret': secret, 'cookie': response.cookies[settings.CSRF_COOKIE_NAME].value,
                       'token': response.content.decode(),
                       'header': response.cookies[settings.CSRF_COOKIE_NAME].output(header='').strip()})
    return {'masks': masks, 'issued': issued}


def main():
    out = {
        'generatedBy': {
            'command': '/usr/bin/python3 test/django/make_vectors.py > test/django/vectors.json',
            'django': django.get_version(),
            'python': sys.version.split()[0],
        },
        'secretKey': SECRET_KEY,
        'oldSecretKey': OLD_SECRET_KEY,
        'time': T,
    }

    out['b62'] = [[n, baseconv.base62.encode(n)] for n in [0, 1, 61, 62, 3843, 3844, T, -T, 2**40, 2**53 - 1]]

    out['saltedHmac'] = [
        {'salt': s, 'value': v, 'secret': k,
         'hex': salted_hmac(s, v, k, algorithm='sha256').hexdigest()}
        for s, v, k in [
            ('django.core.signing.Signersigner', 'hello', SECRET_KEY),
            ('', '', 'k'),
            ('salt é', 'value 😀', 'secret 清風'),
        ]
    ]

    signer_cases = []
    for opts, value in [
        ({}, 'hello'),
        ({'salt': 'extra'}, 'hello'),
        ({'salt': ''}, 'hello'),
        ({'key': 'another-key'}, 'hello'),
        ({'sep': '/'}, 'hello'),
        ({}, ''),
        ({}, 'a:b:c'),
        ({}, 'Zoë 清風 😀'),
    ]:
        kwargs = dict(opts)
        signer = signing.Signer(**kwargs)
        signer_cases.append({'options': opts, 'value': value, 'signed': signer.sign(value)})
    out['signer'] = signer_cases

    ts_cases = []
    for opts, value, t in [
        ({}, 'hello', T),
        ({'salt': 'extra'}, 'hello', T),
        ({}, 'Zoë 😀', T + 12345),
        ({'key': 'another-key', 'sep': '/'}, 'x', T),
    ]:
        with frozen(t):
            signed = signing.TimestampSigner(**opts).sign(value)
        ts_cases.append({'options': opts, 'value': value, 'time': t, 'signed': signed})
    out['timestampSigner'] = ts_cases

    dumps_cases = []
    for obj in PAYLOADS:
        for compress in (False, True):
            for salt in ('django.core.signing', 'my-app.tokens'):
                with frozen(T):
                    signed = signing.dumps(obj, salt=salt, compress=compress)
                dumps_cases.append({
                    'obj': obj, 'salt': salt, 'compress': compress, 'signed': signed,
                    'json': signing.JSONSerializer().dumps(obj).decode('latin-1'),
                })
    out['dumps'] = dumps_cases

    # A payload big enough that Node's zlib (Chromium's fork) may compress it differently from
    # CPython's: Tango must still load Django's bytes.
    big = {'rows': [{'id': i, 'name': 'row %d' % i, 'tags': ['t%d' % (i % 7)]} for i in range(400)]}
    with frozen(T):
        out['bigCompressed'] = {'obj': big, 'signed': signing.dumps(big, compress=True)}

    import hashlib
    import zlib
    zlib_cases = []
    for kind in ('words', 'random', 'pattern'):
        for size in (0, 1, 2, 3, 10, 100, 300, 1000, 5000, 40000, 70000, 140000, 300000):
            data = zlib_input(kind, size + 1, size)
            compressed = zlib.compress(data)
            zlib_cases.append({'kind': kind, 'seed': size + 1, 'size': size, 'length': len(compressed),
                               'sha256': hashlib.sha256(compressed).hexdigest(),
                               'inputSha256': hashlib.sha256(data).hexdigest()})
    out['zlib'] = zlib_cases

    cookies = []
    for name, value, salt, options, t in [
        ('user', 'Raju', '', {}, T),
        ('user', 'Raju', 'greeting', {'maxAge': 60}, T),
        ('c', 'a b', '', {}, T),
        ('c', 'Zoë 清風', 'x', {'httpOnly': True}, T + 1),
    ]:
        response = HttpResponse()
        with frozen(t):
            response.set_signed_cookie(name, value, salt=salt, **django_kwargs(options))
        morsel = response.cookies[name]
        cookies.append({
            'name': name, 'value': value, 'salt': salt, 'options': options, 'time': t,
            'signedValue': morsel.value, 'header': morsel.output(header='').strip(),
        })
    out['signedCookies'] = cookies

    # get_signed_cookie: what real Django returns for given cookie values at given times.
    reads = []
    base = cookies[1]  # 'user', salt 'greeting', signed at T
    for value, salt, max_age, now in [
        (base['signedValue'], 'greeting', None, T + 100),
        (base['signedValue'], 'greeting', 11, T + 11),
        (base['signedValue'], 'greeting', 10, T + 11),
        (base['signedValue'], '', None, T),
        (base['signedValue'] + 'x', 'greeting', None, T),
        ('no-colon', 'greeting', None, T),
    ]:
        request = HttpRequest()
        request.COOKIES['user'] = value
        with frozen(now):
            try:
                result = {'value': request.get_signed_cookie('user', salt=salt, max_age=max_age)}
            except signing.SignatureExpired:
                result = {'error': 'SignatureExpired'}
            except signing.BadSignature as e:
                result = {'error': 'BadSignature', 'message': str(e)}
        reads.append({'cookie': value, 'salt': salt, 'maxAge': max_age, 'now': now, **result})
    out['getSignedCookie'] = reads

    sessions = []
    for obj in PAYLOADS[:7]:
        store = SessionStore()
        with frozen(T):
            encoded = store.encode(obj)
            store._session_cache = obj
            cookie_value = store._get_session_key()
        sessions.append({'data': obj, 'encoded': encoded, 'signedCookie': cookie_value})
    out['sessions'] = sessions

    fallback = []
    with frozen(T):
        fallback.append({'kind': 'signer', 'value': 'hello',
                         'signed': signing.Signer(OLD_SECRET_KEY).sign('hello')})
        fallback.append({'kind': 'dumps', 'value': {'a': 1},
                         'signed': signing.dumps({'a': 1}, key=OLD_SECRET_KEY)})
        fallback.append({'kind': 'session', 'value': {'hit': 7},
                         'signed': signing.dumps({'hit': 7}, key=OLD_SECRET_KEY,
                                                 salt='django.contrib.sessions.SessionStore',
                                                 compress=True)})
        fallback.append({'kind': 'cookie', 'name': 'user', 'salt': '', 'value': 'Raju',
                         'signed': signing.TimestampSigner(b'django.http.cookies' + OLD_SECRET_KEY.encode(),
                                                           salt='user').sign('Raju')})
    out['fallback'] = fallback

    simple = []
    for value in COOKIE_VALUES:
        c = SimpleCookie()
        c['c'] = value
        simple.append({'value': value, 'output': c['c'].OutputString()})
    out['simpleCookie'] = simple

    out['setCookie'] = [
        {'name': name, 'value': value, 'options': options, 'time': T_FRACTION,
         'header': set_cookie_header(name, value, options, T_FRACTION)}
        for name, value, options in SET_COOKIE_CASES
    ]

    # expires as a datetime: Django 3.2 reads the clock through expires.utcnow(), so a datetime
    # subclass freezes it.
    now_dt = datetime.datetime.utcfromtimestamp(T_FRACTION)

    class FrozenDateTime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return now_dt

    expires_cases = []
    for offset in [10, 10.5, 0.2, 0, -0.5, -5, 86400 * 400]:
        target = now_dt + datetime.timedelta(seconds=offset)
        expires = FrozenDateTime(*target.timetuple()[:6], target.microsecond)
        response = HttpResponse()
        with frozen(T_FRACTION):
            response.set_cookie('dt', 'v', expires=expires)
        expires_cases.append({
            'expiresMs': round((T_FRACTION + offset) * 1000), 'time': T_FRACTION,
            'header': response.cookies['dt'].output(header='').strip(),
        })
    out['expiresDate'] = expires_cases

    deletes = []
    for name, options in DELETE_COOKIE_CASES:
        response = HttpResponse()
        response.delete_cookie(name, **django_kwargs(options))
        deletes.append({'name': name, 'options': options,
                        'header': response.cookies[name].output(header='').strip()})
    out['deleteCookie'] = deletes

    with frozen(T):
        out['csrf'] = csrf_vectors()

    out['parseCookie'] = [
        {'header': h, 'parsed': list(parse_cookie(h).items())} for h in PARSE_HEADERS
    ]

    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
