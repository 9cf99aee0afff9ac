/**
 * Percent-encoding with Python's `urllib.parse.quote` rules, which Django's `reverse()` and
 * `escape_uri_path()` use (the quoter itself is in `http/encoding.ts`, which the request's
 * `getFullPath()` needs).
 */
import { makeQuoter } from '../http/encoding.js';

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

// Django's `escape_uri_path` lives with the request, whose `getFullPath()` uses it.
export { escapeUriPath } from '../http/encoding.js';

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
