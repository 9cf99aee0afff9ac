/**
 * Live round trips with REAL Django (the system python3-django, run as
 * `/usr/bin/python3 test/django/interop.py`, one process per file): Tango signs, Django
 * verifies; Django signs, Tango verifies; and fuzzed comparisons of cookie parsing, cookie
 * serialization, JSON and zlib bytes. The committed vectors (test/django/vectors.json) cover
 * the fixed cases without Python; this file is what catches drift on new inputs.
 *
 * Without /usr/bin/python3 + Django: under CI=true (or CI=1) this file FAILS at load (.ci/run
 * installs python3-django), otherwise the suite is skipped with a loud warning; the same rule
 * as test/support/services.ts `serviceSupport`, tested below with fake interpreters.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { configure, defineSettings } from '../../../src/runtime/conf/index.js';
import { zlibCompress } from '../../../src/runtime/core/deflate.js';
import { Signer, dumps, loads, pythonJsonDumps } from '../../../src/runtime/core/signing/index.js';
import {
  parseCookie,
  serializeSetCookie,
  type CookieOptions,
} from '../../../src/runtime/http/cookie.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { HttpResponse } from '../../../src/runtime/http/response.js';
import { DJANGO_DIR } from '../../django/vectors.js';

const PYTHON = '/usr/bin/python3';
const SECRET_KEY = 'interop-secret-key-Zoë-😀';
const OLD_KEY = 'interop-old-key';
const T = 1700000000;

/** Whether live Django can run here, and why not (as `ServiceSupport` in test/support). */
interface DjangoSupport {
  available: boolean;
  /** `django.get_version()` of the interpreter found. */
  version?: string;
  /** Why it is unavailable. */
  reason?: string;
}

const isCI = (): boolean => process.env.CI === 'true' || process.env.CI === '1';
let announced = false;

/**
 * Whether `python` can import Django. When it cannot: under CI this throws (the file fails
 * rather than silently skipping); otherwise it warns loudly once and the caller skips.
 */
function djangoSupport({ python = PYTHON, ci = isCI() } = {}): DjangoSupport {
  let reason: string;
  if (!existsSync(python)) {
    reason = `${python} was not found`;
  } else {
    try {
      const version = execFileSync(python, ['-c', 'import django; print(django.get_version())'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      return { available: true, version };
    } catch {
      reason = `${python} cannot import django`;
    }
  }
  if (ci) {
    throw new Error(
      `CI=true and ${reason}: the live Django interop tests must not skip in CI. ` +
        'Install python3-django (apt-get install python3-django) — .ci/run does.',
    );
  }
  if (!announced) {
    announced = true;
    console.warn(
      `\n!!! django-interop.test.ts SKIPPED: ${reason}. ` +
        'Install python3-django to run the live Django round trips. !!!\n',
    );
  }
  return { available: false, reason };
}

const support = djangoSupport();

type Op = Record<string, unknown> & { op: string };
type Result = { ok: unknown } | { error: string; message: string };

function runDjango(ops: Op[]): Promise<Result[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      PYTHON,
      [path.join(DJANGO_DIR, 'interop.py')],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`interop.py failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as Result[]);
      },
    );
    child.stdin!.end(JSON.stringify({ secretKey: SECRET_KEY, ops }));
  });
}

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

describe.skipIf(!support.available)('live interop with Django', () => {
  const ops: Op[] = [];
  const checks: ((result: Result) => void)[] = [];
  let results: Result[] = [];

  /** Queues an op; `check` runs on Django's answer once the batch has run. */
  function django(op: Op, check: (result: Result) => void): void {
    ops.push(op);
    checks.push(check);
  }
  const ok = (r: Result): unknown => {
    if (!('ok' in r)) throw new Error(`Django raised ${r.error}: ${r.message}`);
    return r.ok;
  };

  const tangoSigned: { payload: unknown; signed: string; salt: string; compress: boolean }[] = [];

  beforeAll(async () => {
    configure(
      defineSettings({ BASE_DIR: DJANGO_DIR, SECRET_KEY, SECRET_KEY_FALLBACKS: [OLD_KEY] }),
    );
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T * 1000);

    // 1. Tango dumps -> Django loads; and Django dumps at the same instant -> identical bytes.
    for (const payload of PAYLOADS) {
      for (const compress of [false, true]) {
        for (const salt of ['django.core.signing', 'django.contrib.sessions.SessionStore']) {
          const signed = dumps(payload, { salt, compress });
          tangoSigned.push({ payload, signed, salt, compress });
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
      {
        op: 'session_decode',
        encoded: dumps(session, { salt: 'django.contrib.sessions.SessionStore', compress: true }),
      },
      (r) => expect(ok(r)).toEqual(session),
    );
    django({ op: 'session_encode', data: session, now: T }, (r) =>
      expect(loads(ok(r) as string, { salt: 'django.contrib.sessions.SessionStore' })).toEqual(
        session,
      ),
    );
    const cookieSalt = 'django.contrib.sessions.backends.signed_cookies';
    django(
      {
        op: 'signed_cookie_session_decode',
        value: dumps(session, { salt: cookieSalt, compress: true }),
        now: T + 60,
      },
      (r) => expect(ok(r)).toEqual(session),
    );
    django({ op: 'signed_cookie_session_encode', data: session, now: T }, (r) =>
      expect(loads(ok(r) as string, { salt: cookieSalt })).toEqual(session),
    );
    django({ op: 'session_decode', encoded: dumps(session, { salt: 'wrong-salt' }) }, (r) =>
      expect(ok(r)).toEqual({}),
    );

    // 3. Signed cookies both ways, through real headers.
    const next = rng(7);
    for (let i = 0; i < 40; i++) {
      const value = i === 0 ? 'Raju' : randomString(next, 30);
      const salt = i % 3 === 0 ? '' : 'greeting';
      const response = new HttpResponse().setSignedCookie('user', value, { salt });
      const cookieHeader = response.setCookieHeaders(T * 1000)[0]!.split(';')[0]!;
      django({ op: 'get_signed_cookie', name: 'user', salt, cookieHeader }, (r) =>
        expect(ok(r)).toBe(value),
      );
      django({ op: 'set_signed_cookie', name: 'user', value, salt, now: T }, (r) => {
        const header = ok(r) as string;
        expect(header).toBe(response.setCookieHeaders(T * 1000)[0]);
        const req = new HttpRequest({
          method: 'GET',
          url: '/',
          headers: { cookie: header.split(';')[0]! },
        });
        expect(req.getSignedCookie('user', { salt })).toBe(value);
      });
    }
    const tampered =
      new HttpResponse().setSignedCookie('user', 'Raju').setCookieHeaders()[0]!.split(';')[0]! +
      'x';
    django({ op: 'get_signed_cookie', name: 'user', cookieHeader: tampered }, (r) =>
      expect(r).toMatchObject({ error: 'BadSignature' }),
    );

    // 4. Key rotation: an old-key value verifies on both sides through the fallbacks.
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

    // 5. Fuzz: cookie parsing, Set-Cookie serialization, JSON bytes, zlib bytes.
    const fuzz = rng(11);
    for (let i = 0; i < 300; i++) {
      const header =
        randomString(fuzz, 40) + (i % 2 ? '; a="x\\054y"; b=' : ';=') + randomString(fuzz, 10);
      django({ op: 'parse_cookie', header }, (r) =>
        expect([...parseCookie(header)]).toEqual(ok(r)),
      );
    }
    const optionSets: CookieOptions[] = [
      {},
      { maxAge: 60 },
      { path: null, domain: 'example.com', secure: true, httpOnly: true, sameSite: 'Strict' },
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

    vi.useRealTimers();
    results = await runDjango(ops);
  }, 120_000);

  afterEach(() => {
    vi.useRealTimers();
  });

  it('Django answered every op', () => {
    expect(results).toHaveLength(ops.length);
  });

  it('Tango dumps -> Django loads, and Django dumps -> the same bytes as Tango (compress on/off)', () => {
    for (let i = 0; i < PAYLOADS.length * 4 * 2; i++) checks[i]!(results[i]!);
  });

  it('every other round trip and fuzz comparison agrees with Django', () => {
    for (let i = PAYLOADS.length * 4 * 2; i < checks.length; i++) {
      try {
        checks[i]!(results[i]!);
      } catch (error) {
        throw new Error(
          `op #${i} ${JSON.stringify(ops[i]).slice(0, 300)}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
  });

  it('Tango-signed tokens are rejected by Django once tampered', async () => {
    const [first] = tangoSigned;
    const [result] = await runDjango([
      {
        op: 'loads',
        s: first!.signed.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
        salt: first!.salt,
      },
    ]);
    expect(result).toMatchObject({ error: 'BadSignature' });
  });
});

describe('python3-django detection', () => {
  it('reports a missing interpreter as unavailable, with the reason, and warns once', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      announced = false;
      const missing = djangoSupport({ python: '/nonexistent/python3', ci: false });
      expect(missing).toEqual({
        available: false,
        reason: '/nonexistent/python3 was not found',
      });
      djangoSupport({ python: '/nonexistent/python3', ci: false });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain('SKIPPED');
    } finally {
      warn.mockRestore();
    }
  });

  it('reports an interpreter that cannot import django as unavailable', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      // /bin/false exists and exits 1, as `python3 -c "import django"` does without Django.
      expect(djangoSupport({ python: '/bin/false', ci: false })).toEqual({
        available: false,
        reason: '/bin/false cannot import django',
      });
    } finally {
      warn.mockRestore();
    }
  });

  it('fails instead of skipping under CI, so the live suite cannot silently vanish there', () => {
    expect(() => djangoSupport({ python: '/nonexistent/python3', ci: true })).toThrow(
      /CI=true and \/nonexistent\/python3 was not found: the live Django interop tests must not skip in CI/,
    );
    expect(() => djangoSupport({ python: '/bin/false', ci: true })).toThrow(/cannot import django/);
  });

  it.skipIf(!support.available)('detected the same Django that interop.py drives', async () => {
    const [result] = await runDjango([{ op: 'version' }]);
    expect(result).toEqual({ ok: support.version });
    expect(support.version).toMatch(/^\d+\.\d+/);
  });
});
