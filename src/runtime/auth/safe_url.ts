/**
 * Django 5.2's `url_has_allowed_host_and_scheme` (`django.utils.http`), with the part of
 * Python's `urllib.parse.urlsplit` it relies on, so that the login and logout views follow a
 * `next` URL only to this site, exactly as Django decides (its test table is ported in
 * test/runtime/auth/safe-url.test.ts and compared live with Django 5.2).
 */
import { isIPv6 } from 'node:net';

/** Django's `MAX_URL_LENGTH`: longer URLs are never safe (urlsplit would be slow on them). */
export const MAX_URL_LENGTH = 2048;

/** Python's `urlsplit` result (the parts Django uses). */
export interface SplitUrl {
  scheme: string;
  netloc: string;
  path: string;
  query: string;
  fragment: string;
}

/** `urlsplit` refused the URL (Python's `ValueError`, e.g. "Invalid IPv6 URL"). */
class UrlSplitError extends Error {
  override name = 'UrlSplitError';
}

const SCHEME_CHARS = /^[A-Za-z0-9+\-.]+$/;

/** Python's `ipaddress.ip_address(...)` is IPv4 or IPv6; here: which, or null. */
function ipVersion(host: string): 4 | 6 | null {
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(host))
    return 4;
  return isIPv6(host) ? 6 : null;
}

/** Python's `_check_bracketed_host`. */
function checkBracketedHost(hostname: string): void {
  if (hostname.startsWith('v')) {
    if (!/^v[a-fA-F0-9]+\..+$/s.test(hostname))
      throw new UrlSplitError('IPvFuture address is invalid');
    return;
  }
  const version = ipVersion(hostname);
  if (version === null)
    throw new UrlSplitError(`'${hostname}' does not appear to be an IPv4 or IPv6 address`);
  if (version === 4) throw new UrlSplitError('An IPv4 address cannot be in brackets');
}

/** Python's `_check_bracketed_netloc`. */
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
 * Python's `urllib.parse.urlsplit(url)` (3.11+): leading C0 controls and spaces and every tab,
 * CR and LF are removed; the scheme is what precedes the first `:` when it is made of scheme
 * characters and starts with an ASCII letter (3.12's rule; 3.11 admits a digit first, which
 * changes no answer of `urlHasAllowedHostAndScheme`); `//` starts the netloc.
 *
 * @example
 * urlsplit('HTTPS://testserver/p?q'); // { scheme: 'https', netloc: 'testserver', path: '/p', query: 'q', fragment: '' }
 */
export function urlsplit(input: string): SplitUrl {
  // eslint-disable-next-line no-control-regex -- WHATWG C0 control or space
  let url = input.replace(/^[\x00-\x20]+/, '').replace(/[\t\r\n]/g, '');
  let scheme = '';
  let netloc = '';
  let query = '';
  let fragment = '';
  const colon = url.indexOf(':');
  if (colon > 0 && /^[A-Za-z]/.test(url) && SCHEME_CHARS.test(url.slice(0, colon))) {
    scheme = url.slice(0, colon).toLowerCase();
    url = url.slice(colon + 1);
  }
  if (url.startsWith('//')) {
    let end = url.length;
    for (const c of '/?#') {
      const at = url.indexOf(c, 2);
      if (at >= 0) end = Math.min(end, at);
    }
    netloc = url.slice(2, end);
    url = url.slice(end);
    const open = netloc.includes('[');
    const close = netloc.includes(']');
    if (open !== close) throw new UrlSplitError('Invalid IPv6 URL');
    if (open && close) checkBracketedNetloc(netloc);
  }
  const hash = url.indexOf('#');
  if (hash !== -1) {
    fragment = url.slice(hash + 1);
    url = url.slice(0, hash);
  }
  const q = url.indexOf('?');
  if (q !== -1) {
    query = url.slice(q + 1);
    url = url.slice(0, q);
  }
  checkNetloc(netloc);
  return { scheme, netloc, path: url, query, fragment };
}

/** Python's `str.isspace()` characters (JavaScript's `\s` differs: `\ufeff` in, `\x1c`-`\x1f` out). */
const PY_SPACE =
  '[\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'g');

/** Python's `str.strip()`. */
function pythonStrip(text: string): string {
  return text.replace(PY_STRIP, '');
}

/** Unicode general category C (Cc, Cf, Cs, Co, Cn): what Django refuses as a first character. */
const CONTROL_FIRST = /^[\p{C}]/u;

function hasAllowedHostAndScheme(
  url: string,
  allowedHosts: ReadonlySet<string>,
  requireHttps: boolean,
): boolean {
  // Chrome treats any URL with three slashes as absolute; Python's length is in code points.
  if (url.startsWith('///') || [...url].length > MAX_URL_LENGTH) return false;
  let info: SplitUrl;
  try {
    info = urlsplit(url);
  } catch (error) {
    if (error instanceof UrlSplitError) return false;
    throw error;
  }
  // http:///example.com: Chrome takes example.com for the host.
  if (!info.netloc && info.scheme) return false;
  // Browsers ignore some control characters before a URL and may see it as scheme-relative.
  if (CONTROL_FIRST.test(url)) return false;
  let scheme = info.scheme;
  if (!scheme && info.netloc) scheme = 'http';
  const validSchemes = requireHttps ? ['https'] : ['http', 'https'];
  return (
    (!info.netloc || allowedHosts.has(info.netloc)) && (!scheme || validSchemes.includes(scheme))
  );
}

/**
 * Django's `url_has_allowed_host_and_scheme`: true when `url` is safe to redirect to, i.e. a
 * path on this site or an absolute URL whose host (with port and credentials, as written) is
 * one of `allowedHosts`, with a scheme of http or https (https only with `requireHttps`).
 * Always false for an empty URL. `\` counts as `/` too, as browsers read it.
 *
 * @example
 * urlHasAllowedHostAndScheme('/accounts/profile/', ['testserver']); // true
 * urlHasAllowedHostAndScheme('//evil.com/', ['testserver']); // false
 */
export function urlHasAllowedHostAndScheme(
  url: string | null | undefined,
  allowedHosts: Iterable<string> | string | null | undefined,
  requireHttps = false,
): boolean {
  const trimmed = url === null || url === undefined ? '' : pythonStrip(url);
  if (!trimmed) return false;
  const hosts = new Set<string>(
    allowedHosts === null || allowedHosts === undefined
      ? []
      : typeof allowedHosts === 'string'
        ? [allowedHosts]
        : allowedHosts,
  );
  return (
    hasAllowedHostAndScheme(trimmed, hosts, requireHttps) &&
    hasAllowedHostAndScheme(trimmed.replaceAll('\\', '/'), hosts, requireHttps)
  );
}
