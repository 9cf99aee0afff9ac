import type { HttpResponse } from '../http/response.js';

/** Django's `cc_delim_re`: header lists are split on commas with optional whitespace. */
const DELIMITER = /\s*,\s*/;

function parseVary(value: string | undefined): string[] {
  // Lenient: empty items (`Vary: , Cookie`) are dropped rather than kept as Django does.
  return value === undefined ? [] : value.split(DELIMITER).filter((h) => h !== '');
}

/**
 * Adds header names to the response's `Vary`, like Django's `patch_vary_headers`: names already
 * present (compared case-insensitively) are not repeated, the existing order is kept and new
 * names are appended in the order given; if `*` ends up in the list the header is just `*`.
 *
 * @example
 * patchVaryHeaders(response, ['Cookie']); // Vary: Accept-Encoding, Cookie
 */
export function patchVaryHeaders(response: HttpResponse, newHeaders: readonly string[]): void {
  const vary = parseVary(response.headers.get('Vary'));
  const existing = new Set(vary.map((h) => h.toLowerCase()));
  for (const header of newHeaders) {
    if (!existing.has(header.toLowerCase())) vary.push(header);
  }
  response.headers.set('Vary', vary.includes('*') ? '*' : vary.join(', '));
}

/**
 * True when the response's `Vary` names `header` (case-insensitive), like Django's
 * `has_vary_header`.
 *
 * @example
 * hasVaryHeader(response, 'cookie');
 */
export function hasVaryHeader(response: HttpResponse, header: string): boolean {
  const wanted = header.toLowerCase();
  return parseVary(response.headers.get('Vary')).some((h) => h.toLowerCase() === wanted);
}
