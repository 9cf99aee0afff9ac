/**
 * `tango/test`: testing tools, like `django.test`: an in-process `Client` with a cookie jar and
 * test settings (in-memory database, DEBUG off).
 */
export {
  Client,
  type ClientOptions,
  type RequestOptions,
  type BodyRequestOptions,
} from './client.js';
export { createTestApplication, sharedTestApplication, testSettings } from './environment.js';
