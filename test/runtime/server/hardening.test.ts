/**
 * The node:http adapter against what an attacker and a bad day send: responses that cannot be
 * written, odd request targets (absolute-form, `*`), too many form fields and clients that
 * disconnect mid-body. A real server on 127.0.0.1 with a random port; raw sockets (node:net)
 * where a request line or a half-sent body is the point.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineSettings, loadSettings } from '../../../src/runtime/conf/index.js';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { createApplication, type Application } from '../../../src/runtime/handlers/base.js';
import { HttpResponse } from '../../../src/runtime/http/index.js';
import { serve, type RunningServer } from '../../../src/runtime/server/node.js';
import { createTestApplication } from '../../../src/runtime/test/environment.js';
import { FIXTURE_SETTINGS } from '../fixture.js';

/** Log records and access lines of the server under test. */
const logged: string[] = [];
const access: string[] = [];
let restoreLogs: () => void;
beforeAll(() => {
  restoreLogs = setLogSink((name, level, message) => logged.push(`${level} ${name} ${message}`));
});
afterAll(() => restoreLogs());
afterEach(() => {
  logged.length = 0;
  access.length = 0;
});

interface RawResponse {
  status: number;
  headers: string;
  body: string;
}

/** Sends `text` as it is on a fresh connection and reads until the server closes it. */
function raw(port: number, text: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks).toString('latin1');
      const end = all.indexOf('\r\n\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(all)?.[1] ?? 0);
      resolve({
        status,
        headers: end === -1 ? all : all.slice(0, end),
        body: end === -1 ? '' : all.slice(end + 4),
      });
    });
  });
}

/** Polls until `done()` or `ms` pass (a bad day on a shared machine is slow, not wrong). */
async function until(done: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

async function debugApp(override: Record<string, unknown> = {}): Promise<Application> {
  const base = await loadSettings(FIXTURE_SETTINGS);
  return createApplication(defineSettings({ ...base, DEBUG: true, ...override }));
}

describe('a response that cannot be written (hardening 1)', () => {
  let running: RunningServer;
  beforeAll(async () => {
    const app = await createTestApplication(await loadSettings(FIXTURE_SETTINGS));
    const original = app.handle.bind(app);
    app.handle = async (request) => {
      if (request.path === '/bad-header/') {
        const response = new HttpResponse('x');
        response.headers.set('X-Bad', 'snow ☃');
        return response;
      }
      if (request.path === '/bad-cookies/') {
        const response = new HttpResponse('x');
        response.setCookie('fine', 'v');
        response.setCookieHeaders = () => {
          throw new TypeError('httpDate(): time out of range: 1e+303');
        };
        return response;
      }
      return original(request);
    };
    running = await serve(app, { port: 0, log: (line) => access.push(line) });
  });
  afterAll(() => running.close());

  it.each(['/bad-header/', '/bad-cookies/'])(
    '%s: the client gets a 500, the access log says 500, the error log says why',
    async (path) => {
      const response = await fetch(`${running.url}${path}`);
      expect(response.status).toBe(500);
      expect(await response.text()).toContain('Server Error (500)');
      expect(response.headers.getSetCookie()).toEqual([]);
      await until(() => access.length > 0);
      expect(access).toHaveLength(1);
      expect(access[0]).toMatch(new RegExp(`"GET ${path} HTTP/1\\.1" 500 \\d+$`));
      expect(
        logged.some((l) =>
          l.startsWith(`ERROR tango.server Could not send the response to GET ${path}`),
        ),
      ).toBe(true);
      expect((await fetch(`${running.url}/`)).status).toBe(200);
    },
  );
});

describe('odd request targets (hardening 8)', () => {
  let running: RunningServer;
  beforeAll(async () => {
    running = await serve(await debugApp(), { port: 0, log: (line) => access.push(line) });
  });
  afterAll(() => running.close());

  const send = (target: string, method = 'GET') =>
    raw(
      running.port,
      `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${running.port}\r\nConnection: close\r\n\r\n`,
    );

  it('routes an absolute-form target by its path', async () => {
    const home = await send(`http://127.0.0.1:${running.port}/`);
    expect(home.status).toBe(200);
    expect(home.body).toContain('Hello from fixture');
    const other = await send('http://evil.com/?x=1');
    expect(other.status).toBe(200);
    expect(other.body).toContain('Hello from fixture');
  });

  it('an unknown absolute-form path is a 404 listing the patterns, never the welcome page', async () => {
    const response = await send('http://evil.com/hits-nope/');
    expect(response.status).toBe(404);
    expect(response.body).not.toContain('The install worked successfully');
    expect(response.body).toContain('tried these URL patterns');
    expect(response.body).toContain('The current path, <code>hits-nope/</code>');
  });

  it('answers * with 400 for every method but OPTIONS', async () => {
    for (const method of ['GET', 'POST', 'HEAD']) {
      const response = await send('*', method);
      expect(response.status, method).toBe(400);
      expect(response.body).not.toContain('The install worked successfully');
    }
    const options = await send('*', 'OPTIONS');
    expect(options.status).toBe(200);
    expect(options.headers).toMatch(/\r\nContent-Length: 0(\r\n|$)/i);
    expect(options.body).toBe('');
  });
});

describe('the number of form fields (hardening 5)', () => {
  let running: RunningServer;
  beforeAll(async () => {
    const base = await loadSettings(FIXTURE_SETTINGS);
    const app = await createTestApplication(
      defineSettings({ ...base, DATA_UPLOAD_MAX_MEMORY_SIZE: 2621440 }),
    );
    running = await serve(app, { port: 0, log: (line) => access.push(line) });
  });
  afterAll(() => running.close());

  const post = (body: string) =>
    fetch(`${running.url}/echo/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });

  it('accepts DATA_UPLOAD_MAX_NUMBER_FIELDS fields (default 1000)', async () => {
    const response = await post(Array.from({ length: 1000 }, (_, i) => `f${i}=1`).join('&'));
    expect(response.status).toBe(200);
    expect(Object.keys(((await response.json()) as { form: object }).form)).toHaveLength(1000);
  });

  it("answers one more with 400 and Django's security log line", async () => {
    const response = await post(Array.from({ length: 1001 }, (_, i) => `f${i}=1`).join('&'));
    expect(response.status).toBe(400);
    expect(logged).toContain(
      'ERROR tango.security.TooManyFieldsSent The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS.',
    );
    expect(logged.some((l) => l.includes('Internal Server Error'))).toBe(false);
  });

  it('counts separators as Django does, so a body of bare "&" is refused too', async () => {
    const response = await post('&'.repeat(271_111));
    expect(response.status).toBe(400);
  });
});

describe('runserver-level failures that are not the server failing (hardening 9)', () => {
  let running: RunningServer;
  beforeAll(async () => {
    const app = await createTestApplication(await loadSettings(FIXTURE_SETTINGS));
    running = await serve(app, { port: 0, log: (line) => access.push(line) });
  });
  afterAll(() => running.close());

  it('a client that disconnects mid-body is one short low-level line: no stack, no 500', async () => {
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(running.port, '127.0.0.1', () => {
        socket.write(
          `POST /echo/ HTTP/1.1\r\nHost: 127.0.0.1:${running.port}\r\n` +
            'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\na=1&b=2',
          () => setTimeout(() => socket.destroy(), 100),
        );
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await until(() => logged.length > 0 || access.length > 0);
    // Give a wrong implementation the time to write what it should not.
    await new Promise((r) => setTimeout(r, 200));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^INFO tango\.server .*POST \/echo\//);
    expect(logged[0]).not.toContain('\n');
    expect(access.some((line) => / 500 \d+$/.test(line))).toBe(false);
    expect((await fetch(`${running.url}/`)).status).toBe(200);
  });
});
