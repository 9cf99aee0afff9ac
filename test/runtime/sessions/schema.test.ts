// SESSION_SCHEMA (docs/sessions-beyond-django.md): a Standard Schema validates session data as
// it loads; data that fails is treated as corrupt data: a new session and a security line. The
// schemas here are written by hand against the Standard Schema v1 interface, as zod, valibot
// and arktype implement it (none of them is a dependency of Tango).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import type { SettingsInput } from '../../../src/runtime/conf/settings.js';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { HttpResponse } from '../../../src/runtime/http/response.js';
import { createSessionStore } from '../../../src/runtime/sessions/engines.js';
import {
  SessionMiddleware,
  type SessionMiddlewareHandler,
} from '../../../src/runtime/sessions/middleware.js';
import { markFallbackKey, openedWithFallbackKey } from '../../../src/runtime/sessions/rotation.js';
import {
  type SessionSchema,
  type SessionSchemaIssue,
  validateSessionData,
} from '../../../src/runtime/sessions/schema.js';
import { sessionData, type SessionStore } from '../../../src/runtime/sessions/store.js';
import { FileStore } from '../../../src/runtime/sessions/backends/file.js';

/** `{ hit?: integer, user?: string }`, other keys free: a Standard Schema v1 by hand. */
function schema(options: { async?: boolean } = {}): SessionSchema & { seen: unknown[] } {
  const seen: unknown[] = [];
  const check = (value: unknown) => {
    seen.push(value);
    const issues: SessionSchemaIssue[] = [];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      issues.push({ message: 'Expected object' });
    } else {
      const record = value as Record<string, unknown>;
      if ('hit' in record && !Number.isInteger(record['hit']))
        issues.push({ message: 'Expected integer', path: ['hit'] });
      if ('user' in record && typeof record['user'] !== 'string')
        issues.push({ message: 'Expected string', path: [{ key: 'user' }] });
    }
    return issues.length > 0 ? { issues } : { value };
  };
  return {
    seen,
    '~standard': {
      version: 1,
      vendor: 'tests',
      validate: options.async ? async (value) => check(value) : check,
    },
  };
}

let dir: string;
let logs: string[];
let restoreLog: () => void;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tango-schema-'));
  logs = [];
  restoreLog = setLogSink((name, level, message) => logs.push(`${level} ${name} ${message}`));
});
afterEach(() => {
  restoreLog();
  rmSync(dir, { recursive: true, force: true });
});

const fileStore = () => new FileStore({ directory: dir, keys: { key: 'k', fallbackKeys: [] } });

const settings = (input: Partial<SettingsInput> = {}) =>
  defineSettings({ BASE_DIR: dir, SECRET_KEY: 'schema-test', SESSION_FILE_PATH: dir, ...input });

describe('SESSION_SCHEMA', () => {
  it('defaults to null and must be a Standard Schema', () => {
    expect(settings().SESSION_SCHEMA).toBeNull();
    expect(() => settings({ SESSION_SCHEMA: {} as SessionSchema })).toThrow(
      'The SESSION_SCHEMA setting must be a Standard Schema (a zod, valibot or arktype schema: an object with ~standard.validate) or null.',
    );
  });

  it.each(['file', 'signed_cookies', 'encrypted_cookies'] as const)(
    'on %s: data that passes loads as stored, data that fails is a new session and a security line',
    async (engine) => {
      const s = schema();
      const writer = await createSessionStore(settings({ SESSION_ENGINE: engine }));
      const store = await createSessionStore(
        settings({ SESSION_ENGINE: engine, SESSION_SCHEMA: s }),
      );
      const good = await writer.create(
        sessionData({ hit: 3, _session_expiry: 600, other: [1] }),
        new Date(Date.now() + 600_000),
      );
      const bad = await writer.create(
        sessionData({ hit: 'three', user: 7 }),
        new Date(Date.now() + 600_000),
      );
      // Kept as stored: keys the schema does not know survive, in their order.
      const loaded = await store.load(good);
      expect([...loaded!]).toEqual([
        ['hit', 3],
        ['_session_expiry', 600],
        ['other', [1]],
      ]);
      // The schema saw a plain object (what schemas describe), not the Map.
      expect(s.seen.at(-1)).toEqual({ hit: 3, _session_expiry: 600, other: [1] });
      expect(await store.exists(good)).toBe(true);
      expect(logs).toEqual([]);
      expect(await store.load(bad)).toBeNull();
      expect(await store.exists(bad)).toBe(false);
      expect(logs[0]).toBe(
        'WARNING tango.security.SuspiciousSession Session data failed SESSION_SCHEMA validation: "hit: Expected integer; user: Expected string"',
      );
    },
  );

  it('an async schema works the same', async () => {
    const store = validateSessionData(fileStore(), schema({ async: true }));
    const key = await store.create(sessionData({ hit: 1.5 }), new Date(Date.now() + 60_000));
    expect(await store.load(key)).toBeNull();
    const ok = await store.create(sessionData({ hit: 2 }), new Date(Date.now() + 60_000));
    expect((await store.load(ok))?.get('hit')).toBe(2);
  });

  it('through SessionMiddleware: the view sees an empty session, the bad data is not echoed back', async () => {
    const handler = (await SessionMiddleware(
      async (request) => {
        const hit = Number(request.session.get('hit', 0)) + 1;
        request.session.set('hit', hit);
        return new HttpResponse(String(hit));
      },
      settings({ SESSION_ENGINE: 'signed_cookies', SESSION_SCHEMA: schema() }),
    )) as SessionMiddlewareHandler;
    const writer = await createSessionStore(settings({ SESSION_ENGINE: 'signed_cookies' }));
    const bad = await writer.create(
      sessionData({ hit: 'not a number' }),
      new Date(Date.now() + 60_000),
    );
    const response = await handler(
      new HttpRequest({ method: 'GET', url: '/', headers: { cookie: `sessionid=${bad}` } }),
    );
    expect(response.text()).toBe('1');
    const cookie = response.cookies.get('sessionid')!.value;
    expect(cookie).not.toBe(bad);
    expect((await writer.load(cookie))?.get('hit')).toBe(1);
    expect(logs.some((line) => line.includes('failed SESSION_SCHEMA validation'))).toBe(true);
  });

  it('log lines are escaped and capped: at most three issues, no raw newline', async () => {
    const noisy: SessionSchema = {
      '~standard': {
        version: 1,
        vendor: 'tests',
        validate: () => ({
          issues: ['a\nWARNING forged', 'b', 'c', 'd', 'e'].map((k) => ({
            message: 'bad',
            path: [k],
          })),
        }),
      },
    };
    const store = validateSessionData(fileStore(), noisy);
    await store.load(await store.create(sessionData({}), new Date(Date.now() + 60_000)));
    expect(logs).toEqual([
      'WARNING tango.security.SuspiciousSession Session data failed SESSION_SCHEMA validation: "a\\nWARNING forged: bad; b: bad; c: bad" (and 2 more)',
    ]);
  });

  it("the validated store is the store's own for everything else, and keeps a rotation mark", async () => {
    const inner = fileStore();
    const store: SessionStore = validateSessionData(inner, schema());
    expect(store.kind).toBe('server');
    expect(store).toBeInstanceOf(FileStore);
    expect(store.update).toBeTypeOf('function');
    expect(store.clearExpired).toBe(store.clearExpired); // bound once, not per access
    const key = await store.create(sessionData({ hit: 1 }), new Date(Date.now() + 60_000));
    expect(await inner.exists(key)).toBe(true);
    await store.delete(key);
    expect(await inner.exists(key)).toBe(false);
    // A store's mark (data opened with a SECRET_KEY_FALLBACKS key) passes through.
    const marked = markFallbackKey(sessionData({ hit: 1 }));
    const wrapped = validateSessionData(
      { ...inner, kind: 'client', load: async () => marked } as unknown as SessionStore,
      schema(),
    );
    expect(openedWithFallbackKey(await wrapped.load('anything'))).toBe(true);
  });
});
