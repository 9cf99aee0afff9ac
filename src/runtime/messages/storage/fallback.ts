/**
 * `FallbackStorage` (Django's `django/contrib/messages/storage/fallback.py`), the default
 * `MESSAGE_STORAGE`: the cookie first; what does not fit goes to the session.
 */
import type { HttpRequest } from '../../http/request.js';
import type { HttpResponse } from '../../http/response.js';
import { BaseStorage, type LoadResult, type Message, type MessageStorageClass } from './base.js';
import { CookieStorage } from './cookie.js';
import { SessionStorage } from './session.js';

/**
 * Tries each of `storageClasses` in turn (Django's `FallbackStorage`): reading stops at the
 * first storage that holds all its messages; storing gives each storage what the previous one
 * could not keep, and empties the storages that held messages and are no longer needed.
 *
 * @example
 * MESSAGE_STORAGE: 'tango.messages.storage.fallback.FallbackStorage' // the default
 */
export class FallbackStorage extends BaseStorage {
  /** The storages, in order: `CookieStorage`, then `SessionStorage`. */
  static storageClasses: readonly MessageStorageClass[] = [CookieStorage, SessionStorage];

  /** One instance of each of `storageClasses`, for this request. */
  readonly storages: BaseStorage[];
  readonly #usedStorages = new Set<BaseStorage>();

  constructor(request: HttpRequest) {
    super(request);
    const classes = (this.constructor as typeof FallbackStorage).storageClasses;
    this.storages = classes.map((StorageClass) => new StorageClass(request));
  }

  override load(): LoadResult {
    const all: Message[] = [];
    let allRetrieved = true;
    for (const storage of this.storages) {
      const [messages, done] = storage.load();
      allRetrieved = done;
      // A storage that was not used at all: no further storage holds anything either.
      if (messages === null) break;
      if (messages.length > 0) this.#usedStorages.add(storage);
      all.push(...messages);
      // This storage held all its messages: no need to look further.
      if (done) break;
    }
    return [all, allRetrieved];
  }

  override store(messages: Message[], response: HttpResponse): Message[] {
    let rest = messages;
    for (const storage of this.storages) {
      if (rest.length > 0) {
        rest = storage.store(rest, response, false);
      } else if (this.#usedStorages.has(storage)) {
        // Nothing left to store, but this storage held messages: empty it.
        storage.store([], response);
        this.#usedStorages.delete(storage);
      }
    }
    return rest;
  }
}
