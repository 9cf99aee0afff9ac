/**
 * No template by this name in any template directory, like Django's `TemplateDoesNotExist`.
 * The message lists every path tried, in order (Django's "Template-loader postmortem").
 *
 * @example
 * try { engine.render('missing.html'); } catch (e) { if (e instanceof TemplateDoesNotExist) console.log(e.tried); }
 */
export class TemplateDoesNotExist extends Error {
  override name = 'TemplateDoesNotExist';
  constructor(
    readonly templateName: string,
    /** Absolute paths tried, in lookup order. */
    readonly tried: readonly string[],
  ) {
    super(
      `${templateName}\nTemplate-loader postmortem:\n` +
        (tried.length === 0
          ? '  No template directories are configured (TEMPLATES DIRS, or APP_DIRS with an app that has a templates/ folder).'
          : tried.map((p) => `  ${p} (Source does not exist)`).join('\n')),
    );
  }
}

/**
 * A template does not parse, like Django's `TemplateSyntaxError`: the message names the file and
 * carries Handlebars' line and column.
 *
 * @example
 * // WebApp/hits.html: Parse error on line 3: ...
 */
export class TemplateSyntaxError extends Error {
  override name = 'TemplateSyntaxError';
  constructor(
    readonly templateName: string,
    readonly origin: string,
    message: string,
  ) {
    super(`${templateName} (${origin}): ${message}`);
  }
}
