/**
 * `RunningServer.close({ timeout })`, the drain of `manage.ts serve` on SIGTERM, on a real
 * node:http server: requests in flight are answered (with `Connection: close`), idle keep-alive
 * connections are closed, new connections are refused, the stores are closed last; past the
 * timeout the connections still busy are closed and logged.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setLogSink } from '../../../src/runtime/core/log.js';
import type { Application } from '../../../src/runtime/handlers/base.js';
import { HttpResponse } from '../../../src/runtime/http/index.js';
import { serve, type RunningServer } from '../../../src/runtime/server/node.js';
import { fixtureApp } from '../fixture.js';

let logged: string[] = [];
let restoreLogs: () => void;
beforeEach(() => {
  logged = [];
  restoreLogs = setLogSink((name, level, message) => logged.push(`${level} ${name} ${message}`));
});
afterEach(() => restoreLogs());

/** The fixture app with `/held/`, answered only when the test calls `release()`. */
async function heldApp() {
  const app: Application = await fixtureApp();
  const original = app.handle.bind(app);
  const waiting: (() => void)[] = [];
  let arrived = 0;
  let closedAt: number | undefined;
  const closeApp = app.close.bind(app);
  app.close = async () => {
    closedAt = performance.now();
    await closeApp();
  };
  app.handle = async (request) => {
    if (request.path !== '/held/') return original(request);
    arrived++;
    await new Promise<void>((resolve) => waiting.push(resolve));
    return new HttpResponse(`answered ${request.query.get('n') ?? ''}`);
  };
  return {
    app,
    arrived: () => arrived,
    release: () => waiting.splice(0).forEach((resolve) => resolve()),
    closedAt: () => closedAt,
  };
}

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

/** GET over `agent`, resolving with the answer or rejecting with the socket error. */
function get(url: string, agent: http.Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Counts the server's open connections. */
function connections(running: RunningServer): () => number {
  let open = 0;
  running.server.on('connection', (socket) => {
    open++;
    socket.on('close', () => open--);
  });
  return () => open;
}

describe('close({ timeout }): the graceful drain', () => {
  it('answers each request in flight with Connection: close, closes idle keep-alive connections at once, refuses new ones, then closes the stores', async () => {
    const held = await heldApp();
    const running = await serve(held.app, { port: 0, log: null });
    const open = connections(running);
    const idleAgent = new http.Agent({ keepAlive: true });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
    try {
      // A keep-alive connection left idle in its agent's pool by an earlier request.
      const first = await get(`${running.url}/`, idleAgent);
      expect(first.status).toBe(200);
      expect(first.connection).toBe('keep-alive');
      const inFlight = [1, 2, 3].map((n) =>
        get(`${running.url}/held/?n=${n}`, agent).catch((error: Error) => error),
      );
      await until(() => held.arrived() === 3);
      expect(open()).toBe(4);

      const started = performance.now();
      const closing = running.close({ timeout: 10 });
      // The idle connection goes at once; the three busy ones stay.
      await until(() => open() === 3, 1000);
      // No new connection is accepted while draining.
      const port = (running.server.address() as AddressInfo | null)?.port;
      expect(port).toBeUndefined();
      await expect(get(`${running.url}/`, new http.Agent())).rejects.toMatchObject({
        code: 'ECONNREFUSED',
      });
      expect(held.closedAt()).toBeUndefined();

      held.release();
      const answers = await Promise.all(inFlight);
      expect(answers).toEqual(
        [1, 2, 3].map((n) => ({ status: 200, connection: 'close', body: `answered ${n}` })),
      );
      await closing;
      await until(() => open() === 0, 1000);
      // The stores closed after the last answer, well before the timeout.
      expect(held.closedAt()).toBeGreaterThan(started);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(logged.filter((line) => line.includes('still in flight'))).toEqual([]);
    } finally {
      idleAgent.destroy();
      agent.destroy();
      held.release();
    }
  });

  it('closes the connections of requests still running at the timeout, logs how many, and closes the stores anyway', async () => {
    const held = await heldApp();
    const running = await serve(held.app, { port: 0, log: null });
    const agent = new http.Agent({ keepAlive: true });
    try {
      const stuck = [1, 2].map((n) =>
        get(`${running.url}/held/?n=${n}`, agent).then(
          () => 'answered',
          (error: NodeJS.ErrnoException) => error.code,
        ),
      );
      await until(() => held.arrived() === 2);
      const started = performance.now();
      await running.close({ timeout: 0.3 });
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(290);
      expect(took).toBeLessThan(1500);
      expect(await Promise.all(stuck)).toEqual(['ECONNRESET', 'ECONNRESET']);
      expect(held.closedAt()).toBeDefined();
      expect(logged).toContain(
        'WARNING tango.server 2 request(s) still in flight after 0.3 s (the shutdown timeout): closing their connections.',
      );
    } finally {
      agent.destroy();
      held.release();
    }
  });

  it('without a timeout waits for a slow request however long it takes', async () => {
    const held = await heldApp();
    const running = await serve(held.app, { port: 0, log: null });
    const agent = new http.Agent();
    const answer = get(`${running.url}/held/?n=9`, agent);
    await until(() => held.arrived() === 1);
    let closed = false;
    const closing = running.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(closed).toBe(false);
    held.release();
    expect(await answer).toEqual({ status: 200, connection: 'close', body: 'answered 9' });
    await closing;
    expect(held.closedAt()).toBeDefined();
  });

  it('a large response still going out to a slow client is sent whole before the connection closes', async () => {
    // Node counts a response as done once end() is called; its own idle sweep
    // (closeIdleConnections, run by http.Server.close) would cut the body off mid-transfer.
    const app: Application = await fixtureApp();
    const size = 16 * 1024 * 1024;
    app.handle = async () => new HttpResponse(Buffer.alloc(size, 97));
    const running = await serve(app, { port: 0, log: null });
    const socket = net.connect(running.port, '127.0.0.1');
    let received = 0;
    const gone = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      socket.pause();
      setTimeout(() => socket.resume(), 1);
    });
    socket.write('GET /big/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await until(() => received > 0);
    await running.close({ timeout: 30 });
    await gone;
    // Headers plus the whole body.
    expect(received).toBeGreaterThan(size);
  }, 60_000);
});
