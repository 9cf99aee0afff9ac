/**
 * The messages cookie and session data against REAL Django 5.2 (test/support/django.ts; the
 * oracle is test/django/messages.py), both ways, with the same SECRET_KEY:
 *
 * - CookieStorage's value: Django's and Tango's payloads (the signed part before the timestamp)
 *   are the same bytes for the same messages (plain, non-ASCII, safe, extra tags null/''/set,
 *   custom levels, compressed, cut short), and each side decodes the other's;
 * - the 2048-character limit: the same messages dropped, oldest first (or newest first, as
 *   FallbackStorage asks), and the same cookie;
 * - SessionStorage's string is Django's `MessageEncoder().encode()`, byte for byte;
 * - whole requests: messages added in a Django view show on a Tango page (and are then
 *   deleted), messages added in a Tango view show in Django's `get_messages()`, also when they
 *   overflow from the cookie into the session.
 *
 * Without Django 5.2 the file skips with a loud warning; under CI=true it fails instead.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configure } from '../../../src/runtime/conf/current.js';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { createApplication, type Application } from '../../../src/runtime/handlers/base.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { HttpResponse } from '../../../src/runtime/http/response.js';
import {
  CookieStorage,
  FallbackStorage,
  isSafeText,
  markSafe,
  Message,
  NOT_FINISHED,
  SessionStorage,
} from '../../../src/runtime/messages/index.js';
import { Session } from '../../../src/runtime/sessions/session.js';
import { Client } from '../../../src/runtime/test/client.js';
import { django52Python, REPO_ROOT, runPythonJson } from '../../support/django.js';
import { MemoryStore } from '../sessions/memory-store.js';

const django = await django52Python();
const SCRIPT = readFileSync(path.join(REPO_ROOT, 'test/django/messages.py'), 'utf8');
const SITE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'site');
const SECRET_KEY = 'django-insecure-messages-interop-k3y';

/** A message as the oracle takes it: [level, text, extraTags, safe]. */
type Wire = [level: number, text: string, extraTags: string | null, safe: boolean];
type WireItem = Wire | typeof NOT_FINISHED;
type Result = { ok: unknown } | { error: string; message: string };

interface DjangoCookie {
  value: string;
  maxAge: string | number;
  expires: string;
  path: string;
  domain: string;
  secure: boolean | string;
  httponly: boolean | string;
  samesite: string;
}

async function oracle(ops: Record<string, unknown>[]): Promise<unknown[]> {
  const results = await runPythonJson<Result[]>(django, SCRIPT, { secretKey: SECRET_KEY, ops });
  return results.map((result, i) => {
    if ('error' in result) {
      throw new Error(
        `Django failed op ${JSON.stringify(ops[i]).slice(0, 200)}: ${result.error}: ${result.message}`,
      );
    }
    return result.ok;
  });
}

function toMessage(item: WireItem): Message | typeof NOT_FINISHED {
  if (item === NOT_FINISHED) return item;
  const [level, text, extraTags, safe] = item;
  return new Message(level, safe ? markSafe(text) : text, extraTags);
}

function toWire(item: Message | typeof NOT_FINISHED): WireItem {
  if (item === NOT_FINISHED) return item;
  return [item.level, String(item.message), item.extraTags, isSafeText(item.message)];
}

function bareRequest(cookie?: string): HttpRequest {
  return new HttpRequest({
    method: 'GET',
    url: '/',
    headers: cookie === undefined ? {} : { cookie: `messages=${cookie}` },
  });
}

function session(): Session {
  return new Session(new MemoryStore(), {
    SESSION_COOKIE_AGE: 1209600,
    SESSION_EXPIRE_AT_BROWSER_CLOSE: false,
  });
}

/** The signed value's payload: what precedes `:timestamp:signature`. */
const payload = (value: string): string => value.split(':')[0]!;

function randomText(length: number): string {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from({ length }, () => chars[randomInt(chars.length)]).join('');
}

const VECTORS: [name: string, messages: WireItem[]][] = [
  ['one info message', [[20, 'Hello world.', '', false]]],
  [
    'extra tags null, empty and set',
    [
      [20, 'a', null, false],
      [25, 'b', '', false],
      [40, 'c', 'toast urgent', false],
    ],
  ],
  [
    'non-ASCII, quotes, backslashes, separators',
    [
      [30, 'Zoë ☃ 😀 \u2019', '', false],
      [20, '\\te,st;m"e 123"NOTRECEIVED" a:b', 'x,y', false],
      [20, 'line\nbreak\ttab \u0000 \u007f', '', false],
    ],
  ],
  [
    'safe HTML',
    [
      [25, '<b>Saved.</b> <a href="/undo/">Undo</a>', '', true],
      [25, '<b>not safe</b>', '', false],
    ],
  ],
  [
    'custom and default levels',
    [
      [10, 'debug', '', false],
      [29, 'custom 29', '', false],
      [35, 'custom 35', 'notice', false],
      [0, 'level zero', null, false],
    ],
  ],
  ['compressed (a long repetitive text)', [[20, 'spam, eggs and spam '.repeat(60), '', false]]],
  [
    'many short messages',
    Array.from({ length: 40 }, (_, i): Wire => [20 + (i % 3) * 5, `Message ${i}`, '', false]),
  ],
  [
    'cut short (ends with the sentinel)',
    [[20, '0', '', false], [20, '1', '', false], NOT_FINISHED],
  ],
  ['only the sentinel', [NOT_FINISHED]],
];

beforeAll(() => {
  configure(defineSettings({ BASE_DIR: SITE, SECRET_KEY }));
});

describe.skipIf(!django.available)(`messages against Django ${django.version ?? '5.2'}`, () => {
  it('CookieStorage: the same payload bytes, and each side decodes the other', async () => {
    const storage = new CookieStorage(bareRequest());
    const ours = VECTORS.map(([, messages]) => storage.encode(messages.map(toMessage), true)!);
    const results = await oracle([
      ...VECTORS.map(([, messages]) => ({ op: 'encode', messages })),
      ...ours.map((value) => ({ op: 'decode', value })),
    ]);
    const theirs = results.slice(0, VECTORS.length) as string[];
    const decodedByDjango = results.slice(VECTORS.length) as WireItem[][];
    VECTORS.forEach(([name, messages], i) => {
      expect(payload(ours[i]!), name).toBe(payload(theirs[i]!));
      // Django's cookie, read by Tango.
      expect(storage.decode(theirs[i])!.map(toWire), name).toEqual(messages);
      // Tango's cookie, read by Django.
      expect(decodedByDjango[i], name).toEqual(messages);
    });
    // The compressed vector really took the compressed path ('.' prefix), on both sides.
    expect(theirs[5]!.startsWith('.')).toBe(true);
    expect(ours[5]!.startsWith('.')).toBe(true);
  });

  it('a tampered or foreign cookie is ignored by both', async () => {
    const storage = new CookieStorage(bareRequest());
    const value = storage.encode([new Message(20, 'hi', '')])!;
    const tampered = value.slice(1);
    const [djangoDecoded] = await oracle([{ op: 'decode', value: tampered }]);
    expect(djangoDecoded).toBeNull();
    expect(storage.decode(tampered)).toBeNull();
    expect(storage.used).toBe(true);
  });

  it('over 2048 characters: the same messages dropped and the same cookie, oldest or newest first', async () => {
    const size = Math.trunc((2048 - 54) / 4.5 - 37);
    const messages: Wire[] = Array.from({ length: 7 }, (_, i) => [
      20,
      `${i}${randomText(size)}`,
      '',
      false,
    ]);
    const [oldest, newest] = (await oracle([
      { op: 'store', messages, removeOldest: true },
      { op: 'store', messages, removeOldest: false },
    ])) as { cookie: DjangoCookie; unstored: Wire[] }[];
    for (const [django, removeOldest] of [
      [oldest!, true],
      [newest!, false],
    ] as const) {
      const storage = new CookieStorage(bareRequest());
      const response = new HttpResponse();
      const unstored = storage.store(
        messages.map((m) => toMessage(m) as Message),
        response,
        removeOldest,
      );
      expect(unstored.map(toWire)).toEqual(django.unstored);
      expect(unstored.length).toBeGreaterThan(0);
      const cookie = response.cookies.get('messages')!;
      expect(cookie.value.length).toBeLessThanOrEqual(2048);
      expect(payload(cookie.value)).toBe(payload(django.cookie.value));
      const kept = storage.decode(cookie.value)!;
      expect(kept.at(-1)).toBe(NOT_FINISHED);
      // Oldest first: the newest stay; newest first: the oldest stay.
      expect(kept.slice(0, -1).map(toWire)).toEqual(
        removeOldest
          ? messages.slice(unstored.length)
          : messages.slice(0, messages.length - unstored.length),
      );
    }
  });

  it('SessionStorage: the same string as MessageEncoder().encode(), read both ways', async () => {
    const request = bareRequest();
    request.session = session();
    const storage = new SessionStorage(request);
    const vectors = VECTORS.map(([, messages]) =>
      messages.filter((m): m is Wire => m !== NOT_FINISHED),
    );
    const ours = vectors.map((messages) =>
      storage.serializeMessages(messages.map((m) => toMessage(m) as Message)),
    );
    const results = await oracle([
      ...vectors.map((messages) => ({ op: 'session_serialize', messages })),
      ...ours.map((data) => ({ op: 'session_deserialize', data })),
    ]);
    vectors.forEach((messages, i) => {
      expect(ours[i]).toBe(results[i]);
      expect(storage.deserializeMessages(results[i])!.map(toWire)).toEqual(messages);
      expect(results[vectors.length + i]).toEqual(messages);
    });
  });

  describe('whole requests through MessageMiddleware', () => {
    let app: Application;

    beforeAll(async () => {
      app = await createApplication(
        configure(
          defineSettings({
            BASE_DIR: SITE,
            SECRET_KEY,
            ALLOWED_HOSTS: ['testserver'],
            INSTALLED_APPS: ['tango.sessions', 'tango.messages'],
            MIDDLEWARE: [
              'tango.sessions.middleware.SessionMiddleware',
              'tango.messages.middleware.MessageMiddleware',
            ],
            ROOT_URLCONF: 'urls',
            TEMPLATES: [{ BACKEND: 'handlebars', DIRS: ['templates'], APP_DIRS: false }],
            SESSION_ENGINE: 'cache',
          }),
        ),
      );
    });

    afterAll(async () => {
      await app.close();
    });

    it('messages added by a Django view show once on a Tango page', async () => {
      const added: Wire[] = [
        [20, 'Hello from Django.', '', false],
        [40, 'Zoë’s <error>', 'urgent', false],
        [25, '<b>Saved</b>', '', true],
      ];
      const [result] = (await oracle([{ op: 'middleware_add', messages: added }])) as {
        cookie: DjangoCookie;
      }[];
      const client = new Client({ app });
      client.cookies.set('messages', result!.cookie.value);
      const page = await client.get('/show/');
      expect(page.status).toBe(200);
      const html = page.text();
      expect(html).toContain('<li class="info" data-level="20">Hello from Django.</li>');
      expect(html).toContain('<li class="urgent error" data-level="40">Zoë’s &lt;error&gt;</li>');
      expect(html).toContain('<li class="success" data-level="25"><b>Saved</b></li>');
      // Shown, so the cookie is deleted; a reload shows nothing.
      expect(client.cookies.has('messages')).toBe(false);
      expect((await client.get('/show/')).text()).not.toContain('<li');
    });

    it('messages added by a Tango view show in Django’s get_messages(), which then clears them', async () => {
      const client = new Client({ app });
      const texts = ['Hello from Tango.', 'Zoë ☃ 😀', '"quoted", \\back\\slashed; done'];
      const posted = await client.post(
        '/add/warning/',
        new URLSearchParams(texts.map((t): [string, string] => ['messages', t])).toString(),
        { contentType: 'application/x-www-form-urlencoded' },
      );
      expect(posted.status).toBe(302);
      const cookie = posted.cookies.get('messages')!;
      expect(cookie.options).toMatchObject({
        path: '/',
        httpOnly: true,
        sameSite: 'Lax',
        maxAge: null,
      });
      const [read] = (await oracle([{ op: 'middleware_read', cookie: cookie.value }])) as {
        messages: Wire[];
        cookie: DjangoCookie;
      }[];
      expect(read!.messages).toEqual(texts.map((t): Wire => [30, t, '', false]));
      expect(read!.cookie.value).toBe('');
      expect(Number(read!.cookie.maxAge)).toBe(0);
    });

    it('the Django cookie Tango writes carries the same attributes as Django’s', async () => {
      const [result] = (await oracle([
        { op: 'middleware_add', messages: [[20, 'x', '', false]] },
      ])) as { cookie: DjangoCookie }[];
      const client = new Client({ app });
      const posted = await client.post('/add/info/', 'messages=x', {
        contentType: 'application/x-www-form-urlencoded',
      });
      const ours = posted.setCookieHeaders().find((h) => h.startsWith('messages='))!;
      const attributes = (header: string) =>
        header
          .split('; ')
          .slice(1)
          .map((a) => a.toLowerCase())
          .sort();
      const django = result!.cookie;
      const theirs = [
        ...(django.httponly ? ['httponly'] : []),
        `path=${django.path}`,
        `samesite=${django.samesite.toLowerCase()}`,
      ].sort();
      expect(attributes(ours)).toEqual(theirs);
      expect(payload(ours.slice('messages='.length, ours.indexOf(';')))).toBe(
        payload(django.value),
      );
    });
  });

  it('FallbackStorage: messages that overflow into the session cross over both ways', async () => {
    const size = Math.trunc((2048 - 54) / 4.5 - 37);
    const messages: Wire[] = Array.from({ length: 6 }, (_, i) => [
      20,
      `${i}${randomText(size)}`,
      '',
      false,
    ]);

    // Django writes: cookie (the oldest that fit, then the sentinel) + session (the rest).
    const [written] = (await oracle([{ op: 'middleware_add', messages }])) as {
      cookie: DjangoCookie;
      session: string;
    }[];
    expect(typeof written!.session).toBe('string');
    const request = bareRequest(written!.cookie.value);
    request.session = session();
    request.session.set('_messages', written!.session);
    expect([...new FallbackStorage(request)].map(toWire)).toEqual(messages);

    // Tango writes the same split; Django reads all of them back, in order.
    const ours = bareRequest();
    ours.session = session();
    const storage = new FallbackStorage(ours);
    for (const [level, text] of messages) storage.add(level, text);
    const response = new HttpResponse();
    expect(storage.update(response)).toEqual([]);
    const cookie = response.cookies.get('messages')!.value;
    const stored = ours.session.get('_messages') as string;
    expect(payload(cookie)).toBe(payload(written!.cookie.value));
    expect(stored).toBe(written!.session);
    const [read] = (await oracle([{ op: 'middleware_read', cookie, session: stored }])) as {
      messages: Wire[];
      session: unknown;
    }[];
    expect(read!.messages).toEqual(messages);
    expect(read!.session).toBeNull();
  });
});
