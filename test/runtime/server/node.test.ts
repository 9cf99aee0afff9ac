/**
 * The node:http adapter over a real socket on 127.0.0.1 with a random port: the request log,
 * Set-Cookie headers, the body limit (413), errors that leave the server up, keep-alive and
 * graceful shutdown with a request in flight.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../../../src/runtime/server/node.js';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { fixtureApp } from '../fixture.js';

describe('serve()', () => {
  let running: RunningServer;
  const lines: string[] = [];
  const logged: string[] = [];
  let restore: () => void;

  beforeAll(async () => {
    restore = setLogSink((name, level, message) => logged.push(`${level} ${name} ${message}`));
    running = await serve(await fixtureApp(), { port: 0, log: (line) => lines.push(line) });
  });

  afterAll(async () => {
    await running.close();
    restore();
  });

  it('listens on 127.0.0.1 with a random port', () => {
    expect(running.host).toBe('127.0.0.1');
    expect(running.port).toBeGreaterThan(0);
    expect(running.url).toBe(`http://127.0.0.1:${running.port}`);
  });

  it('serves a template page and logs one Django-style line per request', async () => {
    const response = await fetch(`${running.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const body = await response.text();
    expect(body).toContain('Hello from fixture');
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^\\[\\d\\d/\\w{3}/\\d{4} \\d\\d:\\d\\d:\\d\\d\\] "GET / HTTP/1\\.1" 200 ${Buffer.byteLength(body)}$`,
      ),
    );
  });

  it('sends the session cookie and counts across requests', async () => {
    const first = await fetch(`${running.url}/hits/`);
    expect(await first.text()).toBe('hits=1');
    const cookie = first.headers.getSetCookie().find((c) => c.startsWith('sessionid='));
    expect(cookie).toMatch(
      /^sessionid=[a-z0-9]{32}; expires=.+; HttpOnly; Max-Age=1209600; Path=\/; SameSite=Lax$/,
    );
    const pair = cookie!.split(';')[0]!;
    const second = await fetch(`${running.url}/hits/`, { headers: { cookie: pair } });
    expect(await second.text()).toBe('hits=2');
  });

  it('answers 500 for a throwing view, logs the error, and stays up', async () => {
    const response = await fetch(`${running.url}/boom/`);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('Server Error (500)');
    expect(
      logged.some((l) => l.startsWith('ERROR tango.request Internal Server Error: /boom/')),
    ).toBe(true);
    const after = await fetch(`${running.url}/`);
    expect(after.status).toBe(200);
  });

  it('answers 404 for an unknown path', async () => {
    const response = await fetch(`${running.url}/nope/`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('Not Found');
  });

  it('parses a urlencoded body and refuses one over DATA_UPLOAD_MAX_MEMORY_SIZE with 413', async () => {
    const ok = await fetch(`${running.url}/echo/`, {
      method: 'POST',
      body: new URLSearchParams({ a: '1', b: 'é' }),
    });
    expect(await ok.json()).toEqual({ method: 'POST', form: { a: '1', b: 'é' } });
    const big = await fetch(`${running.url}/echo/`, { method: 'POST', body: 'x'.repeat(2048) });
    expect(big.status).toBe(413);
    expect((await fetch(`${running.url}/`)).status).toBe(200);
  });

  it('answers 400 for a Host outside ALLOWED_HOSTS', async () => {
    const http = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: running.port, path: '/', headers: { host: 'evil.example' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
    expect(
      logged.some(
        (l) => l.includes('tango.security.DisallowedHost') && l.includes("'evil.example'"),
      ),
    ).toBe(true);
  });

  it('answers HEAD without a body but with the GET length', async () => {
    const response = await fetch(`${running.url}/`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(0);
    expect(await response.text()).toBe('');
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight request finish before closing', async () => {
    const running = await serve(await fixtureApp(), { port: 0, log: null });
    const pending = fetch(`${running.url}/slow/`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 50));
    const closed = running.close();
    expect(await pending).toBe('slow done');
    await closed;
    await expect(fetch(`${running.url}/`)).rejects.toThrow();
  });
});

describe('cookies beyond Latin-1', () => {
  it('sends a non-Latin-1 cookie value as UTF-8 bytes that parse back to the same string', async () => {
    const { HttpRequest, HttpResponse } = await import('../../../src/runtime/http/index.js');
    const app = await fixtureApp();
    const original = app.handle.bind(app);
    app.handle = async (request) => {
      if (request.path !== '/unicode/') return original(request);
      return new HttpResponse('ok').setCookie('greeting', '清風 ✓');
    };
    const running = await serve(app, { port: 0, log: null });
    const http = await import('node:http');
    const raw = await new Promise<string>((resolve, reject) => {
      http
        .get(`${running.url}/unicode/`, (res) => {
          res.resume();
          resolve(String(res.headers['set-cookie']?.[0]));
        })
        .on('error', reject);
    });
    const pair = Buffer.from(raw, 'latin1').toString('utf8').split(';')[0]!;
    expect(pair).toBe('greeting="清風 ✓"');
    // What node:http hands the server when a browser echoes it back: the same Latin-1 string.
    const echoed = new HttpRequest({
      method: 'GET',
      url: '/',
      headers: { cookie: raw.split(';')[0]! },
    });
    expect(echoed.cookies.get('greeting')).toBe('清風 ✓');
    await running.close();
  });
});

describe('bodies', () => {
  it('sends a string body as UTF-8 with the right Content-Length, beside Latin-1 header bytes', async () => {
    const { HttpResponse } = await import('../../../src/runtime/http/index.js');
    const app = await fixtureApp();
    const original = app.handle.bind(app);
    app.handle = async (request) => {
      if (request.path === '/ascii/') return new HttpResponse('清風 ✓ café');
      if (request.path === '/latin1/') {
        return new HttpResponse('清風 ✓ café', { headers: { 'X-Name': 'café' } });
      }
      return original(request);
    };
    const running = await serve(app, { port: 0, log: null });
    const http = await import('node:http');
    const get = (path: string) =>
      new Promise<{ body: Buffer; length: string | undefined; name: string | undefined }>(
        (resolve, reject) => {
          http
            .get(`${running.url}${path}`, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => chunks.push(chunk));
              res.on('end', () =>
                resolve({
                  body: Buffer.concat(chunks),
                  length: res.headers['content-length'],
                  name: res.headers['x-name'] as string | undefined,
                }),
              );
            })
            .on('error', reject);
        },
      );
    const expected = Buffer.from('清風 ✓ café', 'utf8');
    for (const path of ['/ascii/', '/latin1/']) {
      const { body, length } = await get(path);
      expect(body.equals(expected), path).toBe(true);
      expect(length, path).toBe(String(expected.length));
    }
    // node:http reads header bytes as Latin-1: 'café' went out as the 4 bytes 63 61 66 e9.
    expect((await get('/latin1/')).name).toBe('café');
    await running.close();
  });
});

describe('a response node:http refuses to write', () => {
  it('answers 500 instead, logs it, and keeps serving (hardening 1)', async () => {
    const { HttpResponse } = await import('../../../src/runtime/http/index.js');
    const logs: string[] = [];
    const restoreLogs = setLogSink((name, level, message) =>
      logs.push(`${level} ${name} ${message}`),
    );
    const app = await fixtureApp();
    const original = app.handle.bind(app);
    app.handle = async (request) => {
      if (request.path !== '/bad-header/') return original(request);
      const response = new HttpResponse('x');
      response.headers.set('X-Bad', 'snow ☃');
      return response;
    };
    const running = await serve(app, { port: 0, log: null });
    try {
      const failed = await fetch(`${running.url}/bad-header/`);
      expect(failed.status).toBe(500);
      expect(failed.statusText).toBe('Internal Server Error');
      expect(failed.headers.get('x-bad')).toBeNull();
      expect((await fetch(`${running.url}/`)).status).toBe(200);
      expect(
        logs.some((l) =>
          l.startsWith('ERROR tango.server Could not send the response to GET /bad-header/'),
        ),
      ).toBe(true);
    } finally {
      await running.close();
      restoreLogs();
    }
  });
});
