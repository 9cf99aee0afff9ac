/**
 * `tango/middleware`: the middleware type and Django's built-in middleware.
 */
import type { BuiltinMiddleware } from '../conf/settings.js';
import type { MiddlewareFactory } from './types.js';

export type { MiddlewareFactory, GetResponse, Closable } from './types.js';
export { CommonMiddleware, AppendSlashError, noAppendSlash } from './common.js';
export { SecurityMiddleware } from './security.js';
export { XFrameOptionsMiddleware, exemptFromXFrameOptions } from './clickjacking.js';
export { patchVaryHeaders, hasVaryHeader } from './vary.js';

/**
 * The built-in middleware by their `MIDDLEWARE` dotted names, loaded on demand so an unused
 * one costs nothing.
 *
 * @example
 * const factory = await BUILTIN_MIDDLEWARE['tango.middleware.common.CommonMiddleware']!();
 */
export const BUILTIN_MIDDLEWARE: Readonly<Partial<Record<BuiltinMiddleware, () => Promise<MiddlewareFactory>>>> = {
  'tango.middleware.common.CommonMiddleware': async () => (await import('./common.js')).CommonMiddleware,
  'tango.middleware.security.SecurityMiddleware': async () => (await import('./security.js')).SecurityMiddleware,
  'tango.middleware.clickjacking.XFrameOptionsMiddleware': async () =>
    (await import('./clickjacking.js')).XFrameOptionsMiddleware,
};
