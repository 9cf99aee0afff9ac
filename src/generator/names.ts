import { builtinModules } from 'node:module';
import { repr } from '../common/text.js';

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
 * The properties every JavaScript object inherits (`constructor`, `toString`, `hasOwnProperty`,
 * `__proto__`, ...). An app label is a key wherever apps are looked up by label; in a plain
 * object these keys are already taken (`{}['constructor']` is `Object`), so an app named after
 * one of them would be found where there is none, or replace an object's prototype.
 */
const OBJECT_PROPERTY_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Tango's built-in apps, as `INSTALLED_APPS` names them: a copy of `BUILTIN_APPS` in
 * src/runtime/conf/settings.ts, which the generator cannot import (DESIGN.md §3);
 * test/generator/names.test.ts checks the two are equal. Their labels (`sessions`) are taken:
 * a project app with the same label makes every `manage.ts` command fail with "Application
 * labels aren't unique".
 */
export const BUILTIN_APP_NAMES: readonly string[] = [
  'tango.sessions',
  'tango.messages',
  'tango.auth',
  'tango.admin',
];

/**
 * The label of an `INSTALLED_APPS` entry, as the app registry derives it when the app sets
 * none: its last segment (`'tango.sessions'` → `sessions`, `'apps/blog'` → `blog`).
 *
 * @example
 * appLabel('apps/blog'); // 'blog'
 */
export function appLabel(installedName: string): string {
  return installedName.split(/[./]/).pop()!;
}

/** Built-in app names by label (`sessions` → `tango.sessions`). */
const BUILTIN_APP_LABELS = new Map(BUILTIN_APP_NAMES.map((name) => [appLabel(name), name]));

/**
 * A JavaScript IdentifierName (ECMAScript §12.7): what Python's `str.isidentifier()` is to
 * Django. Non-ASCII letters are allowed, as in Django.
 */
const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u;

/**
 * Checks a project or app name (or, with `what = 'directory'`, the last segment of a startapp
 * target directory) the way Django's `TemplateCommand.validate_name` does, with JavaScript's
 * rules. An app's name and folder also become its label (its `INSTALLED_APPS` entry's last
 * segment), so an app may not be named after a property of every object (`constructor`) or
 * after a built-in app's label (`sessions`). Returns the error message, or `null` when the name
 * is fine.
 *
 * @example
 * validateName('my-site', 'project');
 * // "'my-site' is not a valid project name. Please make sure the name is a valid identifier."
 * validateName('fs', 'app');
 * // "'fs' conflicts with the name of an existing module and cannot be used as an app name. Please try another name."
 * validateName('sessions', 'app');
 * // "'sessions' is the label of the built-in app 'tango.sessions' and cannot be used as an app name. Please try another name."
 * validateName('mysite', 'project'); // null
 */
export function validateName(
  name: string,
  kind: NameKind,
  what: 'name' | 'directory' = 'name',
): string | null {
  const an = kind === 'app' ? 'an' : 'a';
  if (!IDENTIFIER.test(name)) {
    // Quoted as Python's %r: an invalid name may hold a quote, a tab or a newline.
    return `${repr(name)} is not a valid ${kind} ${what}. Please make sure the ${what} is a valid identifier.`;
  }
  if (RESERVED_WORDS.has(name)) {
    return `'${name}' is a reserved word in JavaScript and cannot be used as ${an} ${kind} ${what}. Please try another ${what}.`;
  }
  if (TAKEN_MODULE_NAMES.has(name)) {
    return `'${name}' conflicts with the name of an existing module and cannot be used as ${an} ${kind} ${what}. Please try another ${what}.`;
  }
  if (kind === 'app' && OBJECT_PROPERTY_NAMES.has(name)) {
    return `'${name}' is a property of every JavaScript object and cannot be used as an app ${what}. Please try another ${what}.`;
  }
  const builtin = kind === 'app' ? BUILTIN_APP_LABELS.get(name) : undefined;
  if (builtin !== undefined) {
    return `'${name}' is the label of the built-in app '${builtin}' and cannot be used as an app ${what}. Please try another ${what}.`;
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
