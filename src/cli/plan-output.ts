import { byteLength } from '../generator/index.js';
import { CommandError } from './errors.js';
import type { CliIO } from './io.js';
import { displayPath } from './io.js';
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
