/**
 * Percent-encoding with Python's `urllib.parse.quote` rules, which Django's `reverse()` and
 * `escape_uri_path()` use: ASCII letters, digits and `_.-~` are never encoded, the `safe`
 * characters are kept, everything else is encoded as UTF-8 bytes in upper-case hex.
 */
function makeQuoter(safe: string): (value: string) => string {
  const keep = new Set<string>(safe);
  for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~') keep.add(c);
  return function quote(value: string): string {
    let out = '';
    for (const char of value) {
      if (keep.has(char)) out += char;
      else
        for (const byte of Buffer.from(char, 'utf8'))
          out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
    return out;
  };
}

const quoters = new Map<string, (value: string) => string>();

/**
 * Python's `urllib.parse.quote(value, safe)` (default safe `'/'`), as Django uses it.
 *
 * @example
 * quote('/a b/?x'); // '/a%20b/%3Fx'
 */
export function quote(value: string, safe = '/'): string {
  let quoter = quoters.get(safe);
  if (!quoter) {
    quoter = makeQuoter(safe);
    quoters.set(safe, quoter);
  }
  return quoter(value);
}

/** RFC 3986 sub-delims plus `/~:@`: what `reverse()` leaves unencoded (Django's `pchar` set). */
export const quoteReversed = makeQuoter("!$&'()*+,;=/~:@");

/**
 * Django's `escape_uri_path`: encodes a decoded request path for use in a `Location` header.
 *
 * @example
 * escapeUriPath('/caf\u00e9/a b'); // '/caf%C3%A9/a%20b'
 */
export const escapeUriPath = makeQuoter("/:@&+$,-_.!~*'()");

// Django's `iri_to_uri` lives with the responses that need it (redirect Location headers).
export { iriToUri } from '../http/response.js';

/**
 * Django's `escape_leading_slashes`: a URL starting with `//` would be scheme-relative (an open
 * redirect to another host), so its second slash is encoded.
 *
 * @example
 * escapeLeadingSlashes('//evil.example/'); // '/%2Fevil.example/'
 */
export function escapeLeadingSlashes(url: string): string {
  return url.startsWith('//') ? '/%2F' + url.slice(2) : url;
}
