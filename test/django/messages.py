"""Live Django 5.2 oracle for test/runtime/messages/messages.django-interop.test.ts.

Reads {"secretKey": ..., "ops": [...]} as JSON on stdin, runs each op with REAL Django's
django.contrib.messages and writes a JSON list of results ({"ok": value} or
{"error": "ExceptionClass", "message": ...}).

A message travels as [level, text, extra_tags (or null), safe (bool)]; "__messagesnotfinished__"
stands for CookieStorage.not_finished. Requests carry a plain dict as their session (as
Django's own messages tests do), so FallbackStorage can overflow into it.
"""

import json
import sys
import warnings

warnings.simplefilter('ignore')

import django  # noqa: E402
from django.conf import settings  # noqa: E402

NOT_FINISHED = '__messagesnotfinished__'


def to_message(item):
    from django.contrib.messages.storage.base import Message
    from django.utils.safestring import mark_safe
    if item == NOT_FINISHED:
        return item
    level, text, extra_tags, safe = item
    return Message(level, mark_safe(text) if safe else text, extra_tags=extra_tags)


def from_message(message):
    from django.utils.safestring import SafeData
    if message == NOT_FINISHED:
        return message
    return [message.level, str(message.message), message.extra_tags,
            isinstance(message.message, SafeData)]


def request_with(cookie=None, session=None):
    from django.test import RequestFactory
    request = RequestFactory().get('/')
    if cookie is not None:
        request.COOKIES['messages'] = cookie
    request.session = {} if session is None else {'_messages': session}
    return request


def cookie_result(response):
    morsel = response.cookies.get('messages')
    if morsel is None:
        return None
    return {
        'value': morsel.value,
        'maxAge': morsel['max-age'],
        'expires': morsel['expires'],
        'path': morsel['path'],
        'domain': morsel['domain'],
        'secure': morsel['secure'],
        'httponly': morsel['httponly'],
        'samesite': morsel['samesite'],
    }


def run(op):
    from django.contrib.messages import api
    from django.contrib.messages.middleware import MessageMiddleware
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.contrib.messages.storage.session import SessionStorage
    from django.http import HttpResponse
    from django.utils.safestring import mark_safe

    kind = op['op']
    if kind == 'encode':
        # CookieStorage._encode: the cookie value for these messages.
        storage = CookieStorage(request_with())
        return storage._encode([to_message(m) for m in op['messages']], encode_empty=True)
    if kind == 'decode':
        storage = CookieStorage(request_with())
        decoded = storage._decode(op['value'])
        return None if decoded is None else [from_message(m) for m in decoded]
    if kind == 'store':
        # CookieStorage._store: what fits in the cookie, and how many were left out.
        storage = CookieStorage(request_with())
        response = HttpResponse()
        unstored = storage._store([to_message(m) for m in op['messages']], response,
                                  remove_oldest=op.get('removeOldest', True))
        return {'cookie': cookie_result(response), 'unstored': [from_message(m) for m in unstored]}
    if kind == 'session_serialize':
        storage = SessionStorage(request_with())
        return storage.serialize_messages([to_message(m) for m in op['messages']])
    if kind == 'session_deserialize':
        storage = SessionStorage(request_with())
        return [from_message(m) for m in storage.deserialize_messages(op['data'])]
    if kind == 'middleware_add':
        # A view adds messages through the API; MessageMiddleware (the default FallbackStorage)
        # stores them in the response's cookie and, past 2048 characters, in the session.
        request = request_with()

        def view(req):
            for level, text, extra_tags, safe in op['messages']:
                api.add_message(req, level, mark_safe(text) if safe else text,
                                extra_tags=extra_tags or '')
            return HttpResponse('added')

        response = MessageMiddleware(view)(request)
        return {'cookie': cookie_result(response), 'session': request.session.get('_messages')}
    if kind == 'middleware_read':
        # The next request: a view lists get_messages(); the middleware then clears them.
        request = request_with(op.get('cookie'), op.get('session'))
        shown = []

        def view(req):
            shown.extend(from_message(m) for m in api.get_messages(req))
            return HttpResponse('shown')

        response = MessageMiddleware(view)(request)
        return {'messages': shown, 'cookie': cookie_result(response),
                'session': request.session.get('_messages')}
    raise ValueError('unknown op %r' % kind)


def main():
    payload = json.load(sys.stdin)
    settings.configure(
        SECRET_KEY=payload['secretKey'],
        INSTALLED_APPS=['django.contrib.messages'],
        MESSAGE_STORAGE='django.contrib.messages.storage.fallback.FallbackStorage',
        **payload.get('settings', {}),
    )
    django.setup()
    results = []
    for op in payload['ops']:
        try:
            results.append({'ok': run(op)})
        except Exception as error:  # noqa: BLE001 - reported to the test
            results.append({'error': type(error).__name__, 'message': str(error)})
    json.dump(results, sys.stdout)


if __name__ == '__main__':
    main()
