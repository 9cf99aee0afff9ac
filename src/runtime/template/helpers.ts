import type { HelperOptions } from 'handlebars';
import { reverse } from '../urls/base.js';

/**
 * `{{url "name" id=3}}`: the URL of a named pattern, like Django's `{% url 'name' id=3 %}`.
 * Uses the project's urlconf (`setUrlconf()`); an unknown name throws `NoReverseMatch`.
 */
function url(name: unknown, options: HelperOptions): string {
  if (typeof name !== 'string') {
    throw new TypeError(`{{url}} needs a pattern name as its first argument, got ${typeof name}.`);
  }
  return reverse(name, options.hash as Record<string, unknown>);
}

/**
 * `{{json value}}`: the value as indented JSON, HTML-escaped like any `{{…}}` output; for
 * looking at a context while debugging (Django's `{{ value|pprint }}`).
 */
function json(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? '';
  } catch (error) {
    return `[not serializable: ${(error as Error).message}]`;
  }
}

/**
 * `{{#if (eq a b)}}` or `{{#eq a b}}…{{else}}…{{/eq}}`: strict equality, the comparison Handlebars
 * lacks (Django's `{% if a == b %}`).
 */
function eq(this: unknown, a: unknown, b: unknown, options: HelperOptions): unknown {
  const equal = a === b;
  if (typeof options?.fn === 'function') return equal ? options.fn(this) : options.inverse(this);
  return equal;
}

/** The helpers every `TemplateEngine` registers. */
export const BUILTIN_HELPERS = { url, json, eq } as const;
