/**
 * Django interop (DESIGN.md §5): session data and signed_cookies sessions encoded by Django
 * decode in Tango and the reverse, given the same SECRET_KEY — and with the clock pinned, both
 * sign the same bytes. Table-driven over Debian's Django 3.2.25 and Django 5.2 (the reference;
 * test/support/django.ts finds or builds both); one python process per series runs all vectors.
 * Checklist items are in docs/django-sessions-checklist.md.
 */
import { execFile } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '../../../src/runtime/core/log.js';
import { SignedCookieStore } from '../../../src/runtime/sessions/backends/signed_cookies.js';
import { decodeSessionData, encodeSessionData } from '../../../src/runtime/sessions/encoding.js';
import { djangoPythons } from '../../support/django.js';

const SECRET = 'django-insecure-interop-vector-secret-key-0123456789';
const PINNED_SECONDS = 1_700_000_000;

const VECTORS: Record<string, Record<string, unknown>> = {
  small: { hit: 3 },
  shortUnicode: { name: 'Zoë 清風 😀', n: 0.5 },
  unicode: { name: 'café 清風 😀', quote: '"\\', nested: { list: [1, 2.5, null, true, -7] } },
  compressible: { text: 'a'.repeat(300), _session_expiry: 180 },
  integerKey: { '0': 'zero', z: 1 },
  empty: {},
};

const SCRIPT = String.raw`
import json, sys
from django.conf import settings
settings.configure(SECRET_KEY=sys.argv[1], INSTALLED_APPS=['django.contrib.sessions'], USE_TZ=True)
import django
django.setup()
import django.core.signing as signing
from django.contrib.sessions.backends.signed_cookies import SessionStore

request = json.load(sys.stdin)
pinned = request['pinned']
real_time = signing.time.time
out = {'version': django.get_version(), 'encoded': {}, 'cookies': {}, 'decoded': {}, 'loaded': {}}
for name, data in request['vectors'].items():
    signing.time.time = lambda: pinned
    try:
        out['encoded'][name] = SessionStore().encode(data)
    finally:
        signing.time.time = real_time
    store = SessionStore()
    store.update(data)
    store.save()
    out['cookies'][name] = store.session_key
for name, value in request['tango_encoded'].items():
    out['decoded'][name] = SessionStore().decode(value)
for name, value in request['tango_cookies'].items():
    out['loaded'][name] = SessionStore(session_key=value).load()
json.dump(out, sys.stdout)
`;

interface DjangoAnswer {
  version: string;
  encoded: Record<string, string>;
  cookies: Record<string, string>;
  decoded: Record<string, unknown>;
  loaded: Record<string, unknown>;
}

// An unavailable series is skipped with a loud warning; under CI=true this file fails at load.
const pythons = await djangoPythons();

function withPinnedClock<T>(run: () => T): T {
  const realNow = Date.now;
  Date.now = () => PINNED_SECONDS * 1000 + 123;
  try {
    return run();
  } finally {
    Date.now = realNow;
  }
}

describe.each(pythons)('Django $series interop (checklist #109, #124, #130, #131)', (support) => {
  if (!support.python) {
    it.skip(`needs Django ${support.series}: ${support.reason}`, () => {});
    return;
  }
  const python = support.python;
  const cookies = new SignedCookieStore({
    key: SECRET,
    fallbackKeys: [],
    maxAge: 10 * 365 * 86_400,
  });
  const keys = { key: SECRET, fallbackKeys: [] };
  const tangoEncoded: Record<string, string> = {};
  const tangoCookies: Record<string, string> = {};
  let django: DjangoAnswer;

  beforeAll(async () => {
    for (const [name, data] of Object.entries(VECTORS)) {
      tangoEncoded[name] = withPinnedClock(() => encodeSessionData(data, keys));
      tangoCookies[name] = await cookies.create(data);
    }
    const child = execFile(python, ['-c', SCRIPT, SECRET], { encoding: 'utf8' });
    child.stdin!.end(
      JSON.stringify({
        pinned: PINNED_SECONDS,
        vectors: VECTORS,
        tango_encoded: tangoEncoded,
        tango_cookies: tangoCookies,
      }),
    );
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    if (code !== 0) throw new Error(`python exited ${code}: ${stderr}`);
    django = JSON.parse(stdout) as DjangoAnswer;
  });

  it(`runs against Django ${support.series}`, () => {
    expect(django.version).toBe(support.version);
    expect(django.version.startsWith(`${support.series}.`)).toBe(true);
  });

  it('Django session data (SessionStore.encode) decodes in Tango', () => {
    for (const [name, data] of Object.entries(VECTORS)) {
      expect(decodeSessionData(django.encoded[name]!, keys), name).toEqual(data);
    }
  });

  it('Tango session data decodes in Django (SessionStore.decode)', () => {
    expect(django.decoded).toEqual(VECTORS);
  });

  it('with the same clock, Tango and Django sign the same bytes (checklist #130, #131)', () => {
    // Includes \\u escapes, a compressed payload ('compressible'), and one where Node's own zlib
    // would have compressed but CPython's zlib does not ('unicode': 98 vs 100 bytes).
    expect(tangoEncoded).toEqual(django.encoded);
    expect(tangoEncoded.compressible!.startsWith('.')).toBe(true);
    expect(tangoEncoded.unicode!.startsWith('.')).toBe(false);
  });

  it('a Django signed_cookies session loads in Tango', async () => {
    for (const [name, data] of Object.entries(VECTORS)) {
      expect(await cookies.load(django.cookies[name]!), name).toEqual(data);
    }
  });

  it('a Tango signed_cookies session loads in Django', () => {
    expect(django.loaded).toEqual(VECTORS);
  });

  it("another SECRET_KEY rejects Django's values", async () => {
    const other = new SignedCookieStore({
      key: 'another-key',
      fallbackKeys: [],
      maxAge: 1_209_600,
    });
    const lines: string[] = [];
    const restore = setLogSink((_name, _level, message) => lines.push(message));
    try {
      expect(await other.load(django.cookies.small!)).toBeNull();
    } finally {
      restore();
    }
    expect(lines).toEqual(['Session data corrupted']);
  });
});
