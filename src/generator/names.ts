import { builtinModules } from 'node:module';

/** What is being named: Django's `app_or_project`. */
export type NameKind = 'project' | 'app';

/**
 * Words JavaScript reserves (ECMAScript 2024 §12.7.2, strict mode and module code, where
 * `await`, `yield`, `let`, `static` and the future reserved words are reserved too), plus
 * `arguments` and `eval`, which strict code cannot bind. Django 3.2 accepted Python keywords;
 * a JavaScript name that is used as an identifier (`webAppUrls` is derived from it, and
 * TypeScript code refers to the folder) is clearer when it is not a keyword.
 */
const RESERVED_WORDS = new Set(
  (
    'await break case catch class const continue debugger default delete do else enum export ' +
    'extends false finally for function if implements import in instanceof interface let new ' +
    'null package private protected public return static super switch this throw true try ' +
    'typeof var void while with yield arguments eval'
  ).split(' '),
);

/**
 * Module names a project or app folder must not take (Django refuses names that are
 * importable): Node's built-in modules, including the `node:`-only ones, and the packages a
 * generated project depends on or imports.
 */
const TAKEN_MODULE_NAMES = new Set([
  ...builtinModules,
  'test',
  'sqlite',
  'sea',
  'tango',
  'tsx',
  'typescript',
  'handlebars',
  'prettier',
  'yargs',
  'execa',
  'node_modules',
]);

/**
 * A JavaScript IdentifierName (ECMAScript §12.7): what Python's `str.isidentifier()` is to
 * Django. Non-ASCII letters are allowed, as in Django.
 */
const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u;

/**
 * Checks a project or app name (or, with `what = 'directory'`, the last segment of a startapp
 * target directory) the way Django's `TemplateCommand.validate_name` does, with JavaScript's
 * rules. Returns the error message, or `null` when the name is fine.
 *
 * @example
 * validateName('my-site', 'project');
 * // "'my-site' is not a valid project name. Please make sure the name is a valid identifier."
 * validateName('fs', 'app');
 * // "'fs' conflicts with the name of an existing module and cannot be used as an app name. Please try another name."
 * validateName('mysite', 'project'); // null
 */
export function validateName(
  name: string,
  kind: NameKind,
  what: 'name' | 'directory' = 'name',
): string | null {
  const an = kind === 'app' ? 'an' : 'a';
  if (!IDENTIFIER.test(name)) {
    return `'${name}' is not a valid ${kind} ${what}. Please make sure the ${what} is a valid identifier.`;
  }
  if (RESERVED_WORDS.has(name)) {
    return `'${name}' is a reserved word in JavaScript and cannot be used as ${an} ${kind} ${what}. Please try another ${what}.`;
  }
  if (TAKEN_MODULE_NAMES.has(name)) {
    return `'${name}' conflicts with the name of an existing module and cannot be used as ${an} ${kind} ${what}. Please try another ${what}.`;
  }
  return null;
}

/**
 * Thrown by `generateProject`/`generateApp` for a name `validateName` rejects.
 *
 * @example
 * try { await generateProject(tree, { name: 'my-site', ... }); } catch (e) { e instanceof InvalidNameError; }
 */
export class InvalidNameError extends Error {
  override name = 'InvalidNameError';
}

/**
 * The name with its first letter lower-cased: the stem of identifiers derived from it
 * (`WebApp` → `webApp`, so its urls are imported as `webAppUrls`).
 *
 * @example
 * lowerFirst('WebApp'); // 'webApp'
 */
export function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/**
 * Django's `camel_case_<kind>_name`: title-cased words with `_` removed
 * (`my_new_app` → `MyNewApp`).
 *
 * @example
 * camelCaseName('my_new_app'); // 'MyNewApp'
 */
export function camelCaseName(name: string): string {
  return name
    .split('_')
    .filter(Boolean)
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/**
 * A URL path segment for the name: kebab-case ASCII (`WebApp` → `web-app`,
 * `my_new_app` → `my-new-app`), `'app'` when nothing ASCII is left.
 *
 * @example
 * urlSlug('HTTPClient'); // 'http-client'
 */
export function urlSlug(name: string): string {
  const slug = name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug || 'app';
}

/**
 * The identifier the root urlconf imports an app's urls as: `WebApp` → `webAppUrls`.
 *
 * @example
 * appUrlsIdentifier('WebApp'); // 'webAppUrls'
 */
export function appUrlsIdentifier(appName: string): string {
  return lowerFirst(appName) + 'Urls';
}
