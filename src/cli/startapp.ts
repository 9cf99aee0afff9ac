import path from 'node:path';
import { generateApp, validateName } from '../generator/index.js';
import type { APP_KINDS } from './arguments.js';
import { repr } from '../common/text.js';
import { CommandError, UsageError } from './errors.js';
import { findProject, type ProjectLocation } from './find-project.js';
import { generateSafely } from './generate-safely.js';
import type { CliIO } from './io.js';
import { displayPath, warning } from './io.js';
import { packageInfo } from './package-root.js';
import { checkJsonFlag, checkPlan, printPlan, printPlanJson } from './plan-output.js';
import { readTemplateTree } from './read-tree.js';
import { manualInstructions, planRegistration, type RegistrationPlan } from './registration.js';
import { commitPlan, planTree, targetKind, type WritePlan } from './write-tree.js';

/** Parsed `tango-admin startapp` arguments. */
export interface StartappArgs {
  name?: string;
  directory?: string;
  /** Built-in template. Default `'tutorial'`. */
  kind?: (typeof APP_KINDS)[number];
  /** An app template directory instead of a built-in one. */
  template?: string;
  dryRun?: boolean;
  /** With `dryRun`: print the plan as JSON (`PlanJson`) instead of CREATE lines. */
  json?: boolean;
  force?: boolean;
  format?: boolean;
}

/** What startapp would do, checked: the app's folder, every file to write, the registration. */
export interface StartappPlan {
  name: string;
  /** Absolute folder of the app. */
  target: string;
  /** The app's files, then the registration updates. */
  plan: WritePlan;
  registration: RegistrationPlan;
}

/**
 * A project startproject has planned but not written (`startproject --app --dry-run --json`):
 * where it is, and the text of its files by absolute path.
 */
export interface UnwrittenProject {
  location: ProjectLocation;
  sources: ReadonlyMap<string, string>;
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
  checkJsonFlag('startapp', args);
  const { name, target, plan, registration } = await planStartapp(args, io);
  if (args.dryRun) {
    if (args.json)
      printPlanJson({ command: 'startapp', name, directory: target, plan, registration }, io);
    else printPlan(plan, io);
    return 0;
  }
  await commitPlan(target, plan);

  io.stdout.write(`Created app ${name} in ${displayPath(io.cwd, target)}\n`);
  if (registration.updates.length) {
    const files = registration.updates.map((u) => displayPath(io.cwd, u.path));
    io.stdout.write(`Registered ${name} in ${files.join(' and ')}\n`);
  }
  if (registration.manual.length) {
    io.stdout.write(warning(io, manualInstructions(name, registration.manual, io)));
  }
  return 0;
}

/**
 * Everything `startapp` checks and decides before it writes: the name, the project, the
 * target folder, the rendered app and the registration edits. `unwritten` plans the app in
 * a project that exists only as a plan (its files are read from `sources`, not the disk).
 *
 * @example
 * const { plan } = await planStartapp({ name: 'WebApp' }, io);
 */
export async function planStartapp(
  args: StartappArgs,
  io: CliIO,
  unwritten?: UnwrittenProject,
): Promise<StartappPlan> {
  const { name } = args;
  if (!name) throw new UsageError('startapp', 'You must provide an application name.');
  const problem = validateName(name, 'app');
  if (problem) throw new CommandError(problem);

  const project = unwritten?.location ?? (await findProject(io.cwd));
  const target = path.resolve(io.cwd, args.directory ?? name);
  if (args.directory !== undefined) {
    const dirProblem = validateName(path.basename(target), 'app', 'directory');
    if (dirProblem) throw new CommandError(dirProblem);
  }
  const kind = await targetKind(
    target,
    args.directory === undefined
      ? `the app name '${name}'`
      : `the app directory ${repr(args.directory)}`,
  );
  if (kind === 'file') throw new CommandError(`${repr(target)} exists and is not a directory`);
  if (args.directory === undefined && kind === 'directory' && !args.force) {
    throw new CommandError(`${repr(target)} already exists`);
  }
  const registration = await planRegistration(project, target, name, unwritten?.sources);

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
  return { name, target, plan, registration };
}
