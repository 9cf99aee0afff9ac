import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ManualAddition, RegistrationEdit } from '../generator/index.js';
import { appLabel, installedApps, registerApp, registrationLines } from '../generator/index.js';
import { CommandError } from './errors.js';
import type { CliIO } from './io.js';
import { displayPath } from './io.js';
import type { ProjectLocation } from './find-project.js';
import { describe } from './read-tree.js';
import type { PlannedFile } from './write-tree.js';

/** Why registration leaves a file alone. */
export type ManualReason =
  /** The generator found no place for the edit (the file was rewritten by hand). */
  | { kind: 'hand-edited' }
  /** The file, or a folder on the way to it (`at`), is a symbolic link. */
  | { kind: 'symlink'; at: string }
  | { kind: 'unreadable'; error: string }
  /** The app is written outside the project (`target`), so it cannot be registered. */
  | { kind: 'outside'; target: string };

/** A file the registration leaves alone: why, and the lines to add to it by hand. */
export interface ManualRegistration {
  /** Absolute path of settings.ts or the root urlconf. */
  file: string;
  reason: ManualReason;
  add: readonly ManualAddition[];
}

/** What registration does to one file (what `--dry-run --json` reports). */
export interface RegistrationOutcome {
  /** Absolute path of settings.ts or the root urlconf. */
  file: string;
  role: 'settings' | 'urls';
  action: 'update' | 'unchanged' | 'manual';
  /** The file's text before the edit (`update` only). */
  before?: string;
  /** The file's text after the edit (`update` only). */
  after?: string;
}

/** Everything registering one app does: the edits to write with it, and what is left to do. */
export interface RegistrationPlan {
  /** Edits of settings.ts and the root urlconf (`update`s, written with the app). */
  updates: PlannedFile[];
  manual: ManualRegistration[];
  /** Settings.ts, then the root urlconf: what happens to each. */
  outcomes: RegistrationOutcome[];
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/** A registration file's text, or why it cannot be edited (a link on the way, unreadable). */
async function readRegistrable(
  file: string,
  root: string,
  sources?: ReadonlyMap<string, string>,
): Promise<{ source: string } | { reason: ManualReason }> {
  if (sources) {
    const source = sources.get(file);
    return source === undefined
      ? { reason: { kind: 'unreadable', error: 'ENOENT: no such file or directory' } }
      : { source };
  }
  // Never write through a symbolic link: not the file, nor a folder between it and the project.
  for (let p = file; p.startsWith(root + path.sep); p = path.dirname(p)) {
    const info = await lstat(p).catch(() => undefined);
    if (info?.isSymbolicLink()) return { reason: { kind: 'symlink', at: p } };
  }
  try {
    return { source: await readFile(file, 'utf8') };
  } catch (error) {
    return { reason: { kind: 'unreadable', error: describe(error) } };
  }
}

/**
 * The extension the root urlconf's relative imports use: `.ts` (what Node's type stripping
 * needs, and what projects are generated with), or `.js` for a project generated before,
 * whose imports tsx maps to the `.ts` files. A new import follows the file's own style.
 *
 * @example
 * importExtension("import * as views from './views.js';"); // '.js'
 */
export function importExtension(urlsSource: string): '.ts' | '.js' {
  const relative = [...urlsSource.matchAll(/\bfrom\s+['"](\.{1,2}\/[^'"]*)['"]/g)].map(
    (m) => m[1]!,
  );
  return relative.some((s) => s.endsWith('.js')) && !relative.some((s) => s.endsWith('.ts'))
    ? '.js'
    : '.ts';
}

/**
 * Plans the registration of an app written to `target`: reads settings.ts and the root
 * urlconf, asks the generator for each file's edit (`updated`, `unchanged` or `manual`), and
 * turns the answers into the edits to write and the lines to print. Refuses (CommandError) an
 * app whose label another `INSTALLED_APPS` entry has already: the project would stop loading
 * ("Application labels aren't unique"). `sources` (absolute path to text) stands for the
 * disk when the project is not written yet (`startproject --app --dry-run --json`).
 *
 * @example
 * const { updates, manual } = await planRegistration(project, '/p/mysite/blog', 'blog');
 */
export async function planRegistration(
  project: ProjectLocation,
  target: string,
  name: string,
  sources?: ReadonlyMap<string, string>,
): Promise<RegistrationPlan> {
  // INSTALLED_APPS takes the app folder relative to BASE_DIR; the root urlconf imports the
  // app's urls.ts relative to itself.
  const appFolder = toPosix(path.relative(project.root, target));
  const settings = await readRegistrable(project.settingsPath, project.root, sources);
  const urls = await readRegistrable(project.urlsPath, project.root, sources);
  const extension = 'source' in urls ? importExtension(urls.source) : '.ts';
  let specifier = toPosix(
    path.relative(path.dirname(project.urlsPath), path.join(target, `urls${extension}`)),
  );
  if (!specifier.startsWith('.')) specifier = './' + specifier;
  const inProject = appFolder !== '' && !appFolder.startsWith('..') && !path.isAbsolute(appFolder);
  if (!inProject) {
    const lines = registrationLines(name, { urlsSpecifier: specifier });
    const reason: ManualReason = { kind: 'outside', target };
    return {
      updates: [],
      manual: [
        { file: project.settingsPath, reason, add: lines.settings },
        { file: project.urlsPath, reason, add: lines.urls },
      ],
      outcomes: [
        { file: project.settingsPath, role: 'settings', action: 'manual' },
        { file: project.urlsPath, role: 'urls', action: 'manual' },
      ],
    };
  }

  if ('source' in settings) {
    const label = appLabel(appFolder);
    const taken = installedApps(settings.source)?.find(
      (entry) => entry !== appFolder && appLabel(entry) === label,
    );
    if (taken !== undefined) {
      throw new CommandError(
        `the app label '${label}' is taken by INSTALLED_APPS entry '${taken}' (labels must be unique). Please try another ${appFolder === name ? 'name' : 'directory'}.`,
      );
    }
  }
  const options = { installedName: appFolder, urlsSpecifier: specifier };
  const result = registerApp(
    'source' in settings ? settings.source : '',
    'source' in urls ? urls.source : '',
    name,
    options,
  );
  const lines = registrationLines(name, options);
  const plan: RegistrationPlan = { updates: [], manual: [], outcomes: [] };
  const files = [
    {
      file: project.settingsPath,
      role: 'settings' as const,
      read: settings,
      edit: result.settings,
      add: lines.settings,
    },
    {
      file: project.urlsPath,
      role: 'urls' as const,
      read: urls,
      edit: result.urls,
      add: lines.urls,
    },
  ];
  for (const { file, role, read, edit, add } of files) {
    if ('reason' in read) {
      plan.manual.push({ file, reason: read.reason, add });
      plan.outcomes.push({ file, role, action: 'manual' });
      continue;
    }
    planEdit(plan, file, role, read.source, edit);
  }
  return plan;
}

function planEdit(
  plan: RegistrationPlan,
  file: string,
  role: RegistrationOutcome['role'],
  before: string,
  edit: RegistrationEdit,
): void {
  switch (edit.status) {
    case 'updated':
      plan.updates.push({ path: file, content: edit.source, action: 'update' });
      plan.outcomes.push({ file, role, action: 'update', before, after: edit.source });
      break;
    case 'manual':
      plan.manual.push({ file, reason: { kind: 'hand-edited' }, add: edit.add });
      plan.outcomes.push({ file, role, action: 'manual' });
      break;
    case 'unchanged':
      plan.outcomes.push({ file, role, action: 'unchanged' });
      break;
  }
}

/**
 * The paragraph that lists what to add by hand, after why (files left alone for the same
 * reason share one clause):
 *
 *     Could not register WebApp automatically (mysite/settings.ts does not look as generated); add these lines by hand:
 *
 *       // mysite/settings.ts: add to INSTALLED_APPS
 *       'WebApp',
 *
 * @example
 * io.stdout.write(manualInstructions('WebApp', plan.manual, io));
 */
export function manualInstructions(
  name: string,
  manual: readonly ManualRegistration[],
  io: CliIO,
): string {
  const shown = (p: string) => displayPath(io.cwd, p);
  const reasons: string[] = [];
  const handEdited = manual.filter((m) => m.reason.kind === 'hand-edited').map((m) => m.file);
  for (const { file, reason } of manual) {
    switch (reason.kind) {
      case 'hand-edited':
        if (file === handEdited[0]) {
          const files = handEdited.map(shown).join(' and ');
          reasons.push(`${files} ${handEdited.length > 1 ? 'do' : 'does'} not look as generated`);
        }
        break;
      case 'symlink':
        reasons.push(
          reason.at === file
            ? `${shown(file)} is a symbolic link`
            : `${shown(reason.at)}, on the way to ${shown(file)}, is a symbolic link`,
        );
        break;
      case 'unreadable':
        reasons.push(`${shown(file)} could not be read (${reason.error})`);
        break;
      case 'outside': {
        const clause = `${shown(reason.target)} is outside the project folder`;
        if (!reasons.includes(clause)) reasons.push(clause);
        break;
      }
    }
  }
  const lines = manual.flatMap(({ file, add }) =>
    add.flatMap(({ to, lines }) => [`// ${shown(file)}: add to ${to}`, ...lines]),
  );
  return (
    `\nCould not register ${name} automatically (${reasons.join('; ')}); add these lines by hand:\n\n` +
    lines.map((line) => `  ${line}\n`).join('')
  );
}
