import path from 'node:path';
import type { PlanJson, PlanRegistrationJson } from '../generator/index.js';
import { PLAN_JSON_VERSION, byteLength, fileDigest, textOf } from '../generator/index.js';
import { CommandError, UsageError } from './errors.js';
import type { CliIO } from './io.js';
import { displayPath } from './io.js';
import type { RegistrationPlan } from './registration.js';
import type { WritePlan } from './write-tree.js';

/**
 * Refuses a plan that would overwrite files (unless `force`), that would write through a
 * symbolic link, or that cannot be written at all, listing every offending path in one line.
 */
export function checkPlan(
  plan: WritePlan,
  kind: 'project' | 'app',
  force: boolean,
  io: CliIO,
): void {
  const list = (paths: string[]) => paths.map((p) => displayPath(io.cwd, p)).join(', ');
  if (plan.blocked.length) {
    throw new CommandError(
      `${list(plan.blocked)} ${plan.blocked.length === 1 ? 'is' : 'are'} in the way (not a file that can be replaced).`,
    );
  }
  if (plan.symlinks.length) {
    throw new CommandError(
      `${list(plan.symlinks)} ${plan.symlinks.length === 1 ? 'is a symbolic link' : 'are symbolic links'}, and tango-admin never writes through one (not even with --force).`,
    );
  }
  if (plan.conflicts.length && !force) {
    const a = kind === 'app' ? 'an' : 'a';
    throw new CommandError(
      `${list(plan.conflicts)} already ${plan.conflicts.length === 1 ? 'exists' : 'exist'}. Overlaying ${a} ${kind} into an existing directory won't replace conflicting files (--force overwrites them).`,
    );
  }
}

const VERBS = { create: 'CREATE', overwrite: 'OVERWRITE', update: 'UPDATE' } as const;

/**
 * Prints the plan, one line a file: `CREATE mysite/manage.ts (312 bytes)`; `OVERWRITE` for a
 * forced overwrite, `UPDATE` for a registration edit.
 */
export function printPlan(plan: WritePlan, io: CliIO): void {
  for (const file of plan.files) {
    io.stdout.write(
      `${VERBS[file.action]} ${displayPath(io.cwd, file.path)} (${byteLength(file.content)} bytes)\n`,
    );
  }
}

/**
 * Refuses `--json` without `--dry-run` (a usage error, exit 2): the JSON is the plan, and a
 * real run's output (npm install, next steps) is for people.
 *
 * @example
 * checkJsonFlag('startapp', { json: true, dryRun: false }); // throws UsageError
 */
export function checkJsonFlag(
  command: 'startproject' | 'startapp',
  args: { json?: boolean; dryRun?: boolean },
): void {
  if (args.json && !args.dryRun) {
    throw new UsageError(
      command,
      '--json prints the plan of a dry run; use it with --dry-run (nothing is written then).',
    );
  }
}

/** What `planJson` turns into a `PlanJson`. */
export interface JsonPlanInput {
  command: PlanJson['command'];
  name: string;
  /** Absolute folder the project or app is written to. */
  directory: string;
  /** Every file to write, registration updates included (a later entry for a path wins). */
  plan: WritePlan;
  registration?: RegistrationPlan;
  /** A value drawn at random for this run (the secret key): files holding it are `random`. */
  random?: string;
  /** startproject `--app`: the app's name and absolute folder. */
  app?: { name: string; directory: string };
}

/**
 * The plan as the version-1 JSON document of `--dry-run --json` (`PlanJson`,
 * docs/generator.md): paths relative to the working directory, POSIX separators.
 *
 * @example
 * io.stdout.write(JSON.stringify(planJson({ command: 'startapp', name, directory, plan }, io)));
 */
export function planJson(input: JsonPlanInput, io: CliIO): PlanJson {
  const relative = (p: string) => path.relative(io.cwd, p).split(path.sep).join('/') || '.';
  // A registration edit of a file the same plan creates (startproject --app) changes what is
  // created: one entry a path, the first action, the last content.
  const byPath = new Map<string, PlanJson['files'][number]>();
  for (const file of input.plan.files) {
    const key = relative(file.path);
    const digest = fileDigest(file.content);
    const random = input.random !== undefined && textOf(file.content).includes(input.random);
    const action = byPath.get(key)?.action ?? file.action;
    byPath.set(key, { path: key, action, ...digest, random });
  }
  const files = [...byPath.values()].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
  const registration: PlanRegistrationJson[] = (input.registration?.outcomes ?? []).map(
    (outcome) => {
      const base = { path: relative(outcome.file), role: outcome.role };
      if (outcome.action === 'update')
        return { ...base, action: 'update', before: outcome.before!, after: outcome.after! };
      if (outcome.action === 'unchanged') return { ...base, action: 'unchanged' };
      const manual = input.registration!.manual.find((m) => m.file === outcome.file)!;
      return { ...base, action: 'manual', reason: manual.reason.kind, add: [...manual.add] };
    },
  );
  return {
    version: PLAN_JSON_VERSION,
    command: input.command,
    name: input.name,
    cwd: io.cwd,
    directory: relative(input.directory),
    files,
    registration,
    ...(input.app
      ? { app: { name: input.app.name, directory: relative(input.app.directory) } }
      : {}),
  };
}

/**
 * Prints the plan as one JSON document and a newline, nothing else (`--dry-run --json`).
 *
 * @example
 * printPlanJson({ command: 'startproject', name, directory: target, plan }, io);
 */
export function printPlanJson(input: JsonPlanInput, io: CliIO): void {
  io.stdout.write(JSON.stringify(planJson(input, io), null, 2) + '\n');
}
