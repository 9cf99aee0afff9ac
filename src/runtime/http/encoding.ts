/**
 * Percent-encoding with Python's `urllib.parse.quote` rules, which Django's `reverse()` and
 * `escape_uri_path()` (`django.utils.encoding`) use. It lives in `http/` because
 * `HttpRequest.getFullPath()` needs `escapeUriPath`; `urls/quote.ts` builds its quoters on it.
 */

/**
 * A Python `quote(value, safe)` function: ASCII letters, digits and `_.-~` are never encoded,
 * the `safe` characters are kept, everything else is encoded as UTF-8 bytes in upper-case hex.
 *
 * @example
 * const quoteQuery = makeQuoter('/=');
 * quoteQuery('/a b=\u00e9'); // '/a%20b=%C3%A9'
 */
export function makeQuoter(safe: string): (value: string) => string {
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

/**
 * Django's `escape_uri_path`: encodes a decoded request path for use in a `Location` header.
 *
 * @example
 * escapeUriPath('/caf\u00e9/a b'); // '/caf%C3%A9/a%20b'
 */
export const escapeUriPath = makeQuoter("/:@&+$,-_.!~*'()");
