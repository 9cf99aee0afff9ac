/**
 * The exit statuses both programs document at the end of their help (src/common/exit-status.ts)
 * are the ones they return: one real process per status. 0 success, 1 a CommandError or an
 * unknown command, 2 a usage error, and for tango-admin 130 when Ctrl-C cancels a question
 * (a signal during the scaffold itself: test/cli/interrupted.test.ts).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE } from '../../src/common/exit-status.js';
import { fixtureArgs, snapshotDir, spawnCli, tempDir } from './helpers.js';
import { runInTerminal } from './pty.js';

let cwd: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir: cwd, cleanup } = await tempDir()));
afterAll(() => cleanup());

/** The codes an `Exit status:` table lists. */
function documented(help: string): number[] {
  const table = help.slice(help.indexOf('Exit status:'));
  return [...table.matchAll(/^ {2}(\d+) /gm)].map((m) => Number(m[1]));
}

it('the statuses are the ones scripts know: 0, 1, 2 and 130 (128 + SIGINT)', () => {
  expect([EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED]).toEqual([0, 1, 2, 130]);
});

describe('tango-admin', () => {
  it('documents 0, 1, 2 and 130 in every help', async () => {
    for (const argv of [['help'], ['help', 'startproject'], ['help', 'startapp']]) {
      expect(documented((await spawnCli(argv, cwd)).stdout)).toEqual([0, 1, 2, 130]);
    }
  });

  it('0: success (a dry run)', async () => {
    const result = await spawnCli(
      ['startproject', 'mysite', '--dry-run', '--tango', '^0.1.0'],
      cwd,
    );
    expect(result.code).toBe(EXIT_OK);
  });

  it('1: a CommandError (the target exists)', async () => {
    await mkdir(path.join(cwd, 'taken'));
    const result = await spawnCli(['startproject', 'taken', '--no-install'], cwd);
    expect(result.code).toBe(EXIT_ERROR);
    expect(result.stderr).toMatch(/^CommandError: '.*taken' already exists$/);
  });

  it('1: an unknown command', async () => {
    expect((await spawnCli(['nosuch'], cwd)).code).toBe(EXIT_ERROR);
  });

  it('2: a usage error (no name and no terminal to ask on)', async () => {
    expect(await spawnCli(['startproject', '--no-install'], cwd)).toEqual({
      code: EXIT_USAGE,
      stdout: '',
      stderr:
        'usage: tango-admin startproject [options] name [directory]\ntango-admin startproject: error: You must provide a project name.',
    });
  });

  it('130: a question cancelled with Ctrl-C, nothing written', async () => {
    const dir = path.join(cwd, 'cancel');
    await mkdir(dir);
    const session = runInTerminal(process.execPath, [...fixtureArgs(), 'startproject'], dir);
    await session.waitFor('Project name');
    session.type('\x03');
    expect(await session.exit).toBe(EXIT_INTERRUPTED);
    expect(session.text()).toContain('Cancelled: nothing was written.');
    expect(await snapshotDir(dir)).toEqual({});
  });
});

describe('manage.ts', () => {
  const manage = (argv: string[]) => spawnCli(argv, cwd, {}, 'manage.ts');

  it('documents 0, 1 and 2 in every help', async () => {
    for (const argv of [['help'], ['help', 'check'], ['migrate', '--help']]) {
      expect(documented((await manage(argv)).stdout)).toEqual([0, 1, 2]);
    }
  });

  it('0: success (check)', async () => {
    expect((await manage(['check'])).code).toBe(EXIT_OK);
  });

  it('1: a CommandError (an unknown app label)', async () => {
    const result = await manage(['migrate', 'nosuchapp']);
    expect(result.code).toBe(EXIT_ERROR);
    expect(result.stderr).toBe("CommandError: No installed app with label 'nosuchapp'.");
  });

  it('1: an unknown command', async () => {
    expect((await manage(['nosuch'])).code).toBe(EXIT_ERROR);
  });

  it('2: a usage error (an unknown option)', async () => {
    expect((await manage(['check', '--nosuch'])).code).toBe(EXIT_USAGE);
  });
});
