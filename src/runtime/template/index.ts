/**
 * `tango/template`: Handlebars templates loaded like Django's `TEMPLATES` (`DIRS`, then each
 * installed app's `templates/`), rendered from memory.
 */
import { ImproperlyConfigured } from '../conf/errors.js';
import type { TemplateEngine } from './engine.js';

export { setContextProcessor, type ContextProcessor } from './context.js';
export { TemplateEngine, type TemplateEngineOptions } from './engine.js';
export { TemplateDoesNotExist, TemplateSyntaxError } from './errors.js';
export type { WatchMode } from './watch.js';

let current: TemplateEngine | undefined;

/**
 * Makes `engine` the one `render()` (tango/shortcuts) and the error pages use. The handler
 * calls it once at start-up; pass `undefined` to unset (tests).
 *
 * @example
 * configureTemplates(await TemplateEngine.create({ dirs, appDirs, debug: settings.DEBUG }));
 */
export function configureTemplates(engine: TemplateEngine | undefined): void {
  current = engine;
}

/** The configured engine; throws `ImproperlyConfigured` before `configureTemplates()`. */
export function getTemplateEngine(): TemplateEngine {
  if (!current) {
    throw new ImproperlyConfigured(
      'No template engine is configured: render() needs the TEMPLATES setting, set up at start-up (configureTemplates()).',
    );
  }
  return current;
}

/** The configured engine, or undefined: for code that has a fallback (the error pages). */
export function currentTemplateEngine(): TemplateEngine | undefined {
  return current;
}
