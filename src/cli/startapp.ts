import path from 'node:path';
import { generateApp, validateName } from '../generator/index.js';
import type { APP_KINDS } from './arguments.js';
import { CommandError, UsageError } from './errors.js';
import { findProject } from './find-project.js';
import { generateSafely } from './generate-safely.js';
import type { CliIO } from './io.js';
import { displayPath } from './io.js';
import { packageInfo } from './package-root.js';
import { checkPlan, printPlan } from './plan-output.js';
import { readTemplateTree } from './read-tree.js';
import { manualInstructions, planRegistration } from './registration.js';
import { commitPlan, planTree, targetKind } from './write-tree.js';

/** Parsed `tango-admin startapp` arguments. */
export interface StartappArgs {
  name?: string;
  directory?: string;
  /** Built-in template. Default `'tutorial'`. */
  kind?: (typeof APP_KINDS)[number];
  /** An app template directory instead of a built-in one. */
  template?: string;
  dryRun?: boolean;
  force?: boolean;
  format?: boolean;
}

/**
 * `tango-admin startapp NAME [DIRECTORY]`, like `manage.py startapp`, run inside a project:
 * writes the app into `./NAME` (or DIRECTORY), then registers it in `INSTALLED_APPS` and the
 * root urlconf (idempotently; when a file was rewritten by hand it is left alone and the lines
 * to add are printed). The app and the two edits are written all or nothing: if an edit cannot
 * be written, the app folder goes too. A name that would break the project (a built-in app's
 * label, a property of every object, a label another app has) is refused before anything is
 * written.
 *
 * @example
 * await startapp({ name: 'WebApp', kind: 'minimal' }, { cwd: projectDir, stdout, stderr });
 */
export async function startapp(args: StartappArgs, io: CliIO): Promise<number> {
  const { name } = args;
  if (!name) throw new UsageError('startapp', 'You must provide an application name.');
  const problem = validateName(name, 'app');
  if (problem) throw new CommandError(problem);

  const project = await findProject(io.cwd);
  const target = path.resolve(io.cwd, args.directory ?? name);
  if (args.directory !== undefined) {
    const dirProblem = validateName(path.basename(target), 'app', 'directory');
    if (dirProblem) throw new CommandError(dirProblem);
  }
  const kind = await targetKind(
    target,
    args.directory === undefined
      ? `the app name '${name}'`
      : `the app directory '${args.directory}'`,
  );
  if (kind === 'file') throw new CommandError(`'${target}' exists and is not a directory`);
  if (args.directory === undefined && kind === 'directory' && !args.force) {
    throw new CommandError(`'${target}' already exists`);
  }
  const registration = await planRegistration(project, target, name);

  const pkg = await packageInfo();
  const templateDir = args.template
    ? path.resolve(io.cwd, args.template)
    : path.join(pkg.templates, 'app', args.kind ?? 'tutorial');
  const templates = await readTemplateTree(templateDir, 'app');
  const tree = await generateSafely(
    () =>
      generateApp(templates, {
        name,
        projectName: project.name,
        format: Boolean(args.format || args.template),
      }),
    'app',
  );

  const plan = await planTree(target, tree);
  checkPlan(plan, 'app', Boolean(args.force), io);
  plan.files.push(...registration.updates);
  if (args.dryRun) {
    printPlan(plan, io);
    return 0;
  }
  await commitPlan(target, plan);

  io.stdout.write(`Created app ${name} in ${displayPath(io.cwd, target)}\n`);
  if (registration.updates.length) {
    const files = registration.updates.map((u) => displayPath(io.cwd, u.path));
    io.stdout.write(`Registered ${name} in ${files.join(' and ')}\n`);
  }
  if (registration.manual.length) {
    io.stdout.write(manualInstructions(name, registration.manual, io));
  }
  return 0;
}
