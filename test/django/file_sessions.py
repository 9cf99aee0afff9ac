#!/usr/bin/python3
"""Live Django oracle for test/runtime/sessions/backends/file.django-interop.test.ts.

Runs REAL Django's file session engine (django.contrib.sessions.backends.file) on a directory
that Tango's FileStore shares. Reads {"secretKey", "directory", "cookieAge", "ops": [...]} as
JSON on stdin, runs each op in order and writes a JSON list of results, one per op:

    {"op": "create", "data": {...}, "expiry": 600 | "2026-...+00:00" | null}  -> the new key
        (an ISO string is passed to set_expiry() as a datetime, as a view would)
    {"op": "load", "key": "..."}  -> {"data": {...}, "key": the key after load (None if gone)}
        (only for live sessions: Django's load() of an expired file deletes it and creates a
        new session)
    {"op": "clear_expired"}  -> the sorted names of the files left in the directory

    echo '{"secretKey":"k","directory":"/tmp/x","cookieAge":1209600,"ops":[{"op":"create","data":{"a":1}}]}' \
        | /usr/bin/python3 test/django/file_sessions.py

Works with Django 3.2 (Debian's python3-django) and 5.2 (test/support/django.ts finds both).
"""

import datetime
import json
import os
import sys
import warnings

warnings.simplefilter('ignore')

import django  # noqa: E402
from django.conf import settings  # noqa: E402


def main():
    request = json.load(sys.stdin)
    settings.configure(
        SECRET_KEY=request['secretKey'],
        INSTALLED_APPS=['django.contrib.sessions'],
        USE_TZ=True,
        SESSION_ENGINE='django.contrib.sessions.backends.file',
        SESSION_FILE_PATH=request['directory'],
        SESSION_COOKIE_AGE=request['cookieAge'],
    )
    django.setup()
    from django.contrib.sessions.backends.file import SessionStore

    results = []
    for op in request['ops']:
        kind = op['op']
        if kind == 'version':
            results.append(django.get_version())
        elif kind == 'create':
            session = SessionStore()
            session.update(op['data'])
            expiry = op.get('expiry')
            if isinstance(expiry, str):
                expiry = datetime.datetime.fromisoformat(expiry)
            if expiry is not None:
                session.set_expiry(expiry)
            session.save()
            results.append(session.session_key)
        elif kind == 'load':
            session = SessionStore(session_key=op['key'])
            data = session.load()
            results.append({'data': data, 'key': session.session_key})
        elif kind == 'clear_expired':
            SessionStore.clear_expired()
            results.append(sorted(os.listdir(request['directory'])))
        else:
            raise ValueError('unknown op %r' % kind)
    json.dump(results, sys.stdout)


if __name__ == '__main__':
    main()
