/**
 * `tango/generator`: the pure core of `tango-admin startproject`/`startapp`, as a programmatic
 * API. It maps a template tree (a `Map` of relative paths to contents) and options to a file
 * tree, with no disk, clock or randomness, so a project can snapshot-test its own templates.
 *
 * @example
 * import { generateApp } from 'tango/generator';
 * const tree = await generateApp(templates, { name: 'blog' });
 * expect(tree.get('urls.ts')).toMatchSnapshot();
 */
export type { FileTree } from './file-tree.js';
export { byteLength, sortTree, textOf } from './file-tree.js';
export { FormatError, PRETTIER_OPTIONS, formatTree, parserFor } from './format.js';
export type { AppOptions, ProjectOptions } from './generate.js';
export { generateApp, generateProject } from './generate.js';
export type { JsonValue } from './json.js';
export { toJson } from './json.js';
export type { NameKind } from './names.js';
export {
  BUILTIN_APP_NAMES,
  InvalidNameError,
  appLabel,
  appUrlsIdentifier,
  camelCaseName,
  lowerFirst,
  urlSlug,
  validateName,
} from './names.js';
export type { TypeScriptRunner } from './project-files.js';
export {
  PROJECT_ALLOWED_SCRIPTS,
  PROJECT_DEV_DEPENDENCIES,
  PROJECT_NODE_ENGINES,
  manageCommand,
  projectPackageJson,
  projectPrettierrc,
  projectTsconfig,
} from './project-files.js';
export type {
  ManualAddition,
  RegisterAppOptions,
  RegisterAppResult,
  RegistrationEdit,
} from './register.js';
export { installedApps, registerApp, registrationLines } from './register.js';
export type { TemplateContext } from './render.js';
export {
  TEMPLATE_SUFFIX,
  TemplateRenderError,
  outputPath,
  renderTemplate,
  renderTree,
} from './render.js';
