/**
 * CSRF tokens against REAL Django, both ways.
 *
 * 1. Committed vectors (test/django/vectors.json, `csrf`): Django's `_mask_cipher_secret` and
 *    `_unmask_cipher_token` on fixed secrets and masks, and cookie/form-token pairs issued by
 *    Django's own `CsrfViewMiddleware` (Debian's Django 3.2 stores the secret masked in the
 *    cookie, 64 characters; Django 4.1+ and Tango store it bare and accept the masked form).
 * 2. Live, through `test/django/interop.py` (one Python process): Django masks and unmasks
 *    random secrets as Tango does; a cookie and form token issued by Tango's middleware pass
 *    Django's `CsrfViewMiddleware` (form field and header), and those Django issues pass Tango's.
 *    Both against Debian's Django 3.2 and Django 5.2 (test/support/django.ts); with 5.2 the
 *    reason strings of refused requests are compared too (3.2's are older).
 *
 * Without Python + Django: under CI=true this FAILS (CI installs python3-django), otherwise the
 * live part is skipped with a loud warning.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import type { Settings, SettingsInput } from '../../../src/runtime/conf/settings.js';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import type { HttpResponse } from '../../../src/runtime/http/response.js';
import {
  CSRF_ALLOWED_CHARS,
  CsrfViewMiddleware,
  maskCipherSecret,
  unmaskCipherToken,
} from '../../../src/runtime/middleware/csrf.js';
import { render } from '../../../src/runtime/shortcuts.js';
import { TemplateEngine, configureTemplates } from '../../../src/runtime/template/index.js';
import { path as route, setUrlconf, UrlResolver } from '../../../src/runtime/urls/index.js';
import { DJANGO_DIR, vectors } from '../../django/vectors.js';
import { djangoPythons } from '../../support/django.js';
import { HttpResponse as Response } from '../../../src/runtime/http/response.js';

const SECRET_KEY = 'csrf-interop-secret-key';

/**
 * Debian's Django 3.2 and Django 5.2 (test/support/django.ts: under CI=true a missing one
 * fails the file; otherwise its half is skipped with a loud warning).
 */
const PYTHONS = await djangoPythons();

type Op = Record<string, unknown> & { op: string };
type Result = { ok: unknown } | { error: string; message: string };

function runDjango(
  python: string,
  ops: Op[],
  extra: Record<string, unknown> = {},
): Promise<Result[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      python,
      [path.join(DJANGO_DIR, 'interop.py')],
      { maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`interop.py failed: ${stderr || error.message}`));
        else resolve(JSON.parse(stdout) as Result[]);
      },
    );
    child.stdin!.end(JSON.stringify({ secretKey: SECRET_KEY, ops, ...extra }));
  });
}

function ok(result: Result | undefined): unknown {
  if (result === undefined || !('ok' in result))
    throw new Error(`Django raised ${JSON.stringify(result)}`);
  return result.ok;
}

/** A deterministic generator, so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let x = seed;
  return () => (x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff);
}

function randomSecret(next: () => number): string {
  let s = '';
  for (let i = 0; i < 32; i++) s += CSRF_ALLOWED_CHARS[(next() >> 8) % 62];
  return s;
}

// ---------------------------------------------------------------------------------------------
// Tango's side: the middleware around a page that writes {{csrf_input}}, and a form view.

let templates: string;
let logs: string[] = [];
let restoreLogs: () => void;

function settingsFor(extra: Partial<SettingsInput> = {}): Readonly<Settings> {
  return defineSettings({
    BASE_DIR: DJANGO_DIR,
    SECRET_KEY,
    ALLOWED_HOSTS: ['testserver'],
    ...extra,
  });
}

async function tango(
  init: { method?: string; cookie?: string; post?: string; header?: string; origin?: string },
  settings = settingsFor(),
): Promise<{ response: HttpResponse; reason: string | undefined }> {
  const headers: Record<string, string> = { host: 'testserver' };
  if (init.cookie !== undefined) headers.cookie = `csrftoken=${init.cookie}`;
  if (init.header !== undefined) headers['x-csrftoken'] = init.header;
  if (init.origin !== undefined) headers.origin = init.origin;
  let body: Buffer | undefined;
  if (init.post !== undefined) {
    body = Buffer.from(`csrfmiddlewaretoken=${encodeURIComponent(init.post)}`);
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  const method = init.method ?? 'POST';
  const request = new HttpRequest({ method, url: '/form/', headers, body });
  request.settings = settings;
  logs = [];
  const mw = await CsrfViewMiddleware(async (r) => render(r, 'form.html'), settings);
  const response = await mw(request);
  const reason = /Forbidden \((.*)\): \/form\/$/.exec(logs[0] ?? '')?.[1];
  return { response, reason };
}

/** A visit to the form page: the CSRF cookie Tango sends and the page's form token. */
async function tangoIssue(cookie?: string): Promise<{ cookie: string | undefined; token: string }> {
  const { response } = await tango({ method: 'GET', cookie });
  const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(response.text())![1]!;
  return { cookie: response.cookies.get('csrftoken')?.value, token };
}

beforeAll(async () => {
  templates = await mkdtemp(path.join(os.tmpdir(), 'tango-csrf-interop-'));
  await writeFile(path.join(templates, 'form.html'), '<form method="post">{{csrf_input}}</form>');
  configureTemplates(await TemplateEngine.create({ dirs: [templates], appDirs: [], debug: false }));
  setUrlconf(new UrlResolver([route('form/', () => new Response('OK'))]));
  restoreLogs = setLogSink((name, _level, message) => {
    if (name === 'tango.security.csrf') logs.push(message);
  });
});

afterAll(async () => {
  restoreLogs();
  configureTemplates(undefined);
  setUrlconf(undefined);
  await rm(templates, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------

describe('committed vectors from Django', () => {
  it.each(vectors.csrf.masks.map((v) => [v.secret, v] as const))(
    'masks and unmasks %s as Django does',
    (_secret, v) => {
      expect(maskCipherSecret(v.secret, v.mask)).toBe(v.token);
      expect(unmaskCipherToken(v.token)).toBe(v.secret);
      expect(v.unmasked).toBe(v.secret);
    },
  );

  it.each(vectors.csrf.masks.slice(0, 4).map((v) => [v.secret, v] as const))(
    'a bare cookie (Django 4.1+) with a form token Django masked is accepted: %s',
    async (_secret, v) => {
      expect((await tango({ cookie: v.secret, post: v.token })).response.status).toBe(200);
      expect((await tango({ cookie: v.secret, header: v.token })).response.status).toBe(200);
    },
  );

  it.each(vectors.csrf.issued.map((v) => [v.secret, v] as const))(
    "the masked cookie and form token Django's middleware issued are accepted: %s",
    async (_secret, v) => {
      expect(v.cookie).toHaveLength(64);
      expect(unmaskCipherToken(v.cookie)).toBe(v.secret);
      expect((await tango({ cookie: v.cookie, post: v.token })).response.status).toBe(200);
      // A page that uses the token replaces the masked cookie with the bare secret (Django 4.1+).
      const again = await tangoIssue(v.cookie);
      expect(again.cookie).toBe(v.secret);
      expect(unmaskCipherToken(again.token)).toBe(v.secret);
    },
  );

  it("sends the CSRF cookie with Django's attributes (Max-Age one year, Path, SameSite)", async () => {
    const v = vectors.csrf.issued[0]!;
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(vectors.time * 1000);
      const { response } = await tango({ method: 'GET', cookie: v.secret });
      const header = response.setCookieHeaders(vectors.time * 1000)[0]!;
      expect(header.replace(v.secret, 'X')).toBe(v.header.replace(v.cookie, 'X'));
    } finally {
      vi.useRealTimers();
    }
  });
});

describe.each(PYTHONS)('live with Django $series', (dj) => {
  const PYTHON = dj.python ?? 'python3';
  /** Django 4.1+ reason strings and bare cookies (Debian's 3.2 predates both). */
  const modern = dj.series === '5.2';
  describe.skipIf(!dj.available)(`Django ${dj.version ?? dj.series}`, () => {
    const ops: Op[] = [];
    const checks: ((result: Result | undefined) => void)[] = [];
    let results: Result[] = [];
    const django = (op: Op, check: (result: Result | undefined) => void) => {
      ops.push(op);
      checks.push(check);
    };
    /** Tango's verdicts on the Django-issued pairs, checked after the batch. */
    const tangoVerdicts: (() => Promise<void>)[] = [];

    beforeAll(async () => {
      const next = rng(42);
      // 1. Masking: Django's with the same mask gives Tango's bytes; Django unmasks Tango's tokens.
      for (let i = 0; i < 40; i++) {
        const secret = randomSecret(next);
        const mask = randomSecret(next);
        const token = maskCipherSecret(secret, mask);
        django({ op: 'csrf_mask', secret, mask }, (r) => expect(ok(r)).toBe(token));
        django({ op: 'csrf_unmask', token: maskCipherSecret(secret) }, (r) =>
          expect(ok(r)).toBe(secret),
        );
      }
      // 2. Tango issues a cookie and form tokens; Django's middleware must accept them.
      for (let i = 0; i < 8; i++) {
        const issued = await tangoIssue();
        const other = await tangoIssue();
        expect(issued.cookie).toHaveLength(32);
        django({ op: 'csrf_verify', cookie: issued.cookie, post: issued.token }, (r) =>
          expect(ok(r)).toEqual({ accepted: true, reason: null }),
        );
        django({ op: 'csrf_verify', cookie: issued.cookie, header: issued.token }, (r) =>
          expect(ok(r)).toEqual({ accepted: true, reason: null }),
        );
        // A token of another visitor's secret is refused by Django as by Tango.
        django({ op: 'csrf_verify', cookie: issued.cookie, post: other.token }, (r) =>
          expect((ok(r) as { accepted: boolean }).accepted).toBe(false),
        );
        expect((await tango({ cookie: issued.cookie, post: other.token })).response.status).toBe(
          403,
        );
      }
      // 3. Django issues; Tango's middleware must accept, by form field and by header.
      for (let i = 0; i < 8; i++) {
        django({ op: 'csrf_issue' }, (r) => {
          const { cookie, token } = ok(r) as { cookie: string; token: string };
          tangoVerdicts.push(async () => {
            expect((await tango({ cookie, post: token })).response.status).toBe(200);
            expect((await tango({ cookie, header: token })).response.status).toBe(200);
            expect((await tango({ cookie, post: maskCipherSecret('a'.repeat(32)) })).reason).toBe(
              'CSRF token from POST incorrect.',
            );
          });
        });
      }
      // A Tango cookie with a page Django renders for it: the same secret comes back.
      const { cookie } = await tangoIssue();
      django({ op: 'csrf_issue', cookie }, (r) => {
        const issued = ok(r) as { cookie: string | null; token: string };
        expect(unmaskCipherToken(issued.token)).toBe(cookie);
      });
      results = await runDjango(PYTHON, ops);
    });

    it('masks, unmasks and accepts tokens the same way', async () => {
      expect(results).toHaveLength(ops.length);
      checks.forEach((check, i) => check(results[i]));
      expect(tangoVerdicts).toHaveLength(8);
      for (const verdict of tangoVerdicts) await verdict();
    });

    const SECRET = 'lcccccccX2kcccccccY2jcccccccssIC';
    const TOKEN = '2JgchWvM1tpxT2lfz9aydoXW9yT1DN3NdLiejYxOOlzzV4nhBbYqmqZYbAV3V5Bf';
    const REFUSED = [
      {},
      { cookie: SECRET },
      { cookie: SECRET, post: 'a'.repeat(16) },
      { cookie: SECRET, post: '*'.repeat(64) },
      { cookie: SECRET, post: 'a'.repeat(64) },
      { cookie: SECRET, header: 'a'.repeat(16) },
      { cookie: SECRET, header: 'b'.repeat(32) },
      { cookie: 'x'.repeat(16), post: TOKEN },
      { cookie: '!'.repeat(32), post: TOKEN },
      { cookie: SECRET, post: TOKEN, origin: 'https://evil.example' },
      { cookie: SECRET, post: TOKEN, origin: 'null' },
      { cookie: SECRET, post: TOKEN, origin: 'https://testserver' },
      { cookie: SECRET, post: TOKEN, origin: 'http://a.trusted.example' },
      { cookie: SECRET, post: TOKEN, origin: 'https://[' },
    ];
    const ACCEPTED = [
      { cookie: SECRET, post: TOKEN, origin: 'http://testserver' },
      { cookie: SECRET, post: TOKEN, origin: 'https://a.trusted.example' },
      { cookie: SECRET, post: TOKEN, origin: 'https://exact.example' },
    ];

    // Only 5.2 (4.1+) has these reason strings; the 3.2 row has no such test at all.
    if (modern)
      it('refuses the same requests with the same reason strings (Django 4.1+)', async () => {
        const trusted = ['https://*.trusted.example', 'https://exact.example'];
        const settings = settingsFor({ CSRF_TRUSTED_ORIGINS: trusted });
        const cases = [...REFUSED, ...ACCEPTED];
        const theirs = await runDjango(
          PYTHON,
          cases.map((c) => ({ op: 'csrf_verify', ...c })),
          { csrfTrustedOrigins: trusted },
        );
        for (const [i, c] of cases.entries()) {
          const mine = await tango(c, settings);
          const expected = ok(theirs[i]) as { accepted: boolean; reason: string | null };
          expect(
            { accepted: mine.response.status === 200, reason: mine.reason ?? null },
            JSON.stringify(c),
          ).toEqual(expected);
        }
      });
  });
});
