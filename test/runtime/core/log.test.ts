/**
 * Logs a production system can use: `LOGGING.format: 'json'` (one JSON object per line for
 * the access log and every `tango.*` record) next to Django's text lines, and
 * `LOGGING.requestIdHeader` carrying a request id from the incoming header into every line
 * of that request. Unit tests of the formats, then a real server.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineSettings, loadSettings } from '../../../src/runtime/conf/index.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import {
  configureLogging,
  currentRequestId,
  formatJsonRecord,
  getLogger,
  logFormat,
  setLogSink,
  withRequestId,
} from '../../../src/runtime/core/log.js';
import { createApplication, type Application } from '../../../src/runtime/handlers/base.js';
import { HttpResponse } from '../../../src/runtime/http/index.js';
import { serve, type RunningServer } from '../../../src/runtime/server/node.js';
import {
  formatRequestJson,
  formatRequestLine,
  requestIdFrom,
} from '../../../src/runtime/server/request-log.js';
import { FIXTURE_SETTINGS } from '../fixture.js';

const written: string[] = [];
const capture = (text: string): void => {
  written.push(text);
};
afterEach(() => {
  written.length = 0;
  configureLogging('text', (text) => process.stderr.write(text));
});

describe('the log sinks', () => {
  it("text: Django's lines, as they are", () => {
    configureLogging('text', capture);
    getLogger('tango.request').error('Internal Server Error: /hits/');
    expect(written).toEqual(['Internal Server Error: /hits/\n']);
    expect(logFormat()).toBe('text');
  });

  it('json: one object per line with time, level, logger, message (a stack stays one field)', () => {
    configureLogging('json', capture);
    getLogger('tango.security.SuspiciousSession').warning('Session data corrupted');
    getLogger('tango.request').error('Internal Server Error: /x/\nError: boom\n    at view\n');
    expect(written.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(
      true,
    );
    const records = written.map((line) => JSON.parse(line) as Record<string, string>);
    expect(records[0]).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      level: 'WARNING',
      logger: 'tango.security.SuspiciousSession',
      message: 'Session data corrupted',
    });
    expect(records[1]!.message).toBe('Internal Server Error: /x/\nError: boom\n    at view');
  });

  it('records logged inside withRequestId carry the id, across awaits; outside they do not', async () => {
    configureLogging('json', capture);
    await withRequestId('req-1', async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(currentRequestId()).toBe('req-1');
      getLogger('tango.request').info('inside');
    });
    getLogger('tango.request').info('outside');
    const [inside, outside] = written.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inside!.requestId).toBe('req-1');
    expect(outside).not.toHaveProperty('requestId');
  });

  it('a sink set by a test stays in place when the format changes, and restores', () => {
    const seen: string[] = [];
    const restore = setLogSink((name, level, message) => seen.push(`${level} ${name} ${message}`));
    configureLogging('json', capture);
    getLogger('tango.server').info('hello');
    restore();
    getLogger('tango.server').info('after');
    expect(seen).toEqual(['INFO tango.server hello']);
    expect(JSON.parse(written[0]!)).toMatchObject({ message: 'after' });
  });

  it('formatJsonRecord escapes what a client controls', () => {
    const line = formatJsonRecord('tango.server', 'INFO', 'GET /"\u0000\n\u2028', new Date(0), 'x');
    expect(JSON.parse(line)).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'INFO',
      logger: 'tango.server',
      message: 'GET /"\u0000\n\u2028',
      requestId: 'x',
    });
  });
});

describe('the access record', () => {
  it("text is Django's runserver line", () => {
    expect(
      formatRequestLine(new Date(2026, 10, 22, 7, 9, 4), 'GET', '/hits/', '1.1', 200, 113),
    ).toBe('[22/Nov/2026 07:09:04] "GET /hits/ HTTP/1.1" 200 113');
  });

  it.each([
    [200, 'INFO'],
    [404, 'WARNING'],
    [503, 'ERROR'],
  ])('json: request line fields, status %i at %s, size, duration, request id', (status, level) => {
    const line = formatRequestJson(
      new Date(0),
      'POST',
      '/a b/?q="x"',
      '1.1',
      status,
      12,
      1.23456,
      'id-1',
    );
    expect(JSON.parse(line)).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level,
      logger: 'tango.server',
      method: 'POST',
      path: '/a b/?q="x"',
      protocol: 'HTTP/1.1',
      status,
      size: 12,
      durationMs: 1.235,
      requestId: 'id-1',
    });
    expect(
      JSON.parse(formatRequestJson(new Date(0), 'GET', '/', '2.0', 200, 0, 0)),
    ).not.toHaveProperty('requestId');
  });

  it.each([
    ['abc-123', 'abc-123'],
    [['first', 'second'], 'first'],
    [undefined, 'fresh'],
    ['', 'fresh'],
    ['has space', 'fresh'],
    ['line\nbreak', 'fresh'],
    ['\u00e9t\u00e9', 'fresh'],
    ['x'.repeat(200), 'x'.repeat(200)],
    ['x'.repeat(201), 'fresh'],
  ])('requestIdFrom(%j) is %s', (value, expected) => {
    expect(requestIdFrom(value, () => 'fresh')).toBe(expected);
  });
});

describe('LOGGING is validated', () => {
  const base = { BASE_DIR: '/srv', SECRET_KEY: 'k' };
  it.each([
    [{ format: 'xml' }, 'LOGGING.format'],
    [{ requestIdHeader: 'X Request' }, 'LOGGING.requestIdHeader'],
    [{ version: 1 }, "Unknown LOGGING option 'version'"],
    ['json', 'The LOGGING setting must be an object'],
  ])('%j', (value, message) => {
    expect(() => defineSettings({ ...base, LOGGING: value as never })).toThrow(
      ImproperlyConfigured,
    );
    expect(() => defineSettings({ ...base, LOGGING: value as never })).toThrow(message);
  });

  it("defaults to Django's text lines without request ids", () => {
    expect(defineSettings(base).LOGGING).toEqual({ format: 'text', requestIdHeader: null });
  });
});

describe('a server with LOGGING json and requestIdHeader', () => {
  let running: RunningServer;
  let app: Application;
  const access: string[] = [];

  beforeAll(async () => {
    configureLogging('text', capture);
    const base = await loadSettings(FIXTURE_SETTINGS);
    app = await createApplication(
      defineSettings({
        ...base,
        LOGGING: { format: 'json', requestIdHeader: 'X-Request-ID' },
      }),
    );
    const original = app.handle.bind(app);
    app.handle = async (request) => {
      if (request.path === '/logs/') {
        await new Promise((r) => setTimeout(r, 5));
        getLogger('tango.request').warning('from the view');
        return new HttpResponse('ok');
      }
      return original(request);
    };
    running = await serve(app, { port: 0, log: (line) => access.push(line) });
  });
  afterAll(() => running.close());

  it('access lines are JSON with the duration, and every line of a request has its id', async () => {
    const [a, b] = await Promise.all([
      fetch(`${running.url}/logs/`, { headers: { 'X-Request-ID': 'edge-42' } }),
      fetch(`${running.url}/logs/`, { headers: { 'X-Request-ID': 'edge-43' } }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    await new Promise((r) => setTimeout(r, 50));
    const lines = access.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatchObject({
        method: 'GET',
        path: '/logs/',
        protocol: 'HTTP/1.1',
        status: 200,
      });
      expect(line.durationMs).toBeGreaterThanOrEqual(4);
    }
    expect(lines.map((l) => l.requestId).sort()).toEqual(['edge-42', 'edge-43']);
    const records = written.map((l) => JSON.parse(l) as Record<string, unknown>);
    const fromView = records.filter((r) => r.message === 'from the view');
    expect(fromView.map((r) => r.requestId).sort()).toEqual(['edge-42', 'edge-43']);
    expect(fromView.every((r) => r.logger === 'tango.request' && r.level === 'WARNING')).toBe(true);
  });

  it('a request without the header (or with a forged one) gets a fresh UUID', async () => {
    access.length = 0;
    await fetch(`${running.url}/logs/`, { headers: { 'X-Request-ID': 'a"b c' } });
    await fetch(`${running.url}/logs/`);
    await new Promise((r) => setTimeout(r, 50));
    const ids = access.map((l) => (JSON.parse(l) as { requestId: string }).requestId);
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
    expect(ids[0]).not.toBe(ids[1]);
  });
});
