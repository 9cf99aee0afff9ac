/**
 * Context processors (Django's `TEMPLATES[...]['OPTIONS']['context_processors']`): values every
 * template rendered for a request sees, such as `messages`. Apps of higher layers install theirs
 * when they load (`tango/messages` installs `messages` and `DEFAULT_MESSAGE_LEVELS`), so this
 * layer imports none of them, as `setCsrfTokenProvider` does for `{{csrf_input}}`.
 */
import type { HttpRequest } from '../http/request.js';

/**
 * Returns the values a template rendered for `request` sees. Keep it cheap and lazy: it runs
 * for every render, and a page that does not use a value must not pay for it (return an object
 * whose work happens when the template reads it, as the messages storage does).
 */
export type ContextProcessor = (request: HttpRequest) => Readonly<Record<string, unknown>>;

const processors = new Map<string, ContextProcessor>();

/**
 * Installs (or, with `undefined`, removes) the context processor called `name`. Installing a
 * name again replaces it.
 *
 * @example
 * setContextProcessor('tango.messages', (request) => ({ messages: getMessages(request) }));
 */
export function setContextProcessor(name: string, processor: ContextProcessor | undefined): void {
  if (processor === undefined) processors.delete(name);
  else processors.set(name, processor);
}

/**
 * What every context processor gives for `request`, merged in installation order into `values`
 * (a new object by default) and returned; `undefined` when none is installed. The view's own
 * context wins over these values (as in Django).
 */
export function processorContext(
  request: HttpRequest,
  values: Record<string, unknown> = {},
): Record<string, unknown> | undefined {
  if (processors.size === 0) return undefined;
  // Copied as property descriptors, so that a getter stays lazy (auth's `user` reads the
  // session only when a template renders it).
  for (const processor of processors.values())
    Object.defineProperties(values, Object.getOwnPropertyDescriptors(processor(request)));
  return values;
}
