/**
 * `tango/messages`: the messages framework (Django's `django.contrib.messages`), one-time
 * notifications shown on the next page, typically after a form's redirect.
 *
 * ```ts
 * import * as messages from 'tango/messages';
 * messages.success(request, 'Profile details updated.');
 * return redirect('profile');
 * ```
 *
 * ```handlebars
 * {{#if messages.length}}
 * <ul class="messages">
 *   {{#each messages}}<li class="{{tags}}">{{message}}</li>{{/each}}
 * </ul>
 * {{/if}}
 * ```
 *
 * Needs `'tango.messages'` in `INSTALLED_APPS` and `MessageMiddleware` in `MIDDLEWARE` (after
 * `SessionMiddleware`). Settings: `MESSAGE_LEVEL`, `MESSAGE_TAGS`, `MESSAGE_STORAGE`.
 *
 * See https://docs.djangoproject.com/en/5.2/ref/contrib/messages/
 */
export { DEBUG, DEFAULT_LEVELS, DEFAULT_TAGS, ERROR, INFO, SUCCESS, WARNING } from './constants.js';
export {
  addMessage,
  debug,
  error,
  getLevel,
  getMessages,
  getMessageStorage,
  info,
  MessageFailure,
  messagesContext,
  setLevel,
  setMessageStorage,
  success,
  warning,
  type AddMessageOptions,
} from './api.js';
export { MessageMiddleware, resolveMessageStorage } from './middleware.js';
export {
  BaseStorage,
  isSafeText,
  markSafe,
  Message,
  type LoadResult,
  type MessageStorageClass,
  type MessageText,
  type SafeText,
} from './storage/base.js';
export {
  bisectKeepLeft,
  bisectKeepRight,
  CookieStorage,
  decodeMessages,
  encodeMessage,
  encodeMessages,
  MESSAGE_KEY,
  MessageDecodeError,
  messageDecoderDecode,
  messageEncoderEncode,
  NOT_FINISHED,
} from './storage/cookie.js';
export { SessionStorage } from './storage/session.js';
export { FallbackStorage } from './storage/fallback.js';
export { getLevelTags } from './utils.js';
