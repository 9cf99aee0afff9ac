/**
 * `MessageMiddleware` (Django's `django.contrib.messages.middleware.MessageMiddleware`).
 */
import { ImproperlyConfigured } from '../conf/errors.js';
import type { Settings } from '../conf/settings.js';
import { importString } from '../core/import-string.js';
import type { MiddlewareFactory } from '../middleware/types.js';
import { getMessageStorage, setMessageStorage } from './api.js';
import { BaseStorage, type MessageStorageClass } from './storage/base.js';

/**
 * The `MESSAGE_STORAGE` class: a dotted path (`'tango.messages.storage.cookie.CookieStorage'`,
 * `'./app/storage.ts#MyStorage'`) imported once, or the class itself.
 *
 * @example
 * const Storage = await resolveMessageStorage(settings);
 */
export async function resolveMessageStorage(
  settings: Readonly<Settings>,
): Promise<MessageStorageClass> {
  const entry = settings.MESSAGE_STORAGE;
  const resolved =
    typeof entry === 'string'
      ? await importString(entry, 'MESSAGE_STORAGE', settings.BASE_DIR)
      : entry;
  if (typeof resolved !== 'function' || !(resolved.prototype instanceof BaseStorage)) {
    throw new ImproperlyConfigured(
      `The MESSAGE_STORAGE setting ${typeof entry === 'string' ? `'${entry}'` : 'value'} is not a message storage class (a subclass of BaseStorage from 'tango/messages').`,
    );
  }
  return resolved as MessageStorageClass;
}

/**
 * Django's `MessageMiddleware`: gives each request a `MESSAGE_STORAGE` storage (what
 * `messages.info()` and friends add to and `getMessages()` returns) and, after the view,
 * stores the messages nobody read for the next response. Place it after
 * `SessionMiddleware` (Django's order: Security, Session, Common, Csrf, Auth, Messages,
 * XFrameOptions). With `DEBUG`, messages that no storage could keep are an error
 * ("Not all temporary messages could be stored.").
 *
 * @example
 * MIDDLEWARE: [..., 'tango.sessions.middleware.SessionMiddleware', ..., 'tango.messages.middleware.MessageMiddleware']
 */
export const MessageMiddleware: MiddlewareFactory = async function MessageMiddleware(
  getResponse,
  settings,
) {
  const Storage = await resolveMessageStorage(settings);
  const debug = settings.DEBUG;
  return async function messageMiddleware(request) {
    setMessageStorage(request, new Storage(request));
    const response = await getResponse(request);
    // A view may have replaced or removed the storage: update the one the request carries now.
    const storage = getMessageStorage(request);
    if (storage !== undefined) {
      const unstored = storage.update(response);
      if (unstored.length > 0 && debug) {
        throw new Error('Not all temporary messages could be stored.');
      }
    }
    return response;
  };
};
