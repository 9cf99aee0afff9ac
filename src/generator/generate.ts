import type { FileTree } from './file-tree.js';
import { sortTree } from './file-tree.js';
import { formatTree } from './format.js';
import { toJson } from './json.js';
import {
  InvalidNameError,
  appUrlsIdentifier,
  camelCaseName,
  urlSlug,
  validateName,
} from './names.js';
import {
  manageCommand,
  manageScript,
  projectPackageJson,
  projectPrettierrc,
  projectTsconfig,
  type TypeScriptRunner,
} from './project-files.js';
import { renderTree } from './render.js';
import { sessionEnginesContext, type ProjectSessionEngine } from './session-engines.js';
import { packageManagerFields, type PackageManager } from './package-managers.js';

/** Options of `generateProject`. Every value that varies between runs is one of these. */
export interface ProjectOptions {
  /** The project name: its package name and the folder of settings.ts, urls.ts and views.ts. */
  name: string;
  /**
   * `SECRET_KEY` written into settings.ts (used when `TANGO_SECRET_KEY` is unset). The CLI
   * passes `'tango-insecure-'` + 50 characters from a CSPRNG; tests pass a constant.
   */
  secretKey: string;
  /** The `tango` dependency spec in package.json, e.g. `^0.1.0` or `file:vendor/tango-0.1.0.tgz`. */
  tangoSpec: string;
  /**
   * What runs the TypeScript: `'node'` (Node 22.18+ strips types itself) or `'tsx'` (Node
   * 20). It picks the npm scripts, `engines`, the `manage.ts` shebang and the commands the
   * README shows. The CLI passes what the Node running it supports. Default `'tsx'`.
   */
  runner?: TypeScriptRunner;
  /** Format every file with prettier after rendering. Default `false`. */
  format?: boolean;
  /** The project's `SESSION_ENGINE` (`PROJECT_SESSION_ENGINES`). Default `'db'`. */
  sessionEngine?: ProjectSessionEngine;
  /**
   * The package manager that installs the project: pnpm and bun get the package.json fields
   * that let its native addon build (`packageManagerFields`). Default `'npm'`.
   */
  packageManager?: PackageManager;
}

/** Options of `generateApp`. */
export interface AppOptions {
  /** The app name: its folder, its `INSTALLED_APPS` entry and its templates namespace. */
  name: string;
  /** The project the app is created in (template variable `projectName`). Default `''`. */
  projectName?: string;
  /** Format every file with prettier after rendering. Default `false`. */
  format?: boolean;
}

/** Characters a secret key may hold: it is written inside a single-quoted TypeScript string. */
const SECRET_KEY = /^[\x20-\x7e]+$/;

function checkName(name: string, kind: 'project' | 'app'): void {
  const problem = validateName(name, kind);
  if (problem) throw new InvalidNameError(problem);
}

/** package.json with the fields `pm` needs to run the approved install scripts. */
function withPackageManager<T extends { allowScripts: Record<string, boolean> }>(
  pkg: T,
  pm: PackageManager | undefined,
): T {
  return { ...pkg, ...packageManagerFields(pm, pkg.allowScripts) };
}

/**
 * Generates a project from a template tree (the CLI reads `templates/project/`): `.hbs` files
 * rendered with Handlebars (strict), path slots filled, and `package.json`, `tsconfig.json` and
 * `.prettierrc.json` built as objects unless the template tree provides them. Pure: no disk,
 * clock or randomness, so the same input always gives the same tree.
 *
 * Template variables: `projectName`, `camelCaseProjectName`, `secretKey`, `tangoSpec`,
 * `runner` (`node` or `tsx`), `nativeTypeScript` (runner is `node`), `manage` (`node manage.ts`
 * or `npx tsx manage.ts`, by hand), `manageScript` (what the npm scripts run: `node manage.ts`
 * or `node --import tango/register manage.ts`), `shebang` (the interpreter line of manage.ts)
 * and `sessionEngines` (each `SESSION_ENGINE` with its `description`, the chosen one
 * `selected`).
 *
 * @example
 * const tree = await generateProject(templates, {
 *   name: 'mysite',
 *   secretKey: 'tango-insecure-' + 'x'.repeat(50),
 *   tangoSpec: 'file:/src/tango',
 * });
 * tree.get('mysite/settings.ts'); // "import path from 'node:path'; ..."
 */
export async function generateProject(
  templates: FileTree,
  options: ProjectOptions,
): Promise<FileTree> {
  checkName(options.name, 'project');
  if (!SECRET_KEY.test(options.secretKey) || /['\\]/.test(options.secretKey)) {
    throw new TypeError(
      "option secretKey is invalid: use printable ASCII without ' or \\ (it is written into a string literal)",
    );
  }
  const runner = options.runner ?? 'tsx';
  if (runner !== 'node' && runner !== 'tsx') {
    throw new TypeError(`option runner is invalid: ${String(runner)} (use 'node' or 'tsx')`);
  }
  const context = {
    projectName: options.name,
    camelCaseProjectName: camelCaseName(options.name),
    secretKey: options.secretKey,
    tangoSpec: options.tangoSpec,
    runner,
    nativeTypeScript: runner === 'node',
    manage: manageCommand(runner),
    manageScript: manageScript(runner),
    shebang: runner === 'node' ? '#!/usr/bin/env node' : '#!/usr/bin/env -S npx tsx',
    sessionEngines: sessionEnginesContext(options.sessionEngine),
  };
  const tree = renderTree(templates, context);
  const built: Record<string, string> = {
    'package.json': toJson(
      withPackageManager(
        projectPackageJson(options.name, options.tangoSpec, runner),
        options.packageManager,
      ),
    ),
    'tsconfig.json': toJson(projectTsconfig()),
    '.prettierrc.json': toJson(projectPrettierrc()),
  };
  for (const [filePath, content] of Object.entries(built)) {
    if (!tree.has(filePath)) tree.set(filePath, content);
  }
  return sortTree(options.format ? await formatTree(tree) : tree);
}

/**
 * Generates an app from a template tree (the CLI reads `templates/app/<kind>/` or the user's
 * `--template`). Paths in the result are relative to the app's folder; a template tree whose
 * every path starts with `__appName__/` is unwrapped first. Pure, like `generateProject`;
 * registering the app in the project is `registerApp`'s job.
 *
 * Template variables: `appName`, `camelCaseAppName`, `appSlug` (kebab-case, for URLs),
 * `appUrlsName` (the identifier the root urlconf imports the app's urls as), `projectName`.
 *
 * @example
 * const tree = await generateApp(templates, { name: 'WebApp', projectName: 'mysite' });
 * [...tree.keys()]; // ['apps.ts', 'migrations/.gitkeep', 'templates/WebApp/index.html', ...]
 */
export async function generateApp(templates: FileTree, options: AppOptions): Promise<FileTree> {
  checkName(options.name, 'app');
  const context = {
    appName: options.name,
    camelCaseAppName: camelCaseName(options.name),
    appSlug: urlSlug(options.name),
    appUrlsName: appUrlsIdentifier(options.name),
    projectName: options.projectName ?? '',
  };
  const tree = renderTree(appRooted(templates), context);
  return sortTree(options.format ? await formatTree(tree) : tree);
}

/** The folder slot an app template tree may be wrapped in. */
const APP_FOLDER = '__appName__/';

/**
 * App template trees come in two layouts: rooted in the app folder (`apps.ts.hbs`, as Django's
 * app_template), or wrapped in it (`__appName__/apps.ts.hbs`). The second is unwrapped, so
 * `generateApp` always returns paths relative to the app folder.
 */
function appRooted(templates: FileTree): FileTree {
  const paths = [...templates.keys()];
  if (paths.length === 0 || !paths.every((p) => p.startsWith(APP_FOLDER))) return templates;
  return new Map([...templates].map(([p, content]) => [p.slice(APP_FOLDER.length), content]));
}
