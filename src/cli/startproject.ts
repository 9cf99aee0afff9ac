import path from 'node:path';
import { generateProject, validateName } from '../generator/index.js';
import { CommandError, UsageError } from './errors.js';
import { generateSafely } from './generate-safely.js';
import { npmInstall } from './install.js';
import type { CliIO } from './io.js';
import { displayPath } from './io.js';
import { packageInfo } from './package-root.js';
import { checkPlan, printPlan } from './plan-output.js';
import { readTemplateTree } from './read-tree.js';
import { getRandomSecretKey } from './secret-key.js';
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
  /** The `tango` dependency spec. Default `file:<this checkout>`. */
  tango?: string;
  /** Format the output with prettier (always done for `--template`). */
  format?: boolean;
}

/**
 * `tango-admin startproject NAME [DIRECTORY]`, like `django-admin startproject`: writes the
 * project into `./NAME` (which must not exist) or into DIRECTORY (created when missing; its
 * files are never overwritten without `--force`), then runs `npm install` and prints the next
 * steps. Returns the exit code.
 *
 * @example
 * await startproject({ name: 'mysite', install: false }, { cwd, stdout, stderr });
 */
export async function startproject(args: StartprojectArgs, io: CliIO): Promise<number> {
  const { name } = args;
  if (!name) throw new UsageError('startproject', 'You must provide a project name.');
  const problem = validateName(name, 'project');
  if (problem) throw new CommandError(problem);

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
    : path.join(pkg.root, 'templates', 'project');
  const templates = await readTemplateTree(templateDir, 'project');
  const tree = await generateSafely(
    () =>
      generateProject(templates, {
        name,
        secretKey: getRandomSecretKey(),
        tangoSpec: args.tango ?? `file:${pkg.root}`,
        format: Boolean(args.format || args.template),
      }),
    'project',
  );

  const plan = await planTree(target, tree);
  checkPlan(plan, 'project', Boolean(args.force), io);
  if (args.dryRun) {
    printPlan(plan, io);
    return 0;
  }
  await commitPlan(target, plan);

  const cdPath = displayPath(io.cwd, target);
  io.stdout.write(`Created project ${name} in ${cdPath === '.' ? io.cwd : cdPath}\n`);
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
  io.stdout.write('\nThen add the tutorial app with: npx tsx manage.ts startapp WebApp\n');
  return 0;
}
