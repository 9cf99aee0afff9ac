/**
 * `help` and the version in both command-line programs (issue 16, item 3), run as real
 * processes: `tango-admin help [command]`, `tango-admin --version`/`-v`/`version`, and the
 * same words for `manage.ts`, which prints the tango version as `manage.py --version` prints
 * Django's. Every help text ends with the exit statuses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, spawnCli, tempDir } from './helpers.js';

const VERSION = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

let cwd: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir: cwd, cleanup } = await tempDir()));
afterAll(() => cleanup());

const tangoAdmin = (argv: string[]) => spawnCli(argv, cwd);
const manage = (argv: string[]) => spawnCli(argv, cwd, {}, 'manage.ts');

describe('tango-admin', () => {
  it.each([['--version'], ['-v'], ['version']])('%s prints the version, exit 0', async (word) => {
    expect(await tangoAdmin([word])).toEqual({ code: 0, stdout: VERSION, stderr: '' });
  });

  it('help is --help: the commands, the help and version words, the exit statuses', async () => {
    const help = await tangoAdmin(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe((await tangoAdmin(['--help'])).stdout);
    expect(help.stdout).toContain('tango-admin startproject [name] [directory]');
    expect(help.stdout).toContain('tango-admin help [command]');
    expect(help.stdout).toContain('--version (-v)');
    expect(help.stdout).toMatch(
      /Exit status:\n {2}0 {4}success.*\n {2}1 {4}error.*\n {2}2 {4}usage error.*\n {2}130 {2}interrupted/,
    );
  });

  it.each([['startproject'], ['startapp']])(
    'help %s is its --help, exit statuses included',
    async (command) => {
      const help = await tangoAdmin(['help', command]);
      expect(help.code).toBe(0);
      expect(help.stdout).toBe((await tangoAdmin([command, '--help'])).stdout);
      expect(help.stdout).toContain(`tango-admin ${command} [name] [directory]`);
      expect(help.stdout).toMatch(/\n\nExit status:\n {2}0 {4}success/);
    },
  );

  it('startproject --help documents the flag of every question', async () => {
    const { stdout } = await tangoAdmin(['help', 'startproject']);
    for (const flag of ['--session-engine', '--app', '--no-app', '--no-input', '--package-manager'])
      expect(stdout).toContain(flag);
    expect(stdout).toContain('[choices: "npm", "pnpm", "yarn", "bun"]');
  });

  it('-v after a command is not the version (tango-admin has no --verbosity): a usage error', async () => {
    const result = await tangoAdmin(['startproject', 'mysite', '-v']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("error: unrecognized option '-v'");
  });
});

describe('manage.ts', () => {
  it.each([['--version'], ['-v'], ['version']])(
    '%s prints the tango version, as manage.py --version prints Django',
    async (word) => {
      expect(await manage([word])).toEqual({ code: 0, stdout: VERSION, stderr: '' });
    },
  );

  it('help lists the commands and ends with the exit statuses', async () => {
    const help = await manage(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {4}runserver /m);
    expect(help.stdout).toMatch(/^ {4}clearsessions /m);
    expect(help.stdout).toMatch(
      /\n\nExit status:\n {2}0 {4}success\n {2}1 {4}error.*\n {2}2 {4}usage error.*$/,
    );
    expect((await manage(['--help'])).stdout).toBe(help.stdout);
  });

  it('help <command> shows its usage and options, and the exit statuses', async () => {
    const help = await manage(['help', 'check']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: manage\.ts check \[options\]\n/);
    expect(help.stdout).toContain('--deploy');
    expect(help.stdout).toContain('Exit status:');
    expect((await manage(['check', '--help'])).stdout).toBe(help.stdout);
  });
});
