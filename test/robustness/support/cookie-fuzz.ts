/**
 * Generated Cookie headers for the live-server fuzz (test/robustness/cookies.test.ts): every
 * request is a function of `(seed, engine, index)`, so one failing input can be generated
 * again. The headers mix malformed syntax, huge values, control characters, non-ASCII and
 * invalid UTF-8 bytes, duplicate names, quoted and escaped values, many cookies, and session
 * keys of every shape, around the session, `sig` (signed) and `csrftoken` cookies.
 */
import { TimestampSigner } from '../../../src/runtime/core/signing/index.js';
import { SIGNED_COOKIES_SALT } from '../../../src/runtime/sessions/backends/signed_cookies.js';
import { Prng } from './prng.js';

/** Django's session key characters. */
const KEY_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
const CSRF_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const B64_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B62_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Characters that mean something to cookie syntax, paths, SQL, globs or JavaScript objects. */
const SPECIALS = ' \t";=,\\/.%*?[]{}()<>@:\'`$&|~!#^+';

/** What the server issued before the fuzz: the values a request may legitimately replay. */
export interface FuzzContext {
  engine: string;
  /** Session cookie values (keys, or signed values for `signed_cookies`). */
  sessions: readonly string[];
  /** `sig` cookie values and the payloads they carry. */
  signed: readonly { value: string; payload: string }[];
  /** A `csrftoken` cookie the server set. */
  csrf: string;
}

/** One generated request. */
export interface FuzzRequest {
  index: number;
  /** The shapes used, e.g. `session:traversal+sig:flipped`. */
  kind: string;
  method: 'GET' | 'POST';
  path: string;
  /** The whole request, as written to the socket. */
  bytes: Buffer;
  /** Bytes of Cookie header values. */
  cookieBytes: number;
  /** An issued session value appears in the request (maybe quoted or escaped): may be adopted. */
  mayAdoptSession: boolean;
  /** An issued `sig` value appears in the request: its payload may be read. */
  mayAdoptSigned: boolean;
  /** A clean replay of issued values: they must be adopted (the positive control). */
  control: boolean;
}

/** A cookie value and what it is. */
interface Value {
  bytes: Buffer;
  label: string;
  /** Carries an issued value the server may accept. */
  issued?: boolean;
}

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Python's cookie `\ooo` escape of every character of `s` (Latin-1 only). */
function octal(s: string): string {
  return Array.from(s, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0')).join('');
}

/** `s` quoted, with a random subset of its characters octal-escaped (Django unquotes it to `s`). */
function quoteEscaped(rng: Prng, s: string): string {
  return '"' + Array.from(s, (c) => (rng.chance(0.4) ? octal(c) : c)).join('') + '"';
}

/** `s` with one bit of one character flipped (as bytes: may leave ASCII). */
function flipOne(rng: Prng, s: string): Buffer {
  const bytes = ascii(s);
  if (bytes.length === 0) return bytes;
  const at = rng.int(bytes.length);
  bytes[at] = bytes[at]! ^ (1 << rng.int(8));
  return bytes;
}

const TRAVERSALS = [
  '../../../../../../etc/passwd',
  '..\\..\\..\\windows\\win.ini',
  '/etc/passwd',
  '....//....//....//etc/passwd',
  '..%2f..%2f..%2fetc%2fpasswd',
  '%2e%2e%2f%2e%2e%2fetc',
  'abcdefgh/../../../tmp/x',
  './sessionidabcdefgh',
  '..',
  '.',
  '~/.ssh/id_rsa',
  'C:\\Windows\\System32',
  'abcdefgh\\..\\..',
  '/dev/zero',
  '/proc/self/environ',
];

const INJECTIONS = [
  "' OR '1'='1",
  "x'; DROP TABLE django_session; --",
  '" OR ""="',
  '%',
  '%%%%%%%%',
  '________',
  '*',
  '*:*:*:*:*',
  '??????????',
  '[a-z]*[0-9]*',
  '\\x00\\x01',
  'FLUSHALL',
  'KEYS *',
  '$(reboot)',
  '`id`',
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
];

const OBJECT_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
  'undefined',
  'null',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  'true',
];

/** Look-alikes that case folding or Unicode normalisation might turn into key characters. */
const LOOKALIKES: Record<string, string[]> = {
  k: ['\u212a'], // KELVIN SIGN lower-cases to 'k'
  i: ['\u0130', '\u0131'], // İ ı
  s: ['\u017f'], // ſ upper-cases to 'S'
  a: ['\uff41', '\u0430'], // fullwidth a, Cyrillic a
  e: ['\u0435'],
  o: ['\u043e', '\u03bf'],
  '0': ['\uff10', '\u0660'],
  '1': ['\uff11', '\u0661'],
};

const INVALID_UTF8 = [
  [0x80],
  [0xbf],
  [0xc0, 0xaf], // overlong '/'
  [0xe0, 0x80, 0xaf], // overlong '/'
  [0xed, 0xa0, 0x80], // a UTF-16 surrogate
  [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xfe],
  [0xff],
  [0xc3], // truncated é
  [0xe2, 0x82], // truncated €
];

/** A random byte for a header value: anything but LF (which would end the header line). */
function anyByte(rng: Prng): number {
  const b = rng.int(256);
  return b === 0x0a ? 0x0b : b;
}

/**
 * `length` bytes node's parser lets through in a header value (printable ASCII, HTAB,
 * 0x80-0xff); one in twenty such fields also gets a control byte it refuses, so most requests
 * still reach the application.
 */
function wireBytes(rng: Prng, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    const b = rng.int(256 - 0x20 + 1);
    out[i] = b === 0 ? 0x09 : b + 0x1f === 0x7f ? 0x80 : b + 0x1f;
  }
  if (length > 0 && rng.chance(0.05)) out[rng.int(length)] = controlByte(rng);
  return out;
}

/** A control byte node's parser refuses in a header value (no LF, no HTAB). */
function controlByte(rng: Prng): number {
  return rng.pick([0x00, 0x01, 0x02, 0x07, 0x08, 0x0b, 0x0c, 0x0d, 0x1b, 0x1f, 0x7f]);
}

/** Inserts `insert` into `base` at a random position. */
function insertAt(rng: Prng, base: Buffer, insert: Buffer): Buffer {
  const at = rng.int(base.length + 1);
  return Buffer.concat([base.subarray(0, at), insert, base.subarray(at)]);
}

/** Something that looks like a Django signed value (`payload:timestamp:signature`), unsigned. */
function signedLooking(rng: Prng): string {
  const payload = (rng.chance(0.3) ? '.' : '') + rng.string(rng.range(0, 200), B64_CHARS);
  const parts = [payload, rng.string(rng.range(1, 7), B62_CHARS), rng.string(43, B64_CHARS)];
  if (rng.chance(0.2)) parts.splice(rng.int(3), 1);
  return parts.join(':');
}

/** A session value of one of many shapes; `issued` marks the ones the server may accept. */
function sessionValue(rng: Prng, ctx: FuzzContext, signedEngine: boolean): Value {
  const replay = rng.pick(ctx.sessions);
  const shape = rng.int(30);
  switch (shape) {
    case 0:
      return { bytes: ascii(''), label: 'empty' };
    case 1:
      return { bytes: ascii(rng.string(rng.range(1, 7), KEY_CHARS)), label: 'too-short' };
    case 2:
      return { bytes: ascii(rng.string(8, KEY_CHARS)), label: 'unknown-8' };
    case 3:
      return { bytes: ascii(rng.string(32, KEY_CHARS)), label: 'unknown-32' };
    case 4:
      return { bytes: ascii(rng.string(rng.range(33, 64), KEY_CHARS)), label: 'unknown-33-64' };
    case 5:
      return { bytes: ascii(rng.string(rng.range(65, 600), KEY_CHARS)), label: 'too-long' };
    case 6:
      return { bytes: ascii(rng.string(rng.range(2000, 15000), KEY_CHARS)), label: 'huge' };
    case 7:
      return { bytes: ascii(replay.toUpperCase()), label: 'uppercase' };
    case 8: {
      // One character changed to another of the same alphabet.
      const at = rng.int(replay.length);
      const alphabet = signedEngine ? B64_CHARS : KEY_CHARS;
      let c = rng.pick([...alphabet]);
      if (c === replay[at]) c = c === 'a' ? 'b' : 'a';
      return { bytes: ascii(replay.slice(0, at) + c + replay.slice(at + 1)), label: 'one-char' };
    }
    case 9:
      return { bytes: ascii(replay.slice(0, rng.int(replay.length))), label: 'truncated' };
    case 10: {
      const tail = rng.string(rng.range(1, 6), signedEngine ? B64_CHARS + ':.' : KEY_CHARS);
      return { bytes: ascii(replay + tail), label: 'extended' };
    }
    case 11:
      return { bytes: flipOne(rng, replay), label: 'bit-flip' };
    case 12:
      return { bytes: ascii(replay), label: 'replay', issued: true };
    case 13:
      return { bytes: ascii(`  \t${replay} \t`), label: 'replay-spaces', issued: true };
    case 14:
      return { bytes: ascii(`"${replay}"`), label: 'replay-quoted', issued: true };
    case 15:
      return { bytes: ascii(quoteEscaped(rng, replay)), label: 'replay-escaped', issued: true };
    case 16: {
      const path = rng.pick(TRAVERSALS);
      return rng.chance(0.5)
        ? { bytes: ascii(path), label: 'traversal' }
        : { bytes: ascii(`"${octal(path)}"`), label: 'traversal-escaped' };
    }
    case 17: {
      // NUL: raw (node's parser refuses the header), or escaped inside quotes (reaches the app).
      const base = rng.string(rng.range(8, 40), KEY_CHARS);
      return rng.chance(0.5)
        ? { bytes: insertAt(rng, ascii(base), Buffer.from([0])), label: 'nul-raw' }
        : { bytes: ascii(quoteEscaped(rng, base + '\0' + 'x'.repeat(rng.int(4)))), label: 'nul' };
    }
    case 18: {
      const base = ascii(rng.chance(0.5) ? replay : rng.string(32, KEY_CHARS));
      return { bytes: insertAt(rng, base, Buffer.from([controlByte(rng)])), label: 'control' };
    }
    case 19:
      return { bytes: ascii(rng.pick(INJECTIONS)), label: 'injection' };
    case 20:
      return { bytes: ascii(rng.pick(OBJECT_KEYS)), label: 'object-key' };
    case 21: {
      // The replay with look-alike characters (Kelvin sign for k, fullwidth digits, ...).
      let out = '';
      for (const c of replay) {
        const alike = LOOKALIKES[c];
        out += alike && rng.chance(0.5) ? rng.pick(alike) : c;
      }
      if (out === replay) out = '\u212a' + replay.slice(1);
      return { bytes: utf8(out), label: 'lookalike' };
    }
    case 22: {
      const bad = Buffer.from(rng.pick(INVALID_UTF8));
      return { bytes: insertAt(rng, ascii(replay), bad), label: 'invalid-utf8' };
    }
    case 23:
      return {
        bytes: utf8(rng.string(rng.range(1, 40), 'éü€日本語😀\u200b\ufeff\u2028')),
        label: 'unicode',
      };
    case 24:
      return { bytes: ascii(signedLooking(rng)), label: 'signed-looking' };
    case 25: {
      // A validly formed signed session under the wrong key, or the right key and wrong salt.
      const wrongKey = rng.chance(0.5);
      const signer = new TimestampSigner({
        key: wrongKey ? 'not-the-secret-key' : 'django.http.cookies' + 'wrong',
        salt: wrongKey ? SIGNED_COOKIES_SALT : 'another.salt',
      });
      const data = { hit: 1000 + rng.int(1000), _auth_user_id: '1' };
      return {
        bytes: ascii(signer.signObject(data, { compress: rng.chance(0.5) })),
        label: 'forged-signed',
      };
    }
    case 26: {
      // Splice: one issued value's payload with another's timestamp and signature.
      const other = rng.pick(ctx.sessions);
      const cut = (v: string) => Math.max(0, v.indexOf(':'));
      return {
        bytes: ascii(replay.slice(0, cut(replay)) + other.slice(cut(other))),
        label: 'spliced',
      };
    }
    case 27:
      return {
        bytes: Buffer.from(Array.from({ length: rng.range(1, 64) }, () => anyByte(rng))),
        label: 'random-bytes',
      };
    case 28:
      return rng.chance(0.7)
        ? { bytes: ascii(rng.string(rng.range(1, 80), SPECIALS + KEY_CHARS)), label: 'specials' }
        : {
            // Long runs of what the parser loops over: quotes, escapes, separators, spaces.
            bytes: ascii(
              (rng.chance(0.5) ? '"%"' : '%').replace(
                '%',
                rng
                  .pick(['\\', '\\0', '\\"', '"', '=', ' ', '\t', '==;', '\\377'])
                  .repeat(rng.range(500, 5000)),
              ),
            ),
            label: 'pathological',
          };
    default:
      // An unterminated or lopsided quote is kept literally: never the issued value.
      return {
        bytes: ascii(rng.pick(['"', '"' + replay, replay + '"', '""', '"\\"', '\\'])),
        label: 'quotes',
      };
  }
}

/** A `sig` (signed cookie) value; `issued` when an issued one is replayed. */
function sigValue(rng: Prng, ctx: FuzzContext): Value {
  const { value } = rng.pick(ctx.signed);
  switch (rng.int(9)) {
    case 0:
      return { bytes: ascii(value), label: 'replay', issued: true };
    case 1:
      return { bytes: flipOne(rng, value), label: 'bit-flip' };
    case 2:
      return { bytes: ascii(value.slice(0, rng.int(value.length))), label: 'truncated' };
    case 3:
      return {
        bytes: ascii(value + rng.string(rng.range(1, 4), B64_CHARS + ':=')),
        label: 'extended',
      };
    case 4: {
      // The payload changed, timestamp and signature kept.
      const at = value.indexOf(':');
      return {
        bytes: ascii(`issued-${rng.int(1000)}${value.slice(at)}`),
        label: 'payload-swapped',
      };
    }
    case 5:
      return { bytes: ascii(signedLooking(rng)), label: 'signed-looking' };
    case 6:
      return { bytes: ascii(quoteEscaped(rng, value)), label: 'replay-escaped', issued: true };
    case 7:
      return { bytes: ascii(`${value}:${value}`), label: 'doubled', issued: true };
    default:
      return {
        bytes: ascii(rng.string(rng.range(0, 100), SPECIALS + B64_CHARS)),
        label: 'garbage',
      };
  }
}

/** A `csrftoken` value: the issued one, well-formed unknown ones, and malformed ones. */
function csrfValue(rng: Prng, ctx: FuzzContext): Value {
  switch (rng.int(6)) {
    case 0:
      return { bytes: ascii(ctx.csrf), label: 'issued' };
    case 1:
      return { bytes: ascii(rng.string(rng.pick([32, 64]), CSRF_CHARS)), label: 'well-formed' };
    case 2:
      return { bytes: ascii(rng.string(rng.range(0, 100), CSRF_CHARS)), label: 'wrong-length' };
    case 3:
      return { bytes: ascii(rng.string(32, CSRF_CHARS + '-_.!~')), label: 'bad-chars' };
    case 4:
      return { bytes: utf8(rng.string(32, 'aé日😀')), label: 'non-ascii' };
    default:
      return {
        bytes: wireBytes(rng, 32),
        label: 'bytes',
      };
  }
}

/** A cookie name: the usual, case and whitespace variants, odd characters. */
function fillerName(rng: Prng): Buffer {
  return rng.chance(0.7)
    ? ascii(rng.string(rng.range(1, 12), KEY_CHARS + 'ABC_-'))
    : ascii(
        rng.pick([
          '',
          ' ',
          '$Version',
          '$Path',
          'SESSIONID',
          'Sessionid',
          'session',
          'sessionid2',
          '__Host-sessionid',
          '__Secure-sessionid',
          'a b',
          '"sessionid"',
          '__proto__',
          'constructor',
          'csrftoken ',
          '=',
          ',',
        ]),
      );
}

/** Filler cookie pairs; some are not pairs at all. */
function filler(rng: Prng): Buffer {
  switch (rng.int(8)) {
    case 0:
      return ascii(rng.string(rng.range(1, 20), KEY_CHARS)); // no '=': the value of name ''
    case 1:
      return ascii(rng.pick(['=', '==', '=a', 'a==b', ' = ', '"', '\\', ';', ',', ' ']));
    case 2:
      return Buffer.concat([
        fillerName(rng),
        ascii('='),
        utf8(rng.string(rng.range(0, 20), 'é€😀ß')),
      ]);
    case 3:
      return Buffer.concat([fillerName(rng), ascii('='), wireBytes(rng, rng.range(1, 20))]);
    default:
      return Buffer.concat([
        fillerName(rng),
        ascii('='),
        ascii(rng.string(rng.range(0, 40), KEY_CHARS + CSRF_CHARS + SPECIALS)),
      ]);
  }
}

/** The Cookie header's name as clients spell it (node:http lower-cases names). */
function cookieName(rng: Prng): string {
  return rng.chance(0.9)
    ? 'Cookie: '
    : rng.pick(['cookie: ', 'COOKIE: ', 'CoOkIe:', 'Cookie:\t', 'Cookie:   ']);
}

const SEPARATORS = ['; ', ';', ' ; ', ';;', '; ;', ';\t', ', ', ' '];

/** Builds request `index` for `ctx` from the run's `seed`. */
export function fuzzRequest(seed: number, ctx: FuzzContext, index: number): FuzzRequest {
  const rng = Prng.for(seed, `cookies/${ctx.engine}`, index);
  const signedEngine = ctx.engine === 'signed_cookies';
  const labels: string[] = [];
  let mayAdoptSession = false;
  let mayAdoptSigned = false;
  const pairs: Buffer[] = [];
  const control = rng.chance(0.03);

  const route = rng.pick([
    ...Array<['GET' | 'POST', string]>(9).fill(['GET', '/hits/']),
    ...Array<['GET' | 'POST', string]>(4).fill(['GET', '/peek/']),
    ...Array<['GET' | 'POST', string]>(3).fill(['GET', '/signed/']),
    ['GET', '/csrf/'],
    ['GET', '/csrf/'],
    ['POST', '/hits/'],
    ['GET', '/nowhere/'],
  ] as const);
  const [method, path] = route;

  if (control) {
    // The positive control: a clean replay of everything the server issued.
    labels.push('control');
    mayAdoptSession = mayAdoptSigned = true;
    pairs.push(ascii(`sessionid=${rng.pick(ctx.sessions)}`));
    pairs.push(ascii(`sig=${rng.pick(ctx.signed).value}`));
    pairs.push(ascii(`csrftoken=${ctx.csrf}`));
  } else {
    const many = rng.chance(0.05);
    const fillers = many ? rng.range(50, 700) : rng.chance(0.5) ? rng.range(0, 6) : 0;
    // The session cookie, sometimes several times (the last one wins in Django).
    const sessionCount = rng.chance(0.08) ? 0 : rng.chance(0.1) ? rng.range(2, 5) : 1;
    const named: Buffer[] = [];
    for (let i = 0; i < sessionCount; i++) {
      const v = sessionValue(rng, ctx, signedEngine);
      labels.push(`session:${v.label}`);
      // A splice or a one-character change can land on an issued value by chance.
      if (v.issued || ctx.sessions.includes(v.bytes.toString('latin1'))) mayAdoptSession = true;
      const name = rng.chance(0.9)
        ? 'sessionid'
        : rng.pick([' sessionid', 'sessionid ', '\tsessionid']);
      named.push(Buffer.concat([ascii(name + (rng.chance(0.9) ? '=' : ' = ')), v.bytes]));
    }
    if (rng.chance(0.35)) {
      const v = sigValue(rng, ctx);
      labels.push(`sig:${v.label}`);
      if (v.issued || ctx.signed.some((s) => s.value === v.bytes.toString('latin1'))) {
        mayAdoptSigned = true;
      }
      named.push(Buffer.concat([ascii('sig='), v.bytes]));
    }
    if (rng.chance(0.3)) {
      const v = csrfValue(rng, ctx);
      labels.push(`csrf:${v.label}`);
      named.push(Buffer.concat([ascii('csrftoken='), v.bytes]));
    }
    if (fillers > 0) labels.push(many ? `many:${fillers}` : `filler:${fillers}`);
    for (let i = 0; i < fillers; i++) pairs.push(filler(rng));
    // The named cookies at random places among the fillers.
    for (const pair of named) pairs.splice(rng.int(pairs.length + 1), 0, pair);
  }

  // Join with odd separators; sometimes over several Cookie lines (node joins them with '; ').
  const lines: Buffer[] = [];
  const lineCount = !control && rng.chance(0.1) ? rng.range(2, 4) : 1;
  const perLine = Math.ceil(pairs.length / lineCount) || 1;
  for (let start = 0; start < Math.max(pairs.length, 1); start += perLine) {
    const chunk = pairs.slice(start, start + perLine);
    const parts: Buffer[] = [];
    chunk.forEach((pair, i) => {
      if (i > 0) parts.push(ascii(control ? '; ' : rng.pick(SEPARATORS)));
      parts.push(pair);
    });
    if (!control && rng.chance(0.05)) parts.push(ascii(rng.pick([';', '; ', ' ', ';;;'])));
    lines.push(Buffer.concat(parts));
  }
  const cookieBytes = lines.reduce((n, l) => n + l.length, 0);
  const head = [
    ascii(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`),
    ...lines.map((l) =>
      Buffer.concat([ascii(control ? 'Cookie: ' : cookieName(rng)), l, ascii('\r\n')]),
    ),
    ...(!control && rng.chance(0.03)
      ? [ascii(`Cookie2: sessionid=${rng.pick(ctx.sessions)}\r\n`)]
      : []),
    ascii(method === 'POST' ? 'Content-Length: 0\r\n\r\n' : '\r\n'),
  ];
  return {
    index,
    kind: labels.join('+') || 'no-cookies',
    method,
    path,
    bytes: Buffer.concat(head),
    cookieBytes,
    mayAdoptSession,
    mayAdoptSigned,
    control,
  };
}
