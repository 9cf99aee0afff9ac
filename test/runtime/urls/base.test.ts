import { afterEach, describe, it, expect } from 'vitest';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import {
  escapeLeadingSlashes,
  escapeUriPath,
  getResolver,
  path,
  resolve,
  reverse,
  setUrlconf,
  UrlResolver,
  type View,
} from '../../../src/runtime/urls/index.js';

const stub = (() => undefined) as unknown as View;

afterEach(() => setUrlconf(undefined));

describe('module-level urlconf', () => {
  it('throws ImproperlyConfigured before setUrlconf()', () => {
    expect(() => getResolver()).toThrow(ImproperlyConfigured);
    expect(() => reverse('x')).toThrow('No urlconf is configured');
  });

  it('reverse() and resolve() use the configured resolver', () => {
    const resolver = new UrlResolver([path('hits/<int:n>/', stub, { name: 'hits' })]);
    setUrlconf(resolver);
    expect(getResolver()).toBe(resolver);
    expect(reverse('hits', { n: 2 }, { query: 'a=1' })).toBe('/hits/2/?a=1');
    expect(resolve('/hits/2/')?.params).toEqual({ n: 2 });
    expect(resolve('/nope/')).toBeNull();
  });
});

describe('quoting', () => {
  it.each([
    ['/caf\u00e9/a b', '/caf%C3%A9/a%20b'],
    ["/keep:@&+$,-_.!~*'()/", "/keep:@&+$,-_.!~*'()/"],
    ['/q?#%;=', '/q%3F%23%25%3B%3D'],
    ['/\u6e05\u98a8', '/%E6%B8%85%E9%A2%A8'],
  ])('escapeUriPath(%j) = %j (Django escape_uri_path)', (input, output) => {
    expect(escapeUriPath(input)).toBe(output);
  });

  it('escapeLeadingSlashes only touches a leading //', () => {
    expect(escapeLeadingSlashes('//evil.example/')).toBe('/%2Fevil.example/');
    expect(escapeLeadingSlashes('/a//b')).toBe('/a//b');
  });
});
