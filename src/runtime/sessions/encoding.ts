/**
 * Django's session data encoding (`SessionBase.encode`/`decode`, Django 4.0+): the data is
 * serialized with `JSONSerializer` and signed with `django.core.signing.dumps` under the salt
 * `'django.contrib.sessions.SessionStore'`, zlib-compressed when that is shorter. Every
 * server-side engine stores this string, so a `django_session` row written by Django decodes
 * here and the reverse, given the same `SECRET_KEY`.
 *
 * See https://docs.djangoproject.com/en/stable/topics/http/sessions/#session-serialization
 */
import { getLogger } from '../core/log.js';
import { BadSignature, dumps, loads } from '../core/signing/index.js';
import { verifyRotating } from './rotation.js';
import type { SessionData } from './store.js';

/**
 * Django's `SessionBase.key_salt`: `'django.contrib.sessions.' + class __qualname__`, and the
 * class is always called `SessionStore`, so it is the same for db, cache, cached_db and file.
 *
 * @example
 * loads(row.session_data, { salt: SESSION_SALT }); // what decodeSessionData does
 */
export const SESSION_SALT = 'django.contrib.sessions.SessionStore';

/**
 * The logger Django's `decode` warns on when session data fails verification
 * (`django.security.SuspiciousSession` there). Only the logger keeps the name: a tampered
 * session is an empty session plus this warning, never an exception, so Tango has no
 * `SuspiciousSession` class.
 *
 * @example
 * securityLogger.warning('Session data corrupted');
 */
export const securityLogger = getLogger('tango.security.SuspiciousSession');

/**
 * The signing keys to use; both default to the configured settings (`tango/core/signing`).
 *
 * @example
 * const keys: SessionSigningKeys = { key: settings.SECRET_KEY, fallbackKeys: settings.SECRET_KEY_FALLBACKS };
 */
export interface SessionSigningKeys {
  /** `SECRET_KEY`. */
  key?: string;
  /** `SECRET_KEY_FALLBACKS`: older keys still accepted when decoding. */
  fallbackKeys?: readonly string[];
}

/**
 * Encodes session data as Django does: `signing.dumps(data, salt=SESSION_SALT, compress=True)`,
 * the keys in the `Map`'s order (a plain object is accepted too, in JavaScript's order).
 *
 * @example
 * encodeSessionData(new Map([['hit', 1]]), { key: settings.SECRET_KEY }); // 'eyJoaXQiOjF9:1xV1iJ:Tt...'
 */
export function encodeSessionData(
  data: SessionData | Readonly<Record<string, unknown>>,
  keys: SessionSigningKeys = {},
): string {
  // A Map subclass may have a toJSON() (a custom store's data, engines.ts) that would drop the
  // order; a plain Map is written in its insertion order.
  const value = data instanceof Map && data.constructor !== Map ? new Map(data) : data;
  return dumps(value, {
    key: keys.key,
    fallbackKeys: fallbacks(keys),
    salt: SESSION_SALT,
    compress: true,
  });
}

/**
 * Decodes what `encodeSessionData` (or Django) wrote, as a `Map` in the encoded key order
 * (Python's dict order; nested objects stay plain objects). Tampered or foreign-key data gives
 * `null` and a WARNING `Session data corrupted` on `tango.security.SuspiciousSession`, like
 * Django's `decode`; data that verifies but is not a JSON object gives `null` silently. Data
 * that verifies only under a `SECRET_KEY_FALLBACKS` key is marked (`openedWithFallbackKey`),
 * so the session is saved, re-encoded under `SECRET_KEY`, on the way out.
 *
 * @example
 * decodeSessionData(row.session_data, { key: settings.SECRET_KEY }); // Map { 'hit' => 1 }
 */
export function decodeSessionData(
  encoded: string,
  keys: SessionSigningKeys = {},
): SessionData | null {
  try {
    // ordered: a Map in the text's order, Python's dict order (integer-like keys included).
    const options = {
      key: keys.key,
      salt: SESSION_SALT,
      fallbackKeys: fallbacks(keys),
      ordered: true,
    };
    // SECRET_KEY alone first, so data that only a fallback opens is marked for re-encoding.
    const data = verifyRotating(
      () => loads(encoded, { ...options, fallbackKeys: [] }),
      () => loads(encoded, options),
    );
    return isSessionData(data) ? data : null;
  } catch (error) {
    if (error instanceof BadSignature) securityLogger.warning('Session data corrupted');
    // Anything else (bad base64, bad zlib, bad JSON behind a valid signature) is Django's
    // "ValueError ... just return an empty dictionary".
    return null;
  }
}

/** An explicit key without fallbacks means "no fallbacks", not the configured settings'. */
function fallbacks(keys: SessionSigningKeys): readonly string[] | undefined {
  return keys.fallbackKeys ?? (keys.key ? [] : undefined);
}

/**
 * True for session data: a `Map` (what `loads(..., { ordered: true })` gives for a JSON
 * object, in its key order). A plain object is not: convert it with `toSessionData`.
 *
 * @example
 * isSessionData(new Map([['hit', 1]])); // true
 * isSessionData({ hit: 1 }); // false
 */
export function isSessionData(value: unknown): value is SessionData {
  return value instanceof Map;
}

/**
 * Formats a date as Python's `datetime.isoformat()` of an aware UTC datetime
 * (`2026-11-22T08:00:00+00:00`, microseconds only when non-zero). Django 4.1+ stores a
 * datetime `set_expiry()` this way in `_session_expiry`, since JSON cannot hold dates, and
 * Python < 3.11 `fromisoformat` rejects JavaScript's trailing `Z`.
 *
 * @example
 * formatIsoDate(new Date(Date.UTC(2026, 10, 22, 8))); // '2026-11-22T08:00:00+00:00'
 */
export function formatIsoDate(date: Date): string {
  const time = date.getTime();
  if (!Number.isFinite(time)) throw new TypeError('setExpiry() got an invalid Date.');
  const iso = date.toISOString();
  if (iso.length !== 24)
    throw new TypeError(`setExpiry() got a Date outside years 0-9999: ${iso}.`);
  const ms = iso.slice(20, 23);
  return iso.slice(0, 19) + (ms === '000' ? '' : `.${ms}000`) + '+00:00';
}

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** 400 Gregorian years, in milliseconds: the calendar repeats exactly after them. */
const FOUR_CENTURIES = 146_097 * 86_400_000;

/**
 * Parses what Python's `datetime.fromisoformat` accepts for `_session_expiry` (and JavaScript's
 * `toISOString()`); a value without an offset is taken as UTC. Returns `null` for anything
 * else, including fields Python refuses (year 0, month 13, February 30, hour 24, an offset of
 * 24 hours or more).
 *
 * @example
 * parseIsoDate('2026-11-22T08:00:00.500000+01:00'); // Date 2026-11-22T07:00:00.500Z
 */
export function parseIsoDate(value: string): Date | null {
  const m = ISO_DATE.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const [year, month, day] = [Number(y), Number(mo), Number(d)];
  const [hour, minute, second] = [Number(h), Number(mi), Number(s ?? 0)];
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
    return null;
  // Date.UTC reads years 0-99 as 1900-1999: compute 400 years later and step back.
  const shift = year < 100 ? 400 : 0;
  const monthStart = Date.UTC(year + shift, month - 1, 1);
  if (day > (Date.UTC(year + shift, month, 1) - monthStart) / 86_400_000) return null;
  let time =
    Date.UTC(year + shift, month - 1, day, hour, minute, second) - (shift ? FOUR_CENTURIES : 0);
  if (frac) time += Math.floor(Number(frac.padEnd(6, '0')) / 1000);
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const [hours, minutes] = [Number(digits.slice(0, 2)), Number(digits.slice(2) || 0)];
    if (hours > 23 || minutes > 59) return null;
    time -= sign * (hours * 60 + minutes) * 60_000;
  }
  return Number.isFinite(time) ? new Date(time) : null;
}
