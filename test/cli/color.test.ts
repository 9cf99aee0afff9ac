/**
 * Terminal-aware output (issue 16, item 4) in both programs: errors in red and warnings in
 * yellow when the stream is a terminal (a real pseudo-terminal here), none when it is piped
 * or NO_COLOR is set; FORCE_COLOR forces colour through a pipe, FORCE_COLOR=0 turns it off.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureArgs, spawnCli, tempDir } from './helpers.js';
import { runInTerminal } from './pty.js';

const RED = '\x1b[1m\x1b[31m';
const YELLOW = '\x1b[1m\x1b[33m';

let cwd: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir: cwd, cleanup } = await tempDir()));
afterAll(() => cleanup());

/** Runs a program on a terminal and returns what the terminal showed, and the status. */
async function onTerminal(fixture: string, argv: string[], env: Record<string, string> = {}) {
  const session = runInTerminal(process.execPath, [...fixtureArgs(fixture), ...argv], cwd, {
    FORCE_COLOR: undefined,
    NO_COLOR: undefined,
    ...env,
  });
  const code = await session.exit;
  return { code, raw: session.raw() };
}

describe('tango-admin', () => {
  const invalid = ['startproject', 'my-site', '--no-install'];

  it('colours a CommandError red on a terminal', async () => {
    const { code, raw } = await onTerminal('tango-admin.ts', invalid);
    expect(code).toBe(1);
    expect(raw).toContain(`${RED}CommandError: 'my-site' is not a valid project name.`);
  });

  it('colours the error line of a usage error, not the usage line', async () => {
    const { code, raw } = await onTerminal('tango-admin.ts', ['startproject', 'x', '--instal']);
    expect(code).toBe(2);
    expect(raw).toContain('usage: tango-admin startproject [options] name [directory]\r\n');
    expect(raw).toContain(`${RED}tango-admin startproject: error: unrecognized option '--instal'.`);
  });

  it('colours the unknown-command line', async () => {
    const { raw } = await onTerminal('tango-admin.ts', ['startprojet']);
    expect(raw).toContain(`${RED}Unknown command: 'startprojet'. Did you mean startproject?`);
  });

  it('has no colour on a terminal with NO_COLOR or FORCE_COLOR=0', async () => {
    for (const env of [{ NO_COLOR: '1' }, { FORCE_COLOR: '0' }] as Record<string, string>[]) {
      const { code, raw } = await onTerminal('tango-admin.ts', invalid, env);
      expect(code).toBe(1);
      expect(raw).toContain("CommandError: 'my-site' is not a valid project name.");
      expect(raw).not.toContain('\x1b[');
    }
  });

  it('has no colour through a pipe, unless FORCE_COLOR is set (and NO_COLOR is not)', async () => {
    expect((await spawnCli(invalid, cwd)).stderr).toMatch(/^CommandError: /);
    const forced = (await spawnCli(invalid, cwd, { FORCE_COLOR: '1' })).stderr;
    expect(forced.startsWith(`${RED}CommandError: `)).toBe(true);
    expect(forced.endsWith('\x1b[39m\x1b[22m')).toBe(true);
    // Node 24 itself warns that it ignores NO_COLOR when FORCE_COLOR is set; Tango does not.
    const both = (await spawnCli(invalid, cwd, { FORCE_COLOR: '1', NO_COLOR: '1' })).stderr;
    expect(both.replace(/^\(node:\d+\) Warning: .*\n(.*--trace-warnings.*\n)?/, '')).toMatch(
      /^CommandError: /,
    );
    expect(both).not.toContain('\x1b[');
  });

  it('colours the warning of a registration left to the user yellow', async () => {
    expect(
      (await spawnCli(['startproject', 'warned', '--no-install', '--tango', '^0.1.0'], cwd)).code,
    ).toBe(0);
    const project = path.join(cwd, 'warned');
    const settings = path.join(project, 'warned', 'settings.ts');
    const source = await readFile(settings, 'utf8');
    await writeFile(
      settings,
      source.replace(/INSTALLED_APPS: \[[^\]]*\]/, 'INSTALLED_APPS: [...BASE_APPS]'),
    );
    const plain = await spawnCli(['startapp', 'first'], project);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('\nCould not register first automatically');
    expect(plain.stdout).not.toContain('\x1b[');
    const forced = await spawnCli(['startapp', 'second'], project, { FORCE_COLOR: '1' });
    expect(forced.stdout).toContain(`\n${YELLOW}Could not register second automatically`);
    expect(forced.stdout).toContain('\n  // warned/settings.ts: add to INSTALLED_APPS\n');
  });
});

describe("startproject's questions", () => {
  /** The foreground colours of the SGR sequences in `raw` (30-37, 90-97). */
  const colours = (raw: string) =>
    // eslint-disable-next-line no-control-regex -- escape sequences are what is counted
    (raw.match(/\x1b\[[0-9;]*m/g) ?? []).filter((code) => /\[(3[0-7]|9[0-7])m/.test(code));

  it('are coloured on a terminal and not with NO_COLOR', async () => {
    for (const [env, coloured] of [
      [{}, true],
      [{ NO_COLOR: '1' }, false],
    ] as const) {
      const session = runInTerminal(process.execPath, [...fixtureArgs(), 'startproject'], cwd, {
        FORCE_COLOR: undefined,
        NO_COLOR: undefined,
        ...env,
      });
      await session.waitFor('Project name');
      session.type('\x03');
      expect(await session.exit).toBe(130);
      expect(colours(session.raw()).length > 0).toBe(coloured);
    }
  });
});

describe('manage.ts', () => {
  it('colours an unknown command red on a terminal and not through a pipe', async () => {
    const { code, raw } = await onTerminal('manage.ts', ['runserve']);
    expect(code).toBe(1);
    expect(raw).toContain(
      `${RED}Unknown command: 'runserve'. Did you mean runserver?\x1b[39m\x1b[22m\r\nType`,
    );
    const piped = await spawnCli(['runserve'], cwd, {}, 'manage.ts');
    expect(piped.stderr).not.toContain('\x1b[');
  });

  it('colours a CommandError and a usage error on a terminal, not with NO_COLOR', async () => {
    const error = await onTerminal('manage.ts', ['migrate', 'nosuchapp']);
    expect(error.raw).toContain(`${RED}CommandError: No installed app with label 'nosuchapp'.`);
    const usage = await onTerminal('manage.ts', ['check', '--deplyo']);
    expect(usage.code).toBe(2);
    expect(usage.raw).toContain(
      `usage: manage.ts check [options]\r\n${RED}manage.ts check: error:`,
    );
    const plain = await onTerminal('manage.ts', ['check', '--deplyo'], { NO_COLOR: '1' });
    expect(plain.raw).not.toContain('\x1b[');
  });
});
