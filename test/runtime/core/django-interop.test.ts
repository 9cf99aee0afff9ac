/**
 * Live round trips with REAL Django, table-driven over Debian's Django 3.2 and Django 5.2 LTS
 * (the reference; test/support/django.ts finds or builds both), each running
 * test/django/interop.py in one process per series: Tango signs, Django verifies; Django
 * signs, Tango verifies; and fuzzed comparisons of cookie parsing, cookie serialization, JSON
 * and zlib bytes. The committed vectors (test/django/vectors.json) cover the fixed cases
 * without Python; this file is what catches drift on new inputs.
 *
 * Signed cookies differ by version (docs/django-5.2.md): Tango signs as Django 5.2 does (salt
 * `django.http.cookies.v2:<len(salt)>:<salt><name>`, Django 5.2.15+) and reads Django 3.2's
 * `name + salt` cookies through `SIGNED_COOKIE_LEGACY_SALT_FALLBACK`; Django 3.2 cannot read
 * the new cookies.
 *
 * Without an interpreter: under CI=true (or CI=1) this file FAILS at load, otherwise that
 * series is skipped with a loud warning (test/runtime/core/django-support.test.ts tests that).
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { configure, defineSettings } from '../../../src/runtime/conf/index.js';
import { zlibCompress } from '../../../src/runtime/core/deflate.js';
import {
  cookieSignerLegacySalt,
  dumps,
  getCookieSigner,
  loads,
  pythonJsonDumps,
  SignatureExpired,
  Signer,
} from '../../../src/runtime/core/signing/index.js';
import {
  parseCookie,
  serializeSetCookie,
  type CookieOptions,
} from '../../../src/runtime/http/cookie.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { HttpResponse } from '../../../src/runtime/http/response.js';
import { DJANGO_DIR } from '../../django/vectors.js';
import {
  djangoPythons,
  runInterop,
  type DjangoPython,
  type InteropOp,
  type InteropResult,
} from '../../support/django.js';

const SECRET_KEY = 'interop-secret-key-Zoë-😀';
const OLD_KEY = 'interop-old-key';
const T = 1700000000;
const SESSION_SALT = 'django.contrib.sessions.SessionStore';
const COOKIE_SESSION_SALT = 'django.contrib.sessions.backends.signed_cookies';

const pythons = await djangoPythons();

/** A deterministic generator, so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let x = seed;
  return () => (x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff);
}

const POOL = [
  ...Array.from({ length: 0x100 }, (_, i) => String.fromCharCode(i)),
  ...'清風Zoë😀\u2028\u3000"\\;,= '.split(''),
].filter((c) => !/[\ud800-\udfff]/.test(c));

function randomString(next: () => number, max: number): string {
  let s = '';
  const n = next() % max;
  for (let i = 0; i < n; i++) s += POOL[next() % POOL.length];
  return s;
}

const PAYLOADS: unknown[] = [
  { hit: 1 },
  { name: 'Zoë', emoji: '😀', cjk: '清風', ctl: '\u0000\u001f\u007f\t' },
  {
    floats: [0.1, -2.5, 1e-5, 1.5e-7, 123456.789],
    big: 12345678901234,
    nested: { a: [true, false, null] },
  },
  { repetitive: 'abc'.repeat(300), list: Array.from({ length: 50 }, (_, i) => `item ${i}`) },
  ['top', 'level'],
  'string',
];

/** The `name=value` part of a response's only Set-Cookie header. */
function cookiePair(response: HttpResponse): string {
  return response.setCookieHeaders(T * 1000)[0]!.split(';')[0]!;
}

function requestWith(cookie: string, legacyFallback = true): HttpRequest {
  const req = new HttpRequest({ method: 'GET', url: '/', headers: { cookie } });
  req.settings = defineSettings({
    BASE_DIR: DJANGO_DIR,
    SECRET_KEY,
    SIGNED_COOKIE_LEGACY_SALT_FALLBACK: legacyFallback,
  });
  return req;
}

/** Django's answer, or a thrown error naming the exception Django raised. */
const ok = (r: InteropResult): unknown => {
  if (!('ok' in r)) throw new Error(`Django raised ${r.error}: ${r.message}`);
  return r.ok;
};

/** The checks common to both series: signing, sessions, key rotation, fuzz. */
function commonOps(django: (op: InteropOp, check: (r: InteropResult) => void) => void): void {
  // 1. Tango dumps -> Django loads; and Django dumps at the same instant -> identical bytes.
  for (const payload of PAYLOADS) {
    for (const compress of [false, true]) {
      for (const salt of ['django.core.signing', SESSION_SALT]) {
        const signed = dumps(payload, { salt, compress });
        django({ op: 'loads', s: signed, salt }, (r) => expect(ok(r)).toEqual(payload));
        django({ op: 'dumps', obj: payload, salt, compress, now: T }, (r) => {
          const theirs = ok(r) as string;
          expect(theirs).toBe(signed);
          expect(loads(theirs, { salt })).toEqual(payload);
        });
      }
    }
  }

  // 2. Sessions: Tango-encoded data decodes in Django's SessionStore and the reverse.
  const session = { _auth_user_id: '42', cart: [1, 2, 3], name: 'Zoë' };
  django(
    { op: 'session_decode', encoded: dumps(session, { salt: SESSION_SALT, compress: true }) },
    (r) => expect(ok(r)).toEqual(session),
  );
  django({ op: 'session_encode', data: session, now: T }, (r) =>
    expect(loads(ok(r) as string, { salt: SESSION_SALT })).toEqual(session),
  );
  django(
    {
      op: 'signed_cookie_session_decode',
      value: dumps(session, { salt: COOKIE_SESSION_SALT, compress: true }),
      now: T + 60,
    },
    (r) => expect(ok(r)).toEqual(session),
  );
  django({ op: 'signed_cookie_session_encode', data: session, now: T }, (r) =>
    expect(loads(ok(r) as string, { salt: COOKIE_SESSION_SALT })).toEqual(session),
  );
  django({ op: 'session_decode', encoded: dumps(session, { salt: 'wrong-salt' }) }, (r) =>
    expect(ok(r)).toEqual({}),
  );

  // 2b. Key order (Python's dict order, integer-like keys included): a Map signs in its
  // order, the same bytes as Django; `ordered` reads Django's order back.
  const items: [string, unknown][] = [
    ['zz', 1],
    ['1', { b: 2, '0': 'nested' }],
    ['a', 'x'.repeat(200)],
    ['20', null],
  ];
  const ordered = new Map(items);
  for (const salt of [SESSION_SALT, COOKIE_SESSION_SALT]) {
    const op = salt === SESSION_SALT ? 'session_encode' : 'signed_cookie_session_encode';
    const ours = dumps(ordered, { salt, compress: true });
    django({ op, items, now: T }, (r) => {
      const theirs = ok(r) as string;
      expect(ours).toBe(theirs);
      expect([...(loads(theirs, { salt, ordered: true }) as Map<string, unknown>).keys()]).toEqual([
        'zz',
        '1',
        'a',
        '20',
      ]);
      // A plain object cannot keep it: JavaScript lists integer-like keys first.
      expect(Object.keys(loads(theirs, { salt }) as object)).toEqual(['1', '20', 'zz', 'a']);
    });
  }
  django(
    { op: 'session_decode_keys', encoded: dumps(ordered, { salt: SESSION_SALT, compress: true }) },
    (r) => expect(ok(r)).toEqual(['zz', '1', 'a', '20']),
  );
  django(
    {
      op: 'signed_cookie_session_decode_keys',
      value: dumps(ordered, { salt: COOKIE_SESSION_SALT, compress: true }),
      now: T + 60,
    },
    (r) => expect(ok(r)).toEqual(['zz', '1', 'a', '20']),
  );

  // 3. Key rotation: an old-key value verifies on both sides through the fallbacks.
  const oldSigned = new Signer({ key: OLD_KEY, salt: 'rotation' }).sign('v');
  django({ op: 'unsign', value: oldSigned, salt: 'rotation', fallbackKeys: [OLD_KEY] }, (r) =>
    expect(ok(r)).toBe('v'),
  );
  django({ op: 'unsign', value: oldSigned, salt: 'rotation' }, (r) =>
    expect(r).toMatchObject({ error: 'BadSignature' }),
  );
  django({ op: 'sign', value: 'w', key: OLD_KEY, salt: 'rotation' }, (r) =>
    expect(new Signer({ salt: 'rotation' }).unsign(ok(r) as string)).toBe('w'),
  );

  // 4. Fuzz: cookie parsing, Set-Cookie serialization, JSON bytes, zlib bytes.
  const fuzz = rng(11);
  for (let i = 0; i < 300; i++) {
    const header =
      randomString(fuzz, 40) + (i % 2 ? '; a="x\\054y"; b=' : ';=') + randomString(fuzz, 10);
    django({ op: 'parse_cookie', header }, (r) => expect([...parseCookie(header)]).toEqual(ok(r)));
  }
  const optionSets: CookieOptions[] = [
    {},
    { maxAge: 60 },
    { path: null, domain: 'example.com', secure: true, httpOnly: true, sameSite: 'Strict' },
    // An expires string with maxAge: both emitted, in 3.2 and 5.2 alike (checklist #10).
    { expires: 'Wed, 21 Oct 2015 07:28:00 GMT', maxAge: 0 },
  ];
  for (let i = 0; i < 300; i++) {
    const value = randomString(fuzz, 25);
    const options = optionSets[i % optionSets.length]!;
    django({ op: 'set_cookie', name: 'c', value, options, now: T }, (r) =>
      expect(serializeSetCookie('c', value, options, T * 1000)).toBe(ok(r)),
    );
  }
  for (let i = 0; i < 100; i++) {
    const obj = {
      [randomString(fuzz, 8)]: [randomString(fuzz, 20), fuzz() / 7, fuzz() % 1000, i % 2 === 0],
    };
    django({ op: 'json_dumps', obj }, (r) => expect(pythonJsonDumps(obj)).toBe(ok(r)));
  }
  for (let i = 0; i < 60; i++) {
    const size = [10, 100, 1000, 5000, 40000, 100000][i % 6]!;
    let text = '';
    while (text.length < size)
      text += ['session', '"k":', String(fuzz() % 100), randomString(fuzz, 6)][fuzz() % 4];
    const data = Buffer.from(text.slice(0, size), 'utf8');
    django({ op: 'zlib_compress', data: data.toString('base64') }, (r) =>
      expect(zlibCompress(data).toString('base64')).toBe(ok(r)),
    );
  }
}

/**
 * Signed cookies through real headers. Django 5.2: byte-identical both ways (v2 salt), and the
 * legacy fallback decided alike on both sides. Django 3.2: its (legacy-salted) cookies read in
 * Tango with the fallback on and are refused with it off; Tango's cookies are refused by 3.2.
 */
function signedCookieOps(
  series: DjangoPython['series'],
  django: (op: InteropOp, check: (r: InteropResult) => void) => void,
): void {
  const next = rng(7);
  for (let i = 0; i < 40; i++) {
    const value = i === 0 ? 'Raju' : randomString(next, 30);
    const salt = i % 3 === 0 ? '' : i % 3 === 1 ? 'greeting' : 'é😀';
    const response = new HttpResponse().setSignedCookie('user', value, { salt });
    const cookieHeader = cookiePair(response);
    django({ op: 'get_signed_cookie', name: 'user', salt, cookieHeader }, (r) => {
      if (series === '5.2') expect(ok(r)).toBe(value);
      else expect(r).toMatchObject({ error: 'BadSignature' });
    });
    django({ op: 'set_signed_cookie', name: 'user', value, salt, now: T }, (r) => {
      const header = ok(r) as string;
      if (series === '5.2') expect(header).toBe(response.setCookieHeaders(T * 1000)[0]);
      const pair = header.split(';')[0]!;
      // 3.2's cookie is legacy-salted: Tango reads it only through the fallback.
      expect(requestWith(pair).getSignedCookie('user', { salt })).toBe(value);
      if (series === '3.2') {
        expect(() => requestWith(pair, false).getSignedCookie('user', { salt })).toThrow(
          /does not match/,
        );
      }
    });
    // A legacy-salted value signed by Tango: Django 3.2 reads it as its own; Django 5.2 only
    // through its fallback, exactly as Tango decides.
    const legacy = cookiePair(
      new HttpResponse().setCookie(
        'user',
        getCookieSigner({ salt: cookieSignerLegacySalt('user', salt) }).sign(value),
      ),
    );
    django({ op: 'get_signed_cookie', name: 'user', salt, cookieHeader: legacy }, (r) =>
      expect(ok(r)).toBe(value),
    );
    if (series === '5.2' && i < 5) {
      django(
        {
          op: 'get_signed_cookie',
          name: 'user',
          salt,
          cookieHeader: legacy,
          settings: { SIGNED_COOKIE_LEGACY_SALT_FALLBACK: false },
        },
        (r) => {
          expect(r).toMatchObject({ error: 'BadSignature' });
          expect(() => requestWith(legacy, false).getSignedCookie('user', { salt })).toThrow(
            (r as { message: string }).message,
          );
        },
      );
    }
  }

  // Tampering is refused on both sides.
  const tampered = cookiePair(new HttpResponse().setSignedCookie('user', 'Raju')) + 'x';
  django({ op: 'get_signed_cookie', name: 'user', cookieHeader: tampered }, (r) =>
    expect(r).toMatchObject({ error: 'BadSignature' }),
  );

  // Expiry (signed at T by the pinned clock below): the same answer, never a legacy retry.
  const current = cookiePair(new HttpResponse().setSignedCookie('user', 'Raju'));
  const legacy = cookiePair(
    new HttpResponse().setCookie(
      'user',
      getCookieSigner({ salt: cookieSignerLegacySalt('user') }).sign('Raju'),
    ),
  );
  const cases: { cookieHeader: string; maxAge: number }[] = [
    { cookieHeader: legacy, maxAge: 11 },
    { cookieHeader: legacy, maxAge: 10 },
  ];
  if (series === '5.2')
    cases.push({ cookieHeader: current, maxAge: 11 }, { cookieHeader: current, maxAge: 10 });
  for (const { cookieHeader, maxAge } of cases) {
    django({ op: 'get_signed_cookie', name: 'user', cookieHeader, maxAge, now: T + 11 }, (r) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime((T + 11) * 1000);
      const read = (): unknown => requestWith(cookieHeader).getSignedCookie('user', { maxAge });
      if ('ok' in r) {
        expect(read()).toBe(r.ok);
      } else {
        // SignatureExpired from the salt that matched: a legacy retry of an expired v2
        // signature would have said BadSignature ("does not match") instead.
        expect(r.error).toBe('SignatureExpired');
        expect(read).toThrow(SignatureExpired);
      }
    });
  }
}

describe.each(pythons)('live interop with Django $series', (support) => {
  const ops: InteropOp[] = [];
  const checks: ((result: InteropResult) => void)[] = [];
  let results: InteropResult[] = [];
  let tangoSigned = '';

  /** Queues an op; `check` runs on Django's answer once the batch has run. */
  function django(op: InteropOp, check: (result: InteropResult) => void): void {
    ops.push(op);
    checks.push(check);
  }

  beforeAll(async () => {
    if (!support.available) return;
    configure(
      defineSettings({ BASE_DIR: DJANGO_DIR, SECRET_KEY, SECRET_KEY_FALLBACKS: [OLD_KEY] }),
    );
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T * 1000);
    tangoSigned = dumps(PAYLOADS[0], { salt: 'django.core.signing' });
    commonOps(django);
    signedCookieOps(support.series, django);
    vi.useRealTimers();
    results = await runInterop(support, SECRET_KEY, ops);
  }, 300_000);

  afterEach(() => {
    vi.useRealTimers();
  });

  it.skipIf(!support.available)(`runs Django ${support.series}`, async () => {
    const [version] = await runInterop(support, SECRET_KEY, [{ op: 'version' }]);
    expect(version).toEqual({ ok: support.version });
    expect(support.version).toMatch(new RegExp(`^${support.series.replace('.', '\\.')}\\.`));
    expect(results).toHaveLength(ops.length);
  });

  it.skipIf(!support.available)(
    'Tango dumps -> Django loads, and Django dumps -> the same bytes as Tango (compress on/off)',
    () => {
      for (let i = 0; i < PAYLOADS.length * 4 * 2; i++) checks[i]!(results[i]!);
    },
  );

  it.skipIf(!support.available)(
    'every other round trip, signed cookie and fuzz comparison agrees with Django',
    () => {
      for (let i = PAYLOADS.length * 4 * 2; i < checks.length; i++) {
        try {
          checks[i]!(results[i]!);
        } catch (error) {
          throw new Error(
            `op #${i} ${JSON.stringify(ops[i]).slice(0, 300)}: ${(error as Error).message}`,
            { cause: error },
          );
        } finally {
          vi.useRealTimers();
        }
      }
    },
  );

  it.skipIf(!support.available)(
    'Tango-signed tokens are rejected by Django once tampered',
    async () => {
      const [result] = await runInterop(support, SECRET_KEY, [
        {
          op: 'loads',
          s: tangoSigned.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
          salt: 'django.core.signing',
        },
      ]);
      expect(result).toMatchObject({ error: 'BadSignature' });
    },
  );
});
