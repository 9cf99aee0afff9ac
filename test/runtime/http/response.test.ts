/**
 * HttpResponse and friends against Django. Vector-driven tests use test/django/vectors.json
 * (REAL Django 3.2.25 output; regenerate with
 * `/usr/bin/python3 test/django/make_vectors.py > test/django/vectors.json`) and, where Tango
 * follows Django 5.2 (signed-cookie salts), values captured from Django 5.2.17. Ports of
 * Django's tests/responses/test_cookie.py are marked "Django:". Checklist numbers (#N) refer to
 * docs/django-sessions-checklist.md.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { configure, defineSettings } from '../../../src/runtime/conf/index.js';
import {
  cookieSignerLegacySalt,
  cookieSignerSalt,
  getCookieSigner,
} from '../../../src/runtime/core/signing/index.js';
import { SuspiciousOperation } from '../../../src/runtime/http/errors.js';
import {
  DisallowedRedirect,
  HttpResponse,
  HttpResponseBadRequest,
  HttpResponseForbidden,
  HttpResponseNotFound,
  HttpResponsePermanentRedirect,
  HttpResponseRedirect,
  HttpResponseServerError,
  JsonResponse,
  ResponseHeaders,
  httpDate,
  iriToUri,
} from '../../../src/runtime/http/response.js';
import { hasVaryHeader, patchVaryHeaders } from '../../../src/runtime/middleware/vary.js';
import { VECTOR_SETTINGS_INPUT, vectors } from '../../django/vectors.js';

beforeAll(() => {
  configure(defineSettings(VECTOR_SETTINGS_INPUT));
});

afterEach(() => {
  vi.useRealTimers();
});

const NOW = vectors.time * 1000;

describe('setCookie', () => {
  it('checklist #1: value defaults to "" and path to /', () => {
    const response = new HttpResponse();
    response.setCookie('c');
    expect(response.setCookieHeaders(NOW)).toEqual(['c=""; Path=/']);
  });

  it('checklist #2: a number is written as String(n)', () => {
    const response = new HttpResponse().setCookie('hit', 3);
    expect(response.setCookieHeaders(NOW)).toEqual(['hit=3; Path=/']);
    expect(response.cookies.get('hit')?.value).toBe('3');
  });

  it('validates at the call site, naming the option', () => {
    expect(() => new HttpResponse().setCookie('c', 'v', { sameSite: 'bogus' as 'Lax' })).toThrow(
      'option sameSite is invalid: "bogus" (expected "Lax", "Strict" or "None")',
    );
    expect(() => new HttpResponse().setCookie('bad name', 'v')).toThrow(/cookie name is invalid/);
  });

  it('refuses a maxAge no HTTP date can hold at the call, not when the response is sent (hardening 1)', () => {
    expect(() => new HttpResponse().setCookie('a', 'b', { maxAge: 1e300 })).toThrow(TypeError);
    expect(() => new HttpResponse().setCookie('a', 'b', { maxAge: 1e300 })).toThrow(
      /^option maxAge is invalid: 1e\+300/,
    );
    expect(() =>
      new HttpResponse().setSignedCookie('a', 'b', { maxAge: Number.MAX_VALUE }),
    ).toThrow(/^option maxAge is invalid/);
  });

  it('checklist #20: one Set-Cookie per name, the last call wins, in first-insertion order', () => {
    const response = new HttpResponse();
    response.setCookie('a', '1').setCookie('b', '2').setCookie('a', '3');
    expect(response.setCookieHeaders(NOW)).toEqual(['a=3; Path=/', 'b=2; Path=/']);
  });

  it('checklist #21 (current semantics, not the 3.2 quirk): re-setting replaces every attribute', () => {
    const response = new HttpResponse();
    response.setCookie('c', 'old', {
      maxAge: 5,
      secure: true,
      httpOnly: true,
      sameSite: 'Strict',
      domain: 'x.com',
    });
    response.setCookie('c', 'new');
    expect(response.setCookieHeaders(NOW)).toEqual(['c=new; Path=/']);
  });

  it('Django: test_create_cookie_after_deleting_cookie (setting after a delete clears the expiry)', () => {
    const response = new HttpResponse();
    response.setCookie('c', 'old-value');
    expect(response.cookies.get('c')?.options.expires).toBeNull();
    response.deleteCookie('c');
    expect(response.cookies.get('c')?.options.expires).toBe('Thu, 01 Jan 1970 00:00:00 GMT');
    response.setCookie('c', 'new-value');
    expect(response.cookies.get('c')?.options.expires).toBeNull();
    expect(response.setCookieHeaders(NOW)).toEqual(['c=new-value; Path=/']);
  });

  it('Django: test_max_age_expiration and test_max_age_int', () => {
    const response = new HttpResponse().setCookie('max_age', '', { maxAge: 10.6 });
    expect(response.setCookieHeaders(NOW)).toEqual([
      `max_age=""; expires=${httpDate(NOW + 10_600)}; Max-Age=10; Path=/`,
    ]);
  });

  it('Django: test_far_expiration', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    const future = new Date(Date.UTC(new Date().getUTCFullYear() + 2, 0, 1, 4, 5, 6));
    const response = new HttpResponse().setCookie('datetime', '', { expires: future });
    const header = response.setCookieHeaders(NOW)[0]!;
    expect(header).toContain(`expires=${httpDate(future.getTime() + 1000)}`);
  });

  it('Django: test_httponly_cookie and test_unicode_cookie', () => {
    const response = new HttpResponse()
      .setCookie('example', '', { httpOnly: true })
      .setCookie('test', '清風');
    const [example, test] = response.setCookieHeaders(NOW);
    expect(example).toContain('; HttpOnly');
    expect(response.cookies.get('test')?.value).toBe('清風');
    expect(test).toBe('test="清風"; Path=/');
  });

  it('Django: test_samesite and test_invalid_samesite', () => {
    const response = new HttpResponse();
    for (const sameSite of ['None', 'Lax', 'strict'] as const) {
      response.setCookie('example', '', { sameSite });
      expect(response.cookies.get('example')?.options.sameSite).toBe(sameSite);
    }
    expect(() =>
      new HttpResponse().setCookie('example', '', { sameSite: 'invalid' as 'Lax' }),
    ).toThrow(TypeError);
  });

  it('Django (current): __Secure-/__Host- prefixes require secure, __Host- also path / and no domain', () => {
    for (const prefix of ['Secure', 'Host']) {
      expect(() => new HttpResponse().setCookie(`__${prefix}-c`, 'value')).toThrow(
        `cookies with names starting with "__${prefix}-" must set secure: true`,
      );
      const response = new HttpResponse().setCookie(`__${prefix}-c`, 'value', { secure: true });
      expect(response.cookies.get(`__${prefix}-c`)?.options.secure).toBe(true);
    }
    expect(() =>
      new HttpResponse().setCookie('__Host-c', 'value', { secure: true, path: '/sub/' }),
    ).toThrow(/must set path/);
    expect(() =>
      new HttpResponse().setCookie('__Host-c', 'value', { secure: true, domain: 'example.com' }),
    ).toThrow(/must not set a domain/);
  });
});

describe('deleteCookie', () => {
  it.each(vectors.deleteCookie)(
    'checklist #23-#24: matches Django for $name $options',
    ({ name, options, header }) => {
      expect(new HttpResponse().deleteCookie(name, options).setCookieHeaders(NOW)).toEqual([
        header,
      ]);
    },
  );

  it('checklist #23: the exact default deletion header', () => {
    expect(new HttpResponse().deleteCookie('c').setCookieHeaders(NOW)).toEqual([
      'c=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/',
    ]);
  });

  it('Django: DeleteCookieTests.test_default', () => {
    const cookie = new HttpResponse().deleteCookie('c').cookies.get('c')!;
    expect(cookie.options).toMatchObject({
      expires: 'Thu, 01 Jan 1970 00:00:00 GMT',
      maxAge: 0,
      path: '/',
      secure: false,
      domain: null,
      sameSite: null,
    });
  });

  it('checklist #24 / Django: test_delete_cookie_secure_prefix and test_delete_cookie_secure_samesite_none', () => {
    for (const name of ['__Secure-c', '__Host-c']) {
      expect(new HttpResponse().deleteCookie(name).cookies.get(name)?.options.secure).toBe(true);
    }
    expect(
      new HttpResponse().deleteCookie('c', { sameSite: 'none' }).cookies.get('c')?.options.secure,
    ).toBe(true);
    expect(
      new HttpResponse().deleteCookie('c', { sameSite: 'Lax' }).cookies.get('c')?.options.secure,
    ).toBe(false);
  });

  it('Django: test_delete_cookie_samesite (emitted as given)', () => {
    expect(
      new HttpResponse().deleteCookie('c', { sameSite: 'lax' }).setCookieHeaders(NOW)[0],
    ).toMatch(/; SameSite=lax$/);
  });

  it('checklist #25: never HttpOnly; checklist #26: emitted even without a request cookie; custom domain and path', () => {
    const header = new HttpResponse()
      .deleteCookie('sessionid', { domain: '.example.local', path: '/example/', sameSite: 'Lax' })
      .setCookieHeaders(NOW)[0]!;
    expect(header).toBe(
      'sessionid=""; Domain=.example.local; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/example/; SameSite=Lax',
    );
    expect(header).not.toContain('HttpOnly');
  });
});

/**
 * Django 5.2.17's `set_signed_cookie` for the inputs of `vectors.signedCookies` (which hold
 * Django 3.2's legacy-salted output), plus a non-ASCII salt; captured with the SECRET_KEY of
 * test/django/vectors.json at the pinned time. The live tests (test/runtime/core/
 * django-interop.test.ts) check the same against a running Django 5.2 on random inputs.
 */
const DJANGO_52_SIGNED_COOKIES = [
  {
    name: 'user',
    value: 'Raju',
    salt: '',
    options: {},
    time: 1700000000,
    header: 'user=Raju:1r31eq:VsAG5oVMHtIJIHL531iIayff_lFiUijxBFZLB3hKlUk; Path=/',
  },
  {
    name: 'user',
    value: 'Raju',
    salt: 'greeting',
    options: { maxAge: 60 },
    time: 1700000000,
    header:
      'user=Raju:1r31eq:tR0dtzqKWgQqT6FB6sdyVLVg91aNRdmhJUeCtbQ8P-Q; expires=Tue, 14 Nov 2023 22:14:20 GMT; Max-Age=60; Path=/',
  },
  {
    name: 'c',
    value: 'a b',
    salt: '',
    options: {},
    time: 1700000000,
    header: 'c="a b:1r31eq:So1kxuozUaX45O1Vp4p8aCtyT10GmKyOnbb_PcRyefg"; Path=/',
  },
  {
    name: 'c',
    value: 'Zoë 清風',
    salt: 'x',
    options: { httpOnly: true },
    time: 1700000001,
    header: 'c="Zo\\353 清風:1r31er:u-VBJW_sZ89nqZ9vXmni-2001iez4O1spBAdIfV5ty8"; HttpOnly; Path=/',
  },
  {
    // len('é😀') is 2 in Python (code points), 3 in UTF-16: the salt says 2.
    name: 'c',
    value: 'v',
    salt: 'é😀',
    options: {},
    time: 1700000000,
    header: 'c=v:1r31eq:jwZ26Hq2IFh3VxvZpzSQa0k35sOP3U3n7MCWcUrgsZw; Path=/',
  },
] as const;

describe('setSignedCookie', () => {
  it.each(DJANGO_52_SIGNED_COOKIES)(
    'checklist #27: matches Django 5.2: $header',
    ({ name, value, salt, options, time, header }) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(time * 1000);
      const response = new HttpResponse().setSignedCookie(name, value, { salt, ...options });
      expect(response.setCookieHeaders(time * 1000)).toEqual([header]);
    },
  );

  it.each(vectors.signedCookies)(
    "checklist #27: Django 3.2's legacy-salted value is what getCookieSigner(name + salt) signs: $signedValue",
    ({ name, value, salt, time, signedValue }) => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(time * 1000);
      expect(getCookieSigner({ salt: cookieSignerLegacySalt(name, salt) }).sign(value)).toBe(
        signedValue,
      );
      const response = new HttpResponse().setSignedCookie(name, value, { salt });
      expect(response.cookies.get(name)!.value).not.toBe(signedValue);
    },
  );

  it("checklist #33: signs with Django 5.2's salt, django.http.cookies.v2:<len(salt)>:<salt><name>", () => {
    const response = new HttpResponse().setSignedCookie('user', 'Raju', { salt: 'greeting' });
    const signed = response.cookies.get('user')!.value;
    expect(cookieSignerSalt('user', 'greeting')).toBe('django.http.cookies.v2:8:greetinguser');
    expect(getCookieSigner({ salt: 'django.http.cookies.v2:8:greetinguser' }).unsign(signed)).toBe(
      'Raju',
    );
    // Not the legacy name + salt any more.
    expect(() => getCookieSigner({ salt: 'usergreeting' }).unsign(signed)).toThrow();
  });
});

describe('ResponseHeaders', () => {
  it('is case-insensitive, keeps the case it was set with, refuses newlines', () => {
    const headers = new ResponseHeaders({ 'X-Thing': 'a' });
    expect(headers.get('x-thing')).toBe('a');
    headers.set('x-THING', 'b');
    expect([...headers]).toEqual([['x-THING', 'b']]);
    headers.setDefault('X-Thing', 'c');
    expect(headers.get('X-Thing')).toBe('b');
    expect(() => headers.set('X', 'a\r\nSet-Cookie: evil=1')).toThrow(TypeError);
    expect(headers.delete('x-thing')).toBe(true);
    expect(headers.has('X-Thing')).toBe(false);
  });
});

describe('patchVaryHeaders (checklist #43)', () => {
  it.each<[string | undefined, string[], string]>([
    [undefined, ['Accept-Language'], 'Accept-Language'],
    ['Accept-Language', ['accept-language'], 'Accept-Language'],
    ['Accept-Encoding', ['Cookie', 'Accept-Language'], 'Accept-Encoding, Cookie, Accept-Language'],
    ['Accept-Encoding,  Cookie', ['cookie'], 'Accept-Encoding, Cookie'],
    ['*', ['Cookie'], '*'],
    ['Cookie', ['*'], '*'],
    ['cookie, accept-encoding', ['Accept-Encoding', 'Cookie'], 'cookie, accept-encoding'],
  ])('Vary %j + %j -> %j', (initial, added, expected) => {
    const response = new HttpResponse();
    if (initial !== undefined) response.headers.set('Vary', initial);
    patchVaryHeaders(response, added);
    expect(response.headers.get('Vary')).toBe(expected);
  });

  it('hasVaryHeader matches case-insensitively', () => {
    const response = new HttpResponse();
    expect(hasVaryHeader(response, 'Cookie')).toBe(false);
    patchVaryHeaders(response, ['Accept-Encoding', 'Cookie']);
    expect(hasVaryHeader(response, 'cookie')).toBe(true);
    expect(hasVaryHeader(response, 'Accept')).toBe(false);
  });
});

describe('content types and status classes (checklist #44)', () => {
  it('HttpResponse is text/html; charset=utf-8 and JsonResponse application/json', () => {
    expect(new HttpResponse('<p>x</p>').headers.get('Content-Type')).toBe(
      'text/html; charset=utf-8',
    );
    const json = new JsonResponse({ a: 'é' });
    expect(json.headers.get('Content-Type')).toBe('application/json');
    expect(JSON.parse(json.text())).toEqual({ a: 'é' });
  });

  it('content is bytes; text() decodes UTF-8', () => {
    const response = new HttpResponse('清風');
    expect(response.content).toEqual(Buffer.from('清風', 'utf8'));
    response.content = new Uint8Array([0x68, 0x69]);
    expect(response.text()).toBe('hi');
  });

  it.each([
    [HttpResponseBadRequest, 400],
    [HttpResponseForbidden, 403],
    [HttpResponseNotFound, 404],
    [HttpResponseServerError, 500],
  ] as const)('%o has status %d', (Cls, status) => {
    expect(new Cls('x').status).toBe(status);
  });
});

describe('JsonResponse safe option', () => {
  it.each([[[1, 2]], ['text'], [3], [null]])('refuses non-object %j unless safe: false', (data) => {
    expect(() => new JsonResponse(data)).toThrow(
      'In order to allow non-object data to be serialized set the safe option to false.',
    );
    expect(new JsonResponse(data, { safe: false }).text()).toBe(JSON.stringify(data));
  });

  it('keeps status and headers options', () => {
    const response = new JsonResponse({ ok: false }, { status: 422, headers: { 'X-A': '1' } });
    expect(response.status).toBe(422);
    expect(response.headers.get('x-a')).toBe('1');
  });
});

describe('redirects', () => {
  it('302 and 301 with Location; the URL is IRI-encoded', () => {
    const redirect = new HttpResponseRedirect('/blog/for/Jürgen Münster/');
    expect(redirect.status).toBe(302);
    expect(redirect.url).toBe('/blog/for/J%C3%BCrgen%20M%C3%BCnster/');
    expect(new HttpResponsePermanentRedirect('https://example.com/?a=1&b=%20').status).toBe(301);
    expect(new HttpResponsePermanentRedirect('https://example.com/?a=1&b=%20').url).toBe(
      'https://example.com/?a=1&b=%20',
    );
  });

  it.each([
    'javascript:alert(1)',
    ' JavaScript:alert(1)',
    'java\tscript:alert(1)',
    'data:text/html,x',
    'file:///etc/passwd',
  ])('refuses the unsafe redirect %j with DisallowedRedirect (a 400)', (url) => {
    expect(() => new HttpResponseRedirect(url)).toThrow(DisallowedRedirect);
    expect(new DisallowedRedirect('x')).toBeInstanceOf(SuspiciousOperation);
  });

  it.each(['http://a/', 'HTTPS://a/', 'ftp://a/', '/relative', '?q=1', 'mailto-like/path:x'])(
    'allows %j',
    (url) => {
      expect(() => new HttpResponseRedirect(url)).not.toThrow();
    },
  );

  it('iriToUri keeps reserved characters and existing escapes, encodes the rest as UTF-8', () => {
    expect(iriToUri("/#%[]=:;$&()+,!?*@'~-._az09")).toBe("/#%[]=:;$&()+,!?*@'~-._az09");
    expect(iriToUri('/ "<>\\^`{|}')).toBe('/%20%22%3C%3E%5C%5E%60%7B%7C%7D');
    expect(iriToUri('/😀\ud800')).toBe('/%F0%9F%98%80%EF%BF%BD');
  });
});
