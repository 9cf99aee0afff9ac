/**
 * `CookieStorage` (Django's `django/contrib/messages/storage/cookie.py`): the messages in a
 * signed, compressed cookie named `messages`, in Django's format, so a cookie written by
 * Django 5.2 shows in Tango and the reverse (same `SECRET_KEY`):
 *
 * - each message is the JSON array `["__json_message", safe, level, text, extraTags]` (`safe`
 *   is 1 for `SafeText`; `extraTags` is left out when `null`), Django's `MessageEncoder`;
 * - the list is Python's `json.dumps(..., separators=(',', ':'))` (ASCII-only), then signed by
 *   `getCookieSigner({ salt: 'django.contrib.messages' })` with `signObject(..., { compress:
 *   true })`: `[.]base64:timestamp:signature`;
 * - when the value would exceed `maxCookieSize` (2048) characters, messages are dropped (the
 *   oldest by default) and the list ends with `"__messagesnotfinished__"`; `update()` returns
 *   the dropped ones (`FallbackStorage` puts them in the session).
 */
import {
  BadSignature,
  getCookieSigner,
  pythonJsonDumps,
  pythonJsonLoads,
  type TimestampSigner,
} from '../../core/signing/index.js';
import type { HttpResponse } from '../../http/response.js';
import { BaseStorage, isSafeText, type LoadResult, markSafe, Message } from './base.js';

/** Django's `MessageEncoder.message_key`: the first item of an encoded message. */
export const MESSAGE_KEY = '__json_message';

/** Django's `CookieStorage.not_finished`: the last item of a list that was cut short. */
export const NOT_FINISHED = '__messagesnotfinished__';

/** Stored data that verified but is not a list of messages (it is ignored, like a bad signature). */
export class MessageDecodeError extends Error {
  override name = 'MessageDecodeError';
}

/**
 * One message as Django's `MessageEncoder.default` writes it:
 * `['__json_message', safe ? 1 : 0, level, text]`, plus `extraTags` unless it is `null`.
 *
 * @example
 * encodeMessage(new Message(INFO, 'Hi', '')); // ['__json_message', 0, 20, 'Hi', '']
 */
export function encodeMessage(message: Message): unknown[] {
  const encoded: unknown[] = [
    MESSAGE_KEY,
    isSafeText(message.message) ? 1 : 0,
    message.level,
    String(message.message),
  ];
  if (message.extraTags !== null && message.extraTags !== undefined)
    encoded.push(message.extraTags);
  return encoded;
}

/**
 * Django's `MessageEncoder` over any JSON value: every `Message`, however deeply nested in
 * arrays and plain objects, becomes its encoded array.
 */
export function encodeMessages(value: unknown): unknown {
  if (value instanceof Message) return encodeMessage(value);
  if (Array.isArray(value)) return value.map(encodeMessages);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, encodeMessages(v)]));
  if (value !== null && typeof value === 'object' && !isSafeText(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeMessages(v)]));
  }
  return isSafeText(value) ? String(value) : value;
}

/**
 * Django's `MessageDecoder.process_messages`: arrays starting with `'__json_message'` become
 * `Message`s (a truthy `safe` flag gives `SafeText`), other arrays and objects are walked. A
 * malformed message array throws `MessageDecodeError` (Django would fail with a 500).
 */
export function decodeMessages(value: unknown): unknown {
  if (Array.isArray(value) && value.length > 0) {
    if (value[0] === MESSAGE_KEY) return decodeMessage(value);
    return value.map(decodeMessages);
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeMessages(v)]));
  }
  return value;
}

function decodeMessage(value: unknown[]): Message {
  const [, safe, level, text, extraTags = null] = value;
  if (
    value.length < 4 ||
    value.length > 5 ||
    !Number.isInteger(level) ||
    typeof text !== 'string' ||
    (extraTags !== null && typeof extraTags !== 'string')
  ) {
    throw new MessageDecodeError(`Not a message: ${JSON.stringify(value).slice(0, 200)}`);
  }
  const truthy = safe !== 0 && safe !== false && safe !== null && safe !== '' && safe !== undefined;
  return new Message(level as number, truthy ? markSafe(text) : text, extraTags);
}

/**
 * Decoded stored data as a list of messages, optionally ending with `NOT_FINISHED`: anything
 * else is a `MessageDecodeError`.
 */
export function asMessageList(value: unknown): (Message | typeof NOT_FINISHED)[] {
  const decoded = decodeMessages(value);
  if (!Array.isArray(decoded)) throw new MessageDecodeError('Stored messages are not a list.');
  decoded.forEach((item, i) => {
    if (item instanceof Message) return;
    if (item === NOT_FINISHED && i === decoded.length - 1) return;
    throw new MessageDecodeError(`Stored item ${i} is not a message.`);
  });
  return decoded as (Message | typeof NOT_FINISHED)[];
}

/**
 * Django's `MessageEncoder().encode(value)`: Python's `json.dumps` with its default separators
 * (`', '` and `': '`), what `SessionStorage` keeps in the session.
 *
 * @example
 * messageEncoderEncode([new Message(INFO, 'Hi', '')]); // '[["__json_message", 0, 20, "Hi", ""]]'
 */
export function messageEncoderEncode(value: unknown): string {
  const compact = pythonJsonDumps(encodeMessages(value));
  // Outside strings, add the space Python's default separators put after ',' and ':'.
  let out = '';
  let inString = false;
  for (let i = 0; i < compact.length; i++) {
    const c = compact[i]!;
    out += c;
    if (inString) {
      if (c === '\\') out += compact[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === ',' || c === ':') out += ' ';
  }
  return out;
}

/**
 * Django's `json.loads(data, cls=MessageDecoder)`.
 *
 * @example
 * messageDecoderDecode('[["__json_message", 0, 20, "Hi"]]'); // [Message(level=20, message='Hi')]
 */
export function messageDecoderDecode(text: string): unknown {
  return decodeMessages(pythonJsonLoads(text));
}

/**
 * Django's `bisect_keep_left`: the index of the first element, from the start, such that
 * `fn(a.slice(0, i + 1))` holds (`a.length` when none does). `fn` must be monotonic.
 *
 * @example
 * bisectKeepLeft([1, 1, 1], (part) => sum(part) !== 2); // 2
 */
export function bisectKeepLeft<T>(a: readonly T[], fn: (part: T[]) => boolean): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (fn(a.slice(0, mid + 1))) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Django's `bisect_keep_right`: the index of the first element, from the end, such that
 * `fn(a.slice(i))` no longer holds; `a.slice(index)` is the longest tail that passes.
 *
 * @example
 * bisectKeepRight([1, 1, 1], (part) => sum(part) !== 2); // 1
 */
export function bisectKeepRight<T>(a: readonly T[], fn: (part: T[]) => boolean): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (fn(a.slice(mid))) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Messages in a signed cookie (Django's `CookieStorage`). The cookie is a browser-session
 * cookie with `SESSION_COOKIE_DOMAIN`, `SESSION_COOKIE_SECURE`, `SESSION_COOKIE_HTTPONLY` and
 * `SESSION_COOKIE_SAMESITE`, path `/`; it is deleted once its messages were shown. A cookie
 * that does not verify (tampered, another key) or does not decode is ignored and, once the
 * storage is iterated, replaced.
 *
 * @example
 * MESSAGE_STORAGE: 'tango.messages.storage.cookie.CookieStorage'
 */
export class CookieStorage extends BaseStorage {
  /** The cookie's name. */
  cookieName = 'messages';
  /**
   * Largest cookie value, in characters: half of the 4 KB that uwsgi's default configuration
   * allows for all headers (Django's #18781). 0 turns the limit off.
   */
  maxCookieSize = 2048;
  /** The signing salt, Django's `key_salt`. */
  keySalt = 'django.contrib.messages';

  /**
   * Django's `get_cookie_signer(salt=key_salt)`: a `TimestampSigner` keyed with
   * `'django.http.cookies' + SECRET_KEY` (and the fallbacks), cached per salt.
   */
  get signer(): TimestampSigner {
    return getCookieSigner({ salt: this.keySalt });
  }

  override load(): LoadResult {
    const messages = this.decode(this.request.cookies.get(this.cookieName));
    const allRetrieved = !(messages && messages.length > 0 && messages.at(-1) === NOT_FINISHED);
    if (messages && !allRetrieved) messages.pop();
    return [messages as Message[] | null, allRetrieved];
  }

  override store(messages: Message[], response: HttpResponse, removeOldest = true): Message[] {
    let unstored: Message[] = [];
    const parts = messages.map(encodeMessage);
    let encoded = this.#encodeParts(parts);
    if (this.maxCookieSize) {
      const tooLarge = (data: string | null): boolean =>
        data !== null && data.length > this.maxCookieSize;
      const cut = (some: unknown[]): string => this.#encodeParts([...some, NOT_FINISHED], true)!;
      if (tooLarge(encoded)) {
        if (removeOldest) {
          const index = bisectKeepRight(parts, (part) => tooLarge(cut(part)));
          unstored = messages.slice(0, index);
          encoded = cut(parts.slice(index));
        } else {
          const index = bisectKeepLeft(parts, (part) => tooLarge(cut(part)));
          unstored = messages.slice(index);
          encoded = cut(parts.slice(0, index));
        }
      }
    }
    this.#updateCookie(encoded, response);
    return unstored;
  }

  /**
   * The cookie value for `messages` (Django's `_encode`), or `null` for an empty list unless
   * `encodeEmpty`. `NOT_FINISHED` may end the list.
   */
  encode(messages: readonly (Message | typeof NOT_FINISHED)[], encodeEmpty = false): string | null {
    return this.#encodeParts(
      messages.map((m) => (m instanceof Message ? encodeMessage(m) : m)),
      encodeEmpty,
    );
  }

  /**
   * The messages in a cookie value (Django's `_decode`), ending with `NOT_FINISHED` if it was
   * cut short; `null` for no value. A value that does not verify or decode gives `null` and
   * marks the storage used, so the next `update()` replaces it.
   */
  decode(data: string | null | undefined): (Message | typeof NOT_FINISHED)[] | null {
    if (!data) return null;
    try {
      return asMessageList(this.signer.unsignObject(data));
    } catch (error) {
      if (!(error instanceof BadSignature || error instanceof MessageDecodeError)) throw error;
    }
    this.used = true;
    return null;
  }

  /** Django's `_encode_parts`: the signed, compressed JSON list of already-encoded parts. */
  #encodeParts(parts: readonly unknown[], encodeEmpty = false): string | null {
    if (parts.length === 0 && !encodeEmpty) return null;
    return this.signer.signObject(parts, { compress: true });
  }

  /** Sets the cookie, or deletes it when there is nothing to store (Django's `_update_cookie`). */
  #updateCookie(encoded: string | null, response: HttpResponse): void {
    const settings = this.settings;
    const sameSite = settings.SESSION_COOKIE_SAMESITE || null;
    if (encoded) {
      response.setCookie(this.cookieName, encoded, {
        domain: settings.SESSION_COOKIE_DOMAIN,
        secure: settings.SESSION_COOKIE_SECURE,
        httpOnly: settings.SESSION_COOKIE_HTTPONLY,
        sameSite,
      });
    } else {
      response.deleteCookie(this.cookieName, { domain: settings.SESSION_COOKIE_DOMAIN, sameSite });
    }
  }
}
