/**
 * Level tags (Django's `django.contrib.messages.utils.get_level_tags`): the default tags with
 * the `MESSAGE_TAGS` setting merged over them.
 */
import { getSettings, isConfigured } from '../conf/current.js';
import type { Settings } from '../conf/settings.js';
import { DEFAULT_TAGS } from './constants.js';

/** Merged tags per settings object: settings are frozen, so a new object means new tags. */
const cache = new WeakMap<object, Readonly<Record<number, string>>>();
const DEFAULTS_ONLY: Readonly<Record<number, string>> = Object.freeze({ ...DEFAULT_TAGS });

/**
 * The tag of every level: `DEFAULT_TAGS` with `MESSAGE_TAGS` merged over it (a level mapped to
 * `''` has no tag). Read lazily from the configured settings, as Django's `LEVEL_TAGS`, and
 * computed once per settings object.
 *
 * @example
 * getLevelTags()[25]; // 'success'
 */
export function getLevelTags(settings?: Readonly<Settings>): Readonly<Record<number, string>> {
  const current = settings ?? (isConfigured() ? getSettings() : undefined);
  const custom = current?.MESSAGE_TAGS;
  if (current === undefined || custom === undefined) return DEFAULTS_ONLY;
  let tags = cache.get(current);
  if (tags === undefined) {
    tags = Object.freeze({ ...DEFAULT_TAGS, ...custom });
    cache.set(current, tags);
  }
  return tags;
}
