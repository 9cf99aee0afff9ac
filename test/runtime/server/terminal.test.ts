/**
 * Colour only on a terminal, never when piped or with NO_COLOR; the access log styled by
 * status code as Django's ServerFormatter does (termcolors.py's default palette).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { serve } from '../../../src/runtime/server/node.js';
import { terminalStyle } from '../../../src/runtime/server/terminal.js';
import { fixtureApp } from '../fixture.js';

const tty = { isTTY: true, hasColors: () => true };

describe('terminalStyle', () => {
  it('colours a terminal that supports colour', () => {
    const style = terminalStyle(tty, {});
    expect(style.enabled).toBe(true);
    expect(style.error('x')).toBe('\x1b[1m\x1b[31mx\x1b[39m\x1b[22m');
    expect(style.warning('x')).toBe('\x1b[1m\x1b[33mx\x1b[39m\x1b[22m');
    expect(style.notice('x')).toBe('\x1b[31mx\x1b[39m');
    expect(style.success('x')).toBe('\x1b[1m\x1b[32mx\x1b[39m\x1b[22m');
  });

  it('is plain when the stream is not a terminal, cannot colour, or NO_COLOR is set', () => {
    for (const [stream, env] of [
      [{ isTTY: false, hasColors: () => true }, {}],
      [{}, {}],
      [{ isTTY: true, hasColors: () => false }, {}],
      [tty, { NO_COLOR: '1' }],
    ] as const) {
      const style = terminalStyle(stream, env);
      expect(style.enabled).toBe(false);
      expect(style.error('x')).toBe('x');
      expect(style.httpStatus(500, 'x')).toBe('x');
    }
    // no-color.org: an empty NO_COLOR does not count.
    expect(terminalStyle(tty, { NO_COLOR: '' }).enabled).toBe(true);
  });

  it("styles access lines by status like Django's ServerFormatter", () => {
    const { httpStatus } = terminalStyle(tty, {});
    expect(httpStatus(200, 'l')).toBe('l');
    expect(httpStatus(204, 'l')).toBe('l');
    expect(httpStatus(101, 'l')).toBe('\x1b[1ml\x1b[22m');
    expect(httpStatus(304, 'l')).toBe('\x1b[36ml\x1b[39m');
    expect(httpStatus(302, 'l')).toBe('\x1b[32ml\x1b[39m');
    expect(httpStatus(404, 'l')).toBe('\x1b[33ml\x1b[39m');
    expect(httpStatus(403, 'l')).toBe('\x1b[1m\x1b[31ml\x1b[39m\x1b[22m');
    expect(httpStatus(500, 'l')).toBe('\x1b[1m\x1b[35ml\x1b[39m\x1b[22m');
    expect(httpStatus(503, 'l')).toBe('\x1b[1m\x1b[35ml\x1b[39m\x1b[22m');
  });
});

describe("serve()'s default access log", () => {
  afterEach(() => vi.restoreAllMocks());

  /** Serves one request with stderr pretending to be `stream`; returns what went to stderr. */
  async function logFor(
    stream: { isTTY: boolean; hasColors: () => boolean },
    path: string,
  ): Promise<string> {
    const stderr = process.stderr as unknown as { isTTY?: boolean; hasColors?: () => boolean };
    const saved = { isTTY: stderr.isTTY, hasColors: stderr.hasColors };
    let written = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
    Object.assign(stderr, stream);
    try {
      const running = await serve(await fixtureApp(), { port: 0 });
      try {
        await (await fetch(running.url + path)).text();
        await new Promise((r) => setTimeout(r, 20));
      } finally {
        await running.close();
      }
    } finally {
      Object.assign(stderr, saved);
    }
    return written.split('\n').find((line) => line.includes(`"GET ${path} `)) ?? '';
  }

  it('colours a 404 line yellow on a terminal and leaves it plain when piped', async () => {
    const colored = await logFor({ isTTY: true, hasColors: () => true }, '/missing/');
    expect(colored.startsWith('\x1b[33m[')).toBe(true);
    expect(colored.endsWith('\x1b[39m')).toBe(true);
    expect(colored).toMatch(/\] "GET \/missing\/ HTTP\/1\.1" 404 \d+/);
    const piped = await logFor({ isTTY: false, hasColors: () => true }, '/missing/');
    expect(piped).toMatch(/^\[.*\] "GET \/missing\/ HTTP\/1\.1" 404 \d+$/);
  });
});
