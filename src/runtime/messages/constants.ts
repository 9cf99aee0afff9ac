/**
 * Message levels and their default tags (Django's `django.contrib.messages.constants`). A level
 * is an integer: these five, or any other for a custom level (give it a tag with
 * `MESSAGE_TAGS`).
 */

/** Development-related messages, ignored in production (below the default `MESSAGE_LEVEL`). */
export const DEBUG = 10;
/** Informational messages for the user. */
export const INFO = 20;
/** An action was successful. */
export const SUCCESS = 25;
/** A failure did not occur but may be imminent. */
export const WARNING = 30;
/** An action was not successful or some other failure occurred. */
export const ERROR = 40;

/**
 * Each default level's tag (its CSS class in templates, `message.levelTag`).
 *
 * @example
 * DEFAULT_TAGS[SUCCESS]; // 'success'
 */
export const DEFAULT_TAGS: Readonly<Record<number, string>> = Object.freeze({
  [DEBUG]: 'debug',
  [INFO]: 'info',
  [SUCCESS]: 'success',
  [WARNING]: 'warning',
  [ERROR]: 'error',
});

/**
 * The default levels by name; templates see it as `DEFAULT_MESSAGE_LEVELS`, as Django's
 * `messages` context processor provides it.
 *
 * @example
 * // {{#if (eq level @root.DEFAULT_MESSAGE_LEVELS.ERROR)}}Important: {{/if}}
 */
export const DEFAULT_LEVELS = Object.freeze({
  DEBUG,
  INFO,
  SUCCESS,
  WARNING,
  ERROR,
} as const);
