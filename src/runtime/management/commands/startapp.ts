import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Command } from '../base.js';

/**
 * `manage.ts startapp NAME [DIRECTORY]`: runs `tango-admin startapp` in the project, so the
 * two entry points share one implementation (the CLI; the runtime does not import it).
 */
export const startapp: Command = {
  help: 'Creates an app (views, urls, templates, tests) and registers it in the project.',
  args: 'name [directory]',
  options: {
    template: { type: 'string', description: 'Path to an app template directory.' },
    kind: { type: 'string', description: 'Built-in app template: tutorial (default) or minimal.' },
    'dry-run': { type: 'boolean', description: 'Print what would be created; write nothing.' },
    force: { type: 'boolean', description: 'Overwrite existing files.' },
  },
  requiresSettings: false,
  async handle({ positionals, options }) {
    const bin = createRequire(import.meta.url)
      .resolve('tango/package.json')
      .replace(/package\.json$/, 'bin/tango-admin.js');
    const args = ['startapp', ...positionals];
    for (const [name, value] of Object.entries(options)) {
      if (value === true) args.push(`--${name}`);
      else if (typeof value === 'string') args.push(`--${name}`, value);
    }
    return new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args], {
        cwd: process.cwd(),
        stdio: 'inherit',
      });
      child.on('error', reject);
      child.on('exit', (code) => resolve(code ?? 1));
    });
  },
};
