import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { generateApp, registerApp, validateName } from '../generator/index.js';
import type { APP_KINDS } from './arguments.js';
import { CommandError, UsageError } from './errors.js';
import { findProject } from './find-project.js';
import { generateSafely } from './generate-safely.js';
import type { CliIO } from './io.js';
import { displayPath } from './io.js';
import { packageInfo } from './package-root.js';
import { checkPlan, printPlan } from './plan-output.js';
import { readTemplateTree } from './read-tree.js';
import { commitPlan, planTree, type PlannedFile } from './write-tree.js';

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

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/**
 * `tango-admin startapp NAME [DIRECTORY]`, like `manage.py startapp`, run inside a project:
 * writes the app into `./NAME` (or DIRECTORY), then registers it in `INSTALLED_APPS` and the
 * root urlconf (idempotently; when a file was rewritten by hand it is left alone and the lines
 * to add are printed). The app and the two edits are written all or nothing.
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
  const targetInfo = await stat(target).catch(() => undefined);
  if (targetInfo && !targetInfo.isDirectory())
    throw new CommandError(`'${target}' exists and is not a directory`);
  if (args.directory === undefined && targetInfo && !args.force) {
    throw new CommandError(`'${target}' already exists`);
  }

  const pkg = await packageInfo();
  const templateDir = args.template
    ? path.resolve(io.cwd, args.template)
    : path.join(pkg.root, 'templates', 'app', args.kind ?? 'tutorial');
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

  // Registration: INSTALLED_APPS takes the app folder relative to BASE_DIR; the root urlconf
  // imports the app's urls.ts relative to itself.
  const appFolder = toPosix(path.relative(project.root, target));
  const inProject = appFolder !== '' && !appFolder.startsWith('..') && !path.isAbsolute(appFolder);
  let specifier = toPosix(
    path.relative(path.dirname(project.urlsPath), path.join(target, 'urls.js')),
  );
  if (!specifier.startsWith('.')) specifier = './' + specifier;
  const updates: PlannedFile[] = [];
  let manual: string[] | undefined;
  const readOrFail = async (file: string) => {
    try {
      return await readFile(file, 'utf8');
    } catch {
      return undefined;
    }
  };
  const settingsSource = await readOrFail(project.settingsPath);
  const urlsSource = await readOrFail(project.urlsPath);
  let reason = '';
  if (!inProject) {
    reason = `${displayPath(io.cwd, target)} is outside the project folder`;
    manual = registerApp('', '', name, { urlsSpecifier: specifier }).manual;
  } else {
    const result = registerApp(settingsSource ?? '', urlsSource ?? '', name, {
      installedName: appFolder,
      urlsSpecifier: specifier,
    });
    if (result.settings !== undefined) {
      updates.push({ path: project.settingsPath, content: result.settings, action: 'overwrite' });
    }
    if (result.urls !== undefined) {
      updates.push({ path: project.urlsPath, content: result.urls, action: 'overwrite' });
    }
    manual = result.manual;
    const untouched = [
      ...(manual?.some((l) => l.startsWith('// settings.ts')) ? [project.settingsPath] : []),
      ...(manual?.some((l) => l.startsWith('// urls.ts')) ? [project.urlsPath] : []),
    ].map((p) => displayPath(io.cwd, p));
    reason = `${untouched.join(' and ')} ${untouched.length > 1 ? 'do' : 'does'} not look as generated`;
  }

  const plan = await planTree(target, tree);
  checkPlan(plan, 'app', Boolean(args.force), io);
  plan.files.push(...updates);
  if (args.dryRun) {
    printPlan(plan, io, new Set(updates.map((u) => u.path)));
    return 0;
  }
  await commitPlan(target, plan);

  io.stdout.write(`Created app ${name} in ${displayPath(io.cwd, target)}\n`);
  if (updates.length) {
    io.stdout.write(
      `Registered ${name} in ${updates.map((u) => displayPath(io.cwd, u.path)).join(' and ')}\n`,
    );
  }
  if (manual) {
    io.stdout.write(
      `\nCould not register ${name} automatically (${reason}); add these lines by hand:\n\n` +
        manual.map((line) => `  ${line}\n`).join(''),
    );
  }
  return 0;
}
