/**
 * The shared port of Python's `urllib.parse.urlsplit` (src/runtime/http/urlsplit.ts), used by
 * `urlHasAllowedHostAndScheme`, the CSRF Origin/Referer checks, `userPassesTest` and
 * `HttpResponseRedirect`. Every row is what current CPython answers (the values were taken from
 * CPython's `urlsplit` with gh-105704's bracketed-netloc check). With Django 5.2's Python
 * available, every row is also asked of that interpreter's own `urlsplit` and the answers must
 * agree, except the rows marked gh-105704 when that Python predates the fix; without it that
 * part skips with a loud warning (under CI=true it fails).
 *
 * The rows marked "csrf" or "safe_url" are where one of the two copies this port replaced
 * answered differently: middleware/csrf.ts checked a bracketed host with a character-class
 * regex on the text between the first `[` and `]`; auth/safe_url.ts used node's `isIPv6`, which
 * refuses some IPv6 scope ids Python accepts.
 */
import { describe, expect, it } from 'vitest';
import { HttpResponseRedirect } from '../../../src/runtime/http/response.js';
import {
  type SplitUrl,
  UrlSplitError,
  urlsplit,
  urlsplitScheme,
} from '../../../src/runtime/http/urlsplit.js';
import { django52Python, runPythonJson } from '../../support/django.js';

type Parts = [scheme: string, netloc: string, path: string, query: string, fragment: string];
/** A URL and what `urlsplit` gives: the five parts, or the `ValueError` message. */
type Row = [url: string, expected: Parts | { error: string }, note?: string];

const rows: Row[] = [
  // The five parts; nothing is decoded.
  ['HTTPS://testserver/p?q=1#f', ['https', 'testserver', '/p', 'q=1', 'f']],
  ['http://a/b/c/d;p?q#f', ['http', 'a', '/b/c/d;p', 'q', 'f']],
  ['http://user:pw@h:8000/', ['http', 'user:pw@h:8000', '/', '', '']],
  ['//evil.example', ['', 'evil.example', '', '', '']],
  ['/path?x#y', ['', '', '/path', 'x', 'y']],
  ['path/only', ['', '', 'path/only', '', '']],
  ['', ['', '', '', '', '']],
  ['a#b?c', ['', '', 'a', '', 'b?c']],
  ['a?b#c?d', ['', '', 'a', 'b', 'c?d']],
  ['http://h#frag/x', ['http', 'h', '', '', 'frag/x']],
  ['http://h?q/x', ['http', 'h', '', 'q/x', '']],
  ['http:///example.com', ['http', '', '/example.com', '', '']],
  ['http:/x', ['http', '', '/x', '', '']],
  ['///x', ['', '', '/x', '', '']],
  ['https:', ['https', '', '', '', '']],
  ['http://[::1]/p[x]', ['http', '[::1]', '/p[x]', '', '']],
  ['http://h/[', ['http', 'h', '/[', '', '']],
  ['http://h?]', ['http', 'h', '', ']', '']],
  // The scheme: an ASCII letter first, then letters, digits, `+-.`, up to the first `:`.
  ['mailto:someone@example.com', ['mailto', '', 'someone@example.com', '', '']],
  ['javascript:alert(1)', ['javascript', '', 'alert(1)', '', '']],
  ['a+b-c.d:rest', ['a+b-c.d', '', 'rest', '', '']],
  ['path:80', ['path', '', '80', '', '']],
  ['1http://x', ['', '', '1http://x', '', '']],
  ['ab_c:rest', ['', '', 'ab_c:rest', '', '']],
  [':foo', ['', '', ':foo', '', '']],
  ['\u00e9:foo', ['', '', '\u00e9:foo', '', '']],
  // Leading C0 controls and spaces are stripped; tab, CR and LF are removed everywhere.
  ['\u0000\u001f http://h/', ['http', 'h', '/', '', '']],
  [' \t//evil', ['', 'evil', '', '', '']],
  ['java\nscript:alert(1)', ['javascript', '', 'alert(1)', '', '']],
  ['ht\ttp://h\r/p\n', ['http', 'h', '/p', '', '']],
  ['http://h/p ', ['http', 'h', '/p ', '', '']],
  ['\u007f//h', ['', '', '\u007f//h', '', '']],
  ['\u00a0//h', ['', '', '\u00a0//h', '', '']],
  ['http://h/\u000bx', ['http', 'h', '/\u000bx', '', '']],
  // Bracketed hosts: IPv6 (with a scope id) or IPvFuture, alone between `@` and `:port`.
  ['http://[::1]:8000/p', ['http', '[::1]:8000', '/p', '', '']],
  ['http://u@[::1]:80/', ['http', 'u@[::1]:80', '/', '', '']],
  ['http://[v1.fe]/', ['http', '[v1.fe]', '/', '', '']],
  ['http://[fe80::1%eth0]/', ['http', '[fe80::1%eth0]', '/', '', ''], 'csrf'],
  ['http://[fe80::1%e th0]/', ['http', '[fe80::1%e th0]', '/', '', ''], 'csrf, safe_url'],
  ['http://[v1.a\u2028]/', ['http', '[v1.a\u2028]', '/', '', ''], 'csrf'],
  ['http://[::1', { error: 'Invalid IPv6 URL' }],
  ['http://::1]/', { error: 'Invalid IPv6 URL' }],
  ['http://[1.2.3.4]/', { error: 'An IPv4 address cannot be in brackets' }],
  ['http://[1:2]/', { error: "'1:2' does not appear to be an IPv4 or IPv6 address" }, 'csrf'],
  ['http://[:::]/', { error: "':::' does not appear to be an IPv4 or IPv6 address" }, 'csrf'],
  ['http://[fe80::1%]/', { error: "'fe80::1%' does not appear to be an IPv4 or IPv6 address" }],
  ['http://[v1.]/', { error: 'IPvFuture address is invalid' }],
  ['http://[vg.a]/', { error: 'IPvFuture address is invalid' }],
  ['http://x[::1]/', { error: 'Invalid IPv6 URL' }, 'csrf, gh-105704'],
  ['http://[::1]x/', { error: 'Invalid IPv6 URL' }, 'csrf, gh-105704'],
  [
    'http://[::1]:80@h/',
    { error: "'h' does not appear to be an IPv4 or IPv6 address" },
    'csrf, gh-105704',
  ],
  // A netloc that NFKC-normalises into URL delimiters.
  ['http://caf\u00e9.example/', ['http', 'caf\u00e9.example', '/', '', '']],
  ['http://\uff21.example/', ['http', '\uff21.example', '/', '', '']],
  [
    'http://a\u2100b.example/',
    { error: "netloc 'a\u2100b.example' contains invalid characters under NFKC normalization" },
  ],
  [
    'http://user\uff1a@h/',
    { error: "netloc 'user\uff1a@h' contains invalid characters under NFKC normalization" },
  ],
  [
    'http://h\uff03x/',
    { error: "netloc 'h\uff03x' contains invalid characters under NFKC normalization" },
  ],
];

/** What `urlsplit` answers, in a row's form. */
function answer(url: string): Parts | { error: string } {
  let split: SplitUrl;
  try {
    split = urlsplit(url);
  } catch (error) {
    if (error instanceof UrlSplitError) return { error: error.message };
    throw error;
  }
  return [split.scheme, split.netloc, split.path, split.query, split.fragment];
}

describe("urlsplit: Python's urllib.parse.urlsplit", () => {
  it.each(rows)('urlsplit(%j)', (url, expected) => {
    expect(answer(url)).toEqual(expected);
  });

  it('throws UrlSplitError, an Error, for what Python refuses with ValueError', () => {
    expect(() => urlsplit('https://[')).toThrow(UrlSplitError);
    expect(() => urlsplit('https://[')).toThrow(Error);
  });

  it.each([
    ['HTTPS://testserver/', 'https'],
    [' JavaScript:alert(1)', 'javascript'],
    ['java\tscript:alert(1)', 'javascript'],
    ['/next/', ''],
    ['1http://x', ''],
    // urlsplit would throw on the host; the scheme alone is still read.
    ['http://[::1', 'http'],
  ])('urlsplitScheme(%j) is %j, as HttpResponseRedirect checks it', (url, scheme) => {
    expect(urlsplitScheme(url)).toBe(scheme);
  });

  it('HttpResponseRedirect reads the scheme the same way', () => {
    expect(() => new HttpResponseRedirect('\u0000 java\nscript:alert(1)')).toThrow(
      "Unsafe redirect to URL with protocol 'javascript'",
    );
  });
});

const django = await django52Python();

describe.skipIf(!django.available)("the same answers as Django 5.2's Python, live", () => {
  it('every row above', async () => {
    const script = `
import json, sys, urllib.parse
fixed = hasattr(urllib.parse, '_check_bracketed_netloc')
out = []
for url in json.load(sys.stdin):
    try:
        out.append(list(urllib.parse.urlsplit(url)))
    except ValueError as e:
        out.append({'error': str(e)})
json.dump({'fixed': fixed, 'answers': out}, sys.stdout)
`;
    const { fixed, answers } = await runPythonJson<{
      fixed: boolean;
      answers: (Parts | { error: string })[];
    }>(
      django,
      script,
      rows.map(([url]) => url),
    );
    const differences = rows.filter(
      ([, expected, note], i) =>
        (fixed || !note?.includes('gh-105704')) &&
        JSON.stringify(answers[i]) !== JSON.stringify(expected),
    );
    expect(differences).toEqual([]);
  });
});
