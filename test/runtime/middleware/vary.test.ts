import { describe, expect, it } from 'vitest';
import { HttpResponse } from '../../../src/runtime/http/response.js';
import { hasVaryHeader, patchVaryHeaders } from '../../../src/runtime/middleware/index.js';

describe('patchVaryHeaders (checklist #43)', () => {
  // Vectors from Django 3.2.25's django.utils.cache.patch_vary_headers.
  it.each([
    [undefined, ['Cookie'], 'Cookie'],
    ['Accept-Encoding', ['Cookie'], 'Accept-Encoding, Cookie'],
    [
      'accept-encoding, COOKIE',
      ['Cookie', 'Accept-Language'],
      'accept-encoding, COOKIE, Accept-Language',
    ],
    ['*', ['Cookie'], '*'],
    ['Cookie', ['*'], '*'],
    ['Accept ,  Cookie', ['cookie', 'Origin'], 'Accept, Cookie, Origin'],
    [undefined, ['Cookie', 'cookie'], 'Cookie, cookie'],
    [undefined, [], ''],
  ] as const)('Vary %j + %j -> %j', (existing, added, expected) => {
    const response = new HttpResponse(
      '',
      existing === undefined ? {} : { headers: { Vary: existing } },
    );
    patchVaryHeaders(response, added);
    expect(response.headers.get('Vary')).toBe(expected);
  });

  it('is idempotent', () => {
    const response = new HttpResponse();
    patchVaryHeaders(response, ['Cookie']);
    patchVaryHeaders(response, ['Cookie']);
    expect(response.headers.get('Vary')).toBe('Cookie');
  });

  it('hasVaryHeader compares case-insensitively', () => {
    const response = new HttpResponse('', { headers: { Vary: 'Accept-Encoding,  Cookie' } });
    expect(hasVaryHeader(response, 'cookie')).toBe(true);
    expect(hasVaryHeader(response, 'Origin')).toBe(false);
    expect(hasVaryHeader(new HttpResponse(), 'Cookie')).toBe(false);
  });
});
