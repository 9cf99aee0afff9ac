/** The request handler: `createApplication` and the exception-to-response boundary. */
export { createApplication, responseForException, type Application } from './base.js';
