/**
 * Python's `urllib.parse.urlsplit` as current CPython has it: the leading-space stripping of
 * gh-102153 (CVE-2023-24329), the letter-first scheme rule of gh-99418 and the bracketed-netloc
 * check of gh-105704 (CVE-2025-0938). One port for every place where Django decides on a
 * parsed URL: `url_has_allowed_host_and_scheme` (auth's `next` URLs), the CSRF `Origin` and
 * `Referer` checks, `user_passes_test`'s redirect and `HttpResponseRedirect`'s scheme check.
 */
import { isIPv6 } from 'node:net';

/** Python's `SplitResult`: the five parts of a URL, none decoded. */
export interface SplitUrl {
  scheme: string;
  netloc: string;
  path: string;
  query: string;
  fragment: string;
}

/** `urlsplit` refused the URL (Python's `ValueError`, e.g. "Invalid IPv6 URL"). */
export class UrlSplitError extends Error {
  override name = 'UrlSplitError';
}

/** Python's `_WHATWG_C0_CONTROL_OR_SPACE`, stripped from the start of the URL. */
// eslint-disable-next-line no-control-regex -- WHATWG C0 control or space
const LEADING_C0_OR_SPACE = /^[\x00-\x20]+/;
/** Python's `_UNSAFE_URL_BYTES_TO_REMOVE`: tab, CR and LF, removed everywhere. */
const UNSAFE_BYTES = /[\t\r\n]/g;
/** A scheme: an ASCII letter, then `scheme_chars`, up to the first `:`. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*$/;
/** Python's IPv4Address: four decimal octets up to 255, no leading zeros. */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The URL as `urlsplit` reads it: leading C0 controls and spaces, then tabs/CR/LF, removed. */
function cleanUrl(input: string): string {
  return input.replace(LEADING_C0_OR_SPACE, '').replace(UNSAFE_BYTES, '');
}

/** Where the scheme's `:` is in a cleaned URL, or -1 when the URL has no scheme. */
function schemeColon(url: string): number {
  const colon = url.indexOf(':');
  return colon > 0 && SCHEME.test(url.slice(0, colon)) ? colon : -1;
}

/**
 * Python's `ipaddress.ip_address(host)`: 4, 6, or null when it is neither. An IPv6 scope
 * (`fe80::1%eth0`) is any non-empty text without `%`, as Python takes it.
 */
function ipVersion(host: string): 4 | 6 | null {
  if (IPV4.test(host)) return 4;
  const percent = host.indexOf('%');
  if (percent !== -1) {
    const scope = host.slice(percent + 1);
    if (!scope || scope.includes('%')) return null;
    host = host.slice(0, percent);
  }
  return isIPv6(host) ? 6 : null;
}

/** Python's `_check_bracketed_host`: an IPv6 address or an IPvFuture (`v1.x`). */
function checkBracketedHost(hostname: string): void {
  if (hostname.startsWith('v')) {
    // Python's `.` stops at `\n` only, and no `\n` is left in the URL: `s` is the same here.
    if (!/^v[a-fA-F0-9]+\..+$/s.test(hostname)) {
      throw new UrlSplitError('IPvFuture address is invalid');
    }
    return;
  }
  const version = ipVersion(hostname);
  if (version === null) {
    throw new UrlSplitError(`'${hostname}' does not appear to be an IPv4 or IPv6 address`);
  }
  if (version === 4) throw new UrlSplitError('An IPv4 address cannot be in brackets');
}

/**
 * Python's `_check_bracketed_netloc` (gh-105704, CVE-2025-0938, fixed in 2025): the host
 * after the last `@` must start with `[`, only `:port` may follow `]`, and what is inside must
 * be an IPv6 or IPvFuture address.
 */
function checkBracketedNetloc(netloc: string): void {
  const hostAndPort = netloc.slice(netloc.lastIndexOf('@') + 1);
  const open = hostAndPort.indexOf('[');
  let hostname: string;
  if (open !== -1) {
    if (open > 0) throw new UrlSplitError('Invalid IPv6 URL');
    const bracketed = hostAndPort.slice(open + 1);
    const close = bracketed.indexOf(']');
    hostname = close === -1 ? bracketed : bracketed.slice(0, close);
    const port = close === -1 ? '' : bracketed.slice(close + 1);
    if (port && !port.startsWith(':')) throw new UrlSplitError('Invalid IPv6 URL');
  } else {
    const colon = hostAndPort.indexOf(':');
    hostname = colon === -1 ? hostAndPort : hostAndPort.slice(0, colon);
  }
  checkBracketedHost(hostname);
}

/** Python's `_checknetloc`: characters that NFKC-normalise into URL delimiters. */
function checkNetloc(netloc: string): void {
  // eslint-disable-next-line no-control-regex -- an ASCII test
  if (!netloc || /^[\x00-\x7f]*$/.test(netloc)) return;
  const n = netloc.replace(/[@:#?]/g, '');
  const normalized = n.normalize('NFKC');
  if (n === normalized) return;
  for (const c of '/?#@:') {
    if (normalized.includes(c)) {
      throw new UrlSplitError(
        `netloc '${netloc}' contains invalid characters under NFKC normalization`,
      );
    }
  }
}

/**
 * Python's `urllib.parse.urlsplit(url)`: leading C0 controls and spaces and every tab, CR and LF
 * are removed; the scheme (lower-cased) is what precedes the first `:` when it starts with an
 * ASCII letter and holds only letters, digits and `+-.`; `//` starts the netloc, which ends at
 * the first `/`, `?` or `#`; then `#` starts the fragment and `?` the query. Nothing is
 * decoded. Throws `UrlSplitError` where Python raises `ValueError`: unbalanced brackets, a
 * bracketed host that is not IPv6/IPvFuture or has text before or after it, and a netloc that
 * NFKC-normalises into `/?#@:`.
 *
 * @example
 * urlsplit('HTTPS://testserver/p?q#f'); // { scheme: 'https', netloc: 'testserver', path: '/p', query: 'q', fragment: 'f' }
 * urlsplit('//evil.example'); // { scheme: '', netloc: 'evil.example', path: '', query: '', fragment: '' }
 */
export function urlsplit(input: string): SplitUrl {
  let url = cleanUrl(input);
  let scheme = '';
  let netloc = '';
  let query = '';
  let fragment = '';
  const colon = schemeColon(url);
  if (colon !== -1) {
    scheme = url.slice(0, colon).toLowerCase();
    url = url.slice(colon + 1);
  }
  if (url.startsWith('//')) {
    let end = url.length;
    for (const c of '/?#') {
      const at = url.indexOf(c, 2);
      if (at !== -1 && at < end) end = at;
    }
    netloc = url.slice(2, end);
    url = url.slice(end);
    const open = netloc.includes('[');
    const close = netloc.includes(']');
    if (open !== close) throw new UrlSplitError('Invalid IPv6 URL');
    if (open) checkBracketedNetloc(netloc);
  }
  const hash = url.indexOf('#');
  if (hash !== -1) {
    fragment = url.slice(hash + 1);
    url = url.slice(0, hash);
  }
  const question = url.indexOf('?');
  if (question !== -1) {
    query = url.slice(question + 1);
    url = url.slice(0, question);
  }
  checkNetloc(netloc);
  return { scheme, netloc, path: url, query, fragment };
}

/**
 * The scheme `urlsplit(url)` finds, without splitting the rest (so it never throws): what
 * Django's `HttpResponseRedirectBase` checks against its allowed schemes.
 *
 * @example
 * urlsplitScheme(' JavaScript:alert(1)'); // 'javascript'
 * urlsplitScheme('/next/'); // ''
 */
export function urlsplitScheme(input: string): string {
  const url = cleanUrl(input);
  const colon = schemeColon(url);
  return colon === -1 ? '' : url.slice(0, colon).toLowerCase();
}
