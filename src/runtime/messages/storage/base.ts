/**
 * `Message` and `BaseStorage` (Django's `django/contrib/messages/storage/base.py`): a message
 * is a level, a text and optional extra tags; a storage holds the messages of one request,
 * loads the stored ones on first need and writes back what is left after the response.
 */
import { inspect } from 'node:util';
import { getSettings, isConfigured } from '../../conf/current.js';
import type { Settings } from '../../conf/settings.js';
import type { HttpRequest } from '../../http/request.js';
import type { HttpResponse } from '../../http/response.js';
import Handlebars from '../../template/handlebars.js';
import { INFO } from '../constants.js';
import { getLevelTags } from '../utils.js';

/**
 * HTML that is already safe to insert as it is: Handlebars' `SafeString`, Django's
 * `mark_safe()`. A message with such a text keeps it through the cookie and the session
 * (Django writes the flag too), and `{{message}}` inserts it unescaped.
 */
export interface SafeText {
  toHTML(): string;
  toString(): string;
}

/** A message's text: plain text (escaped in templates) or `SafeText`. */
export type MessageText = string | SafeText;

/** True for a `SafeText` (Handlebars' `SafeString` or anything with `toHTML()`). */
export function isSafeText(value: unknown): value is SafeText {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { toHTML?: unknown }).toHTML === 'function'
  );
}

/**
 * Marks `text` as safe HTML (Django's `mark_safe`): templates insert it without escaping.
 *
 * @example
 * messages.success(request, markSafe('Saved. <a href="/undo/">Undo</a>'));
 */
export function markSafe(text: string): SafeText {
  return new Handlebars.SafeString(text);
}

/**
 * Python's `int(level)` for a message level: an integer, a number (truncated) or a string of
 * digits. Anything else is a `TypeError` naming it.
 */
export function toLevel(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value) || 0;
  if (typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value.trim());
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw new TypeError(
    `A message level must be an integer, got ${typeof value === 'string' ? `'${value}'` : String(value)}.`,
  );
}

/** Python's `repr()` of a str, enough for `Message`'s repr. */
function pythonRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  return (
    quote + text.replace(/\\/g, '\\\\').replace(quote === "'" ? /'/g : /"/g, `\\${quote}`) + quote
  );
}

/**
 * One message (Django's `Message`): `level`, `message` (the text), `extraTags` (`null` for
 * none), and the derived `levelTag` (the level's tag from `MESSAGE_TAGS`) and `tags`
 * (`extraTags` then `levelTag`, space-separated: the CSS classes).
 *
 * In a template, inside `{{#each messages}}`: `{{message}}`, `{{tags}}`, `{{levelTag}}`,
 * `{{extraTags}}`, `{{level}}`; `{{this}}` is the text as well. `tags` and `levelTag` are own
 * properties (getters on the instance), as Handlebars reads no inherited property.
 *
 * Two messages are equal (`equals`) when their level and text are, as in Django.
 *
 * @example
 * const message = new Message(SUCCESS, 'Saved.', 'toast');
 * message.tags; // 'toast success'
 */
export class Message {
  level: number;
  message: MessageText;
  extraTags: string | null;
  /** `extraTags` and `levelTag`, the non-empty ones, space-separated. */
  declare readonly tags: string;
  /** The level's tag: `MESSAGE_TAGS` over the defaults (`'info'`, ...), `''` when none. */
  declare readonly levelTag: string;

  constructor(level: number | string, message: MessageText, extraTags: string | null = null) {
    this.level = toLevel(level);
    this.message = message;
    this.extraTags = extraTags;
    Object.defineProperties(this, {
      tags: { get: () => this.#tags(), enumerable: false, configurable: true },
      levelTag: { get: () => this.#levelTag(), enumerable: false, configurable: true },
    });
  }

  #levelTag(): string {
    return getLevelTags()[this.level] ?? '';
  }

  #tags(): string {
    return [this.extraTags, this.#levelTag()].filter((tag) => tag).join(' ');
  }

  /**
   * Readies the message for storage (Django's `_prepare`): the text becomes a string (a
   * `SafeText` stays safe) and `extraTags` a string unless `null`.
   */
  prepare(): void {
    if (!isSafeText(this.message)) this.message = String(this.message);
    this.extraTags = this.extraTags === null ? null : String(this.extraTags);
  }

  /** Django's `__eq__`: same level and same text (extra tags and safety are not compared). */
  equals(other: unknown): boolean {
    return (
      other instanceof Message &&
      this.level === other.level &&
      String(this.message) === String(other.message)
    );
  }

  /** The text (Django's `__str__`). */
  toString(): string {
    return String(this.message);
  }

  /**
   * How `{{this}}` renders the message: the text, escaped unless it is `SafeText` (Django's
   * `{{ message }}`).
   */
  toHTML(): string {
    return isSafeText(this.message)
      ? this.message.toHTML()
      : Handlebars.Utils.escapeExpression(String(this.message));
  }

  /** Django's `__repr__`: `Message(level=20, message='Saved.', extraTags='toast')`. */
  [inspect.custom](): string {
    const extra = this.extraTags ? `, extraTags=${pythonRepr(this.extraTags)}` : '';
    return `Message(level=${this.level}, message=${pythonRepr(String(this.message))}${extra})`;
  }
}

/** What `load()` returns: the stored messages (`null`: this storage was not used) and whether they are all there. */
export type LoadResult = [messages: Message[] | null, allRetrieved: boolean];

/** A storage class, as `MESSAGE_STORAGE` names it: constructed once per request. */
export type MessageStorageClass = new (request: HttpRequest) => BaseStorage;

/**
 * The base of every message storage (Django's `BaseStorage`). A subclass implements `load()`
 * (read the stored messages) and `store()` (write them into the response or the session).
 *
 * Per request: `add()` queues a message; iterating the storage (a template's
 * `{{#each messages}}`, `for (const m of getMessages(request))`) reads the stored messages
 * once, marks the storage `used` and moves the queued ones in; `update(response)` after the
 * view stores only what nobody read: the new messages if the storage was iterated, else the old
 * and the new ones together. `length` counts without marking anything used (Django's `len()`),
 * so `{{#if messages.length}}` is Django's `{% if messages %}`.
 *
 * @example
 * class MemoryStorage extends BaseStorage {
 *   load(): LoadResult { return [saved.get(key) ?? null, true]; }
 *   store(messages: Message[]): Message[] { saved.set(key, messages); return []; }
 * }
 */
export abstract class BaseStorage implements Iterable<Message> {
  readonly request: HttpRequest;
  /** Set once the messages were iterated: only messages added afterwards are stored again. */
  used = false;
  /** Set when `add()` queued a message. */
  addedNew = false;
  /**
   * The stored messages, loaded on first need (Django's `_loaded_data`); `undefined` until
   * then. Tests set it to skip `load()`.
   */
  loadedData: Message[] | undefined;
  /** Messages added during this request (Django's `_queued_messages`). */
  protected queuedMessages: Message[] = [];
  /** The loaded and the queued messages, counted without reading them as used (Django's `len()`). */
  declare readonly length: number;
  #level: number | undefined;

  constructor(request: HttpRequest) {
    this.request = request;
    // An own property, so `{{#if messages.length}}` reads it (Handlebars skips inherited ones).
    Object.defineProperty(this, 'length', {
      get: () => this.loadedMessages.length + this.queuedMessages.length,
      enumerable: false,
      configurable: true,
    });
  }

  /**
   * Reads the stored messages (Django's `_get`): `[messages, allRetrieved]`, `messages` being
   * `null` when this storage can tell it was not used at all, and `allRetrieved` false when
   * some messages that were meant for it live in another storage (`FallbackStorage`).
   */
  abstract load(): LoadResult;

  /**
   * Stores `messages` for the next response (Django's `_store`) and returns those that did not
   * fit. `removeOldest` (cookie storage) chooses which end to drop: the oldest when true, the
   * newest when false (what `FallbackStorage` passes, so they go on to the next storage).
   */
  abstract store(messages: Message[], response: HttpResponse, removeOldest?: boolean): Message[];

  /** The settings in force for this request. */
  protected get settings(): Readonly<Settings> {
    return this.request.settings ?? getSettings();
  }

  /** The stored messages, read on first use. */
  protected get loadedMessages(): Message[] {
    if (this.loadedData === undefined) {
      const [messages] = this.load();
      this.loadedData = messages ?? [];
    }
    return this.loadedData;
  }

  /** Iterates the stored then the added messages, and marks the storage used. */
  [Symbol.iterator](): Iterator<Message> {
    this.used = true;
    const loaded = this.loadedMessages;
    if (this.queuedMessages.length > 0) {
      loaded.push(...this.queuedMessages);
      this.queuedMessages = [];
    }
    return loaded[Symbol.iterator]();
  }

  /** Whether a message equal to `message` (same level and text) is loaded or queued. */
  includes(message: Message): boolean {
    return [...this.loadedMessages, ...this.queuedMessages].some((m) => m.equals(message));
  }

  /**
   * Queues a message (Django's `add`). Nothing happens for an empty text or a level below
   * `level`.
   *
   * @example
   * storage.add(INFO, 'Saved.', 'toast');
   */
  add(level: number | string, message: MessageText | null | undefined, extraTags = ''): void {
    if (message === null || message === undefined || String(message) === '') return;
    const value = toLevel(level);
    if (value < this.level) return;
    this.addedNew = true;
    this.queuedMessages.push(new Message(value, message, extraTags));
  }

  /**
   * Stores what is left for the next response (Django's `update`), returning the messages that
   * could not be stored. After an iteration only the messages added since are stored (the
   * others were shown); without one, the stored messages are kept together with the new.
   */
  update(response: HttpResponse): Message[] {
    this.prepareMessages(this.queuedMessages);
    if (this.used) return this.store(this.queuedMessages, response);
    if (this.addedNew)
      return this.store([...this.loadedMessages, ...this.queuedMessages], response);
    return [];
  }

  /** Readies messages for storage (Django's `_prepare_messages`). */
  protected prepareMessages(messages: readonly Message[]): void {
    for (const message of messages) message.prepare();
  }

  /**
   * The lowest level recorded: set on this storage, else the `MESSAGE_LEVEL` setting (Django's
   * default `INFO`). Setting `null` goes back to the setting.
   */
  get level(): number {
    if (this.#level === undefined) {
      const settings = this.request.settings ?? (isConfigured() ? getSettings() : undefined);
      return settings?.MESSAGE_LEVEL ?? INFO;
    }
    return this.#level;
  }

  set level(value: number | string | null | undefined) {
    this.#level = value === null || value === undefined ? undefined : toLevel(value);
  }

  /** `<CookieStorage: request=<HttpRequest: GET '/'>>` (Django's repr). */
  [inspect.custom](): string {
    return `<${this.constructor.name}: request=<HttpRequest: ${this.request.method} ${pythonRepr(this.request.path)}>>`;
  }
}
