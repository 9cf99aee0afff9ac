/**
 * tango/core/signing against Django. The expected strings come from test/django/vectors.json,
 * produced by REAL Django 3.2.25 with:
 *
 *   /usr/bin/python3 test/django/make_vectors.py > test/django/vectors.json
 *
 * (run from the repository root; see the script's docstring). Checklist numbers (#N) refer to
 * docs/django-sessions-checklist.md, sections C and K.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { deflateSync } from 'node:zlib';
import { configure, defineSettings } from '../../../src/runtime/conf/index.js';
import {
  BadSignature,
  SignatureExpired,
  Signer,
  TimestampSigner,
  b62decode,
  b62encode,
  b64Decode,
  b64Encode,
  cookieSignerLegacySalt,
  cookieSignerSalt,
  dumps,
  getCookieSigner,
  loads,
  pythonJsonDumps,
  pythonJsonLoads,
  saltedHmac,
  signCookie,
  unsignCookie,
} from '../../../src/runtime/core/signing/index.js';
import { SuspiciousOperation } from '../../../src/runtime/http/errors.js';
import { VECTOR_SETTINGS_INPUT, vectors } from '../../django/vectors.js';

beforeAll(() => {
  configure(defineSettings(VECTOR_SETTINGS_INPUT));
});

afterEach(() => {
  vi.useRealTimers();
});

function freeze(seconds: number): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(seconds * 1000);
}

describe('encodings', () => {
  it.each(vectors.b62)('checklist #28: b62encode(%d) is %s, and back', (n, s) => {
    expect(b62encode(n)).toBe(s);
    expect(b62decode(s)).toBe(n);
  });

  it('checklist #28: 1700000000 is 1r31eq', () => {
    expect(b62encode(1700000000)).toBe('1r31eq');
  });

  it('b62decode rejects characters outside the alphabet', () => {
    expect(() => b62decode('1r3!eq')).toThrow(TypeError);
  });

  it('b64Encode is URL-safe without padding; b64Decode accepts it with or without padding', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xfe, 0x00]);
    expect(b64Encode(bytes)).toBe('-__-AA');
    expect(b64Decode('-__-AA')).toEqual(bytes);
    expect(b64Decode('-__-AA==')).toEqual(bytes);
    expect(b64Encode('{"a":1}')).toBe('eyJhIjoxfQ');
  });

  it.each(vectors.saltedHmac)(
    'checklist #29: saltedHmac($salt, $value) matches Django',
    ({ salt, value, secret, hex }) => {
      expect(saltedHmac(salt, value, secret).toString('hex')).toBe(hex);
    },
  );
});

describe('Signer', () => {
  it.each(vectors.signer)(
    'checklist #29: sign($value) with $options matches Django',
    ({ options, value, signed }) => {
      const signer = new Signer(options);
      expect(signer.sign(value)).toBe(signed);
      expect(signer.unsign(signed)).toBe(value);
    },
  );

  it('checklist #29: the signature is 43 URL-safe base64 characters', () => {
    const sig = new Signer().sign('x').slice(2);
    expect(sig).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("defaults to SECRET_KEY and Django's class-path salt", () => {
    expect(new Signer().key).toBe(vectors.secretKey);
    expect(new Signer().salt).toBe('django.core.signing.Signer');
    expect(new TimestampSigner().salt).toBe('django.core.signing.TimestampSigner');
    // Django's `salt or default`: an empty salt is the default salt.
    expect(new Signer({ salt: '' }).sign('v')).toBe(new Signer().sign('v'));
  });

  it.each([
    ['tampered value', (s: string) => 'j' + s.slice(1)],
    ['tampered signature', (s: string) => s.slice(0, -1) + (s.endsWith('A') ? 'B' : 'A')],
    ['truncated signature', (s: string) => s.slice(0, -1)],
    ['extra separator', (s: string) => s + ':'],
  ])('detects a %s', (_name, tamper) => {
    const signer = new Signer({ key: 'k' });
    expect(() => signer.unsign(tamper(signer.sign('hello')))).toThrow(BadSignature);
  });

  it('checklist #31: a value without the separator is BadSignature(\'No ":" found in value\')', () => {
    expect(() => new Signer().unsign('abc')).toThrow(new BadSignature('No ":" found in value'));
    expect(() => new Signer({ sep: '/' }).unsign('a:b')).toThrow('No "/" found in value');
  });

  it('a different key or salt does not verify', () => {
    const signed = new Signer({ key: 'k1', salt: 's' }).sign('v');
    expect(() => new Signer({ key: 'k2', salt: 's' }).unsign(signed)).toThrow(BadSignature);
    expect(() => new Signer({ key: 'k1', salt: 't' }).unsign(signed)).toThrow(BadSignature);
  });

  it.each(['', 'abc', 'A-z', '_=-', '^', '`'])('rejects the unsafe separator %j', (sep) => {
    expect(() => new Signer({ sep })).toThrow(/option sep is unsafe/);
  });

  it('rejects an algorithm other than sha256', () => {
    expect(() => new Signer({ algorithm: 'sha1' as 'sha256' })).toThrow(
      /option algorithm is invalid/,
    );
  });

  it('checklist #34: BadSignature is not a SuspiciousOperation (an uncaught one is a 500, not a 400)', () => {
    expect(new BadSignature('x')).not.toBeInstanceOf(SuspiciousOperation);
    expect(new SignatureExpired('x')).toBeInstanceOf(BadSignature);
  });

  it('signObject/unsignObject round-trip; a Signer refuses maxAge', () => {
    const signer = new Signer({ key: 'k' });
    const signed = signer.signObject({ a: [1, 'é'] }, { compress: true });
    expect(signer.unsignObject(signed)).toEqual({ a: [1, 'é'] });
    expect(() => signer.unsignObject(signed, { maxAge: 10 })).toThrow(TypeError);
  });
});

describe('TimestampSigner', () => {
  it.each(vectors.timestampSigner)(
    'checklist #27-#29: sign($value) at $time matches Django',
    ({ options, value, time, signed }) => {
      freeze(time);
      const signer = new TimestampSigner(options);
      expect(signer.timestamp()).toBe(b62encode(time));
      expect(signer.sign(value)).toBe(signed);
      expect(signer.unsign(signed)).toBe(value);
    },
  );

  it('checklist #32: a value exactly maxAge old is valid, one second more is SignatureExpired', () => {
    freeze(vectors.time);
    const signer = new TimestampSigner({ key: 'k' });
    const signed = signer.sign('v');
    vi.setSystemTime((vectors.time + 11) * 1000);
    expect(signer.unsign(signed, 11)).toBe('v');
    expect(signer.unsign(signed, 12)).toBe('v');
    expect(() => signer.unsign(signed, 10)).toThrow(SignatureExpired);
    vi.setSystemTime((vectors.time + 11) * 1000 + 1);
    expect(() => signer.unsign(signed, 11)).toThrow(/^Signature age 11\.00\d* > 11 seconds$/);
  });

  it('a maxAge of NaN or a non-number is a TypeError (NaN would pass every age check); Infinity is no limit', () => {
    freeze(vectors.time);
    const signer = new TimestampSigner({ key: 'k' });
    const signed = signer.sign('v');
    vi.setSystemTime((vectors.time + 10 ** 9) * 1000);
    expect(() => signer.unsign(signed, NaN)).toThrow(
      new TypeError('option maxAge is invalid: NaN (a number of seconds, or null for no limit)'),
    );
    expect(() => signer.unsign(signed, '5' as never)).toThrow(TypeError);
    expect(() => loads(dumps('x', { key: 'k' }), { key: 'k', maxAge: NaN })).toThrow(TypeError);
    expect(signer.unsign(signed, Infinity)).toBe('v');
  });

  it('a forged timestamp is BadSignature, not a crash', () => {
    const forged = new Signer({ key: 'k', salt: 'django.core.signing.TimestampSigner' }).sign(
      'v:!!',
    );
    expect(() => new TimestampSigner({ key: 'k' }).unsign(forged)).toThrow(BadSignature);
  });
});

describe('dumps/loads', () => {
  it.each(vectors.dumps.map((v) => ({ ...v, label: JSON.stringify(v.obj).slice(0, 40) })))(
    'checklist #130-#131: dumps($label, compress=$compress, salt=$salt) matches Django',
    ({ obj, salt, compress, signed, json }) => {
      freeze(vectors.time);
      expect(pythonJsonDumps(obj)).toBe(json);
      expect(dumps(obj, { salt, compress })).toBe(signed);
      expect(loads(signed, { salt })).toEqual(obj);
    },
  );

  it('checklist #131: compression only when it saves more than one byte, marked by a leading "."', () => {
    freeze(vectors.time);
    const small = dumps({ a: 1 }, { compress: true });
    expect(small.startsWith('.')).toBe(false);
    const big = dumps({ a: 'x'.repeat(500) }, { compress: true });
    expect(big.startsWith('.')).toBe(true);
    expect(big.length).toBeLessThan(dumps({ a: 'x'.repeat(500) }).length);
    expect(loads(big)).toEqual({ a: 'x'.repeat(500) });
  });

  it("checklist #131: loads Django's compressed bytes even where Node's zlib would compress differently", () => {
    expect(loads(vectors.bigCompressed.signed)).toEqual(vectors.bigCompressed.obj);
  });

  it('loads with maxAge: SignatureExpired once older', () => {
    freeze(vectors.time);
    const token = dumps({ a: 1 }, { salt: 's' });
    vi.setSystemTime((vectors.time + 60) * 1000);
    expect(loads(token, { salt: 's', maxAge: 60 })).toEqual({ a: 1 });
    expect(() => loads(token, { salt: 's', maxAge: 59 })).toThrow(SignatureExpired);
  });

  it('the wrong salt is BadSignature', () => {
    expect(() => loads(dumps({ a: 1 }, { salt: 'one' }), { salt: 'two' })).toThrow(BadSignature);
  });

  it('a validly signed payload that does not decode is BadSignature too', () => {
    const signer = new TimestampSigner({ salt: 'django.core.signing' });
    expect(() => loads(signer.sign('.' + b64Encode('not zlib')))).toThrow(BadSignature);
    expect(() => loads(signer.sign(b64Encode('{not json')))).toThrow(BadSignature);
    // Raw zlib of valid JSON behind a "." decodes.
    expect(loads(signer.sign('.' + b64Encode(deflateSync('{"z":1}'))))).toEqual({ z: 1 });
  });
});

describe('SECRET_KEY_FALLBACKS (key rotation)', () => {
  it.each(vectors.fallback)(
    'a $kind value signed by Django with the old key verifies via fallbackKeys',
    (v) => {
      const fallbackKeys = [vectors.oldSecretKey];
      switch (v.kind) {
        case 'signer':
          expect(() => new Signer().unsign(v.signed)).toThrow(BadSignature);
          expect(new Signer({ fallbackKeys }).unsign(v.signed)).toBe(v.value);
          break;
        case 'dumps':
          expect(() => loads(v.signed)).toThrow(BadSignature);
          expect(loads(v.signed, { fallbackKeys })).toEqual(v.value);
          break;
        case 'session':
          expect(
            loads(v.signed, { salt: 'django.contrib.sessions.SessionStore', fallbackKeys }),
          ).toEqual(v.value);
          break;
        case 'cookie': {
          expect(() => getCookieSigner({ salt: v.name! + v.salt! }).unsign(v.signed)).toThrow(
            BadSignature,
          );
          configure(
            defineSettings({ ...VECTOR_SETTINGS_INPUT, SECRET_KEY_FALLBACKS: fallbackKeys }),
          );
          try {
            expect(getCookieSigner({ salt: v.name! + v.salt! }).unsign(v.signed)).toBe(v.value);
          } finally {
            configure(defineSettings(VECTOR_SETTINGS_INPUT));
          }
          break;
        }
      }
    },
  );

  it('new signatures always use the current key', () => {
    const a = new Signer({ key: 'new', fallbackKeys: ['old'] }).sign('v');
    expect(a).toBe(new Signer({ key: 'new' }).sign('v'));
  });
});

describe('getCookieSigner', () => {
  it("checklist #27: keys with 'django.http.cookies' + SECRET_KEY and salts with the given salt", () => {
    const signer = getCookieSigner({ salt: 'usergreeting' });
    expect(signer.key).toBe('django.http.cookies' + vectors.secretKey);
    expect(signer.salt).toBe('usergreeting');
    expect(signer).toBeInstanceOf(TimestampSigner);
  });

  it('is cached per salt and rebuilt when the keys change', () => {
    const first = getCookieSigner({ salt: 'cache-test' });
    expect(getCookieSigner({ salt: 'cache-test' })).toBe(first);
    configure(defineSettings({ ...VECTOR_SETTINGS_INPUT, SECRET_KEY: 'rotated' }));
    try {
      const second = getCookieSigner({ salt: 'cache-test' });
      expect(second).not.toBe(first);
      expect(second.key).toBe('django.http.cookies' + 'rotated');
    } finally {
      configure(defineSettings(VECTOR_SETTINGS_INPUT));
    }
  });

  it.each(vectors.signedCookies)(
    'checklist #27: signs $name=$value (salt $salt) as Django 3.2 with the legacy salt',
    ({ name, value, salt, time, signedValue }) => {
      freeze(time);
      expect(getCookieSigner({ salt: cookieSignerLegacySalt(name, salt) }).sign(value)).toBe(
        signedValue,
      );
    },
  );
});

describe('signCookie/unsignCookie (Django 5.2.15+ salts, CVE-2026-6873)', () => {
  it.each([
    ['user', '', 'django.http.cookies.v2:0:user'],
    ['user', 'greeting', 'django.http.cookies.v2:8:greetinguser'],
    // Python's len() counts code points: 'é😀' is 2, not 3 UTF-16 units.
    ['c', 'é😀', 'django.http.cookies.v2:2:é😀c'],
    ['a', 'b:1:c', 'django.http.cookies.v2:5:b:1:ca'],
  ])('cookieSignerSalt(%j, %j) is %j; the legacy salt is name + salt', (name, salt, v2) => {
    expect(cookieSignerSalt(name, salt)).toBe(v2);
    expect(cookieSignerLegacySalt(name, salt)).toBe(name + salt);
  });

  it('signs with the v2 salt and reads it back; another name or salt is refused', () => {
    const signed = signCookie('user', 'Raju', 'greeting');
    expect(getCookieSigner({ salt: cookieSignerSalt('user', 'greeting') }).unsign(signed)).toBe(
      'Raju',
    );
    expect(unsignCookie('user', signed, { salt: 'greeting' })).toBe('Raju');
    expect(() => unsignCookie('user', signed)).toThrow(BadSignature);
    expect(() => unsignCookie('userg', signed, { salt: 'reeting' })).toThrow(BadSignature);
  });

  it('reads legacy-salted cookies through the fallback: the option, else the setting', () => {
    const legacy = vectors.signedCookies[1]!; // Django 3.2: user=Raju, salt 'greeting'
    const read = (legacySaltFallback?: boolean) =>
      unsignCookie(legacy.name, legacy.signedValue, { salt: legacy.salt, legacySaltFallback });
    expect(read()).toBe('Raju');
    expect(read(true)).toBe('Raju');
    expect(() => read(false)).toThrow(BadSignature);
    configure(
      defineSettings({ ...VECTOR_SETTINGS_INPUT, SIGNED_COOKIE_LEGACY_SALT_FALLBACK: false }),
    );
    try {
      expect(() => read()).toThrow(BadSignature);
      expect(read(true)).toBe('Raju');
    } finally {
      configure(defineSettings(VECTOR_SETTINGS_INPUT));
    }
    // Settings built without defineSettings get Django's default, true.
    const { SIGNED_COOKIE_LEGACY_SALT_FALLBACK: _, ...partial } =
      defineSettings(VECTOR_SETTINGS_INPUT);
    configure(partial as ReturnType<typeof defineSettings>);
    try {
      expect(read()).toBe('Raju');
    } finally {
      configure(defineSettings(VECTOR_SETTINGS_INPUT));
    }
  });

  it('an expired v2 signature is SignatureExpired: the legacy salt is never tried', () => {
    freeze(1_700_000_000);
    const signed = signCookie('c', 'v');
    freeze(1_700_000_011);
    const unsign = vi.spyOn(TimestampSigner.prototype, 'unsign');
    try {
      expect(() => unsignCookie('c', signed, { maxAge: 10 })).toThrow(SignatureExpired);
      expect(unsign).toHaveBeenCalledTimes(1);
      expect(unsign.mock.calls[0]![1]).toBe(10);
      expect(unsignCookie('c', signed, { maxAge: 11 })).toBe('v');
    } finally {
      unsign.mockRestore();
    }
  });

  it('legacy cookies signed with a fallback key still read (both fallbacks together)', () => {
    const v = vectors.fallback.find((f) => f.kind === 'cookie')!;
    expect(() => unsignCookie(v.name!, v.signed, { salt: v.salt! })).toThrow(BadSignature);
    configure(
      defineSettings({ ...VECTOR_SETTINGS_INPUT, SECRET_KEY_FALLBACKS: [vectors.oldSecretKey] }),
    );
    try {
      expect(unsignCookie(v.name!, v.signed, { salt: v.salt! })).toBe(v.value);
    } finally {
      configure(defineSettings(VECTOR_SETTINGS_INPUT));
    }
  });
});

describe('pythonJsonDumps (checklist #130)', () => {
  it.each([
    [{ a: 1 }, '{"a":1}'],
    ['Zoë', '"Zo\\u00eb"'],
    ['😀', '"\\ud83d\\ude00"'],
    ['\u007f\u0080', '"\\u007f\\u0080"'],
    ['\b\f\n\r\t"\\/', '"\\b\\f\\n\\r\\t\\"\\\\/"'],
    ['\u0000\u001f', '"\\u0000\\u001f"'],
    [
      [1, 2.5, -0.5, 1e-5, 1.5e-7, 0.0001, 1e21, 2 ** 53],
      '[1,2.5,-0.5,1e-05,1.5e-07,0.0001,1000000000000000000000,9007199254740992]',
    ],
    [[NaN, Infinity, -Infinity], '[NaN,Infinity,-Infinity]'],
    [12345678901234567890n, '12345678901234567890'],
    [{ skip: undefined, keep: null }, '{"keep":null}'],
    [[undefined, () => 1], '[null,null]'],
    [
      new Map<unknown, unknown>([
        ['b', 1],
        [2, 'two'],
        [true, 3],
        [null, 4],
      ]),
      '{"b":1,"2":"two","true":3,"null":4}',
    ],
    [{ when: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)) }, '{"when":"2025-01-02T03:04:05.000Z"}'],
    [{ nested: { list: [[], {}] } }, '{"nested":{"list":[[],{}]}}'],
  ])('case %# -> %s', (value, expected) => {
    expect(pythonJsonDumps(value)).toBe(expected);
  });

  it('refuses circular structures, sets and top-level undefined', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => pythonJsonDumps(loop)).toThrow('Circular reference detected');
    expect(() => pythonJsonDumps(new Set([1]))).toThrow(TypeError);
    expect(() => pythonJsonDumps(undefined)).toThrow(TypeError);
  });

  it('pythonJsonLoads reads what Python writes, including NaN/Infinity', () => {
    expect(pythonJsonLoads('{"a":[1,2]}')).toEqual({ a: [1, 2] });
    const v = pythonJsonLoads(
      '{"n": NaN, "i": [Infinity, -Infinity], "s": "NaN", "__proto__": 1}',
    ) as Record<string, unknown>;
    expect(v.n).toBeNaN();
    expect(v.i).toEqual([Infinity, -Infinity]);
    expect(v.s).toBe('NaN');
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toContain('__proto__');
    expect(() => pythonJsonLoads('{"a": NaN')).toThrow(SyntaxError);
    expect(() => pythonJsonLoads('{bad}')).toThrow(SyntaxError);
  });
});

describe("pythonJsonLoads({ ordered: true }): Python's dict order", () => {
  it.each([
    [
      '{"zz":1,"1":2}',
      [
        ['zz', 1],
        ['1', 2],
      ],
    ],
    [
      '{"b":1,"a":2}',
      [
        ['b', 1],
        ['a', 2],
      ],
    ],
    ['{}', []],
    // Integer-like keys of every kind, with Python's literals (the slow path, twice over).
    [
      '{"x": NaN, "10": 1, "2": [Infinity], "01": 3}',
      [
        ['x', NaN],
        ['10', 1],
        ['2', [Infinity]],
        ['01', 3],
      ],
    ],
    // A repeated key keeps its first position and its last value (Python, JSON.parse).
    [
      '{"a":1,"5":2,"a":3}',
      [
        ['a', 3],
        ['5', 2],
      ],
    ],
    [
      '{"__proto__":1,"0":2}',
      [
        ['__proto__', 1],
        ['0', 2],
      ],
    ],
    [
      ' { "9" : { "b" : 1 , "1" : 2 } , "z" : [ { "3" : 4 } ] } ',
      [
        ['9', { b: 1, '1': 2 }],
        ['z', [{ '3': 4 }]],
      ],
    ],
  ] as [string, [string, unknown][]][])('%s', (text, entries) => {
    const map = pythonJsonLoads(text, { ordered: true });
    expect(map).toBeInstanceOf(Map);
    expect([...(map as Map<string, unknown>)]).toEqual(entries);
  });

  it('only the top-level object becomes a Map; other documents are as without the option', () => {
    const map = pythonJsonLoads('{"5":{"b":1,"1":2},"l":[{"2":3}]}', { ordered: true }) as Map<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(map.get('5'))).toBe(Object.prototype);
    expect((map.get('l') as unknown[])[0]).toEqual({ '2': 3 });
    expect(pythonJsonLoads('[{"1":2,"a":3}]', { ordered: true })).toEqual([{ '1': 2, a: 3 }]);
    expect(pythonJsonLoads('[NaN, {"1":2}]', { ordered: true })).toEqual([NaN, { '1': 2 }]);
    expect(pythonJsonLoads('"s"', { ordered: true })).toBe('s');
    expect(pythonJsonLoads('null', { ordered: true })).toBeNull();
    expect(() => pythonJsonLoads('{"1":2', { ordered: true })).toThrow(SyntaxError);
  });

  it('round-trips with pythonJsonDumps of the Map, byte for byte', () => {
    const text = '{"zz":1,"1":{"b":2},"a":"\\u00e9","20":[1.5,null]}';
    const map = pythonJsonLoads(text, { ordered: true });
    expect(pythonJsonDumps(map)).toBe(text);
  });

  it('loads/unsignObject take it too, and a Map dumps in its order', () => {
    const data = new Map<string, unknown>([
      ['zz', 1],
      ['1', 'one'],
    ]);
    const signed = dumps(data, { salt: 's', compress: true });
    expect(b64Decode(signed.split(':')[0]!).toString()).toBe('{"zz":1,"1":"one"}');
    expect(loads(signed, { salt: 's', ordered: true })).toEqual(data);
    expect([
      ...(loads(signed, { salt: 's', ordered: true }) as Map<string, unknown>).keys(),
    ]).toEqual(['zz', '1']);
    expect(Object.keys(loads(signed, { salt: 's' }) as object)).toEqual(['1', 'zz']);
    const signer = new TimestampSigner({ key: 'k' });
    expect(signer.unsignObject(signer.signObject(data), { ordered: true })).toEqual(data);
  });
});
