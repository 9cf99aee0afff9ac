/**
 * The messages API (Django's `django/contrib/messages/api.py`): `addMessage()` and its five
 * shortcuts, `getMessages()`, `getLevel()`, `setLevel()`. Loading this module also installs the
 * `messages` context processor, so every template rendered by `render()` can list them.
 */
import { getSettings, isConfigured } from '../conf/current.js';
import type { HttpRequest } from '../http/request.js';
import { setContextProcessor } from '../template/context.js';
import { DEBUG, DEFAULT_LEVELS, ERROR, INFO, SUCCESS, WARNING } from './constants.js';
import type { BaseStorage, Message, MessageText } from './storage/base.js';

/**
 * A message could not be added: `MessageMiddleware` is not installed (Django's
 * `MessageFailure`). Pass `failSilently: true` to ignore that instead.
 */
export class MessageFailure extends Error {
  override name = 'MessageFailure';
}

/** Options of `addMessage()` and the level shortcuts. */
export interface AddMessageOptions {
  /** More tags (CSS classes) for this message, space-separated. Default `''`. */
  extraTags?: string;
  /** Do nothing, rather than throw `MessageFailure`, when `MessageMiddleware` is not installed. Default false. */
  failSilently?: boolean;
}

/** Where `MessageMiddleware` keeps the request's storage (Django's `request._messages`). */
const STORAGE = Symbol.for('tango.messages.storage');

interface WithStorage {
  [STORAGE]?: BaseStorage;
}

/**
 * Attaches `storage` to `request` (what `MessageMiddleware` does first, Django's
 * `request._messages = storage`); `undefined` detaches it. For tests and custom middleware.
 *
 * @example
 * setMessageStorage(request, new CookieStorage(request));
 */
export function setMessageStorage(request: HttpRequest, storage: BaseStorage | undefined): void {
  (request as WithStorage)[STORAGE] = storage;
}

/** The storage `MessageMiddleware` attached to `request`, if any. */
export function getMessageStorage(request: HttpRequest): BaseStorage | undefined {
  return (request as WithStorage | null | undefined)?.[STORAGE];
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as { constructor?: { name?: string } }).constructor?.name ?? 'Object';
}

/**
 * Adds a message for the next page that lists them (Django's `add_message`). Levels below the
 * storage's level (`MESSAGE_LEVEL`, default `INFO`) and empty texts are dropped. Throws
 * `MessageFailure` when `MessageMiddleware` is not installed, unless `failSilently`; throws
 * `TypeError` when `request` is not a request.
 *
 * @example
 * addMessage(request, messages.INFO, 'Hello world.');
 * addMessage(request, 35, 'A custom level.', { extraTags: 'notice' });
 */
export function addMessage(
  request: HttpRequest,
  level: number,
  message: MessageText,
  options: AddMessageOptions = {},
): void {
  const storage = getMessageStorage(request);
  if (storage === undefined) {
    // Duck typing, as Django's `hasattr(request, "META")`: a wrapper around a request passes.
    if (request === null || typeof request !== 'object' || !('headers' in request)) {
      throw new TypeError(
        `addMessage() argument must be an HttpRequest object, not '${typeName(request)}'.`,
      );
    }
    if (!options.failSilently) {
      throw new MessageFailure(
        "You cannot add messages without installing 'tango.messages.middleware.MessageMiddleware' (in MIDDLEWARE, after SessionMiddleware).",
      );
    }
    return;
  }
  storage.add(level, message, options.extraTags ?? '');
}

/**
 * The request's messages (Django's `get_messages`): its storage, to iterate once (which marks
 * them shown), or `[]` without `MessageMiddleware`.
 *
 * @example
 * for (const message of getMessages(request)) console.log(message.levelTag, String(message));
 */
export function getMessages(request: HttpRequest): BaseStorage | readonly Message[] {
  return getMessageStorage(request) ?? [];
}

/**
 * The lowest level recorded for this request (Django's `get_level`): the storage's, else the
 * `MESSAGE_LEVEL` setting.
 *
 * @example
 * getLevel(request); // 20 (INFO)
 */
export function getLevel(request: HttpRequest): number {
  const storage = getMessageStorage(request);
  if (storage !== undefined) return storage.level;
  const settings = request?.settings ?? (isConfigured() ? getSettings() : undefined);
  return settings?.MESSAGE_LEVEL ?? INFO;
}

/**
 * Sets the lowest level recorded for this request (Django's `set_level`); `null` goes back to
 * `MESSAGE_LEVEL`. Returns false, changing nothing, without `MessageMiddleware`.
 *
 * @example
 * setLevel(request, messages.DEBUG); // also record debug messages on this request
 */
export function setLevel(request: HttpRequest, level: number | null): boolean {
  const storage = getMessageStorage(request);
  if (storage === undefined) return false;
  storage.level = level;
  return true;
}

/** Adds a `DEBUG` message (recorded only when `MESSAGE_LEVEL` is `DEBUG` or lower). */
export function debug(request: HttpRequest, message: MessageText, options?: AddMessageOptions) {
  addMessage(request, DEBUG, message, options);
}

/**
 * Adds an `INFO` message.
 *
 * @example
 * messages.info(request, 'Three credits remain in your account.');
 */
export function info(request: HttpRequest, message: MessageText, options?: AddMessageOptions) {
  addMessage(request, INFO, message, options);
}

/**
 * Adds a `SUCCESS` message.
 *
 * @example
 * messages.success(request, 'Profile details updated.');
 */
export function success(request: HttpRequest, message: MessageText, options?: AddMessageOptions) {
  addMessage(request, SUCCESS, message, options);
}

/** Adds a `WARNING` message. */
export function warning(request: HttpRequest, message: MessageText, options?: AddMessageOptions) {
  addMessage(request, WARNING, message, options);
}

/**
 * Adds an `ERROR` message.
 *
 * @example
 * messages.error(request, 'Document deleted.', { extraTags: 'toast' });
 */
export function error(request: HttpRequest, message: MessageText, options?: AddMessageOptions) {
  addMessage(request, ERROR, message, options);
}

/**
 * Django's `messages` context processor: `messages` (the storage, read only when a template
 * iterates it or asks its `length`) and `DEFAULT_MESSAGE_LEVELS`.
 */
export function messagesContext(request: HttpRequest): Readonly<Record<string, unknown>> {
  return { messages: getMessages(request), DEFAULT_MESSAGE_LEVELS: DEFAULT_LEVELS };
}

setContextProcessor('tango.messages', messagesContext);
