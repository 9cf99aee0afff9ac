import path from 'node:path';
import { generateProject, manageCommand, validateName } from '../generator/index.js';
import { CommandError, UsageError } from './errors.js';
import { generateSafely } from './generate-safely.js';
import { npmInstall } from './install.js';
import type { CliIO } from './io.js';
import { displayPath } from './io.js';
import { packageInfo } from './package-root.js';
import { checkPlan, printPlan } from './plan-output.js';
import { readTemplateTree } from './read-tree.js';
import { runtimeDependency } from './runtime-dependency.js';
import { getRandomSecretKey } from './secret-key.js';
import { startapp } from './startapp.js';
import { typescriptRunner } from './typescript-runner.js';
import { commitPlan, planTree, targetKind } from './write-tree.js';

/** Parsed `tango-admin startproject` arguments. */
export interface StartprojectArgs {
  name?: string;
  directory?: string;
  /** A project template directory instead of the built-in one. */
  template?: string;
  dryRun?: boolean;
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
}

/**
 * `tango-admin startproject NAME [DIRECTORY]`, like `django-admin startproject`: writes the
 * project into `./NAME` (which must not exist) or into DIRECTORY (created when missing; its
 * files are never overwritten without `--force`), with `--app APP` also the tutorial app,
 * then runs `npm install` and prints the next steps. Returns the exit code.
 *
 * @example
 * await startproject({ name: 'mysite', install: false }, { cwd, stdout, stderr });
 */
export async function startproject(args: StartprojectArgs, io: CliIO): Promise<number> {
  const { name } = args;
  if (!name) throw new UsageError('startproject', 'You must provide a project name.');
  const problem = validateName(name, 'project');
  if (problem) throw new CommandError(problem);
  if (args.app !== undefined) {
    const appProblem = validateName(args.app, 'app');
    if (appProblem) throw new CommandError(appProblem);
  }

  const target = path.resolve(io.cwd, args.directory ?? name);
  const kind = await targetKind(
    target,
    args.directory === undefined
      ? `the project name '${name}'`
      : `the project directory '${args.directory}'`,
  );
  if (args.directory === undefined && kind !== 'missing' && !args.force) {
    throw new CommandError(`'${target}' already exists`);
  }
  if (kind === 'file') throw new CommandError(`'${target}' exists and is not a directory`);

  const pkg = await packageInfo();
  const templateDir = args.template
    ? path.resolve(io.cwd, args.template)
    : path.join(pkg.templates, 'project');
  const templates = await readTemplateTree(templateDir, 'project');
  const runtime = await runtimeDependency(pkg, args.tango);
  const runner = typescriptRunner();
  const tree = await generateSafely(
    () =>
      generateProject(templates, {
        name,
        secretKey: getRandomSecretKey(),
        tangoSpec: runtime.spec,
        runner,
        format: Boolean(args.format || args.template),
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
    io.stdout.write('\nInstalling dependencies with npm install...\n');
    await npmInstall(target, cdPath);
  }
  const steps = [
    ...(cdPath === '.' ? [] : [`cd ${cdPath}`]),
    ...(install ? [] : ['npm install']),
    'npm run migrate',
    'npm start',
  ];
  io.stdout.write(`\nNext steps:\n${steps.map((s) => `  ${s}\n`).join('')}`);
  if (args.app === undefined) {
    io.stdout.write(`\nThen add the tutorial app with: ${manageCommand(runner)} startapp WebApp\n`);
  }
  return 0;
}
