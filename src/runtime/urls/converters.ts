import { ImproperlyConfigured } from '../conf/errors.js';

/**
 * A path converter, like Django's (https://docs.djangoproject.com/en/5.2/topics/http/urls/#registering-custom-path-converters):
 * `regex` is a regular-expression source (JavaScript syntax, no anchors) matched against one
 * path segment or more; `toJs` turns the matched text into the view's param and may throw to
 * say "no match" (Django's `ValueError` from `to_python`), so resolving tries the next pattern;
 * `toUrl` turns a value back into text for `reverse()` and may throw to reject the value.
 *
 * @example
 * const fourDigitYear: Converter = {
 *   regex: '[0-9]{4}',
 *   toJs: (value) => Number(value),
 *   toUrl: (value) => String(value).padStart(4, '0'),
 * };
 */
export interface Converter {
  readonly regex: string;
  toJs(value: string): unknown;
  toUrl(value: unknown): string;
}

/** Django's `StringConverter`: any non-empty text without `/`. */
const str: Converter = { regex: '[^/]+', toJs: (v) => v, toUrl: (v) => String(v) };

/** Django's `IntConverter`: zero or a positive integer, passed to the view as a number. */
const int: Converter = { regex: '[0-9]+', toJs: (v) => Number(v), toUrl: (v) => String(v) };

/** Django's `SlugConverter`: ASCII letters, digits, hyphens and underscores. */
const slug: Converter = { regex: '[-a-zA-Z0-9_]+', toJs: (v) => v, toUrl: (v) => String(v) };

/** Django's `UUIDConverter`: a lower-case formatted UUID, passed as a string. */
const uuid: Converter = {
  regex: '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
  toJs: (v) => v,
  toUrl: (v) => String(v),
};

/** Django's `PathConverter`: any non-empty text, `/` included. */
const pathConverter: Converter = { regex: '.+', toJs: (v) => v, toUrl: (v) => String(v) };

const registry = new Map<string, Converter>([
  ['str', str],
  ['int', int],
  ['slug', slug],
  ['uuid', uuid],
  ['path', pathConverter],
]);

/**
 * Registers a converter for use in `path()` routes as `<typeName:param>`, like Django's
 * `register_converter`. Register before the urlconf that uses it is imported. Replacing an
 * existing converter is refused (Django 5.1 deprecated it): routes already built would keep
 * the old one, which is never what was meant.
 *
 * @example
 * registerConverter({ regex: '[0-9]{4}', toJs: Number, toUrl: (v) => String(v) }, 'yyyy');
 * path('articles/<yyyy:year>/', views.yearArchive);
 */
export function registerConverter(converter: Converter, typeName: string): void {
  if (!typeName || /[\s<>:]/.test(typeName)) {
    throw new ImproperlyConfigured(
      `Converter name ${JSON.stringify(typeName)} is not valid: use letters, digits and '_'.`,
    );
  }
  if (registry.has(typeName)) {
    throw new ImproperlyConfigured(`Converter '${typeName}' is already registered.`);
  }
  if (
    typeof converter?.regex !== 'string' ||
    typeof converter.toJs !== 'function' ||
    typeof converter.toUrl !== 'function'
  ) {
    throw new ImproperlyConfigured(
      `Converter '${typeName}' must have a string regex and toJs/toUrl functions.`,
    );
  }
  try {
    new RegExp(converter.regex);
  } catch (error) {
    throw new ImproperlyConfigured(
      `Converter '${typeName}' has an invalid regex: ${(error as Error).message}`,
    );
  }
  registry.set(typeName, converter);
}

/** The converter registered under `typeName`, or undefined. */
export function getConverter(typeName: string): Converter | undefined {
  return registry.get(typeName);
}
