import path from 'node:path';
import type { FileTree } from '../generator/index.js';
import { generateProject, textOf, validateName } from '../generator/index.js';
import type { ProjectSessionEngine } from '../generator/index.js';
import { repr } from '../common/text.js';
import { CommandError, UsageError } from './errors.js';
import { generateSafely } from './generate-safely.js';
import { installDependencies } from './install.js';
import type { CliIO } from './io.js';
import { displayPath } from './io.js';
import * as packageManager from './package-manager.js';
import { packageInfo } from './package-root.js';
import { treeFiles, findProject } from './find-project.js';
import { checkJsonFlag, checkPlan, printPlan, printPlanJson } from './plan-output.js';
import { readTemplateTree } from './read-tree.js';
import { runtimeDependency } from './runtime-dependency.js';
import { getRandomSecretKey } from './secret-key.js';
import { planStartapp, startapp } from './startapp.js';
import { typescriptRunner } from './typescript-runner.js';
import { commitPlan, planTree, targetKind, type WritePlan } from './write-tree.js';

/** Parsed `tango-admin startproject` arguments. */
export interface StartprojectArgs {
  name?: string;
  directory?: string;
  /** A project template directory instead of the built-in one. */
  template?: string;
  dryRun?: boolean;
  /** With `dryRun`: print the plan as JSON (`PlanJson`), the `--app` included. */
  json?: boolean;
  force?: boolean;
  /** `false` with `--no-install`. Default `true`. */
  install?: boolean;
  /**
   * The `tango` dependency spec. Default: `^<version>` when the CLI runs from an installed
   * package, the runtime packed into `vendor/` when it runs from a checkout
   * (`runtimeDependency`).
   */
  tango?: string;
  /** An app to create in the new project with the tutorial template (`--app WebApp`). */
  app?: string;
  /** Format the output with prettier (always done for `--template`). */
  format?: boolean;
  /** The project's `SESSION_ENGINE` (`--session-engine`). Default `'db'`. */
  sessionEngine?: string;
  /**
   * What installs the project and whose commands the next steps show (`--package-manager`).
   * Default: the one that launched the CLI (`npm_config_user_agent`), else npm.
   */
  packageManager?: string;
}

/**
 * `tango-admin startproject NAME [DIRECTORY]`, like `django-admin startproject`: writes the
 * project into `./NAME` (which must not exist) or into DIRECTORY (created when missing; its
 * files are never overwritten without `--force`), with `--app APP` also the tutorial app,
 * then installs the dependencies with the package manager (refused before anything is written
 * when it is not installed) and prints the next steps in its commands. Returns the exit code.
 *
 * @example
 * await startproject({ name: 'mysite', install: false }, { cwd, stdout, stderr });
 */
export async function startproject(args: StartprojectArgs, io: CliIO): Promise<number> {
  checkJsonFlag('startproject', args);
  const { name } = args;
  if (!name) throw new UsageError('startproject', 'You must provide a project name.');
  const problem = validateName(name, 'project');
  if (problem) throw new CommandError(problem);
  if (args.app !== undefined) {
    const appProblem = validateName(args.app, 'app');
    if (appProblem) throw new CommandError(appProblem);
  }
  const env = io.env ?? process.env;
  const pm = (args.packageManager ??
    packageManager.detectPackageManager(env)) as packageManager.PackageManager;
  if (args.install !== false && !args.dryRun) {
    const why = args.packageManager ? 'from --package-manager' : 'the one running tango-admin';
    packageManager.requirePackageManager(pm, why, env);
  }

  const target = path.resolve(io.cwd, args.directory ?? name);
  const kind = await targetKind(
    target,
    args.directory === undefined
      ? `the project name '${name}'`
      : `the project directory ${repr(args.directory)}`,
  );
  if (args.directory === undefined && kind !== 'missing' && !args.force) {
    throw new CommandError(`${repr(target)} already exists`);
  }
  if (kind === 'file') throw new CommandError(`${repr(target)} exists and is not a directory`);

  const pkg = await packageInfo();
  const templateDir = args.template
    ? path.resolve(io.cwd, args.template)
    : path.join(pkg.templates, 'project');
  const templates = await readTemplateTree(templateDir, 'project');
  const runtime = await runtimeDependency(pkg, args.tango);
  const runner = typescriptRunner();
  const secretKey = getRandomSecretKey();
  const tree = await generateSafely(
    () =>
      generateProject(templates, {
        name,
        secretKey,
        tangoSpec: runtime.spec,
        runner,
        format: Boolean(args.format || args.template),
        sessionEngine: args.sessionEngine as ProjectSessionEngine | undefined,
        packageManager: pm,
      }),
    'project',
  );
  if (runtime.source === 'checkout') tree.set(runtime.vendor.path, runtime.vendor.bytes);
  if (args.app !== undefined) {
    const app = args.app;
    const taken = [...tree.keys()].find((p) => p === app || p.startsWith(`${app}/`));
    if (taken !== undefined) {
      throw new CommandError(
        `the app name '${app}' is taken by the project's own ${taken === app ? 'file' : 'folder'} '${app}'. Please try another name.`,
      );
    }
  }

  const plan = await planTree(target, tree);
  checkPlan(plan, 'project', Boolean(args.force), io);
  if (args.dryRun && args.json) {
    await printProjectPlanJson(name, target, tree, plan, secretKey, args.app, io);
    return 0;
  }
  if (args.dryRun) {
    printPlan(plan, io);
    if (args.app !== undefined) io.stdout.write(`Then: startapp ${args.app} in the project\n`);
    return 0;
  }
  await commitPlan(target, plan);

  const cdPath = displayPath(io.cwd, target);
  io.stdout.write(`Created project ${name} in ${cdPath === '.' ? io.cwd : cdPath}\n`);
  if (runtime.source === 'checkout') {
    io.stdout.write(
      `The runtime of this checkout is packed into ${runtime.vendor.path} (package.json: "tango": "${runtime.spec}").\n`,
    );
  }
  if (args.app !== undefined) {
    const code = await startapp({ name: args.app }, { ...io, cwd: target });
    if (code !== 0) return code;
  }
  const install = args.install !== false;
  if (install) {
    io.stdout.write(`\nInstalling dependencies with ${pm} install...\n`);
    await installDependencies(pm, target, cdPath);
  }
  const hasApp = args.app !== undefined;
  io.stdout.write(packageManager.nextSteps(pm, { cdPath, installed: install, runner, hasApp }));
  return 0;
}

/**
 * `startproject --dry-run --json`: the project's plan, and with `--app` the app's too, planned
 * against the project's files in memory (startapp's own checks and registration, as the real
 * run does them once the project is written).
 */
async function printProjectPlanJson(
  name: string,
  target: string,
  tree: FileTree,
  plan: WritePlan,
  secretKey: string,
  app: string | undefined,
  io: CliIO,
): Promise<void> {
  if (app === undefined) {
    printPlanJson(
      { command: 'startproject', name, directory: target, plan, random: secretKey },
      io,
    );
    return;
  }
  const location = await findProject(target, treeFiles(target, tree));
  const sources = new Map([...tree].map(([p, content]) => [path.join(target, p), textOf(content)]));
  const appPlan = await planStartapp({ name: app }, { ...io, cwd: target }, { location, sources });
  printPlanJson(
    {
      command: 'startproject',
      name,
      directory: target,
      plan: { ...plan, files: [...plan.files, ...appPlan.plan.files] },
      registration: appPlan.registration,
      random: secretKey,
      app: { name: app, directory: appPlan.target },
    },
    io,
  );
}
