/**
 * `tango/shortcuts`: `render()` and `redirect()`, like `django.shortcuts`.
 */
import type { HttpRequest } from './http/request.js';
import {
  HttpResponse,
  HttpResponsePermanentRedirect,
  HttpResponseRedirect,
} from './http/response.js';
import { getTemplateEngine } from './template/index.js';
import { reverse } from './urls/base.js';
import { NoReverseMatch } from './urls/errors.js';

/** Options of `render()`. */
export interface RenderOptions {
  /** Default 200. */
  status?: number;
  /** Default `text/html; charset=utf-8`. */
  contentType?: string;
}

/**
 * Renders a template into an `HttpResponse`, like Django's `render()`. The template sees
 * `context` plus `request`. Synchronous: templates are already in memory.
 *
 * @example
 * export function hits(request: HttpRequest) {
 *   return render(request, 'WebApp/hits.html', { hit: 3 });
 * }
 */
export function render(
  request: HttpRequest,
  templateName: string,
  context: object = {},
  options: RenderOptions = {},
): HttpResponse {
  const content = getTemplateEngine().render(templateName, context, request);
  return new HttpResponse(content, {
    ...(options.status === undefined ? {} : { status: options.status }),
    ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
  });
}

/** Options of `redirect()`. */
export interface RedirectOptions {
  /** 301 instead of 302. */
  permanent?: boolean;
  /** Params for `reverse()` when `to` is a pattern name. */
  params?: Readonly<Record<string, unknown>>;
}

/**
 * Django's `resolve_url`: a pattern name is reversed; anything with a `/` is a URL already. A
 * name that does not reverse is an error unless it contains a `.` (a relative URL such as
 * `'page.html'`), as in Django.
 */
function resolveUrl(to: string, params: Readonly<Record<string, unknown>> | undefined): string {
  if (to.includes('/')) return to;
  try {
    return reverse(to, params);
  } catch (error) {
    if (error instanceof NoReverseMatch && to.includes('.')) return to;
    throw error;
  }
}

/**
 * A redirect to a URL or to a named pattern, like Django's `redirect()`: 302, or 301 with
 * `permanent`.
 *
 * @example
 * return redirect('/thanks/');
 * return redirect('shop:detail', { params: { id: 3 } });
 */
export function redirect(to: string, options: RedirectOptions = {}): HttpResponseRedirect {
  const url = resolveUrl(to, options.params);
  return options.permanent ? new HttpResponsePermanentRedirect(url) : new HttpResponseRedirect(url);
}
