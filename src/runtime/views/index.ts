/**
 * The error views the handler answers with (Django's `django.views.defaults` and, with DEBUG,
 * `django.views.debug`).
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
