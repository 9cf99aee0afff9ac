/**
 * Cookie parsing and Set-Cookie serialization against Django. Expected strings in the
 * vector-driven tests come from test/django/vectors.json, produced by REAL Django 3.2.25 and
 * CPython 3.11's http.cookies with:
 *
 *   /usr/bin/python3 test/django/make_vectors.py > test/django/vectors.json
 *
 * Checklist numbers (#N) refer to docs/django-sessions-checklist.md (sections A, D, E). Where 3.2
 * and current Django differ, the tests follow current Django and say so.
 */
import { describe, expect, it } from 'vitest';
import {
  httpDate,
  parseCookie,
  quoteCookieValue,
  serializeSetCookie,
  validateCookie,
  type CookieOptions,
} from '../../../src/runtime/http/cookie.js';
import { vectors } from '../../django/vectors.js';

/** The `name=value` part a browser stores and sends back (the value never contains `;`). */
function cookiePair(setCookie: string): string {
  const semicolon = setCookie.indexOf(';');
  return semicolon === -1 ? setCookie : setCookie.slice(0, semicolon);
}

const NOW = Date.UTC(2023, 10, 14, 22, 13, 20, 750); // vectors.time + 0.75 s

describe('parseCookie (Django parse_cookie)', () => {
  it.each(vectors.parseCookie)('matches Django for %j', ({ header, parsed }) => {
    expect([...parseCookie(header)]).toEqual(parsed);
  });

  it('checklist #35: splits on ; only, not ,', () => {
    expect(parseCookie('a=1, b=2')).toEqual(new Map([['a', '1, b=2']]));
  });

  it('checklist #36: first = splits, both sides stripped, no = means the name "", empty chunks dropped', () => {
    expect(parseCookie(' a = b=c ')).toEqual(new Map([['a', 'b=c']]));
    expect(parseCookie('novalue')).toEqual(new Map([['', 'novalue']]));
    expect(parseCookie(';; ; =;')).toEqual(new Map());
  });

  it("checklist #36: strips Python's whitespace set (\\x1c-\\x1f, \\x85, \\xa0), not JavaScript's", () => {
    expect(parseCookie('a=\u001fx\u0085; b=\uFEFFy')).toEqual(
      new Map([
        ['a', 'x'],
        ['b', '\uFEFFy'],
      ]),
    );
  });

  it("checklist #37: unquotes with Python's algorithm; keeps unterminated quotes and %-escapes", () => {
    expect(parseCookie('c="\\054\\073"').get('c')).toBe(',;');
    expect(parseCookie('c="a\\"b\\\\c"').get('c')).toBe('a"b\\c');
    expect(parseCookie('c="\\351"').get('c')).toBe('é');
    expect(parseCookie('c="unterminated').get('c')).toBe('"unterminated');
    expect(parseCookie('c=%20%3B').get('c')).toBe('%20%3B');
    expect(parseCookie('c="\\400"').get('c')).toBe('400');
    expect(parseCookie('c="x\\\ny"').get('c')).toBe('x\\\ny');
  });

  it('checklist #38: the last duplicate wins (at the first position, as a Python dict)', () => {
    expect([...parseCookie('sessionid=abc; x=1; sessionid=def')]).toEqual([
      ['sessionid', 'def'],
      ['x', '1'],
    ]);
  });

  it('checklist #39: names are not validated', () => {
    expect(parseCookie('key with space=1; $Version=1')).toEqual(
      new Map([
        ['key with space', '1'],
        ['$Version', '1'],
      ]),
    );
  });

  it('never throws, whatever the input', () => {
    for (const header of ['"', '\\', '=;=;=', '\u0000', ';'.repeat(10_000), 'a="\\'] as const) {
      expect(() => parseCookie(header)).not.toThrow();
    }
    expect(parseCookie(undefined as unknown as string)).toEqual(new Map());
    expect(parseCookie('__proto__=x').get('__proto__')).toBe('x');
  });

  it('is linear: a 64 KiB header of chunks without = parses at once', () => {
    const header = 'x;'.repeat(32_768) + 'a=1';
    const parsed = parseCookie(header);
    expect(parsed.get('a')).toBe('1');
    expect(parsed.get('')).toBe('x');
  });
});

describe('quoteCookieValue / SimpleCookie output (checklist #3-#4)', () => {
  it.each(vectors.simpleCookie)('matches Python for %j', ({ value, output }) => {
    expect(serializeSetCookie('c', value, { path: null })).toBe(output);
    expect(`c=${quoteCookieValue(value)}`).toBe(output);
  });

  it('checklist #3: legal values stay bare; others are quoted with \\" \\\\ and octal escapes', () => {
    expect(quoteCookieValue("abc!#$%&'*+-.^_`|~:")).toBe("abc!#$%&'*+-.^_`|~:");
    expect(quoteCookieValue('a b')).toBe('"a b"');
    expect(quoteCookieValue('é\t,;')).toBe('"\\351\\011\\054\\073"');
    expect(quoteCookieValue('()/<=>?@[]{}')).toBe('"()/<=>?@[]{}"');
    expect(quoteCookieValue('清風')).toBe('"清風"');
  });

  it('checklist #4: the empty value is ""', () => {
    expect(quoteCookieValue('')).toBe('""');
  });
});

describe('round trip: parseCookie(cookiePair(serializeSetCookie(v))) === v', () => {
  const fixed = [
    '',
    'plain',
    'a;b',
    'a,b',
    'a"b',
    'a\\b',
    ' spaced ',
    '\\054',
    '"quoted"',
    'ends\\',
    'tab\tnl\ncr\r',
    'é ß ÿ \u0080 \u00a0 \u0085',
    '清風',
    '😀 emoji',
    '\u2028\u3000',
    'x=y; Path=/evil',
  ];
  it.each(fixed)('round-trips %j', (value) => {
    const header = serializeSetCookie('c', value, { maxAge: 10 }, NOW);
    expect(parseCookie(cookiePair(header)).get('c')).toBe(value);
  });

  it('round-trips 2000 random strings over every character class', () => {
    const pool = [
      ...Array.from({ length: 0x100 }, (_, i) => String.fromCharCode(i)),
      '清',
      '風',
      '😀',
      '\u2028',
      '\uffff',
    ];
    let seed = 42;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff);
    for (let i = 0; i < 2000; i++) {
      let value = '';
      const length = next() % 24;
      for (let j = 0; j < length; j++) value += pool[next() % pool.length];
      const header = serializeSetCookie('c', value, {}, NOW);
      expect(parseCookie(cookiePair(header)).get('c'), JSON.stringify(value)).toBe(value);
    }
  });
});

describe('serializeSetCookie (Django set_cookie + Morsel)', () => {
  it.each(vectors.setCookie)(
    'matches Django: $name=$value $options',
    ({ name, value, options, time, header }) => {
      expect(serializeSetCookie(name, String(value), options, time * 1000)).toBe(header);
    },
  );

  it.each(vectors.expiresDate)(
    'checklist #11: an expires Date becomes Max-Age: $header',
    ({ expiresMs, time, header }) => {
      const now = time * 1000;
      const resolved = validateCookie('dt', 'v', { expires: new Date(expiresMs) }, now);
      expect(resolved.expires).toBeNull();
      expect(serializeSetCookie('dt', 'v', resolved, now)).toBe(header);
    },
  );

  it('checklist #5: attribute order is Domain, expires, HttpOnly, Max-Age, Partitioned, Path, SameSite, Secure', () => {
    const options: CookieOptions = {
      secure: true,
      sameSite: 'None',
      path: '/p',
      partitioned: true,
      maxAge: 1,
      httpOnly: true,
      domain: 'example.com',
    };
    expect(serializeSetCookie('c', 'v', options, 0)).toBe(
      'c=v; Domain=example.com; expires=Thu, 01 Jan 1970 00:00:01 GMT; HttpOnly; Max-Age=1; ' +
        'Partitioned; Path=/p; SameSite=None; Secure',
    );
  });

  it('checklist #6: Max-Age is int(maxAge) and expires is now + maxAge (floored to the second)', () => {
    expect(serializeSetCookie('c', 'v', { maxAge: 10.6 }, NOW)).toBe(
      'c=v; expires=Tue, 14 Nov 2023 22:13:31 GMT; Max-Age=10; Path=/',
    );
  });

  it('checklist #7: maxAge 0 and negative values are emitted as they are', () => {
    expect(serializeSetCookie('c', 'v', { maxAge: 0 }, NOW)).toBe(
      'c=v; expires=Tue, 14 Nov 2023 22:13:20 GMT; Max-Age=0; Path=/',
    );
    expect(serializeSetCookie('c', 'v', { maxAge: -5.5 }, NOW)).toBe(
      'c=v; expires=Tue, 14 Nov 2023 22:13:15 GMT; Max-Age=-5; Path=/',
    );
    expect(serializeSetCookie('c', 'v', { maxAge: -0.4 }, NOW)).toContain('Max-Age=0;');
  });

  it('checklist #9: an expires string is copied verbatim', () => {
    expect(serializeSetCookie('c', 'v', { expires: 'garbage string' })).toBe(
      'c=v; expires=garbage string; Path=/',
    );
  });

  it('checklist #10 (current Django): an expires string with maxAge emits both; a Date with maxAge is an error', () => {
    expect(
      serializeSetCookie('c', 'v', { expires: 'Wed, 21 Oct 2015 07:28:00 GMT', maxAge: 10 }, NOW),
    ).toBe('c=v; expires=Wed, 21 Oct 2015 07:28:00 GMT; Max-Age=10; Path=/');
    expect(() => validateCookie('c', 'v', { expires: new Date(NOW), maxAge: 10 })).toThrow(
      new TypeError("options expires and maxAge can't be used together"),
    );
  });

  it('checklist #11: a Date 10 s ahead (with time passing) is Max-Age=10; a past Date is Max-Age=0', () => {
    expect(validateCookie('c', 'v', { expires: new Date(NOW + 10_000) }, NOW + 1).maxAge).toBe(10);
    expect(validateCookie('c', 'v', { expires: new Date(NOW - 60_000) }, NOW).maxAge).toBe(0);
  });

  it('checklist #12: neither expires nor maxAge gives a browser-session cookie', () => {
    expect(serializeSetCookie('c', 'v', {})).toBe('c=v; Path=/');
  });

  it("checklist #13: path defaults to '/', null or '' omits it", () => {
    expect(serializeSetCookie('c', 'v', { path: '/x/' })).toBe('c=v; Path=/x/');
    expect(serializeSetCookie('c', 'v', { path: null })).toBe('c=v');
    expect(serializeSetCookie('c', 'v', { path: '' })).toBe('c=v');
  });

  it('checklist #14: domain is emitted verbatim', () => {
    expect(serializeSetCookie('c', 'v', { domain: '.Example.COM' })).toBe(
      'c=v; Domain=.Example.COM; Path=/',
    );
  });

  it('checklist #15: secure and httpOnly flags; false emits nothing', () => {
    expect(serializeSetCookie('c', 'v', { secure: true, httpOnly: true })).toBe(
      'c=v; HttpOnly; Path=/; Secure',
    );
    expect(serializeSetCookie('c', 'v', { secure: false, httpOnly: false })).toBe('c=v; Path=/');
  });

  it('checklist #16: sameSite is checked case-insensitively and emitted as given; falsy omits it', () => {
    expect(serializeSetCookie('c', 'v', { sameSite: 'strict' })).toBe(
      'c=v; Path=/; SameSite=strict',
    );
    expect(serializeSetCookie('c', 'v', { sameSite: 'LAX' as 'Lax' })).toBe(
      'c=v; Path=/; SameSite=LAX',
    );
    expect(serializeSetCookie('c', 'v', { sameSite: false })).toBe('c=v; Path=/');
    expect(serializeSetCookie('c', 'v', { sameSite: '' as unknown as false })).toBe('c=v; Path=/');
  });

  it('checklist #17: sameSite None does not add Secure on set', () => {
    expect(serializeSetCookie('c', 'v', { sameSite: 'None' })).toBe('c=v; Path=/; SameSite=None');
  });

  it('checklist #22: no size limit is enforced', () => {
    expect(serializeSetCookie('c', 'x'.repeat(5000))).toHaveLength(5000 + 'c=; Path=/'.length);
  });

  it('serializes options that did not go through validateCookie after validating them', () => {
    expect(() => serializeSetCookie('c', 'v', { sameSite: 'x' as 'Lax' })).toThrow(TypeError);
  });
});

describe('validateCookie: strict, TypeError naming the option', () => {
  it.each<[string, string, CookieOptions, RegExp | string]>([
    ['a b', 'v', {}, /^cookie name is invalid: "a b"/],
    ['a;b', 'v', {}, /cookie name is invalid/],
    ['a=b', 'v', {}, /cookie name is invalid/],
    ['', 'v', {}, /cookie name is invalid: ""/],
    ['é', 'v', {}, /cookie name is invalid/],
    ['Path', 'v', {}, 'cookie name is reserved: "Path" (it is a Set-Cookie attribute name)'],
    ['max-age', 'v', {}, /cookie name is reserved/],
    ['Expires', 'v', {}, /cookie name is reserved/],
    [
      'c',
      'v',
      { sameSite: 'x' as 'Lax' },
      'option sameSite is invalid: "x" (expected "Lax", "Strict" or "None")',
    ],
    ['c', 'v', { sameSite: true as unknown as 'Lax' }, /option sameSite is invalid: true/],
    ['c', 'v', { maxAge: NaN }, /option maxAge is invalid: NaN/],
    ['c', 'v', { maxAge: Infinity }, /option maxAge is invalid/],
    ['c', 'v', { maxAge: '10' as unknown as number }, /option maxAge is invalid/],
    ['c', 'v', { expires: new Date(NaN) }, /option expires is invalid/],
    ['c', 'v', { expires: 5 as unknown as string }, /option expires is invalid/],
    ['c', 'v', { path: '/a;b' }, /option path is invalid/],
    ['c', 'v', { domain: 'x\r\nSet-Cookie: y=1' }, /option domain is invalid/],
    ['c', 'v', { expires: 'Thu\n' }, /option expires is invalid/],
    ['c', 'v', { secure: 'yes' as unknown as boolean }, /option secure is invalid/],
    ['c', 'v', { httpOnly: 1 as unknown as boolean }, /option httpOnly is invalid/],
    ['c', 'v', { partitioned: true }, /option secure is required: partitioned/],
    [
      '__Secure-c',
      'v',
      {},
      /option secure is required: cookies with names starting with "__Secure-"/,
    ],
    ['__Host-c', 'v', {}, /option secure is required: cookies with names starting with "__Host-"/],
    [
      '__Host-c',
      'v',
      { secure: true, path: '/sub/' },
      /option path is invalid: .*"__Host-" must set path: '\/'/,
    ],
    ['__Host-c', 'v', { secure: true, path: null }, /option path is invalid/],
    [
      '__Host-c',
      'v',
      { secure: true, domain: 'example.com' },
      /option domain is invalid: .*must not set a domain/,
    ],
  ])('checklist #16/#18/19: %j %j %j -> %s', (name, value, options, message) => {
    expect(() => validateCookie(name, value, options)).toThrow(TypeError);
    expect(() => validateCookie(name, value, options)).toThrow(message);
  });

  it('a non-string value is a TypeError (HttpResponse.setCookie converts numbers)', () => {
    expect(() => validateCookie('c', 3 as unknown as string)).toThrow(
      /cookie value must be a string/,
    );
  });

  it('checklist #18 (current Django): prefixed names are accepted with the right attributes', () => {
    expect(serializeSetCookie('__Secure-id', 'x', { secure: true, domain: 'example.com' })).toBe(
      '__Secure-id=x; Domain=example.com; Path=/; Secure',
    );
    expect(serializeSetCookie('__Host-id', 'x', { secure: true })).toBe(
      '__Host-id=x; Path=/; Secure',
    );
  });

  it('checklist #19: names use Python\'s legal characters, ":" included', () => {
    expect(serializeSetCookie("a!#$%&'*+-.^_`|~:Z9", 'v')).toBe("a!#$%&'*+-.^_`|~:Z9=v; Path=/");
  });

  it('resolves every option explicitly', () => {
    expect(validateCookie('c', 'v', { expires: 'x', sameSite: 'Lax' })).toEqual({
      maxAge: null,
      expires: 'x',
      path: '/',
      domain: null,
      secure: false,
      httpOnly: false,
      sameSite: 'Lax',
      partitioned: false,
    });
  });
});

describe('dates an HTTP date cannot hold are refused at the call (hardening 1)', () => {
  // The last second an HTTP-date can name (RFC 9110 §5.6.7: a four-digit year).
  const LAST = Date.UTC(9999, 11, 31, 23, 59, 59);
  // The first: 1 January of year 1 (Python's datetime.MINYEAR; Django's http_date range).
  const FIRST = new Date('0001-01-01T00:00:00Z').getTime();

  it.each<[CookieOptions, RegExp]>([
    [{ maxAge: 1e300 }, /^option maxAge is invalid: 1e\+300 \(.*year 9999/],
    [{ maxAge: -1e300 }, /^option maxAge is invalid: -1e\+300 /],
    [{ maxAge: (LAST - NOW) / 1000 + 1 }, /^option maxAge is invalid: /],
    [{ maxAge: (FIRST - NOW) / 1000 - 1 }, /^option maxAge is invalid: /],
    [{ expires: new Date(8.64e15) }, /^option expires is invalid: .*year 9999/],
    [{ expires: new Date(Date.UTC(10000, 0, 1)) }, /^option expires is invalid: /],
    [{ expires: new Date('-000005-01-01T00:00:00Z') }, /^option expires is invalid: /],
  ])('%j throws a TypeError naming the option', (options, message) => {
    expect(() => validateCookie('c', 'v', options, NOW)).toThrow(TypeError);
    expect(() => validateCookie('c', 'v', options, NOW)).toThrow(message);
  });

  it('accepts the whole range, and serializes it later without throwing', () => {
    const last = validateCookie('c', 'v', { maxAge: (LAST - NOW) / 1000 }, NOW);
    expect(serializeSetCookie('c', 'v', last, NOW)).toContain(
      'expires=Fri, 31 Dec 9999 23:59:59 GMT;',
    );
    // Sent a while after the call: the date stops at the last one an HTTP date can name.
    expect(serializeSetCookie('c', 'v', last, NOW + 60_000)).toContain(
      'expires=Fri, 31 Dec 9999 23:59:59 GMT;',
    );
    const first = validateCookie('c', 'v', { maxAge: (FIRST - NOW) / 1000 }, NOW);
    expect(serializeSetCookie('c', 'v', first, NOW)).toContain(
      'expires=Mon, 01 Jan 0001 00:00:00 GMT;',
    );
    expect(serializeSetCookie('c', 'v', first, NOW - 60_000)).toContain(
      'expires=Mon, 01 Jan 0001 00:00:00 GMT;',
    );
    expect(validateCookie('c', 'v', { expires: new Date(LAST) }, NOW).maxAge).toBe(
      Math.floor((LAST - NOW + 1000) / 1000),
    );
  });
});

describe('httpDate (Django http_date)', () => {
  it.each([
    [0, 'Thu, 01 Jan 1970 00:00:00 GMT'],
    [999, 'Thu, 01 Jan 1970 00:00:00 GMT'],
    [-1, 'Wed, 31 Dec 1969 23:59:59 GMT'],
    [Date.UTC(2023, 10, 14, 22, 13, 20, 999), 'Tue, 14 Nov 2023 22:13:20 GMT'],
    [Date.UTC(2024, 1, 29, 5, 6, 7), 'Thu, 29 Feb 2024 05:06:07 GMT'],
    [Date.UTC(9999, 11, 31, 23, 59, 59), 'Fri, 31 Dec 9999 23:59:59 GMT'],
  ])('httpDate(%d) is %s', (ms, text) => {
    expect(httpDate(ms)).toBe(text);
  });

  it('the one-entry cache never returns a stale second', () => {
    expect(httpDate(1000)).toBe('Thu, 01 Jan 1970 00:00:01 GMT');
    expect(httpDate(2000)).toBe('Thu, 01 Jan 1970 00:00:02 GMT');
    expect(httpDate(1500)).toBe('Thu, 01 Jan 1970 00:00:01 GMT');
  });

  it('rejects times outside the Date range', () => {
    expect(() => httpDate(8.64e15 + 1000)).toThrow(TypeError);
  });
});
