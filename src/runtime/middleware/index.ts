/**
 * `tango/middleware`: the middleware type and Django's built-in middleware.
 */
export type { MiddlewareFactory, GetResponse, Closable } from './types.js';
export { CommonMiddleware, AppendSlashError, noAppendSlash } from './common.js';
export { SecurityMiddleware } from './security.js';
export { XFrameOptionsMiddleware, exemptFromXFrameOptions } from './clickjacking.js';
export { patchVaryHeaders, hasVaryHeader } from './vary.js';
