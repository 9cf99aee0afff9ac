"""Live Django 5.2 oracle for test/runtime/auth/auth.django-interop.test.ts.

Reads {"dbPath": ..., "secretKey": ..., "fallbacks": [...], "hashers": [...] (optional),
"ops": [...]} as JSON on stdin, runs each op with REAL Django's django.contrib.auth on the
SQLite database that Tango uses too (sessions in its django_session table), and writes a JSON
list of results ({"ok": value} or {"error": "ExceptionClass", "message": ...}).
"""

import io
import json
import sys
import warnings

warnings.simplefilter('ignore')

import django  # noqa: E402
from django.conf import settings  # noqa: E402


def request_for(session_key=None, method='GET', data=None):
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.test import RequestFactory
    factory = RequestFactory()
    request = factory.post('/', data or {}) if method == 'POST' else factory.get('/')
    if session_key:
        request.COOKIES[settings.SESSION_COOKIE_NAME] = session_key
    SessionMiddleware(lambda r: None).process_request(request)
    return request


def user_row(user):
    return {
        'id': user.pk,
        'username': user.username,
        'password': user.password,
        'email': user.email,
        'firstName': user.first_name,
        'lastName': user.last_name,
        'isStaff': user.is_staff,
        'isSuperuser': user.is_superuser,
        'isActive': user.is_active,
        'lastLogin': user.last_login.isoformat() if user.last_login else None,
        'dateJoined': user.date_joined.isoformat(),
    }


def run(op):
    from django.contrib import auth
    from django.contrib.auth import hashers
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.auth.models import User
    from django.core.management import call_command

    kind = op['op']
    if kind == 'migrate':
        out = io.StringIO()
        args = [op['app']] if op.get('app') else []
        call_command('migrate', *args, verbosity=1, interactive=False, stdout=out,
                     fake=op.get('fake', False), fake_initial=op.get('fakeInitial', False))
        return out.getvalue()
    if kind == 'tables':
        from django.db import connection
        return sorted(connection.introspection.table_names())
    if kind == 'create_user':
        create = User.objects.create_superuser if op.get('superuser') else User.objects.create_user
        user = create(op['username'], op.get('email', ''), op.get('password'))
        return user_row(user)
    if kind == 'get_user':
        return user_row(User.objects.get(username=op['username']))
    if kind == 'set_raw_password':
        User.objects.filter(username=op['username']).update(password=op['encoded'])
        return True
    if kind == 'set_password':
        user = User.objects.get(username=op['username'])
        user.set_password(op['password'])
        user.save()
        return user.password
    if kind == 'authenticate':
        user = auth.authenticate(None, username=op['username'], password=op['password'])
        return None if user is None else user_row(user)
    if kind == 'make_password':
        return hashers.make_password(op['password'], op.get('salt'), op.get('hasher', 'default'))
    if kind == 'check_password':
        return hashers.check_password(op['password'], op['encoded'])
    if kind == 'must_update':
        return hashers.identify_hasher(op['encoded']).must_update(op['encoded'])
    if kind == 'login':
        # A login as LoginView does it: authenticate, login() on the request's session, save.
        request = request_for(op.get('sessionKey'))
        user = auth.authenticate(request, username=op['username'], password=op['password'])
        if user is None:
            return None
        auth.login(request, user)
        request.session.save()
        return {'sessionKey': request.session.session_key,
                'data': dict(request.session.items())}
    if kind == 'whoami':
        # The next request of that browser: request.user through AuthenticationMiddleware.
        request = request_for(op['sessionKey'])
        AuthenticationMiddleware(lambda r: None).process_request(request)
        user = request.user
        authenticated = user.is_authenticated
        return {'username': user.get_username() if authenticated else '',
                'authenticated': authenticated,
                'sessionKey': request.session.session_key}
    if kind == 'session_data':
        from django.contrib.sessions.backends.db import SessionStore
        store = SessionStore(op['sessionKey'])
        return dict(store.items()) if store.exists(op['sessionKey']) else None
    raise ValueError('unknown op %r' % kind)


def main():
    payload = json.load(sys.stdin)
    extra = {}
    if payload.get('hashers'):
        extra['PASSWORD_HASHERS'] = payload['hashers']
    settings.configure(
        SECRET_KEY=payload['secretKey'],
        SECRET_KEY_FALLBACKS=payload.get('fallbacks', []),
        INSTALLED_APPS=['django.contrib.contenttypes', 'django.contrib.auth',
                        'django.contrib.sessions'],
        DATABASES={'default': {'ENGINE': 'django.db.backends.sqlite3',
                               'NAME': payload['dbPath']}},
        SESSION_ENGINE='django.contrib.sessions.backends.db',
        USE_TZ=True,
        ALLOWED_HOSTS=['testserver'],
        **extra,
    )
    django.setup()
    results = []
    for op in payload['ops']:
        try:
            results.append({'ok': run(op)})
        except Exception as error:  # noqa: BLE001 - reported to the test
            results.append({'error': type(error).__name__, 'message': str(error)})
    json.dump(results, sys.stdout, default=str)


main()
