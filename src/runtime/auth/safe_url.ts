/**
 * Django 5.2's `url_has_allowed_host_and_scheme` (`django.utils.http`), on the shared port of
 * Python's `urllib.parse.urlsplit` (`http/urlsplit.ts`), so that the login and logout views
 * follow a `next` URL only to this site, exactly as Django decides (its test table is ported in
 * test/runtime/auth/safe-url.django.test.ts and compared live with Django 5.2).
 */
import { type SplitUrl, UrlSplitError, urlsplit } from '../http/urlsplit.js';

// Python's urlsplit, shared with the CSRF checks; re-exported where tango/auth always had it.
export { urlsplit, type SplitUrl } from '../http/urlsplit.js';

/** Django's `MAX_URL_LENGTH`: longer URLs are never safe (urlsplit would be slow on them). */
export const MAX_URL_LENGTH = 2048;

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
