/**
 * `SessionStorage` (Django's `django/contrib/messages/storage/session.py`): the messages in the
 * session under `_messages`, as the string Django's `MessageEncoder` writes, so Django and Tango
 * sharing a session store also share its messages.
 */
import { ImproperlyConfigured } from '../../conf/errors.js';
import type { HttpRequest } from '../../http/request.js';
import type { HttpResponse } from '../../http/response.js';
import { BaseStorage, type LoadResult, type Message } from './base.js';
import { asMessageList, MessageDecodeError, messageEncoderEncode, NOT_FINISHED } from './cookie.js';
import { pythonJsonLoads } from '../../core/signing/index.js';

/**
 * Messages in the session (Django's `SessionStorage`): needs `SessionMiddleware` before
 * `MessageMiddleware` in `MIDDLEWARE`. It stores everything it is given, however large.
 *
 * @example
 * MESSAGE_STORAGE: 'tango.messages.storage.session.SessionStorage'
 */
export class SessionStorage extends BaseStorage {
  /** The session key holding the messages. */
  sessionKey = '_messages';

  constructor(request: HttpRequest) {
    if (!request.hasSession) {
      // Django's message, word for word.
      throw new ImproperlyConfigured(
        'The session-based temporary message storage requires session middleware to be installed, and come before the message middleware in the MIDDLEWARE list.',
      );
    }
    super(request);
  }

  override load(): LoadResult {
    return [this.deserializeMessages(this.request.session.get(this.sessionKey)), true];
  }

  override store(messages: Message[], _response?: HttpResponse): Message[] {
    if (messages.length > 0) {
      this.request.session.set(this.sessionKey, this.serializeMessages(messages));
    } else {
      this.request.session.pop(this.sessionKey, null);
    }
    return [];
  }

  /** Django's `serialize_messages`: `MessageEncoder().encode(messages)`. */
  serializeMessages(messages: readonly (Message | typeof NOT_FINISHED)[]): string {
    return messageEncoderEncode(messages);
  }

  /**
   * Django's `deserialize_messages`: the stored string decoded; `null` when the session holds
   * none. Data that does not decode into messages gives `[]` and marks the storage used, so the
   * next `update()` removes it.
   */
  deserializeMessages(data: unknown): Message[] | null {
    if (data === undefined || data === null) return null;
    if (typeof data === 'string') {
      if (data === '') return [];
      try {
        const messages = asMessageList(pythonJsonLoads(data));
        if (!messages.includes(NOT_FINISHED)) return messages as Message[];
      } catch (error) {
        if (!(error instanceof SyntaxError || error instanceof MessageDecodeError)) throw error;
      }
    }
    this.used = true;
    return [];
  }
}
