import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CommandError, type Command } from '../base.js';
import { repr } from '../../../common/text.js';

/**
 * Node's flags for the test runner's process: this process's own (`process.execArgv`, so tests
 * run the way `manage.ts` runs: plain `node` where Node strips types, tsx's loader when started
 * by `tsx`), less the inspector and watch flags, which belong to this process. Where this
 * process has no loader and Node cannot strip types (Node 20, `manage.ts` given settings
 * in-process), `--import tsx`, as before.
 *
 * @example
 * testRunnerExecArgv([], 'strip'); // [] (Node 22.18+, 24: no tsx)
 * testRunnerExecArgv([], null); // ['--import', 'tsx'] (Node 20: no type stripping)
 */
export function testRunnerExecArgv(
  execArgv: readonly string[] = process.execArgv,
  typescript: unknown = (process.features as { typescript?: unknown }).typescript,
): string[] {
  const inherited = execArgv.filter((arg) => !/^--(inspect|debug|watch)/.test(arg));
  const hasLoader = inherited.some((arg) =>
    /^--(import|require|loader|experimental-loader)(=|$)|^-r$/.test(arg),
  );
  const native = typeof typescript === 'string' && typescript !== '';
  return native || hasLoader ? inherited : [...inherited, '--import', 'tsx'];
}

/**
 * `manage.ts test [app ...]`: runs the project package's and each project app's `tests.ts` with Node's test runner
 * (with `manage.ts`'s own Node flags: no tsx on Node 22.18+ and 24, see `testRunnerExecArgv`),
 * with `TANGO_TEST=1` so `tango/test` uses a fresh in-memory database.
 */
export const test: Command = {
  help: "Runs the tests of the project's apps (each app's tests.ts) with node:test.",
  args: '[app_label ...]',
  async handle({ positionals }, { settings, apps, stdout }) {
    const projectApps = apps.apps.filter((app) =>
      app.path.startsWith(settings.BASE_DIR + path.sep),
    );
    const selected = positionals.length
      ? positionals.map((label) => {
          const app = projectApps.find((a) => a.label === label || a.name === label);
          if (!app) throw new CommandError(`No installed app with label ${repr(label)}.`);
          return app;
        })
      : projectApps;
    // The project package (the folder of ROOT_URLCONF) may have tests too, like an app.
    const projectTests = positionals.length
      ? []
      : [path.join(settings.BASE_DIR, path.dirname(settings.ROOT_URLCONF))];
    const files = [...projectTests, ...selected.map((a) => a.path)]
      .map((dir) => path.join(dir, 'tests.ts'))
      .filter((f) => existsSync(f));
    if (files.length === 0) {
      stdout.write('Found 0 test files: no app has a tests.ts.\n');
      return 0;
    }
    stdout.write(`Found ${files.length} test file(s).\n`);
    return new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [...testRunnerExecArgv(), '--test', ...files], {
        cwd: settings.BASE_DIR,
        env: { ...process.env, TANGO_TEST: '1' },
        stdio: 'inherit',
      });
      child.on('error', reject);
      child.on('exit', (code) => resolve(code ?? 1));
    });
  },
};
