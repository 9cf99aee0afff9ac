/**
 * `tango/generator`: the pure core of `tango-admin startproject`/`startapp`, as a programmatic
 * API. It maps a template tree (a `Map` of relative paths to contents) and options to a file
 * tree, with no disk, clock or randomness, so a project can snapshot-test its own templates
 * (docs/generator.md). The only reader, `readTemplateTree`, is handed the file system.
 *
 * @example
 * import fs from 'node:fs/promises';
 * import { generateApp, readTemplateTree } from 'tango/generator';
 * const templates = await readTemplateTree('templates/blog-app', fs);
 * const tree = await generateApp(templates, { name: 'blog', format: true });
 * expect(tree.get('urls.ts')).toMatchSnapshot();
 */
export type { FileTree } from './file-tree.js';
export { byteLength, sortTree, textOf } from './file-tree.js';
export { FormatError, PRETTIER_OPTIONS, formatTree, parserFor } from './format.js';
export type { AppOptions, ProjectOptions } from './generate.js';
export { generateApp, generateProject } from './generate.js';
export type { JsonValue } from './json.js';
export { toJson } from './json.js';
export type { PlanFileJson, PlanJson, PlanRegistrationJson } from './plan.js';
export { PLAN_JSON_VERSION, digestTree, fileDigest } from './plan.js';
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
export type { TemplateFileSystem } from './template-files.js';
export { SKIPPED_TEMPLATE_NAMES, readTemplateTree } from './template-files.js';
export type { PackageManager } from './package-managers.js';
export { PACKAGE_MANAGERS, packageManagerFields } from './package-managers.js';
export type { ProjectSessionEngine } from './session-engines.js';
export {
  DEFAULT_SESSION_ENGINE,
  PROJECT_SESSION_ENGINES,
  sessionEnginesContext,
} from './session-engines.js';
export type { TemplateContext } from './render.js';
export {
  TEMPLATE_SUFFIX,
  TemplateRenderError,
  outputPath,
  renderTemplate,
  renderTree,
} from './render.js';
