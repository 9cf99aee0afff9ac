/**
 * Hardening item 11, tampering: real signed values (`Signer`, `TimestampSigner`,
 * `signing.dumps`, `setSignedCookie`, `signed_cookies` sessions) with every bit flipped, every
 * truncation and deletion, extensions at both ends and a seeded sample of one-character
 * substitutions. None may verify, unless it decodes to exactly the original payload (an alias);
 * the counts are printed.
 *
 * Django compares the signature as base64 *text* and signs the payload's base64 text, so a flip
 * of a bit that base64 decoding ignores (the low bits of a final character, a character the
 * lenient decoder skips) still changes what is compared: such flips are counted
 * ("base64-equivalent") and must be refused like any other. Over HTTP, the Cookie header's own
 * parsing (Python's `strip()`, `;` splitting) makes a value with trailing or leading whitespace
 * the same cookie: those extensions verify and are counted as equivalents, never as forgeries.
 */
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configure, defineSettings } from '../../src/runtime/conf/index.js';
import { setLogSink } from '../../src/runtime/core/log.js';
import {
  BadSignature,
  dumps,
  loads,
  Signer,
  TimestampSigner,
} from '../../src/runtime/core/signing/index.js';
import { type Application, createApplication } from '../../src/runtime/handlers/base.js';
import { HttpRequest, HttpResponse } from '../../src/runtime/http/index.js';
import {
  SIGNED_COOKIES_SALT,
  SignedCookieStore,
} from '../../src/runtime/sessions/backends/signed_cookies.js';
import { Prng, suiteSeed } from './support/prng.js';

const SEED = suiteSeed();
const SECRET = 'bit-flip-suite-secret-key';
const OLD_SECRET = 'bit-flip-suite-retired-key';
/** One-character substitutions tried per signed value (positions sampled with the seed). */
const SUBSTITUTION_POSITIONS = 24;
const B64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Appended and prepended one at a time. */
const EXTENSION_CHARS = [
  ...B64_CHARS.slice(0, 8),
  '-',
  '_',
  '=',
  ':',
  '.',
  ' ',
  '\t',
  ';',
  '"',
  ',',
  '\0',
  '\u00e9',
];

const settings = configure(
  defineSettings({
    BASE_DIR: path.join(import.meta.dirname, 'site'),
    SECRET_KEY: SECRET,
    SECRET_KEY_FALLBACKS: [OLD_SECRET],
    ALLOWED_HOSTS: ['testserver'],
    INSTALLED_APPS: ['tango.sessions'],
    MIDDLEWARE: ['tango.sessions.middleware.SessionMiddleware'],
    ROOT_URLCONF: 'urls',
    TEMPLATES: [],
    DATABASES: {},
    SESSION_ENGINE: 'signed_cookies',
  }),
);

/** What a verifier made of a candidate: the payload it verified, or a refusal. */
type Verdict = { ok: true; value: unknown } | { ok: false };

/** A real signed value and how to verify a candidate in its place. */
interface Target {
  name: string;
  signed: string;
  /** What `signed` itself verifies to. */
  expected: unknown;
  /** Through an HTTP request's Cookie header (bytes as latin-1, as node:http gives them). */
  http: boolean;
  /** Base64 segments of `signed` as [start, end) ranges (for "base64-equivalent" flips). */
  segments: [number, number][];
  verify(candidate: string): Verdict | Promise<Verdict>;
}

/** Counts per kind of mutation. */
interface Tally {
  tried: number;
  accepted: number;
  /** Accepted with the original payload. */
  aliases: number;
  /** Accepted with another payload: a forgery. */
  forgeries: string[];
}
const tallies = new Map<string, Tally>();
const tally = (kind: string): Tally => {
  let t = tallies.get(kind);
  if (!t) tallies.set(kind, (t = { tried: 0, accepted: 0, aliases: 0, forgeries: [] }));
  return t;
};
/** Flips after which every base64 segment still decodes to the same bytes. */
let base64Equivalent = 0;
let base64EquivalentAccepted = 0;
let targetCount = 0;
const refusedLog = new Map<string, number>();

function sync(fn: () => unknown): Verdict {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (error instanceof BadSignature) return { ok: false };
    throw error;
  }
}

/** Ranges of the base64 segments of a `payload[:timestamp]:signature` value. */
function segmentsOf(signed: string, object: boolean): [number, number][] {
  const sig = signed.lastIndexOf(':');
  const ranges: [number, number][] = [[sig + 1, signed.length]];
  if (object) {
    const first = signed.indexOf(':');
    ranges.push([signed.startsWith('.') ? 1 : 0, first]);
  }
  return ranges;
}

function isBase64Equivalent(target: Target, candidate: string, at: number): boolean {
  const range = target.segments.find(([start, end]) => at >= start && at < end);
  if (!range) return false;
  const decode = (s: string) => Buffer.from(s.slice(range[0], range[1]), 'base64url');
  return decode(candidate).equals(decode(target.signed));
}

/** How each alias came about, e.g. `http extension " " after` (what the assertions allow). */
const aliasKinds = new Set<string>();
/** Cookie-header parsing strips whitespace around a value and ends it at `;`. */
const HTTP_EQUIVALENTS = new Set([
  'http extension " " after',
  'http extension "\\t" after',
  'http extension ";" after',
  'http extension " " before',
  'http extension "\\t" before',
]);

async function attempt(
  target: Target,
  kind: string,
  candidate: string,
  at = -1,
  detail = '',
): Promise<void> {
  const t = tally(kind);
  t.tried++;
  const equivalent = kind === 'flip' && isBase64Equivalent(target, candidate, at);
  if (equivalent) base64Equivalent++;
  const verdict = await target.verify(candidate);
  if (!verdict.ok) return;
  t.accepted++;
  if (equivalent) base64EquivalentAccepted++;
  if (isDeepStrictEqual(verdict.value, target.expected)) {
    t.aliases++;
    aliasKinds.add(`${target.http ? 'http' : 'api'} ${kind}${detail && ` ${detail}`}`);
  } else if (t.forgeries.length < 10) {
    t.forgeries.push(
      `${target.name}: ${kind} ${JSON.stringify(candidate)} verified as ${JSON.stringify(verdict.value)}`,
    );
  }
}

/** Every mutation of one target. */
async function mutate(target: Target): Promise<void> {
  targetCount++;
  const s = target.signed;
  expect(await target.verify(s), `${target.name}: the original verifies`).toEqual({
    ok: true,
    value: target.expected,
  });
  for (let i = 0; i < s.length; i++) {
    for (let bit = 0; bit < 8; bit++) {
      const flipped = String.fromCharCode(s.charCodeAt(i) ^ (1 << bit));
      await attempt(target, 'flip', s.slice(0, i) + flipped + s.slice(i + 1), i);
    }
  }
  for (let k = 0; k < s.length; k++) {
    await attempt(target, 'truncation', s.slice(0, k));
    if (k > 0) await attempt(target, 'truncation', s.slice(k));
    await attempt(target, 'deletion', s.slice(0, k) + s.slice(k + 1));
  }
  for (const c of EXTENSION_CHARS) {
    await attempt(target, 'extension', s + c, -1, `${JSON.stringify(c)} after`);
    await attempt(target, 'extension', c + s, -1, `${JSON.stringify(c)} before`);
  }
  const rng = Prng.for(SEED, `bit-flips/${target.name}`);
  for (let n = 0; n < SUBSTITUTION_POSITIONS; n++) {
    const i = rng.int(s.length);
    for (const c of B64_CHARS + ':.') {
      if (c !== s[i]) await attempt(target, 'substitution', s.slice(0, i) + c + s.slice(i + 1));
    }
  }
}

let restoreLog: () => void;
beforeAll(() => {
  restoreLog = setLogSink((name, level) => {
    const key = `${level} ${name}`;
    refusedLog.set(key, (refusedLog.get(key) ?? 0) + 1);
  });
});

afterAll(() => {
  restoreLog();
  const fmt = (n: number) => n.toLocaleString('en-US');
  const all = [...tallies.values()];
  const sum = (f: (t: Tally) => number) => all.reduce((n, t) => n + f(t), 0);
  const kinds = [...tallies].map(([k, t]) => `${fmt(t.tried)} ${k}s (${fmt(t.accepted)} verified)`);
  console.log(
    `robustness bit flips: ${fmt(targetCount)} signed values, ${fmt(sum((t) => t.tried))} tampered copies: ` +
      `${kinds.join(', ')}; ${sum((t) => t.forgeries.length)} forgeries accepted, ` +
      `${fmt(sum((t) => t.aliases))} aliases (verified with the original payload: ${[...aliasKinds].join(', ') || 'none'}), ` +
      `${fmt(base64Equivalent)} flips base64-equivalent to the original (${base64EquivalentAccepted} accepted) ` +
      `(seed ${SEED})`,
  );
});

/** Every tally of `kind` so far: nothing verified, or (extensions over HTTP) only aliases. */
function expectNoForgery(): void {
  for (const [kind, t] of tallies) expect(t.forgeries, `forgeries by ${kind}`).toEqual([]);
  const flips = tally('flip');
  expect(flips.accepted, 'no flipped value verifies, not even as an alias').toBe(0);
  for (const kind of ['truncation', 'deletion', 'substitution']) {
    expect(tally(kind).accepted, `no ${kind} verifies`).toBe(0);
  }
  expect(base64EquivalentAccepted).toBe(0);
  expect(
    [...aliasKinds].filter((k) => !HTTP_EQUIVALENTS.has(k)),
    'aliases beyond cookie parsing',
  ).toEqual([]);
}

describe('signing API (Signer, TimestampSigner, dumps/loads)', () => {
  const signer = new Signer({ key: SECRET, salt: 'robustness' });
  const tsSigner = new TimestampSigner({ key: SECRET, salt: 'robustness' });
  const api = (
    name: string,
    signed: string,
    expected: unknown,
    object: boolean,
    verify: (c: string) => unknown,
  ): Target => ({
    name,
    signed,
    expected,
    http: false,
    segments: segmentsOf(signed, object),
    verify: (c) => sync(() => verify(c)),
  });
  const big = {
    user: 'alice',
    items: Array.from({ length: 40 }, (_, i) => ({ id: i, name: `item ${i}` })),
  };

  it.each([
    ['Signer: a word', 'hello'],
    ['Signer: the empty string', ''],
    ['Signer: a value holding the separator', 'a:b:c:'],
    ['Signer: non-ASCII', 'é☃ 日本'],
    ['Signer: 200 characters', 'x'.repeat(200)],
  ])('%s: no tampered copy verifies', async (name, value) => {
    await mutate(api(name, signer.sign(value), value, false, (c) => signer.unsign(c)));
    expectNoForgery();
  });

  it('TimestampSigner (with maxAge): no tampered copy verifies', async () => {
    await mutate(
      api('TimestampSigner', tsSigner.sign('hello'), 'hello', false, (c) =>
        tsSigner.unsign(c, 3600),
      ),
    );
    expectNoForgery();
  });

  it('signing.dumps/loads, plain, compressed, salted and under a retired key: no tampered copy verifies', async () => {
    const opts = { key: SECRET, fallbackKeys: [OLD_SECRET] };
    const plain = dumps({ a: 1, user: 'alice' }, opts);
    await mutate(
      api('dumps', plain, { a: 1, user: 'alice' }, true, (c) =>
        loads(c, { ...opts, maxAge: 3600 }),
      ),
    );
    const compressed = dumps(big, { ...opts, compress: true });
    expect(compressed.startsWith('.')).toBe(true);
    await mutate(api('dumps(compress)', compressed, big, true, (c) => loads(c, opts)));
    const salted = dumps([1, 2, 3], { ...opts, salt: 'password-reset' });
    await mutate(
      api('dumps(salt)', salted, [1, 2, 3], true, (c) =>
        loads(c, { ...opts, salt: 'password-reset' }),
      ),
    );
    const retired = dumps({ old: true }, { key: OLD_SECRET });
    await mutate(api('dumps(retired key)', retired, { old: true }, true, (c) => loads(c, opts)));
    expectNoForgery();
  });

  it('a value verifies only under its own salt and key', () => {
    const value = dumps({ a: 1 }, { key: SECRET, salt: 'one' });
    expect(sync(() => loads(value, { key: SECRET, salt: 'two' }))).toEqual({ ok: false });
    expect(sync(() => loads(value, { key: OLD_SECRET, salt: 'one' }))).toEqual({ ok: false });
  });
});

describe('signed cookies over HTTP (setSignedCookie/getSignedCookie)', () => {
  /** The value `setSignedCookie` puts in the Set-Cookie header. */
  const issue = (name: string, value: string, salt?: string) => {
    const header = new HttpResponse('')
      .setSignedCookie(name, value, { salt })
      .setCookieHeaders()[0]!;
    return header.slice(name.length + 1, header.indexOf(';'));
  };
  const MISSING = Symbol('missing');
  const cookieTarget = (
    name: string,
    value: string,
    salt?: string,
    signed = issue(name, value, salt),
  ): Target => ({
    name: `getSignedCookie(${name})`,
    signed,
    expected: value,
    http: true,
    segments: segmentsOf(signed, false),
    verify(candidate) {
      const request = new HttpRequest({
        method: 'GET',
        url: '/',
        headers: { cookie: `theme=dark; ${name}=${candidate}; other=1` },
      });
      const got = request.getSignedCookie(name, { salt, default: MISSING, maxAge: 3600 });
      return got === MISSING ? { ok: false } : { ok: true, value: got };
    },
  });

  it('no tampered copy of a signed cookie verifies (salted, unsalted, empty, retired key)', async () => {
    await mutate(cookieTarget('user', 'alice', 'greeting'));
    await mutate(cookieTarget('pref', 'lang=fr'));
    await mutate(cookieTarget('empty', ''));
    // Issued while OLD_SECRET was the SECRET_KEY: it verifies through SECRET_KEY_FALLBACKS.
    configure({ ...settings, SECRET_KEY: OLD_SECRET, SECRET_KEY_FALLBACKS: [] });
    let retired: string;
    try {
      retired = issue('legacy', 'v1');
    } finally {
      configure(settings);
    }
    await mutate(cookieTarget('legacy', 'v1', undefined, retired));
    expectNoForgery();
  });

  it("a signed cookie does not verify under another cookie's name", () => {
    const value = issue('user', 'alice');
    const request = new HttpRequest({
      method: 'GET',
      url: '/',
      headers: { cookie: `admin=${value}` },
    });
    expect(request.getSignedCookie('admin', { default: null })).toBeNull();
  });
});

describe('signed_cookies sessions', () => {
  /**
   * A session cookie as the engine writes it, Django's
   * `signing.dumps(data, salt=SIGNED_COOKIES_SALT, compress=True)`, under `key`.
   */
  const sessionCookie = (data: Record<string, unknown>, key = SECRET) =>
    dumps(data, { key, fallbackKeys: [], salt: SIGNED_COOKIES_SALT, compress: true });
  const sessions: [string, Record<string, unknown>, string][] = [
    ['small', { hit: 7 }, SECRET],
    ['compressed', { hit: 3, text: 'lorem ipsum '.repeat(40) }, SECRET],
    ['custom expiry', { hit: 5, _session_expiry: 600 }, SECRET],
    ['retired key', { hit: 9 }, OLD_SECRET],
  ];
  let app: Application;
  beforeAll(async () => {
    app = await createApplication(settings);
  });
  afterAll(() => app.close());

  it.each(sessions)('%s: no tampered copy loads from the store', async (name, data, key) => {
    const store = await SignedCookieStore.fromSettings(settings);
    const signed = sessionCookie(data, key);
    await mutate({
      name: `store(${name})`,
      signed,
      expected: data,
      http: false,
      segments: segmentsOf(signed, true),
      verify: async (c) => {
        const loaded: unknown = await store.load(c);
        if (loaded === null) return { ok: false };
        // Session data may be a Map (keys in Python's order) or a plain object.
        return { ok: true, value: loaded instanceof Map ? Object.fromEntries(loaded) : loaded };
      },
    });
    expectNoForgery();
  });

  it.each(sessions)(
    '%s: no tampered copy is adopted by SessionMiddleware over HTTP',
    async (name, data, key) => {
      const signed = sessionCookie(data, key);
      let deletions = 0;
      await mutate({
        name: `http(${name})`,
        signed,
        expected: data.hit,
        http: true,
        segments: segmentsOf(signed, true),
        async verify(candidate) {
          const response = await app.handle(
            new HttpRequest({
              method: 'GET',
              url: '/peek/',
              headers: { host: 'testserver', cookie: `sessionid=${candidate}` },
            }),
          );
          expect(response.status).toBe(200);
          const hit = /^hit=(none|\d+)$/.exec(response.content.toString())?.[1];
          if (hit === undefined) throw new Error(`unexpected body ${response.content.toString()}`);
          const cookies = response.setCookieHeaders();
          if (hit === 'none') {
            // A refused (non-empty) cookie is deleted, never replaced by a signed empty session.
            if (cookies.some((c) => c.startsWith('sessionid=""') && /Max-Age=0/.test(c)))
              deletions++;
            expect(cookies.filter((c) => !c.startsWith('sessionid=""'))).toEqual([]);
            return { ok: false };
          }
          return { ok: true, value: Number(hit) };
        },
      });
      expect(deletions).toBeGreaterThan(0);
      expectNoForgery();
    },
  );

  it('logs a security warning for tampering, not for every refusal', () => {
    expect(refusedLog.get('WARNING tango.security.SuspiciousSession')).toBeGreaterThan(0);
    expect([...refusedLog.keys()].filter((k) => k.startsWith('ERROR'))).toEqual([]);
  });
});
