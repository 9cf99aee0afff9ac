import { DEFAULTS, type Settings } from '../conf/settings.js';
import type { HttpRequest } from '../http/request.js';
import { HttpResponse } from '../http/response.js';
import { escapeHtml as e } from './html.js';

/**
 * What the DEBUG pages show in place of a secret: Django's `SafeExceptionReporterFilter`
 * `cleansed_substitute`.
 */
const CLEANSED = '********************';
/**
 * Names whose values are secrets: Django's `SafeExceptionReporterFilter.hidden_settings`,
 * matched anywhere in a setting's, header's, cookie's or form field's name, in any case.
 */
const HIDDEN_NAMES = /API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE/i; // Django 5.2's SafeExceptionReporterFilter.hidden_settings
/**
 * Headers hidden whatever their name says: the Cookie header (Django's `HTTP_COOKIE`; the
 * cookies are listed one by one, filtered) and credentials, which Django shows but we do not.
 */
const HIDDEN_HEADERS = new Set(['cookie', 'authorization', 'proxy-authorization']);
/** The password of a URL's userinfo (`postgres://user:password@host`, `redis://:pw@host`). */
const URL_PASSWORD = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#@:]*:)[^/?#@]*@/;

const STYLE = `
  html * { padding: 0; margin: 0; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #eee; color: #000; }
  body > header, body > main, body > footer { padding: 12px 24px; border-bottom: 1px solid #ccc; }
  body > header { background: #ffc; }
  body > main { background: #fff; }
  body > footer { background: #f6f6f6; color: #555; }
  h1 { font-weight: normal; margin-bottom: .4em; }
  h1 small { font-size: 60%; color: #666; }
  h2 { font-size: 1.1em; margin: 1em 0 .4em; }
  p { margin: .5em 0; }
  table { border: none; border-collapse: collapse; margin: .4em 0; }
  th, td { text-align: left; vertical-align: top; padding: 2px 12px 2px 0; }
  th { width: 12em; font-weight: normal; color: #666; }
  code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
  pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f8f8f8; border: 1px solid #ddd; padding: 8px 10px; margin: .4em 0; }
  pre.exception_value { font-size: 1.3em; background: transparent; border: 0; padding: 0; color: #575757; }
  ol { margin: .4em 0 .4em 2em; }
  li code { background: #f2f2f2; padding: 0 3px; }
  td code { white-space: pre-wrap; overflow-wrap: anywhere; }`;

function page(
  status: number,
  title: string,
  header: string,
  main: string,
  footer: string,
): HttpResponse {
  const html =
    `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
    `<meta name="robots" content="NONE,NOARCHIVE">\n<title>${e(title)}</title>\n<style>${STYLE}\n</style>\n</head>\n<body>\n` +
    `<header>\n${header}\n</header>\n<main>\n${main}\n</main>\n<footer>\n${footer}\n</footer>\n</body>\n</html>\n`;
  return new HttpResponse(html, { status });
}

function explanation(status: number): string {
  return (
    '<p>You’re seeing this error because you have <code>DEBUG: true</code> in your settings file. ' +
    `Change that to <code>false</code>, and Tango will display a standard ${status} page.</p>`
  );
}

function requestUrl(request: HttpRequest): string {
  try {
    return request.buildAbsoluteUri();
  } catch {
    return request.url; // the Host header itself may be what is wrong
  }
}

function rows(entries: [string, string][]): string {
  return `<table>\n${entries.map(([k, v]) => `<tr><th scope="row">${e(k)}</th><td>${v}</td></tr>`).join('\n')}\n</table>`;
}

function requestRows(request: HttpRequest): [string, string][] {
  return [
    ['Request Method:', e(request.method)],
    ['Request URL:', e(requestUrl(request))],
  ];
}

/**
 * Django's `technical_404_response`: for a path no pattern matched, the patterns tried in order;
 * for an `Http404` raised by a view, its message and the route that matched.
 */
export function technicalNotFound(
  request: HttpRequest,
  tried: readonly string[],
  error: unknown,
): HttpResponse {
  const raisedByView = request.resolverMatch !== undefined;
  const info = requestRows(request);
  if (raisedByView) {
    const { route, name } = request.resolverMatch!;
    info.push(['Raised by:', `<code>${e(route)}</code>${name ? ` [name='${e(name)}']` : ''}`]);
  }
  let main: string;
  if (!raisedByView && tried.length > 0) {
    main =
      `<p>Using the URLconf (<code>ROOT_URLCONF</code>), Tango tried these URL patterns, in this order:</p>\n<ol>\n` +
      tried.map((t) => `<li><code>${e(t)}</code></li>`).join('\n') +
      `\n</ol>\n<p>${request.path === '/' || request.path === '' ? 'The empty path' : `The current path, <code>${e(request.path.slice(1))}</code>,`} didn’t match any of these.</p>`;
  } else {
    const reason =
      error instanceof Error ? error.message : error === undefined ? '' : String(error);
    main = `<pre class="exception_value">${e(reason || 'Page not found')}</pre>`;
  }
  return page(
    404,
    `Page not found at ${request.path}`,
    `<h1>Page not found <small>(404)</small></h1>\n${rows(info)}`,
    main,
    explanation(404),
  );
}

function describeError(error: unknown): { type: string; message: string; stack: string } {
  if (error instanceof Error) {
    const stack = error.stack ?? `${error.name}: ${error.message}`;
    return { type: error.name || error.constructor.name, message: error.message, stack };
  }
  return {
    type: error === null ? 'null' : typeof error,
    message: String(error),
    stack: '(no stack: a non-Error value was thrown)',
  };
}

/** The value of a header, cookie or field named `name`, or the substitute if it is a secret. */
function shown(name: string, value: string, hidden: ReadonlySet<string> = new Set()): string {
  return hidden.has(name) || HIDDEN_NAMES.test(name) ? CLEANSED : value;
}

/**
 * The cookies whose values are hidden whatever their names: the session cookie (as Django's
 * `cleanse_setting`) and the CSRF cookie. `CSRF_COOKIE_NAME` is read defensively: a project
 * built before that setting existed, or a hand-made settings object, may lack it.
 */
function hiddenCookies(settings: Readonly<Settings> | undefined): Set<string> {
  const names = new Set([
    settings?.SESSION_COOKIE_NAME ?? DEFAULTS.SESSION_COOKIE_NAME,
    'csrftoken',
  ]);
  const csrf: unknown = (settings as { CSRF_COOKIE_NAME?: unknown } | undefined)?.CSRF_COOKIE_NAME;
  if (typeof csrf === 'string' && csrf) names.add(csrf);
  return names;
}

/** Marks a cleansed value, so that it prints without quotes. */
const CLEANSED_VALUE = Symbol('cleansed');

/**
 * Django's `cleanse_setting`: a value under a secret-looking key is replaced; objects and
 * arrays are cleansed key by key. Beyond Django, the password inside a URL (a PostgreSQL
 * `URL`, a Redis `LOCATION`) is hidden too.
 */
function cleanseSetting(key: string, value: unknown, depth = 0): unknown {
  if (HIDDEN_NAMES.test(key)) return CLEANSED_VALUE;
  if (typeof value === 'string') return value.replace(URL_PASSWORD, `$1${CLEANSED}@`);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => cleanseSetting('', item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, cleanseSetting(k, v, depth + 1)]),
  );
}

/** A cleansed setting as text: strings quoted, functions and classes by name, objects indented. */
function formatSetting(value: unknown, indent = ''): string {
  if (value === CLEANSED_VALUE) return CLEANSED;
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') {
    const kind = /^class\b/.test(Function.prototype.toString.call(value)) ? 'class' : 'function';
    return `[${kind} ${(value as { name?: string }).name || '(anonymous)'}]`;
  }
  if (value === null || typeof value !== 'object') return String(value);
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + formatSetting(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${k}: ${formatSetting(v, inner)}`).join(',\n')}\n${indent}}`;
}

/** Rows of name/value pairs, or a line saying there are none; `read` may throw (a 400's cause). */
function section(title: string, empty: string, read: () => [string, string][]): string {
  let entries: [string, string][];
  try {
    entries = read();
  } catch (error) {
    return `\n<h3>${e(title)}</h3>\n<p>Not shown: ${e(error instanceof Error ? error.message : String(error))}</p>`;
  }
  return (
    `\n<h3>${e(title)}</h3>\n` +
    (entries.length === 0
      ? `<p>${e(empty)}</p>`
      : rows(entries.map(([k, v]) => [k, `<code>${e(v)}</code>`])))
  );
}

/**
 * Django's technical 500 page, also used for 400, 403 and 503 in DEBUG: exception type and
 * message, the stack and its `cause` chain, the request's query, form data, cookies and
 * headers, and the settings. Secrets are replaced by `********************` as Django's
 * `SafeExceptionReporterFilter` does: values whose names match
 * `API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE`, the session and CSRF cookies, the Cookie and
 * Authorization headers, and passwords inside URLs in settings. Everything is HTML-escaped.
 */
export function technicalErrorPage(
  request: HttpRequest,
  status: number,
  title: string,
  error: unknown,
): HttpResponse {
  const { type, message, stack } = describeError(error);
  const info = [
    ...requestRows(request),
    ['Exception Type:', e(type)],
    ['Exception Value:', `<pre class="exception_value">${e(message)}</pre>`],
    ['Node.js Version:', e(process.version)],
    ['Server time:', e(new Date().toUTCString())],
  ] as [string, string][];
  let main = `<h2>Traceback</h2>\n<pre>${e(stack)}</pre>`;
  const seen = new Set<unknown>([error]);
  for (
    let cause = (error as { cause?: unknown } | null)?.cause;
    cause !== undefined && !seen.has(cause);

  ) {
    seen.add(cause);
    main += `\n<h2>Caused by</h2>\n<pre>${e(describeError(cause).stack)}</pre>`;
    cause = (cause as { cause?: unknown } | null)?.cause;
  }
  const settings = request.settings;
  const cookieNames = hiddenCookies(settings);
  main += '\n<h2>Request information</h2>';
  // Reading the query or the form may throw (too many fields: what this very page may report).
  main += section('Query parameters', 'No query data', () => [...request.query]);
  main += section('Form data', 'No form data', () =>
    [...request.form].map(([k, v]): [string, string] => [k, shown(k, v)]),
  );
  main += section('Cookies', 'No cookie data', () =>
    [...request.cookies].map(([k, v]): [string, string] => [k, shown(k, v, cookieNames)]),
  );
  main += section('Headers', 'No headers', () =>
    Object.entries(request.headers)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([k, v]): [string, string] => [k, shown(k, v, HIDDEN_HEADERS)]),
  );
  if (settings) {
    main +=
      '\n<h2>Settings</h2>\n' +
      rows(
        Object.keys(settings)
          .sort()
          .map((k) => [
            k,
            `<code>${e(formatSetting(cleanseSetting(k, settings[k as keyof Settings])))}</code>`,
          ]),
      );
  }
  return page(
    status,
    `${type} at ${request.path}`,
    `<h1>${e(type)} <small>(${e(title)}, ${status})</small></h1>\n<pre class="exception_value">${e(message)}</pre>\n${rows(info)}`,
    main,
    explanation(status),
  );
}

/** Django's `default_urlconf` page: DEBUG is on and the urlconf has no patterns yet. */
export function welcomePage(_request: HttpRequest): HttpResponse {
  return page(
    200,
    'The install worked successfully! Congratulations!',
    '<h1>The install worked successfully! Congratulations!</h1>',
    '<p>You are seeing this page because <code>DEBUG: true</code> is in your settings file and you have not configured any URLs.</p>\n' +
      '<p>Add <code>path()</code> entries to the module named by <code>ROOT_URLCONF</code>, or run <code>npx tango-admin startapp</code>.</p>',
    '<p>Tango: Django’s cookies and sessions, in TypeScript.</p>',
  );
}
