/**
 * The error views the handler answers with (Django's `django.views.defaults` and, with DEBUG,
 * `django.views.debug`), and the opt-in health endpoint (`health()`).
 */
export {
  pageNotFound,
  serverError,
  badRequest,
  permissionDenied,
  serviceUnavailable,
  escapeHtml,
  type ErrorPageOptions,
  type PageNotFoundOptions,
} from './defaults.js';
export { health, type HealthCheckResult, type HealthOptions } from './health.js';
