/**
 * Cookies as Django reads and writes them: `parseCookie` is `django.http.cookie.parse_cookie`
 * (lenient, never throws) and `serializeSetCookie` is Python's `SimpleCookie`/`Morsel` output
 * as `HttpResponse.set_cookie` drives it (strict: bad developer input throws a `TypeError`
 * naming the option). `checklist #N` cites item N of docs/django-sessions-checklist.md.
 *
 * See https://docs.djangoproject.com/en/stable/ref/request-response/#django.http.HttpResponse.set_cookie
 * and CPython's `Lib/http/cookies.py`.
 */

// ---------------------------------------------------------------------------------------------
// Parsing (Cookie request header)

/** Python's `str.isspace()`, which `str.strip()` uses (not the same set as JavaScript's trim). */
function isPythonSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** `s[start:end].strip()` without the intermediate copy. */
function strip(s: string, start: number, end: number): string {
  while (start < end && isPythonSpace(s.charCodeAt(start))) start++;
  while (end > start && isPythonSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/**
 * Python's `http.cookies._unquote` (3.11+): `\ooo` octal (first digit 0-3) and `\x` escapes.
 * Python's `.` does not match a newline, so a backslash before `\n` stays as it is.
 */
const UNQUOTE = /\\(?:([0-3][0-7][0-7])|([^\n]))/g;

function unquote(value: string): string {
  // Item 37: only a value both starting and ending with `"` is unquoted; an unterminated quote
  // is kept literally, and percent-encoding is never decoded.
  if (
    value.length < 2 ||
    value.charCodeAt(0) !== 0x22 ||
    value.charCodeAt(value.length - 1) !== 0x22
  ) {
    return value;
  }
  const inner = value.slice(1, -1);
  if (!inner.includes('\\')) return inner;
  return inner.replace(UNQUOTE, (_m, octal: string | undefined, char: string | undefined) =>
    octal !== undefined ? String.fromCharCode(parseInt(octal, 8)) : char!,
  );
}

/**
 * Parses a `Cookie` request header exactly as Django's `parse_cookie`: split on `;` only
 * (checklist #35), each chunk split on the first `=` and stripped, a chunk without `=` is the value
 * of the name `''` (checklist #36), empty chunks are dropped, values are unquoted with Python's
 * algorithm (checklist #37), the last duplicate wins (checklist #38) and names are not validated
 * (checklist #39). Never throws: a malformed header just yields fewer or odder entries.
 *
 * @example
 * parseCookie('sessionid=abc; theme="dark mode"'); // Map { 'sessionid' => 'abc', 'theme' => 'dark mode' }
 */
export function parseCookie(header: string): Map<string, string> {
  const cookies = new Map<string, string>();
  if (typeof header !== 'string') return cookies;
  const length = header.length;
  let start = 0;
  // Position of the next '=' at or after `start`; -1 once there are none left (keeps this O(n)).
  let eq = header.indexOf('=');
  while (start <= length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = length;
    if (eq !== -1 && eq < start) eq = header.indexOf('=', start);
    let name: string;
    let value: string;
    if (eq !== -1 && eq < end) {
      name = strip(header, start, eq);
      value = strip(header, eq + 1, end);
    } else {
      name = '';
      value = strip(header, start, end);
    }
    if (name !== '' || value !== '') cookies.set(name, unquote(value));
    start = end + 1;
  }
  return cookies;
}

// ---------------------------------------------------------------------------------------------
// Options and validation (set_cookie)

/** `sameSite` values: checked case-insensitively and emitted as given (checklist #16). */
export type SameSite = 'Lax' | 'Strict' | 'None' | 'lax' | 'strict' | 'none';

/**
 * Options of `setCookie` / `serializeSetCookie`, Django's `set_cookie` keywords.
 * Defaults: `path: '/'`, everything else off (a browser-session cookie).
 */
export interface CookieOptions {
  /**
   * Seconds until the cookie expires; `Max-Age=int(n)` plus a matching `expires` date (checklist #6).
   * `0` or negative deletes at once (checklist #7). Default `null`: no expiry attributes (checklist #12).
   */
  maxAge?: number | null;
  /**
   * A `Date` is turned into `maxAge` (checklist #11; not together with `maxAge`, as in Django 4.1+).
   * A string is written verbatim as `expires=` (checklist #9). Default `null`.
   */
  expires?: Date | string | null;
  /** Default `'/'` (checklist #13); `null` or `''` omits the attribute. */
  path?: string | null;
  /** Written verbatim as `Domain=` (checklist #14). Default `null`. */
  domain?: string | null;
  /** Emit `Secure` (checklist #15). Required for `__Secure-`/`__Host-` names. Default false. */
  secure?: boolean;
  /** Emit `HttpOnly` (checklist #15). Default false. */
  httpOnly?: boolean;
  /** `'Lax' | 'Strict' | 'None'` in any case, emitted as given; falsy omits it. Default `null`. */
  sameSite?: SameSite | false | null;
  /**
   * Emit `Partitioned` (CHIPS, Cookies Having Independent Partitioned State): the browser keeps
   * the cookie in a separate jar per top-level site, so a cookie set inside an iframe on
   * `a.example` is not sent when the same iframe is embedded on `b.example`, and it still works
   * where third-party cookies are blocked. Python 3.14's `Morsel` writes it after `Max-Age`;
   * Django has no option for it (ticket #34613). Requires `secure` (browsers refuse it
   * otherwise); `deleteCookie(name, { partitioned: true })` deletes one. Default false.
   */
  partitioned?: boolean;
}

/**
 * Options after `validateCookie`: a `Date` expiry is already converted to `maxAge` and every
 * field is explicit. `serializeSetCookie` skips re-validation for these objects.
 */
export interface ResolvedCookieOptions {
  maxAge: number | null;
  expires: string | null;
  path: string | null;
  domain: string | null;
  secure: boolean;
  httpOnly: boolean;
  sameSite: SameSite | null;
  partitioned: boolean;
}

/** Python's `_LegalChars`: the characters of a name, and of a value written unquoted (checklist #3). */
const LEGAL = /^[A-Za-z0-9!#$%&'*+\-.^_`|~:]+$/;

/** `Morsel._reserved` (Python 3.14, which adds `partitioned`): names that are attributes (checklist #19). */
const RESERVED = new Set([
  'expires',
  'path',
  'comment',
  'domain',
  'max-age',
  'secure',
  'httponly',
  'version',
  'samesite',
  'partitioned',
]);

/** Control characters or `;` would end or split the header: never allowed in attributes. */
// eslint-disable-next-line no-control-regex -- control characters would break the header
const UNSAFE_ATTRIBUTE = /[\u0000-\u001f\u007f;]/;

/**
 * What `validateCookie` returns. A class rather than a WeakSet of plain objects: `instanceof`
 * tells `serializeSetCookie` to skip re-validation at no cost, where a WeakSet insert per
 * cookie (on every session response) cost about 1 us of a ~4 us validation.
 */
class Resolved implements ResolvedCookieOptions {
  constructor(
    readonly maxAge: number | null,
    readonly expires: string | null,
    readonly path: string | null,
    readonly domain: string | null,
    readonly secure: boolean,
    readonly httpOnly: boolean,
    readonly sameSite: SameSite | null,
    readonly partitioned: boolean,
  ) {}
}

/**
 * The instants an HTTP date can name: years 0001 to 9999 (RFC 9110 §5.6.7 writes a four-digit
 * year; Python's `datetime`, which Django's `http_date` goes through, starts at year 1).
 * `FIRST_HTTP_DATE` is 0001-01-01T00:00:00Z, `END_HTTP_DATE` 10000-01-01T00:00:00Z (excluded).
 */
export const FIRST_HTTP_DATE = -62135596800000;
/** The end of the instants an HTTP date can name (excluded); see `FIRST_HTTP_DATE`. */
export const END_HTTP_DATE = 253402300800000;
const HTTP_DATE_RANGE =
  'the expiry must fall between year 1 and year 9999, what an HTTP date can hold';

/**
 * The largest cookie browsers keep, in bytes. RFC 6265 §6.1 counts the cookie's "name, value,
 * and attributes", which is what Chromium enforced on the whole `Set-Cookie` line until 2022;
 * RFC 6265bis (Chromium since, and Firefox) counts name + value. `setCookieSize` measures the
 * whole line, the strictest reading, so a cookie within it is kept by every browser.
 *
 * @example
 * setCookieSize('sessionid', value, options) <= MAX_COOKIE_SIZE;
 */
export const MAX_COOKIE_SIZE = 4096;

/** RFC 6265bis §5.6: browsers ignore an attribute whose value is longer than this (bytes). */
export const MAX_ATTRIBUTE_BYTES = 1024;

/** The last cookie name that passed the name checks (the session cookie, on a busy server). */
let lastValidName = '';

function attribute(option: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || UNSAFE_ATTRIBUTE.test(value)) {
    throw new TypeError(
      `option ${option} is invalid: ${JSON.stringify(value)} (expected a string without ";" or control characters)`,
    );
  }
  return value;
}

function flag(option: string, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean')
    throw new TypeError(`option ${option} is invalid: ${String(value)} (expected a boolean)`);
  return value;
}

/**
 * Validates a cookie as `set_cookie` would and resolves its options, throwing a `TypeError`
 * that names the offending argument or option:
 * - the name must be non-empty Python `_LegalChars` (an RFC 6265 token plus `:`) and not an
 *   attribute name such as `path` or `Max-Age` (checklist #19);
 * - `sameSite` must be Lax/Strict/None in any case (checklist #16);
 * - `maxAge` must be finite and `now + maxAge` (like a `Date` `expires`) must fall in years
 *   1-9999, what an HTTP date can hold; a `Date` `expires` with `maxAge` is an error (Django 4.1+);
 * - `__Secure-` names need `secure: true`; `__Host-` names also need `path: '/'` and no
 *   `domain` (current Django's prefix checks; browsers drop such cookies otherwise);
 * - `partitioned` needs `secure`; path, domain and an `expires` string may not contain `;` or
 *   control characters (they would split the header).
 *
 * A `Date` `expires` becomes `maxAge = max(0, floor((expires - now) / 1 s + 1))` (checklist #11).
 *
 * @example
 * validateCookie('hit', '1', { maxAge: 120 }); // { maxAge: 120, path: '/', ... }
 * validateCookie('a b', '1', {}); // TypeError: cookie name is invalid: "a b" ...
 */
export function validateCookie(
  name: string,
  value: string,
  options: CookieOptions = {},
  now: number = Date.now(),
): ResolvedCookieOptions {
  if (name !== lastValidName) {
    if (typeof name !== 'string' || !LEGAL.test(name)) {
      throw new TypeError(
        `cookie name is invalid: ${JSON.stringify(name)} (use letters, digits and !#$%&'*+-.^_\`|~:)`,
      );
    }
    if (RESERVED.has(name.toLowerCase())) {
      throw new TypeError(
        `cookie name is reserved: ${JSON.stringify(name)} (it is a Set-Cookie attribute name)`,
      );
    }
    lastValidName = name;
  }
  if (typeof value !== 'string') {
    throw new TypeError(`cookie value must be a string, got ${typeof value} (use String(value))`);
  }

  let maxAge: number | null = null;
  if (options.maxAge !== undefined && options.maxAge !== null) {
    if (typeof options.maxAge !== 'number' || !Number.isFinite(options.maxAge)) {
      throw new TypeError(
        `option maxAge is invalid: ${String(options.maxAge)} (expected a finite number of seconds)`,
      );
    }
    maxAge = options.maxAge;
    // Checked here, not when the response is written: a date `httpDate` cannot format would
    // otherwise fail only then, dropping the response (hardening 1; DESIGN.md §7).
    const at = now + maxAge * 1000;
    if (!(at >= FIRST_HTTP_DATE && at < END_HTTP_DATE)) {
      throw new TypeError(`option maxAge is invalid: ${String(maxAge)} (${HTTP_DATE_RANGE})`);
    }
  }

  let expires: string | null = null;
  const rawExpires: unknown = options.expires;
  if (rawExpires instanceof Date) {
    const time = rawExpires.getTime();
    if (!Number.isFinite(time)) throw new TypeError('option expires is invalid: Invalid Date');
    if (!(time >= FIRST_HTTP_DATE && time < END_HTTP_DATE)) {
      throw new TypeError(
        `option expires is invalid: ${rawExpires.toISOString()} (${HTTP_DATE_RANGE})`,
      );
    }
    if (maxAge !== null) throw new TypeError("options expires and maxAge can't be used together");
    // Django adds one second "so the date matches exactly" and floors the timedelta.
    maxAge = Math.max(0, Math.floor((time - now + 1000) / 1000));
  } else if (rawExpires !== undefined && rawExpires !== null) {
    expires = attribute('expires', rawExpires) || null;
  }

  const path = options.path === undefined ? '/' : attribute('path', options.path);
  const domain = attribute('domain', options.domain);
  const secure = flag('secure', options.secure);
  const httpOnly = flag('httpOnly', options.httpOnly);
  const partitioned = flag('partitioned', options.partitioned);

  let sameSite: SameSite | null = null;
  const rawSameSite: unknown = options.sameSite;
  if (
    rawSameSite !== undefined &&
    rawSameSite !== null &&
    rawSameSite !== false &&
    rawSameSite !== ''
  ) {
    const lower = typeof rawSameSite === 'string' ? rawSameSite.toLowerCase() : '';
    if (lower !== 'lax' && lower !== 'strict' && lower !== 'none') {
      throw new TypeError(
        `option sameSite is invalid: ${JSON.stringify(rawSameSite)} (expected "Lax", "Strict" or "None")`,
      );
    }
    sameSite = rawSameSite as SameSite;
  }

  if ((name.startsWith('__Secure-') || name.startsWith('__Host-')) && !secure) {
    const prefix = name.startsWith('__Host-') ? '__Host-' : '__Secure-';
    throw new TypeError(
      `option secure is required: cookies with names starting with "${prefix}" must set secure: true`,
    );
  }
  if (name.startsWith('__Host-')) {
    if (path !== '/') {
      throw new TypeError(
        `option path is invalid: cookies with names starting with "__Host-" must set path: '/'`,
      );
    }
    if (domain !== null) {
      throw new TypeError(
        'option domain is invalid: cookies with names starting with "__Host-" must not set a domain',
      );
    }
  }
  if (partitioned && !secure) {
    throw new TypeError(
      'option secure is required: partitioned cookies must set secure: true (browsers refuse a Partitioned cookie without Secure)',
    );
  }
  for (const [option, text] of [
    ['path', path],
    ['domain', domain],
    ['expires', expires],
  ] as const) {
    if (
      text !== null &&
      text.length > MAX_ATTRIBUTE_BYTES / 3 &&
      Buffer.byteLength(text) > MAX_ATTRIBUTE_BYTES
    ) {
      throw new TypeError(
        `option ${option} is invalid: ${Buffer.byteLength(text)} bytes (browsers ignore an attribute value over ${MAX_ATTRIBUTE_BYTES} bytes, RFC 6265bis §5.6)`,
      );
    }
  }

  return new Resolved(maxAge, expires, path, domain, secure, httpOnly, sameSite, partitioned);
}

// ---------------------------------------------------------------------------------------------
// Serialization (Set-Cookie response header)

/**
 * Python's `_Translator`: `"` and `\` are backslash-escaped; every other byte outside
 * `_LegalChars + ' ()/<=>?@[]{}'` (controls, 0x7F-0xFF, `,` and `;`) becomes `\ooo`.
 * `undefined` means "kept as is". Characters above U+00FF are always kept.
 */
const QUOTE_ESCAPES: (string | undefined)[] = (() => {
  const kept =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~: ()/<=>?@[]{}";
  const table: (string | undefined)[] = [];
  for (let c = 0; c < 256; c++) {
    table.push(
      kept.includes(String.fromCharCode(c)) ? undefined : '\\' + c.toString(8).padStart(3, '0'),
    );
  }
  table[0x22] = '\\"';
  table[0x5c] = '\\\\';
  return table;
})();

/**
 * Python's `http.cookies._quote` (checklist #3): legal values stay bare, everything else (including
 * the empty string, checklist #4) is double-quoted with `\"`, `\\` and `\ooo` escapes.
 *
 * @example
 * quoteCookieValue('a b;c'); // '"a b\\073c"'
 */
export function quoteCookieValue(value: string): string {
  if (LEGAL.test(value)) return value;
  let out = '"';
  let last = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 256) {
      const escape = QUOTE_ESCAPES[c];
      if (escape !== undefined) {
        out += value.slice(last, i) + escape;
        last = i + 1;
      }
    }
  }
  return out + value.slice(last) + '"';
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
let lastDateSecond = NaN;
let lastDateString = '';

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/**
 * Django's `http_date` (`email.utils.formatdate(usegmt=True)`): `Wdy, DD Mon YYYY HH:MM:SS GMT`
 * for the whole second containing `ms` (floored, as Python's `gmtime`). The last result is
 * cached, since a busy server formats the same second many times.
 *
 * @example
 * httpDate(0); // 'Thu, 01 Jan 1970 00:00:00 GMT'
 */
export function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second === lastDateSecond) return lastDateString;
  const d = new Date(second * 1000);
  if (Number.isNaN(d.getTime())) throw new TypeError(`httpDate(): time out of range: ${ms}`);
  const year = d.getUTCFullYear();
  const text =
    `${DAYS[d.getUTCDay()]!}, ${pad2(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]!} ` +
    `${year < 0 ? '-' + String(-year).padStart(4, '0') : String(year).padStart(4, '0')} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} GMT`;
  lastDateSecond = second;
  lastDateString = text;
  return text;
}

/**
 * `validateCookie` checked the expiry against the clock of the call; the response is written a
 * little later, so an expiry at the very edge of the range may have moved past it. It stops at
 * the first or last second an HTTP date can name rather than fail the response.
 */
function clampToHttpDate(ms: number): number {
  return ms < FIRST_HTTP_DATE ? FIRST_HTTP_DATE : ms >= END_HTTP_DATE ? END_HTTP_DATE - 1000 : ms;
}

/**
 * Serializes one `Set-Cookie` header value exactly as Django + Python's `Morsel` do:
 * `name=value` (quoted per checklist #3/#4), then `Domain`, `expires`, `HttpOnly`, `Max-Age`,
 * `Partitioned`, `Path`, `SameSite`, `Secure` (Python sorts the attribute names, checklist #5),
 * joined with `'; '`. With `maxAge` and no `expires` string, `expires` is
 * `httpDate(now + maxAge s)` and `Max-Age` is `int(maxAge)` (checklist #6-#7). Options not produced
 * by `validateCookie` are validated first (throws `TypeError`).
 *
 * @example
 * serializeSetCookie('hit', '1', { maxAge: 120 }, Date.UTC(2025, 0, 1));
 * // 'hit=1; expires=Wed, 01 Jan 2025 00:02:00 GMT; Max-Age=120; Path=/'
 */
export function serializeSetCookie(
  name: string,
  value: string,
  options: CookieOptions | ResolvedCookieOptions = {},
  now: number = Date.now(),
): string {
  const o: ResolvedCookieOptions =
    options instanceof Resolved
      ? options
      : validateCookie(name, value, options as CookieOptions, now);
  let out = name + '=' + quoteCookieValue(value);
  if (o.domain) out += '; Domain=' + o.domain;
  if (o.expires) out += '; expires=' + o.expires;
  else if (o.maxAge !== null)
    out += '; expires=' + httpDate(clampToHttpDate(now + o.maxAge * 1000));
  if (o.httpOnly) out += '; HttpOnly';
  // Python's int() truncates toward zero; `+ 0` turns -0 into 0.
  if (o.maxAge !== null) out += '; Max-Age=' + (Math.trunc(o.maxAge) + 0);
  if (o.partitioned) out += '; Partitioned';
  if (o.path) out += '; Path=' + o.path;
  if (o.sameSite) out += '; SameSite=' + o.sameSite;
  if (o.secure) out += '; Secure';
  return out;
}

/**
 * Attribute text `serializeSetCookie` may add besides the name, the value and the
 * `Path`/`Domain`/`expires` strings: `; Domain=`, `; expires=` and a 29-character date,
 * `; HttpOnly`, `; Max-Age=` and up to 20 digits, `; Partitioned`, `; Path=`,
 * `; SameSite=Strict`, `; Secure` (137 bytes), rounded up.
 */
const FIXED_ATTRIBUTES = 160;

/**
 * The size in bytes (UTF-8) of the `Set-Cookie` value `serializeSetCookie` writes for this
 * cookie: name, `=`, the quoted value and every attribute, what `MAX_COOKIE_SIZE` limits.
 *
 * @example
 * setCookieSize('hit', '1', validateCookie('hit', '1', { maxAge: 120 })); // 58
 */
export function setCookieSize(
  name: string,
  value: string,
  options: ResolvedCookieOptions,
  now: number = Date.now(),
): number {
  return Buffer.byteLength(serializeSetCookie(name, value, options, now), 'utf8');
}

/**
 * `setCookieSize` when it exceeds `MAX_COOKIE_SIZE`, else `null`. Cheap enough for every
 * cookie of every response: an upper bound (4 bytes per value character once quoted, 3 per
 * attribute character, plus the fixed attributes) settles the common case with a few
 * additions, and only a cookie that might be too large is serialized to be measured.
 *
 * @example
 * oversizeCookie('hit', '1', options); // null
 * oversizeCookie('cart', 'x'.repeat(5000), options); // 5018
 */
export function oversizeCookie(
  name: string,
  value: string,
  options: ResolvedCookieOptions,
  now: number = Date.now(),
): number | null {
  const attributes =
    (options.path?.length ?? 0) + (options.domain?.length ?? 0) + (options.expires?.length ?? 0);
  if (name.length + 2 + 4 * value.length + 3 * attributes + FIXED_ATTRIBUTES <= MAX_COOKIE_SIZE)
    return null;
  const size = setCookieSize(name, value, options, now);
  return size > MAX_COOKIE_SIZE ? size : null;
}
