/**
 * Session fixation and tampering (checklist #75, #76, #112, #123, #126, #128, in
 * docs/django-sessions-checklist.md; DESIGN §7): whatever the client sends, it never chooses its
 * session key, never reads another session, and never gets a 500 — only an empty session and,
 * for forged data, a security log line.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import type { SettingsInput } from '../../../src/runtime/conf/settings.js';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { HttpResponse } from '../../../src/runtime/http/response.js';
import { encodeSessionData } from '../../../src/runtime/sessions/encoding.js';
import { SessionMiddleware } from '../../../src/runtime/sessions/middleware.js';
import type { GetResponse } from '../../../src/runtime/middleware/types.js';

const SECRET = 'fixation-test-secret';
let dir: string;
let logs: string[];
let restoreLog: () => void;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tango-fixation-'));
  logs = [];
  restoreLog = setLogSink((name, level, message) => logs.push(`${level} ${name} ${message}`));
});
afterEach(async () => {
  restoreLog();
  await fs.rm(dir, { recursive: true, force: true });
});

/** A site whose view logs the user in (stores `user`) on /login and echoes the session otherwise. */
async function site(input: Partial<SettingsInput> = {}): Promise<GetResponse> {
  const settings = defineSettings({
    BASE_DIR: dir,
    SECRET_KEY: SECRET,
    SESSION_ENGINE: 'file',
    SESSION_FILE_PATH: dir,
    ...input,
  });
  return SessionMiddleware(async (request) => {
    if (request.path === '/login') {
      await request.session.cycleKey();
      request.session.set('user', 'alice');
    }
    return new HttpResponse(JSON.stringify(request.session.items()));
  }, settings);
}

async function send(handler: GetResponse, url: string, cookie?: string) {
  const response = await handler(
    new HttpRequest({ method: 'GET', url, headers: cookie ? { cookie } : {} }),
  );
  const setCookie = response.setCookieHeaders();
  const key = /^sessionid=([^;]*)/.exec(setCookie[0] ?? '')?.[1];
  return { status: response.status, body: response.text(), setCookie, key };
}

describe('session fixation (checklist #75)', () => {
  it('a key planted by an attacker is never adopted, not even after login', async () => {
    const handler = await site();
    const planted = 'attackerchosenkey0123456789abcde';
    const { key, body } = await send(handler, '/login', `sessionid=${planted}`);
    expect(body).toBe('[["user","alice"]]');
    expect(key).toMatch(/^[a-z0-9]{32}$/);
    expect(key).not.toBe(planted);
    expect(await fs.readdir(dir)).toEqual([`sessionid${key}`]);
    // The attacker's cookie still opens nothing.
    expect((await send(handler, '/', `sessionid=${planted}`)).body).toBe('[]');
  });

  it('login cycles the key: the pre-login key stops working', async () => {
    const handler = await site();
    const before = (await send(handler, '/login')).key!;
    const after = (await send(handler, '/login', `sessionid=${before}`)).key!;
    expect(after).not.toBe(before);
    const replay = await send(handler, '/', `sessionid=${before}`);
    expect(replay.body).toBe('[]');
    expect(replay.setCookie[0]).toMatch(/^sessionid=""; expires=Thu, 01 Jan 1970/);
  });
});

describe('tampering (DESIGN §7: an empty session and a log line, never a 500)', () => {
  it('hostile file-engine keys are refused before any path is built (checklist #76)', async () => {
    const handler = await site();
    // A valid, live session file outside SESSION_FILE_PATH: without key validation,
    // `sessionid=/../../<name>` would resolve to it (dir/sessionid/../../<name>).
    const outside = path.join(dir, '..', `victim-${path.basename(dir)}`);
    await fs.writeFile(
      outside,
      encodeSessionData({ user: 'root' }, { key: SECRET, fallbackKeys: [] }),
    );
    const future = new Date(Date.now() + 3_600_000);
    await fs.utimes(outside, future, future);
    expect(path.resolve(path.join(dir, `sessionid/../../${path.basename(outside)}`))).toBe(
      path.resolve(outside),
    );
    try {
      for (const cookie of [
        `sessionid=/../../${path.basename(outside)}`,
        'sessionid=..%2f..%2fetc%2fpasswd',
        'sessionid="/etc/passwd\\000"',
        `sessionid=${'A'.repeat(32)}`,
        `sessionid=${'a'.repeat(5000)}`,
      ]) {
        const { status, body } = await send(handler, '/', cookie);
        expect([status, body], cookie).toEqual([200, '[]']);
      }
    } finally {
      await fs.rm(outside, { force: true });
    }
  });

  it('forged session data in the store decodes to an empty session and a security warning (checklist #112, #123)', async () => {
    const handler = await site();
    const key = (await send(handler, '/login')).key!;
    const forged = encodeSessionData(
      { user: 'admin' },
      { key: 'not-the-secret', fallbackKeys: [] },
    );
    const file = path.join(dir, `sessionid${key}`);
    const { mtime } = await fs.stat(file);
    await fs.writeFile(file, forged);
    await fs.utimes(file, mtime, mtime);
    const { status, body, setCookie } = await send(handler, '/', `sessionid=${key}`);
    expect([status, body]).toEqual([200, '[]']);
    expect(setCookie[0]).toMatch(/^sessionid=""/);
    expect(logs).toEqual(['WARNING tango.security.SuspiciousSession Session data corrupted']);
  });

  it('a forged signed_cookies session is refused and logged (checklist #126)', async () => {
    const handler = await site({ SESSION_ENGINE: 'signed_cookies' });
    const { key } = await send(handler, '/login');
    const [payload, timestamp] = key!.split(':');
    const forgedPayload = Buffer.from('{"user":"admin"}').toString('base64url');
    for (const cookie of [
      `${forgedPayload}:${timestamp}:${key!.split(':')[2]}`,
      `${payload}:${timestamp}:${'A'.repeat(43)}`,
      'garbage-but-long-enough',
    ]) {
      const { status, body } = await send(handler, '/', `sessionid=${cookie}`);
      expect([status, body], cookie).toEqual([200, '[]']);
    }
    expect(logs).toEqual(
      Array(3).fill('WARNING tango.security.SuspiciousSession Session data corrupted'),
    );
  });

  it("signed_cookies: a flushed session's old cookie still replays until it expires (checklist #128, documented)", async () => {
    const handler = await site({ SESSION_ENGINE: 'signed_cookies' });
    const { key } = await send(handler, '/login');
    expect((await send(handler, '/', `sessionid=${key}`)).body).toBe('[["user","alice"]]');
  });
});
