import type { HelperOptions, SafeString } from 'handlebars';
import Handlebars from './handlebars.js';
import type { HttpRequest } from '../http/request.js';
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

/** Returns the request's CSRF token, masked afresh (Django's `get_token`). */
export type CsrfTokenProvider = (request: HttpRequest) => string;

let csrfTokenProvider: CsrfTokenProvider | undefined;

/**
 * Installs what `{{csrf_token}}` and `{{csrf_input}}` call: `tango/middleware/csrf` passes its
 * `getToken` when it loads (this layer cannot import it). Until then both render as nothing,
 * like Django's `{% csrf_token %}` when no token was provided. Pass `undefined` to remove it.
 *
 * @example
 * setCsrfTokenProvider(getToken);
 */
export function setCsrfTokenProvider(provider: CsrfTokenProvider | undefined): void {
  csrfTokenProvider = provider;
}

/** One token per render, as Django's lazy `csrf_token` context value: keyed by the root context. */
const renderTokens = new WeakMap<object, string>();

/**
 * The token for the request being rendered, computed on first use only (Django's `csrf`
 * context processor is lazy too): a page that never writes it sets no CSRF cookie.
 */
function tokenFor(options: HelperOptions): string {
  const root = (options.data as { root?: { request?: HttpRequest } } | undefined)?.root;
  const request = root?.request;
  if (csrfTokenProvider === undefined || root === undefined || request === undefined) return '';
  let token = renderTokens.get(root);
  if (token === undefined) {
    token = csrfTokenProvider(request);
    renderTokens.set(root, token);
  }
  return token;
}

/** `{{csrf_token}}`: the masked CSRF token, for a header or a hand-written field. */
function csrfToken(options: HelperOptions): string {
  return tokenFor(options);
}

/**
 * `{{csrf_input}}`: the hidden form field, as Django's `{% csrf_token %}` writes it:
 * `<input type="hidden" name="csrfmiddlewaretoken" value="…">`.
 */
function csrfInput(options: HelperOptions): SafeString | string {
  const token = tokenFor(options);
  return token === ''
    ? ''
    : new Handlebars.SafeString(
        `<input type="hidden" name="csrfmiddlewaretoken" value="${token}">`,
      );
}

/** The helpers every `TemplateEngine` registers. */
export const BUILTIN_HELPERS = {
  url,
  json,
  eq,
  csrf_token: csrfToken,
  csrf_input: csrfInput,
} as const;
