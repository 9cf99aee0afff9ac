/**
 * Tango's own messages tests, beyond Django's (messages.django.test.ts): the templates' lazy
 * `messages` (nothing read, no session touched, for a page that does not list them), escaping,
 * the `MESSAGE_*` settings' validation, `MESSAGE_STORAGE` resolution, and DEBUG's error when a
 * message cannot be stored.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configure } from '../../../src/runtime/conf/current.js';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import { BUILTIN_APPS, BUILTIN_MIDDLEWARE, DEFAULTS } from '../../../src/runtime/conf/settings.js';
import { importString } from '../../../src/runtime/core/import-string.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { HttpResponse } from '../../../src/runtime/http/response.js';
import * as messages from '../../../src/runtime/messages/index.js';
import {
  BaseStorage,
  CookieStorage,
  FallbackStorage,
  getMessages,
  markSafe,
  Message,
  MessageMiddleware,
  resolveMessageStorage,
  SessionStorage,
  setMessageStorage,
  type LoadResult,
} from '../../../src/runtime/messages/index.js';
import { render } from '../../../src/runtime/shortcuts.js';
import { Session } from '../../../src/runtime/sessions/session.js';
import { configureTemplates, TemplateEngine } from '../../../src/runtime/template/index.js';
import { MemoryStore } from '../sessions/memory-store.js';

let dir: string;

/** 5000 characters that zlib cannot shrink below the cookie's 2048. */
const INCOMPRESSIBLE = randomBytes(3750).toString('base64');

const TEMPLATES: Record<string, string> = {
  'plain.html': '<p>No messages here.</p>',
  'list.html':
    '{{#if messages.length}}<ul>{{#each messages}}<li class="{{tags}}">{{message}}|{{this}}</li>{{/each}}</ul>{{else}}none{{/if}}',
  'count.html': '{{messages.length}}',
  'levels.html': '{{DEFAULT_MESSAGE_LEVELS.SUCCESS}}',
  'shadow.html': '{{messages}}',
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tango-messages-'));
  for (const [name, source] of Object.entries(TEMPLATES)) {
    await writeFile(path.join(dir, name), source);
  }
  configureTemplates(await TemplateEngine.create({ dirs: [dir], appDirs: [], debug: false }));
});

afterAll(async () => {
  configureTemplates(undefined);
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  configure(defineSettings({ BASE_DIR: '/srv', SECRET_KEY: 'messages-tests' }));
});

function requestWithSession(cookie?: string): HttpRequest {
  const request = new HttpRequest({
    method: 'GET',
    url: '/',
    headers: cookie === undefined ? {} : { cookie: `messages=${cookie}` },
  });
  request.session = new Session(new MemoryStore(), {
    SESSION_COOKIE_AGE: 1209600,
    SESSION_EXPIRE_AT_BROWSER_CLOSE: false,
  });
  return request;
}

/** A request carrying stored messages in its cookie, with a fallback storage attached. */
function requestWithStoredMessages(...texts: string[]): {
  request: HttpRequest;
  storage: FallbackStorage;
} {
  const encoded = new CookieStorage(requestWithSession()).encode(
    texts.map((t) => new Message(messages.INFO, t)),
  )!;
  const request = requestWithSession(encoded);
  const storage = new FallbackStorage(request);
  setMessageStorage(request, storage);
  return { request, storage };
}

describe('templates: the lazy messages context', () => {
  it('a page that does not list messages reads nothing and touches no session', () => {
    const { request, storage } = requestWithStoredMessages('Saved.');
    expect(render(request, 'plain.html').text()).toBe('<p>No messages here.</p>');
    expect(storage.loadedData).toBeUndefined();
    expect(storage.used).toBe(false);
    expect(request.session.accessed).toBe(false);
    // So the stored message survives for the page that lists it.
    const response = new HttpResponse();
    storage.update(response);
    expect(response.cookies.has('messages')).toBe(false);
  });

  it('{{#each messages}} lists them once and marks them shown (the cookie is deleted)', () => {
    const { request, storage } = requestWithStoredMessages('Saved.', 'Again <b>.');
    messages.success(request, markSafe('<b>new</b>'), { extraTags: 'toast' });
    expect(render(request, 'list.html').text()).toBe(
      '<ul><li class="info">Saved.|Saved.</li><li class="info">Again &lt;b&gt;.|Again &lt;b&gt;.</li>' +
        '<li class="toast success"><b>new</b>|<b>new</b></li></ul>',
    );
    expect(storage.used).toBe(true);
    const response = new HttpResponse();
    expect(storage.update(response)).toEqual([]);
    expect(response.cookies.get('messages')?.options.maxAge).toBe(0);
  });

  it('{{messages.length}} counts without marking them shown (Django’s {% if messages %})', () => {
    const { request, storage } = requestWithStoredMessages('a', 'b');
    expect(render(request, 'count.html').text()).toBe('2');
    expect(storage.used).toBe(false);
    const response = new HttpResponse();
    storage.update(response);
    expect(response.cookies.has('messages')).toBe(false); // kept: not added to, not shown
  });

  it('without MessageMiddleware, messages is an empty list; DEFAULT_MESSAGE_LEVELS is there', () => {
    const request = requestWithSession();
    expect(getMessages(request)).toEqual([]);
    expect(render(request, 'list.html').text()).toBe('none');
    expect(render(request, 'levels.html').text()).toBe('25');
  });

  it('a view’s own `messages` context value wins over the processor’s', () => {
    const { request } = requestWithStoredMessages('x');
    expect(render(request, 'shadow.html', { messages: 'mine' }).text()).toBe('mine');
  });
});

describe('Message and BaseStorage details', () => {
  it('an empty text or a level below MESSAGE_LEVEL is not recorded', () => {
    const { request, storage } = requestWithStoredMessages();
    messages.info(request, '');
    messages.debug(request, 'hidden');
    expect(storage.length).toBe(0);
    expect(storage.addedNew).toBe(false);
  });

  it('levels are integers: a numeric string works, anything else is a TypeError', () => {
    expect(new Message('25', 'x').level).toBe(25);
    expect(new Message(25.9, 'x').level).toBe(25);
    expect(() => new Message('high', 'x')).toThrow(TypeError);
  });

  it('a custom level gets its tag from MESSAGE_TAGS', () => {
    configure(
      defineSettings({ BASE_DIR: '/srv', SECRET_KEY: 'k', MESSAGE_TAGS: { 35: 'notice' } }),
    );
    expect(new Message(35, 'x', 'big').tags).toBe('big notice');
    expect(new Message(35, 'x').levelTag).toBe('notice');
  });

  it('a custom storage subclass works through MESSAGE_STORAGE as a class', async () => {
    const saved: Message[] = [];
    class MemoryStorage extends BaseStorage {
      load(): LoadResult {
        return [null, true];
      }
      store(list: Message[]): Message[] {
        saved.push(...list);
        return [];
      }
    }
    const settings = configure(
      defineSettings({ BASE_DIR: '/srv', SECRET_KEY: 'k', MESSAGE_STORAGE: MemoryStorage }),
    );
    const handler = await MessageMiddleware(async (request) => {
      messages.warning(request, 'careful');
      return new HttpResponse();
    }, settings);
    await handler(new HttpRequest({ method: 'GET', url: '/' }));
    expect(saved.map(String)).toEqual(['careful']);
  });
});

describe('MessageMiddleware', () => {
  it('with DEBUG, messages that no storage could keep are an error', async () => {
    const settings = configure(
      defineSettings({
        BASE_DIR: '/srv',
        SECRET_KEY: 'k',
        DEBUG: true,
        MESSAGE_STORAGE: 'tango.messages.storage.cookie.CookieStorage',
      }),
    );
    const handler = await MessageMiddleware(async (request) => {
      messages.info(request, INCOMPRESSIBLE);
      return new HttpResponse();
    }, settings);
    await expect(handler(new HttpRequest({ method: 'GET', url: '/' }))).rejects.toThrow(
      'Not all temporary messages could be stored.',
    );
  });

  it('without DEBUG the message that does not fit is dropped quietly (the cookie says so)', async () => {
    const settings = configure(
      defineSettings({
        BASE_DIR: '/srv',
        SECRET_KEY: 'k',
        MESSAGE_STORAGE: 'tango.messages.storage.cookie.CookieStorage',
      }),
    );
    const handler = await MessageMiddleware(async (request) => {
      messages.info(request, INCOMPRESSIBLE);
      return new HttpResponse();
    }, settings);
    const request = new HttpRequest({ method: 'GET', url: '/' });
    const response = await handler(request);
    const value = response.cookies.get('messages')!.value;
    expect(new CookieStorage(request).decode(value)).toEqual([messages.NOT_FINISHED]);
  });

  it('SessionStorage without SessionMiddleware is ImproperlyConfigured on the request', async () => {
    const settings = configure(defineSettings({ BASE_DIR: '/srv', SECRET_KEY: 'k' }));
    const handler = await MessageMiddleware(async () => new HttpResponse(), settings);
    await expect(handler(new HttpRequest({ method: 'GET', url: '/' }))).rejects.toThrow(
      ImproperlyConfigured,
    );
  });

  it.each([
    ['tango.messages.storage.fallback.FallbackStorage', FallbackStorage],
    ['tango.messages.storage.cookie.CookieStorage', CookieStorage],
    ['tango.messages.storage.session.SessionStorage', SessionStorage],
  ])('MESSAGE_STORAGE %s resolves', async (dotted, expected) => {
    const settings = defineSettings({ BASE_DIR: '/srv', SECRET_KEY: 'k', MESSAGE_STORAGE: dotted });
    expect(await resolveMessageStorage(settings)).toBe(expected);
  });

  it.each([
    ['tango.messages.storage.cookie.Nope', /has no export 'Nope'/],
    ['tango.messages.api.getMessages', /not a message storage class/],
  ])('MESSAGE_STORAGE %s fails at start-up', async (dotted, message) => {
    const settings = defineSettings({ BASE_DIR: '/srv', SECRET_KEY: 'k', MESSAGE_STORAGE: dotted });
    await expect(MessageMiddleware(async () => new HttpResponse(), settings)).rejects.toThrow(
      message,
    );
  });
});

describe('settings and registries', () => {
  it('Django’s defaults', () => {
    expect(DEFAULTS.MESSAGE_LEVEL).toBe(messages.INFO);
    expect(DEFAULTS.MESSAGE_TAGS).toEqual({});
    expect(DEFAULTS.MESSAGE_STORAGE).toBe('tango.messages.storage.fallback.FallbackStorage');
  });

  it.each([
    [{ MESSAGE_LEVEL: 'INFO' }, /MESSAGE_LEVEL setting must be an integer/],
    [{ MESSAGE_LEVEL: 2.5 }, /MESSAGE_LEVEL setting must be an integer/],
    [{ MESSAGE_TAGS: [] }, /MESSAGE_TAGS setting must be a object, not array/],
    [{ MESSAGE_TAGS: { info: 'x' } }, /MESSAGE_TAGS setting maps integer levels/],
    [{ MESSAGE_TAGS: { 20: 5 } }, /MESSAGE_TAGS setting maps integer levels/],
    [{ MESSAGE_STORAGE: 'messages.CookieStorage' }, /MESSAGE_STORAGE setting must be/],
    [{ MESSAGE_STORAGE: 42 }, /MESSAGE_STORAGE setting must be/],
  ])('%j is refused', (input, message) => {
    expect(() =>
      defineSettings({ BASE_DIR: '/srv', SECRET_KEY: 'k', ...(input as object) }),
    ).toThrow(message);
  });

  it('tango.messages is a built-in app, its middleware a built-in middleware after CSRF', async () => {
    expect(BUILTIN_APPS).toContain('tango.messages');
    const index = BUILTIN_MIDDLEWARE.indexOf('tango.messages.middleware.MessageMiddleware');
    expect(index).toBeGreaterThan(
      BUILTIN_MIDDLEWARE.indexOf('tango.sessions.middleware.SessionMiddleware'),
    );
    expect(index).toBeGreaterThan(
      BUILTIN_MIDDLEWARE.indexOf('tango.middleware.csrf.CsrfViewMiddleware'),
    );
    expect(
      await importString('tango.messages.middleware.MessageMiddleware', 'MIDDLEWARE', '/srv'),
    ).toBe(MessageMiddleware);
    const app = (await import('../../../src/runtime/messages/apps.js')).default;
    expect(app).toMatchObject({ name: 'tango.messages', label: 'messages' });
  });
});
