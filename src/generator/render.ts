import { createRequire } from 'node:module';
import type HandlebarsModule from 'handlebars';
import type { FileTree } from './file-tree.js';
import { textOf } from './file-tree.js';

/** Values a template tree is rendered with: Handlebars variables and path slots. */
export type TemplateContext = Readonly<Record<string, unknown>>;

/**
 * Path segments renamed on output. npm never packs a file named `.gitignore` (it turns it into
 * `.npmignore` rules), so templates store it as `_gitignore`, as create-vite does.
 */
const RENAMED_SEGMENTS: Readonly<Record<string, string>> = {
  _gitignore: '.gitignore',
  _npmrc: '.npmrc',
};

/**
 * Path slots: a directory or file name containing the key is rewritten with the context
 * variable named by the value (Django renames `project_name`/`app_name` the same way).
 */
const PATH_SLOTS: Readonly<Record<string, string>> = {
  __projectName__: 'projectName',
  __appName__: 'appName',
};

/** The suffix of files rendered with Handlebars; it is stripped from the output name. */
export const TEMPLATE_SUFFIX = '.hbs';

/**
 * A template that failed to render: the message names the template file (and, for a Handlebars
 * error, the line and column), so a missing variable points straight at its source.
 *
 * @example
 * // TemplateRenderError: __projectName__/settings.ts.hbs: 3:14: "secretKey" is not defined
 */
export class TemplateRenderError extends Error {
  override name = 'TemplateRenderError';
  constructor(
    readonly templatePath: string,
    message: string,
  ) {
    super(`${templatePath}: ${message}`);
  }
}

/**
 * The output path of a template path: renamed segments, filled path slots, `.hbs` stripped.
 *
 * @example
 * outputPath('__projectName__/settings.ts.hbs', { projectName: 'mysite' }); // 'mysite/settings.ts'
 * outputPath('_gitignore', {}); // '.gitignore'
 */
export function outputPath(templatePath: string, context: TemplateContext): string {
  const segments = templatePath.split('/').map((segment) => {
    let out = RENAMED_SEGMENTS[segment] ?? segment;
    for (const [slot, variable] of Object.entries(PATH_SLOTS)) {
      if (!out.includes(slot)) continue;
      const value = context[variable];
      if (typeof value !== 'string') {
        throw new TemplateRenderError(
          templatePath,
          `path slot ${slot} needs the "${variable}" variable`,
        );
      }
      out = out.split(slot).join(value);
    }
    return out;
  });
  const last = segments.length - 1;
  if (segments[last]!.endsWith(TEMPLATE_SUFFIX) && segments[last] !== TEMPLATE_SUFFIX) {
    segments[last] = segments[last]!.slice(0, -TEMPLATE_SUFFIX.length);
  }
  return segments.join('/');
}

// Handlebars' own single-file build (same version, same compiler) rather than its `main`: the
// `main` entry requires ~40 CommonJS files plus the source-map library, which costs ~25 ms of
// tango-admin's ~200 ms start-up budget (measured with bench/startproject.mjs).
const Handlebars = createRequire(import.meta.url)(
  'handlebars/dist/handlebars.min.js',
) as typeof HandlebarsModule;

// One isolated Handlebars environment: user partials/helpers registered elsewhere never leak in.
const handlebars = Handlebars.create();

/** Continuation lines of a message, indented under its first line. */
function indentRest(message: string): string {
  return message.replace(/\n/g, '\n    ');
}

/** Line `line` of `source` under a `  3 | ` gutter, with a caret under `column` (both from 1). */
function excerpt(source: string, line: number, column?: number): string {
  const text = source.split(/\r?\n/)[line - 1];
  if (text === undefined) return '';
  const gutter = `    ${line} | `;
  const caret =
    column === undefined ? '' : `\n${' '.repeat(gutter.length - 2)}| ${' '.repeat(column - 1)}^`;
  return `\n${gutter}${text}${caret}`;
}

/**
 * A Handlebars error made readable, whole (a parse error spans several lines) and located:
 * `LINE:COLUMN: message` (columns from 1, as editors and `file:line:col` links count them;
 * Handlebars counts from 0) followed by the template's line with a caret, or for a parse
 * error `LINE: ` before the parser's own excerpt and expectations. The strict-mode message
 * `"x" not defined in [object Object] - 3:14` becomes `3:15: "x" is not defined`.
 */
function describeHandlebarsError(error: unknown, source: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const missing = /^"(.+)" not defined in .* - (\d+):(\d+)$/s.exec(message);
  if (missing) {
    const [line, column] = [Number(missing[2]), Number(missing[3]) + 1];
    return `${line}:${column}: "${missing[1]}" is not defined${excerpt(source, line, column)}`;
  }
  const parse = /^Parse error on line (\d+):/.exec(message);
  if (parse) return `${parse[1]}: ${indentRest(message)}`;
  const { lineNumber, column } = error as { lineNumber?: unknown; column?: unknown };
  if (typeof lineNumber === 'number') {
    const at = typeof column === 'number' ? column + 1 : undefined;
    const text = message.replace(/ - \d+:\d+$/, '');
    return `${lineNumber}${at === undefined ? '' : `:${at}`}: ${indentRest(text)}${excerpt(source, lineNumber, at)}`;
  }
  return indentRest(message);
}

/**
 * Renders one Handlebars template with `strict: true` (a missing variable is an error, never an
 * empty string) and `noEscape: true` (the output is code, not HTML).
 *
 * @example
 * renderTemplate('a.ts.hbs', "export const name = '{{name}}';\n", { name: 'x' });
 */
export function renderTemplate(
  templatePath: string,
  source: string,
  context: TemplateContext,
): string {
  try {
    const template = handlebars.compile(source, { strict: true, noEscape: true });
    return template(context);
  } catch (error) {
    throw new TemplateRenderError(templatePath, describeHandlebarsError(error, source));
  }
}

/**
 * Renders a whole template tree: `.hbs` files through Handlebars, everything else copied as is
 * (runtime templates such as `home.html` are Handlebars too, but rendered per request, not
 * here), and every path mapped by `outputPath`. Two templates that land on one output path
 * are an error.
 *
 * @example
 * renderTree(new Map([['__appName__/x.ts.hbs', 'export {};\n']]), { appName: 'blog' });
 * // Map { 'blog/x.ts' => 'export {};\n' }
 */
export function renderTree(templates: FileTree, context: TemplateContext): FileTree {
  const out: FileTree = new Map();
  const sources = new Map<string, string>();
  for (const [templatePath, content] of templates) {
    const target = outputPath(templatePath, context);
    const previous = sources.get(target);
    if (previous !== undefined) {
      throw new TemplateRenderError(templatePath, `renders to '${target}', as '${previous}' does`);
    }
    sources.set(target, templatePath);
    out.set(
      target,
      templatePath.endsWith(TEMPLATE_SUFFIX)
        ? renderTemplate(templatePath, textOf(content), context)
        : content,
    );
  }
  return out;
}
