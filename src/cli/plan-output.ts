import { byteLength } from '../generator/index.js';
import { CommandError } from './errors.js';
import type { CliIO } from './io.js';
import { displayPath } from './io.js';
import type { WritePlan } from './write-tree.js';

/**
 * Refuses a plan that would overwrite files (unless `force`) or that cannot be written at all,
 * listing every offending path in one line.
 */
export function checkPlan(
  plan: WritePlan,
  kind: 'project' | 'app',
  force: boolean,
  io: CliIO,
): void {
  if (plan.blocked.length) {
    const list = plan.blocked.map((p) => displayPath(io.cwd, p)).join(', ');
    throw new CommandError(
      `${list} ${plan.blocked.length === 1 ? 'is' : 'are'} in the way (not a file that can be replaced).`,
    );
  }
  if (plan.conflicts.length && !force) {
    const list = plan.conflicts.map((p) => displayPath(io.cwd, p)).join(', ');
    const a = kind === 'app' ? 'an' : 'a';
    throw new CommandError(
      `${list} already ${plan.conflicts.length === 1 ? 'exists' : 'exist'}. Overlaying ${a} ${kind} into an existing directory won't replace conflicting files (--force overwrites them).`,
    );
  }
}

/**
 * Prints the plan, one line a file: `CREATE mysite/manage.ts (312 bytes)`; `OVERWRITE` for a
 * forced overwrite, `UPDATE` for a registration edit.
 */
export function printPlan(
  plan: WritePlan,
  io: CliIO,
  updates: ReadonlySet<string> = new Set(),
): void {
  for (const file of plan.files) {
    const verb = updates.has(file.path)
      ? 'UPDATE'
      : file.action === 'overwrite'
        ? 'OVERWRITE'
        : 'CREATE';
    io.stdout.write(
      `${verb} ${displayPath(io.cwd, file.path)} (${byteLength(file.content)} bytes)\n`,
    );
  }
}
