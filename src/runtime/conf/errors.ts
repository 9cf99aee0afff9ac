/**
 * Raised when settings or project layout are wrong. Like Django's
 * `django.core.exceptions.ImproperlyConfigured`: a developer mistake, reported once at
 * start-up with a message that names the offending setting.
 *
 * @example
 * throw new ImproperlyConfigured("SESSION_ENGINE 'dbb' is not one of: db, file, ...");
 */
export class ImproperlyConfigured extends Error {
  override name = 'ImproperlyConfigured';
}
