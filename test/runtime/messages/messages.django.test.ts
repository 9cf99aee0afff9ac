/**
 * Django's own messages tests (tests/messages_tests/ of Django 5.2: base.py, test_cookie.py,
 * test_session.py, test_fallback.py, test_api.py, test_middleware.py, tests.py), ported to
 * tables: every row names the Django test it comes from. `BaseTests` runs once per storage, as
 * in Django (CookieTests, SessionTests, FallbackTests), its request/response-cycle tests
 * through a real application (test/runtime/messages/site, Django's messages_tests/urls.py).
 *
 * Adapted, with the reason beside the row: Django reads `response.context['messages']`; here
 * the rendered page lists each message with its level. Django's `test_get` stores plain
 * strings (`['test', 'me']`) as messages; Tango's storages accept only encoded messages (and
 * ignore anything else, as a bad signature), so those rows store `Message`s.
 *
 * Not ported: `test_add_lazy_translation` (no lazy translation objects in Tango),
 * `AssertMessagesTest` (tests.py: `MessagesTestMixin.assertMessages`, which tango/test does not
 * have), `SuccessMessageMixinTests` (test_mixins.py: class-based form views, which Tango does
 * not have), and `test_eq`'s comparison with `mock.ANY`.
 */
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { inspect } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configure } from '../../../src/runtime/conf/current.js';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import type { Settings, SettingsInput } from '../../../src/runtime/conf/settings.js';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { createApplication, type Application } from '../../../src/runtime/handlers/base.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { HttpResponse } from '../../../src/runtime/http/response.js';
import type { BaseStorage } from '../../../src/runtime/messages/index.js';
import {
  bisectKeepLeft,
  bisectKeepRight,
  CookieStorage,
  DEBUG,
  DEFAULT_LEVELS,
  DEFAULT_TAGS,
  ERROR,
  FallbackStorage,
  INFO,
  addMessage,
  getLevel,
  getLevelTags,
  isSafeText,
  markSafe,
  Message,
  MessageFailure,
  MessageMiddleware,
  messageDecoderDecode,
  messageEncoderEncode,
  NOT_FINISHED,
  SessionStorage,
  setLevel,
  setMessageStorage,
  SUCCESS,
  WARNING,
  type MessageStorageClass,
} from '../../../src/runtime/messages/index.js';
import { Session } from '../../../src/runtime/sessions/session.js';
import { Client } from '../../../src/runtime/test/client.js';
import { MemoryStore } from '../sessions/memory-store.js';

const SITE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'site');
const SECRET_KEY = 'django-insecure-messages-tests';

/** Django's `Message.__eq__` (level and text) for `toEqual` on messages. */
expect.addEqualityTesters([
  (a: unknown, b: unknown) =>
    a instanceof Message && b instanceof Message ? a.equals(b) : undefined,
]);

/** Django's BaseTests settings (MESSAGE_TAGS empty, the storage under test), plus `overrides`. */
function settingsFor(
  storageClass: MessageStorageClass,
  overrides: Partial<SettingsInput> = {},
): Readonly<Settings> {
  return configure(
    defineSettings({
      BASE_DIR: SITE,
      SECRET_KEY,
      MESSAGE_TAGS: {},
      MESSAGE_STORAGE: storageClass,
      ...overrides,
    }),
  );
}

/** `@override_settings`: runs `body` with the overrides in force, then restores. */
async function withSettings(
  storageClass: MessageStorageClass,
  overrides: Partial<SettingsInput>,
  body: () => void | Promise<void>,
  base: Partial<SettingsInput> = {},
): Promise<void> {
  settingsFor(storageClass, { ...base, ...overrides });
  try {
    await body();
  } finally {
    settingsFor(storageClass, base);
  }
}

/** A Session on an in-memory store, standing in for Django's `request.session = {}`. */
function newSession(): Session {
  return new Session(new MemoryStore(), {
    SESSION_COOKIE_AGE: 1209600,
    SESSION_EXPIRE_AT_BROWSER_CLOSE: false,
  });
}

/** Django's `add_level_messages`: six messages of different levels, one custom (29). */
function addLevelMessages(storage: BaseStorage): void {
  storage.add(INFO, 'A generic info message');
  storage.add(29, 'Some custom level');
  storage.add(DEBUG, 'A debugging message', 'extra-tag');
  storage.add(WARNING, 'A warning');
  storage.add(ERROR, 'An error');
  storage.add(SUCCESS, 'This was a triumph.');
}

/** Django's `get_random_string(n)`: letters and digits, here from Node's CSPRNG. */
function randomString(length: number): string {
  const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from({ length }, () => chars[randomInt(chars.length)]).join('');
}

/** Django's `set_cookie_data`: puts the encoded messages in the request's cookies. */
function setCookieData(
  storage: CookieStorage,
  messages: readonly (Message | typeof NOT_FINISHED)[],
  options: { invalid?: boolean; encodeEmpty?: boolean } = {},
): void {
  let encoded = storage.encode(messages, options.encodeEmpty ?? false)!;
  // Truncate the first character so that the signature is invalid.
  if (options.invalid) encoded = encoded.slice(1);
  Object.defineProperty(storage.request, 'cookies', {
    value: new Map([[storage.cookieName, encoded]]),
    configurable: true,
  });
  storage.loadedData = undefined;
}

/** Django's `stored_cookie_messages_count`. */
function storedCookieMessagesCount(storage: CookieStorage, response: HttpResponse): number {
  const cookie = response.cookies.get(storage.cookieName);
  // Cookies with a max-age of 0 are marked for deletion.
  if (!cookie || cookie.options.maxAge === 0) return 0;
  const data = storage.decode(cookie.value);
  if (!data) return 0;
  if (data.at(-1) === NOT_FINISHED) data.pop();
  return data.length;
}

/** Django's `set_session_data`. */
function setSessionData(storage: SessionStorage, messages: readonly Message[]): void {
  storage.request.session.set(storage.sessionKey, storage.serializeMessages(messages));
  storage.loadedData = undefined;
}

/** Django's `stored_session_messages_count`. */
function storedSessionMessagesCount(storage: SessionStorage): number {
  const data = storage.request.session.get(storage.sessionKey);
  return data === undefined ? 0 : (storage.deserializeMessages(data)?.length ?? 0);
}

/** What Django's BaseTests subclasses provide. */
interface StorageCase {
  name: 'CookieTests' | 'SessionTests' | 'FallbackTests';
  storageClass: MessageStorageClass;
  /** Django's `MESSAGE_STORAGE` dotted path for this class. */
  dottedPath: string;
  /** Class-level `@override_settings`. */
  classSettings: Partial<SettingsInput>;
  getRequest(): HttpRequest;
  storedMessagesCount(storage: BaseStorage, response: HttpResponse): number;
}

function bareRequest(): HttpRequest {
  return new HttpRequest({ method: 'GET', url: '/' });
}

function requestWithSession(): HttpRequest {
  const request = bareRequest();
  request.session = newSession();
  return request;
}

const fallbackParts = (storage: BaseStorage) => {
  const [cookie, session] = (storage as FallbackStorage).storages.slice(-2) as [
    CookieStorage,
    SessionStorage,
  ];
  return { cookie, session };
};

const CASES: StorageCase[] = [
  {
    name: 'CookieTests',
    storageClass: CookieStorage,
    dottedPath: 'tango.messages.storage.cookie.CookieStorage',
    classSettings: {
      SESSION_COOKIE_DOMAIN: '.example.com',
      SESSION_COOKIE_SECURE: true,
      SESSION_COOKIE_HTTPONLY: true,
    },
    getRequest: bareRequest,
    storedMessagesCount: (storage, response) =>
      storedCookieMessagesCount(storage as CookieStorage, response),
  },
  {
    name: 'SessionTests',
    storageClass: SessionStorage,
    dottedPath: 'tango.messages.storage.session.SessionStorage',
    classSettings: {},
    getRequest: requestWithSession,
    storedMessagesCount: (storage) => storedSessionMessagesCount(storage as SessionStorage),
  },
  {
    name: 'FallbackTests',
    storageClass: FallbackStorage,
    dottedPath: 'tango.messages.storage.fallback.FallbackStorage',
    classSettings: {},
    getRequest: requestWithSession,
    storedMessagesCount: (storage, response) => {
      const { cookie, session } = fallbackParts(storage);
      return storedCookieMessagesCount(cookie, response) + storedSessionMessagesCount(session);
    },
  },
];

/** Django's `get_storage(data)`: a storage whose loaded data is `data`, bypassing `load()`. */
function getStorage(c: StorageCase, data?: Message[]): BaseStorage {
  const storage = new c.storageClass(c.getRequest());
  storage.loadedData = data ?? [];
  return storage;
}

/** Django's `get_existing_storage`. */
function getExistingStorage(c: StorageCase): BaseStorage {
  return getStorage(c, [
    new Message(INFO, 'Test message 1'),
    new Message(INFO, 'Test message 2', 'tag'),
  ]);
}

// ---------------------------------------------------------------------------------------------
// The application for the request/response-cycle rows (Django's messages_tests.urls).

const LEVEL_NAMES = ['debug', 'info', 'success', 'warning', 'error'] as const;
const LEVELS: Record<(typeof LEVEL_NAMES)[number], number> = {
  debug: DEBUG,
  info: INFO,
  success: SUCCESS,
  warning: WARNING,
  error: ERROR,
};
const TEST_MESSAGES = [0, 1, 2, 3, 4].map((x) => `Test message ${x}`);

const MIDDLEWARE = [
  'tango.sessions.middleware.SessionMiddleware',
  'tango.middleware.common.CommonMiddleware',
  'tango.middleware.csrf.CsrfViewMiddleware',
  'tango.messages.middleware.MessageMiddleware',
] as const;

async function siteApp(
  c: StorageCase,
  overrides: Partial<SettingsInput> = {},
): Promise<Application> {
  const settings = settingsFor(c.storageClass, {
    ...c.classSettings,
    DEBUG: false,
    ALLOWED_HOSTS: ['testserver'],
    INSTALLED_APPS: ['tango.sessions', 'tango.messages'],
    MIDDLEWARE: [...MIDDLEWARE],
    ROOT_URLCONF: 'urls',
    TEMPLATES: [{ BACKEND: 'handlebars', DIRS: ['templates'], APP_DIRS: false }],
    SESSION_ENGINE: 'cache',
    MESSAGE_STORAGE: c.dottedPath,
    ...overrides,
  });
  return createApplication(settings);
}

/** A form body with repeated `messages` fields (the test Client takes one value per name). */
function form(data: { messages: string[]; fail_silently?: string }): string {
  const params = new URLSearchParams(data.messages.map((m): [string, string] => ['messages', m]));
  if (data.fail_silently !== undefined) params.set('fail_silently', data.fail_silently);
  return params.toString();
}

const FORM = { contentType: 'application/x-www-form-urlencoded' };

/** The messages the show page listed: `[level, text]` per `<li>`. */
function listed(response: HttpResponse): [number, string][] {
  return [...response.text().matchAll(/<li[^>]*data-level="(\d+)">([^<]*)<\/li>/g)].map((m) => [
    Number(m[1]),
    m[2]!,
  ]);
}

// ---------------------------------------------------------------------------------------------
// BaseTests, once per storage.

type BaseRow = [django: string, body: (c: StorageCase) => void | Promise<void>];

const BASE_TESTS: BaseRow[] = [
  [
    'test_repr',
    (c) => {
      const storage = new c.storageClass(c.getRequest());
      expect(inspect(storage)).toBe(`<${c.storageClass.name}: request=<HttpRequest: GET '/'>>`);
    },
  ],
  [
    'test_add',
    (c) => {
      const storage = getStorage(c);
      expect(storage.addedNew).toBe(false);
      storage.add(INFO, 'Test message 1');
      expect(storage.addedNew).toBe(true);
      storage.add(INFO, 'Test message 2', 'tag');
      expect(storage.length).toBe(2);
    },
  ],
  [
    'test_no_update',
    (c) => {
      const storage = getStorage(c);
      const response = new HttpResponse();
      storage.update(response);
      expect(c.storedMessagesCount(storage, response)).toBe(0);
    },
  ],
  [
    'test_add_update',
    (c) => {
      const storage = getStorage(c);
      const response = new HttpResponse();
      storage.add(INFO, 'Test message 1');
      storage.add(INFO, 'Test message 1', 'tag');
      storage.update(response);
      expect(c.storedMessagesCount(storage, response)).toBe(2);
    },
  ],
  [
    'test_existing_add_read_update',
    (c) => {
      const storage = getExistingStorage(c);
      const response = new HttpResponse();
      storage.add(INFO, 'Test message 3');
      Array.from(storage); // Simulates a read
      storage.update(response);
      expect(c.storedMessagesCount(storage, response)).toBe(0);
    },
  ],
  [
    'test_existing_read_add_update',
    (c) => {
      const storage = getExistingStorage(c);
      const response = new HttpResponse();
      Array.from(storage); // Simulates a read
      storage.add(INFO, 'Test message 3');
      storage.update(response);
      expect(c.storedMessagesCount(storage, response)).toBe(1);
    },
  ],
  [
    // Adapted: the page lists each message with its level instead of response.context.
    'test_full_request_response_cycle',
    async (c) => {
      const app = await siteApp(c, { MESSAGE_LEVEL: DEBUG });
      try {
        const client = new Client({ app });
        for (const level of LEVEL_NAMES) {
          const posted = await client.post(
            `/add/${level}/`,
            form({ messages: TEST_MESSAGES }),
            FORM,
          );
          expect(posted.status).toBe(302);
          expect(posted.headers.get('Location')).toBe('/show/');
          const response = await client.follow(posted);
          expect(response.status).toBe(200);
          expect(listed(response)).toEqual(TEST_MESSAGES.map((m) => [LEVELS[level], m]));
        }
      } finally {
        await app.close();
      }
    },
  ],
  [
    'test_with_template_response',
    async (c) => {
      const app = await siteApp(c, { MESSAGE_LEVEL: DEBUG });
      try {
        const client = new Client({ app });
        for (const level of LEVEL_NAMES) {
          const posted = await client.post(
            `/template_response/add/${level}/`,
            form({ messages: TEST_MESSAGES }),
            FORM,
          );
          expect(posted.headers.get('Location')).toBe('/template_response/show/');
          const response = await client.follow(posted);
          for (const m of TEST_MESSAGES) expect(response.text()).toContain(m);
          // There shouldn't be any messages on a second GET request.
          const again = await client.get('/template_response/show/');
          for (const m of TEST_MESSAGES) expect(again.text()).not.toContain(m);
        }
      } finally {
        await app.close();
      }
    },
  ],
  [
    'test_context_processor_message_levels',
    async (c) => {
      const app = await siteApp(c);
      try {
        const response = await new Client({ app }).get('/levels/');
        const shown = Object.fromEntries(
          response
            .text()
            .trim()
            .split(';')
            .filter(Boolean)
            .map((pair) => {
              const [name, value] = pair.split('=');
              return [name, Number(value)];
            }),
        );
        expect(shown).toEqual(DEFAULT_LEVELS);
      } finally {
        await app.close();
      }
    },
  ],
  [
    'test_multiple_posts',
    async (c) => {
      const app = await siteApp(c, { MESSAGE_LEVEL: DEBUG });
      try {
        const client = new Client({ app });
        const expected: [number, string][] = [];
        for (const level of LEVEL_NAMES) {
          expected.push(...TEST_MESSAGES.map((m): [number, string] => [LEVELS[level], m]));
          await client.post(`/add/${level}/`, form({ messages: TEST_MESSAGES }), FORM);
        }
        const response = await client.get('/show/');
        expect(listed(response)).toEqual(expected);
      } finally {
        await app.close();
      }
    },
  ],
  [
    // Adapted: Django's test client re-raises the view's MessageFailure; here the handler turns
    // it into a 500 and the log names it.
    'test_middleware_disabled',
    async (c) => {
      const app = await siteApp(c, {
        MESSAGE_LEVEL: DEBUG,
        INSTALLED_APPS: ['tango.sessions'],
        MIDDLEWARE: MIDDLEWARE.filter((m) => !m.includes('MessageMiddleware')),
      });
      const logs: string[] = [];
      const restore = setLogSink((name, level, message) =>
        logs.push(`${level} ${name} ${message}`),
      );
      try {
        const client = new Client({ app });
        for (const level of LEVEL_NAMES) {
          const response = await client.post(
            `/add/${level}/`,
            form({ messages: TEST_MESSAGES }),
            FORM,
          );
          expect(response.status).toBe(500);
        }
        expect(logs.join('\n')).toContain('MessageFailure');
      } finally {
        restore();
        await app.close();
      }
    },
  ],
  [
    // Adapted: no messages are listed (Django: 'messages' not in the context).
    'test_middleware_disabled_fail_silently',
    async (c) => {
      const app = await siteApp(c, {
        INSTALLED_APPS: ['tango.sessions'],
        MIDDLEWARE: MIDDLEWARE.filter((m) => !m.includes('MessageMiddleware')),
      });
      try {
        const client = new Client({ app });
        for (const level of LEVEL_NAMES) {
          const posted = await client.post(
            `/add/${level}/`,
            form({ messages: TEST_MESSAGES, fail_silently: 'True' }),
            FORM,
          );
          expect(posted.headers.get('Location')).toBe('/show/');
          const response = await client.follow(posted);
          expect(response.status).toBe(200);
          expect(response.text()).not.toContain('class="messages"');
        }
      } finally {
        await app.close();
      }
    },
  ],
  [
    'test_existing_read',
    (c) => {
      // Reading the existing storage doesn't cause the data to be lost.
      const storage = getExistingStorage(c);
      expect(storage.used).toBe(false);
      // After iterating the storage engine directly, the used flag is set.
      const data = [...storage];
      expect(storage.used).toBe(true);
      // The data does not disappear because it has been iterated.
      expect([...storage]).toEqual(data);
    },
  ],
  [
    'test_existing_add',
    (c) => {
      const storage = getExistingStorage(c);
      expect(storage.addedNew).toBe(false);
      storage.add(INFO, 'Test message 3');
      expect(storage.addedNew).toBe(true);
    },
  ],
  [
    'test_default_level',
    (c) => {
      // getLevel works even with no storage on the request.
      const request = c.getRequest();
      expect(getLevel(request)).toBe(INFO);
      // getLevel returns the default level if it hasn't been set.
      const storage = getStorage(c);
      setMessageStorage(request, storage);
      expect(getLevel(request)).toBe(INFO);
      // Only messages of sufficient level get recorded.
      addLevelMessages(storage);
      expect(storage.length).toBe(5);
    },
  ],
  [
    'test_low_level',
    (c) => {
      const request = c.getRequest();
      const storage = new c.storageClass(request);
      setMessageStorage(request, storage);
      expect(setLevel(request, 5)).toBe(true);
      expect(getLevel(request)).toBe(5);
      addLevelMessages(storage);
      expect(storage.length).toBe(6);
    },
  ],
  [
    'test_high_level',
    (c) => {
      const request = c.getRequest();
      const storage = new c.storageClass(request);
      setMessageStorage(request, storage);
      expect(setLevel(request, 30)).toBe(true);
      expect(getLevel(request)).toBe(30);
      addLevelMessages(storage);
      expect(storage.length).toBe(2);
    },
  ],
  [
    'test_settings_level',
    (c) =>
      withSettings(
        c.storageClass,
        { MESSAGE_LEVEL: 29 },
        () => {
          const request = c.getRequest();
          const storage = new c.storageClass(request);
          expect(getLevel(request)).toBe(29);
          addLevelMessages(storage);
          expect(storage.length).toBe(3);
        },
        c.classSettings,
      ),
  ],
  [
    'test_tags',
    (c) => {
      const storage = getStorage(c);
      storage.level = 0;
      addLevelMessages(storage);
      storage.add(INFO, 'A generic info message', null as unknown as string);
      expect([...storage].map((m) => m.tags)).toEqual([
        'info',
        '',
        'extra-tag debug',
        'warning',
        'error',
        'success',
        'info',
      ]);
    },
  ],
  [
    'test_level_tag',
    (c) => {
      const storage = getStorage(c);
      storage.level = 0;
      addLevelMessages(storage);
      expect([...storage].map((m) => m.levelTag)).toEqual([
        'info',
        '',
        'debug',
        'warning',
        'error',
        'success',
      ]);
    },
  ],
  [
    'test_custom_tags',
    (c) =>
      withSettings(
        c.storageClass,
        {
          MESSAGE_TAGS: {
            [INFO]: 'info',
            [DEBUG]: '',
            [WARNING]: '',
            [ERROR]: 'bad',
            29: 'custom',
          },
        },
        () => {
          const storage = getStorage(c);
          storage.level = 0;
          addLevelMessages(storage);
          expect([...storage].map((m) => m.tags)).toEqual([
            'info',
            'custom',
            'extra-tag',
            '',
            'bad',
            'success',
          ]);
        },
        c.classSettings,
      ),
  ],
];

describe.each(CASES)('$name (BaseTests)', (c) => {
  beforeEach(() => {
    settingsFor(c.storageClass, c.classSettings);
  });

  it.each(BASE_TESTS)('%s', async (_name, body) => {
    await body(c);
  });
});

// ---------------------------------------------------------------------------------------------
// test_cookie.py

/** Django's CookieTests.encode_decode. */
function encodeDecode(text: Message['message'], extraTags?: string | null): Message {
  const storage = new CookieStorage(bareRequest());
  const encoded = storage.encode([new Message(DEBUG, text, extraTags)]);
  return storage.decode(encoded)![0] as Message;
}

const COOKIE_SETTINGS = CASES[0]!.classSettings;

const COOKIE_TESTS: [django: string, body: () => void | Promise<void>][] = [
  [
    // Adapted: Messages instead of the strings ['test', 'me'].
    'test_get',
    () => {
      const storage = new CookieStorage(bareRequest());
      const exampleMessages = [new Message(INFO, 'test'), new Message(INFO, 'me')];
      setCookieData(storage, exampleMessages);
      expect([...storage]).toEqual(exampleMessages);
    },
  ],
  [
    'test_cookie_settings',
    () =>
      withSettings(
        CookieStorage,
        { SESSION_COOKIE_SAMESITE: 'Strict' },
        () => {
          // Before the messages have been consumed.
          let storage = getStorage(CASES[0]!) as CookieStorage;
          let response = new HttpResponse();
          storage.add(INFO, 'test');
          storage.update(response);
          const messages = storage.decode(response.cookies.get('messages')!.value)!;
          expect(messages).toHaveLength(1);
          expect((messages[0] as Message).message).toBe('test');
          let cookie = response.cookies.get('messages')!;
          expect(cookie.options.domain).toBe('.example.com');
          expect(cookie.options.expires).toBeNull();
          expect(cookie.options.maxAge).toBeNull();
          expect(cookie.options.secure).toBe(true);
          expect(cookie.options.httpOnly).toBe(true);
          expect(cookie.options.sameSite).toBe('Strict');

          // Deletion of the cookie (storing with an empty value) after the messages have been
          // consumed.
          storage = getStorage(CASES[0]!) as CookieStorage;
          response = new HttpResponse();
          storage.add(INFO, 'test');
          for (const _ of storage) {
            // Iterate through the storage to simulate consumption of messages.
          }
          storage.update(response);
          cookie = response.cookies.get('messages')!;
          expect(cookie.value).toBe('');
          expect(cookie.options.domain).toBe('.example.com');
          expect(cookie.options.expires).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
          expect(cookie.options.sameSite).toBe('Strict');
        },
        COOKIE_SETTINGS,
      ),
  ],
  [
    'test_get_bad_cookie',
    () => {
      const storage = new CookieStorage(bareRequest());
      setCookieData(storage, [new Message(INFO, 'test'), new Message(INFO, 'me')], {
        invalid: true,
      });
      expect([...storage]).toEqual([]);
    },
  ],
  [
    'test_max_cookie_length',
    () => {
      // If the data exceeds what is allowed in a cookie, older messages are removed before
      // saving (and returned by update()).
      const storage = getStorage(CASES[0]!) as CookieStorage;
      const response = new HttpResponse();
      // Aim for a message size that fits 4 messages into the cookie, but not 5.
      const msgSize = Math.trunc((storage.maxCookieSize - 54) / 4.5 - 37);
      let firstMsg = '';
      for (let i = 0; i < 5; i++) {
        const msg = randomString(msgSize);
        storage.add(INFO, msg);
        if (i === 0) firstMsg = msg;
      }
      const unstored = storage.update(response);
      expect(storedCookieMessagesCount(storage, response)).toBe(4);
      expect(unstored).toHaveLength(1);
      expect(unstored[0]!.message).toBe(firstMsg);
    },
  ],
  [
    'test_message_rfc6265',
    () => {
      const storage = getStorage(CASES[0]!) as CookieStorage;
      const encoded = storage.encode(
        ['\\te,st', ';m"e', '\u2019', '123"NOTRECEIVED"'].map((m) => new Message(INFO, m)),
      )!;
      for (const illegal of ['\\', ',', ';', '"']) expect(encoded).not.toContain(illegal);
    },
  ],
  [
    'test_json_encoder_decoder',
    () => {
      // A nested structure containing Messages is encoded and decoded as it was.
      const messages = [
        {
          message: new Message(INFO, 'Test message'),
          message_list: [
            ...[0, 1, 2, 3, 4].map(() => new Message(INFO, 'message %s')),
            { 'another-message': new Message(ERROR, 'error') },
          ],
        },
        new Message(INFO, 'message %s'),
      ];
      const value = messageEncoderEncode(messages);
      expect(messageDecoderDecode(value)).toEqual(messages);
    },
  ],
  [
    'test_safedata',
    () => {
      expect(isSafeText(encodeDecode(markSafe('<b>Hello Django!</b>')).message)).toBe(true);
      expect(isSafeText(encodeDecode('<b>Hello Django!</b>').message)).toBe(false);
    },
  ],
  [
    'test_extra_tags',
    () => {
      // extraTags is preserved through the storage.
      for (const extraTags of ['', null, 'some tags']) {
        expect(encodeDecode('message', extraTags).extraTags).toBe(extraTags);
      }
    },
  ],
];

describe('CookieTests (test_cookie.py)', () => {
  beforeEach(() => {
    settingsFor(CookieStorage, COOKIE_SETTINGS);
  });
  it.each(COOKIE_TESTS)('%s', async (_name, body) => {
    await body();
  });
});

describe('BisectTests (test_cookie.py)', () => {
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  it.each([
    ['test_bisect_keep_left', [1, 1, 1], (a: number[]) => sum(a) !== 2, bisectKeepLeft, 2],
    ['test_bisect_keep_left', [1, 1, 1], (a: number[]) => sum(a) !== 0, bisectKeepLeft, 0],
    ['test_bisect_keep_left', [], (a: number[]) => sum(a) !== 0, bisectKeepLeft, 0],
    ['test_bisect_keep_right', [1, 1, 1], (a: number[]) => sum(a) !== 2, bisectKeepRight, 1],
    ['test_bisect_keep_right', [1, 1, 1, 1], (a: number[]) => sum(a) !== 2, bisectKeepRight, 2],
    ['test_bisect_keep_right', [1, 1, 1, 1, 1], (a: number[]) => sum(a) !== 1, bisectKeepRight, 4],
    ['test_bisect_keep_right', [], (a: number[]) => sum(a) !== 0, bisectKeepRight, 0],
  ] as const)('%s(%j)', (_name, array, fn, bisect, expected) => {
    expect(bisect([...array], fn)).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// test_session.py

const SESSION_TESTS: [django: string, body: () => void][] = [
  [
    'test_no_session',
    () => {
      expect(() => new SessionStorage(bareRequest())).toThrow(
        new ImproperlyConfigured(
          'The session-based temporary message storage requires session middleware to be installed, and come before the message middleware in the MIDDLEWARE list.',
        ),
      );
    },
  ],
  [
    'test_get',
    () => {
      const storage = new SessionStorage(requestWithSession());
      const exampleMessages = [new Message(INFO, 'test'), new Message(INFO, 'me')];
      setSessionData(storage, exampleMessages);
      expect([...storage]).toEqual(exampleMessages);
    },
  ],
  [
    'test_safedata',
    () => {
      // A message containing SafeText keeps its safe status when retrieved.
      const storage = getStorage(CASES[1]!) as SessionStorage;
      setSessionData(storage, [new Message(DEBUG, markSafe('<b>Hello Django!</b>'))]);
      expect(isSafeText([...storage][0]!.message)).toBe(true);
    },
  ],
];

describe('SessionTests (test_session.py)', () => {
  beforeEach(() => {
    settingsFor(SessionStorage);
  });
  it.each(SESSION_TESTS)('%s', (_name, body) => body());
});

// ---------------------------------------------------------------------------------------------
// test_fallback.py

const notCalled = (what: string) => () => {
  throw new Error(`${what} must not be called`);
};

const FALLBACK_TESTS: [django: string, body: () => void][] = [
  [
    'test_get',
    () => {
      const storage = new FallbackStorage(requestWithSession());
      const { cookie, session } = fallbackParts(storage);
      const exampleMessages = [0, 1, 2, 3, 4].map((i) => new Message(INFO, String(i)));
      setCookieData(cookie, exampleMessages);
      // Prove the session storage is not read.
      session.load = notCalled('SessionStorage.load');
      expect([...storage]).toEqual(exampleMessages);
    },
  ],
  [
    'test_get_empty',
    () => {
      const storage = new FallbackStorage(requestWithSession());
      fallbackParts(storage).session.load = notCalled('SessionStorage.load');
      expect([...storage]).toEqual([]);
    },
  ],
  [
    'test_get_fallback',
    () => {
      const storage = new FallbackStorage(requestWithSession());
      const { cookie, session } = fallbackParts(storage);
      const exampleMessages = [0, 1, 2, 3, 4].map((i) => new Message(INFO, String(i)));
      setCookieData(cookie, [...exampleMessages.slice(0, 4), NOT_FINISHED]);
      setSessionData(session, exampleMessages.slice(4));
      expect([...storage]).toEqual(exampleMessages);
    },
  ],
  [
    'test_get_fallback_only',
    () => {
      const storage = new FallbackStorage(requestWithSession());
      const { cookie, session } = fallbackParts(storage);
      const exampleMessages = [0, 1, 2, 3, 4].map((i) => new Message(INFO, String(i)));
      setCookieData(cookie, [NOT_FINISHED], { encodeEmpty: true });
      setSessionData(session, exampleMessages);
      expect([...storage]).toEqual(exampleMessages);
    },
  ],
  [
    'test_flush_used_backends',
    () => {
      const storage = new FallbackStorage(requestWithSession());
      const { cookie, session } = fallbackParts(storage);
      setCookieData(cookie, [new Message(INFO, 'cookie'), NOT_FINISHED]);
      setSessionData(session, [new Message(INFO, 'session')]);
      // When updating, previously used but no longer needed backends are flushed.
      const response = new HttpResponse();
      Array.from(storage);
      storage.update(response);
      expect(storedSessionMessagesCount(session)).toBe(0);
    },
  ],
  [
    'test_no_fallback',
    () => {
      const storage = getStorage(CASES[2]!);
      const { cookie, session } = fallbackParts(storage);
      const response = new HttpResponse();
      // Prove the session storage's store() is not used.
      session.store = notCalled('SessionStorage.store');
      for (let i = 0; i < 5; i++) storage.add(INFO, String(i).repeat(100));
      storage.update(response);
      expect(storedCookieMessagesCount(cookie, response)).toBe(5);
      expect(storedSessionMessagesCount(session)).toBe(0);
    },
  ],
  [
    'test_session_fallback',
    () => {
      const storage = getStorage(CASES[2]!);
      const { cookie, session } = fallbackParts(storage);
      const response = new HttpResponse();
      // See CookieTests.test_max_cookie_length.
      const msgSize = Math.trunc((cookie.maxCookieSize - 54) / 4.5 - 37);
      for (let i = 0; i < 5; i++) storage.add(INFO, randomString(msgSize));
      storage.update(response);
      expect(storedCookieMessagesCount(cookie, response)).toBe(4);
      expect(storedSessionMessagesCount(session)).toBe(1);
    },
  ],
  [
    'test_session_fallback_only',
    () => {
      const storage = getStorage(CASES[2]!);
      const { cookie, session } = fallbackParts(storage);
      const response = new HttpResponse();
      storage.add(INFO, randomString(5000));
      storage.update(response);
      expect(storedCookieMessagesCount(cookie, response)).toBe(0);
      expect(storedSessionMessagesCount(session)).toBe(1);
    },
  ],
];

describe('FallbackTests (test_fallback.py)', () => {
  beforeEach(() => {
    settingsFor(FallbackStorage);
  });
  it.each(FALLBACK_TESTS)('%s', (_name, body) => body());
});

// ---------------------------------------------------------------------------------------------
// test_api.py: ApiTests, and CustomRequestApiTests (a wrapper around the request).

/** Django's DummyStorage: records the texts it is given. */
class DummyStorage {
  readonly store: unknown[] = [];
  add(_level: number, message: unknown): void {
    this.store.push(message);
  }
}

const API_TESTS: [django: string, body: (request: HttpRequest, storage: DummyStorage) => void][] = [
  [
    'test_ok',
    (request, storage) => {
      const msg = 'some message';
      setMessageStorage(request, storage as unknown as BaseStorage);
      addMessage(request, DEBUG, msg);
      expect(storage.store).toContain(msg);
    },
  ],
  [
    'test_request_is_none',
    (request, storage) => {
      setMessageStorage(request, storage as unknown as BaseStorage);
      expect(() => addMessage(null as unknown as HttpRequest, DEBUG, 'some message')).toThrow(
        new TypeError("addMessage() argument must be an HttpRequest object, not 'null'."),
      );
      expect(storage.store).toEqual([]);
    },
  ],
  [
    'test_middleware_missing',
    (request, storage) => {
      expect(() => addMessage(request, DEBUG, 'some message')).toThrow(MessageFailure);
      expect(() => addMessage(request, DEBUG, 'some message')).toThrow(
        /You cannot add messages without installing 'tango\.messages\.middleware\.MessageMiddleware'/,
      );
      expect(storage.store).toEqual([]);
    },
  ],
  [
    'test_middleware_missing_silently',
    (request, storage) => {
      addMessage(request, DEBUG, 'some message', { failSilently: true });
      expect(storage.store).toEqual([]);
    },
  ],
];

describe.each([
  ['ApiTests', (request: HttpRequest) => request],
  // add_message() uses duck typing to allow request wrappers (Django REST framework's).
  ['CustomRequestApiTests', (request: HttpRequest) => Object.create(request) as HttpRequest],
])('%s (test_api.py)', (_class, wrap) => {
  it.each(API_TESTS)('%s', (_name, body) => {
    body(wrap(bareRequest()), new DummyStorage());
  });
});

// ---------------------------------------------------------------------------------------------
// test_middleware.py

describe('MiddlewareTests (test_middleware.py)', () => {
  it('test_response_without_messages', async () => {
    // MessageMiddleware is tolerant of messages not existing on the request.
    const settings = settingsFor(FallbackStorage);
    const handler = await MessageMiddleware(async (request) => {
      setMessageStorage(request, undefined);
      return new HttpResponse();
    }, settings);
    const request = requestWithSession();
    expect((await handler(request)).status).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------
// tests.py: MessageTests, TestLevelTags

describe('MessageTests (tests.py)', () => {
  it('test_eq', () => {
    const msg1 = new Message(INFO, 'Test message 1');
    const msg2 = new Message(INFO, 'Test message 2');
    const msg3 = new Message(WARNING, 'Test message 1');
    expect(msg1.equals(msg1)).toBe(true);
    expect(msg1.equals(msg2)).toBe(false);
    expect(msg1.equals(msg3)).toBe(false);
    expect(msg2.equals(msg3)).toBe(false);
  });

  it.each([
    [INFO, 'thing', '', "Message(level=20, message='thing')"],
    [
      WARNING,
      'careful',
      'tag1 tag2',
      "Message(level=30, message='careful', extraTags='tag1 tag2')",
    ],
    [ERROR, 'oops', 'tag', "Message(level=40, message='oops', extraTags='tag')"],
    [12, 'custom', '', "Message(level=12, message='custom')"],
  ])('test_repr (level %s, %j)', async (level, message, extraTags, expected) => {
    await withSettings(
      FallbackStorage,
      { MESSAGE_TAGS: { [WARNING]: 'caution', [ERROR]: '', 12: 'custom' } },
      () => {
        expect(inspect(new Message(level, message, extraTags))).toBe(expected);
      },
    );
  });
});

describe('TestLevelTags (tests.py)', () => {
  const messageTags = {
    [INFO]: 'info',
    [DEBUG]: '',
    [WARNING]: '',
    [ERROR]: 'bad',
    [SUCCESS]: '',
    12: 'custom',
  };

  it('test_override_settings_level_tags', async () => {
    await withSettings(FallbackStorage, { MESSAGE_TAGS: messageTags }, () => {
      expect(getLevelTags()).toEqual(messageTags);
    });
  });

  it('test_lazy', () => {
    // The tags are read when a message asks, not when the module loads.
    settingsFor(FallbackStorage, { MESSAGE_TAGS: { [ERROR]: 'bad' } });
    expect(getLevelTags()[ERROR]).toBe('bad');
    expect(new Message(ERROR, 'x').levelTag).toBe('bad');
  });

  it('test_override_settings_lazy', async () => {
    await withSettings(FallbackStorage, { MESSAGE_TAGS: messageTags }, () => {
      settingsFor(FallbackStorage, { MESSAGE_TAGS: { [ERROR]: 'very-bad' } });
      expect(getLevelTags()[ERROR]).toBe('very-bad');
    });
  });

  it('the defaults are Django’s', () => {
    settingsFor(FallbackStorage);
    expect(getLevelTags()).toEqual(DEFAULT_TAGS);
    expect(DEFAULT_TAGS).toEqual({
      10: 'debug',
      20: 'info',
      25: 'success',
      30: 'warning',
      40: 'error',
    });
  });
});

beforeAll(() => {
  settingsFor(FallbackStorage);
});

afterAll(() => {
  settingsFor(FallbackStorage);
});
