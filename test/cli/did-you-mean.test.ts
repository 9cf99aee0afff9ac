/**
 * "Did you mean ...?" in both command-line programs (Django's rule: difflib.get_close_matches,
 * cutoff 0.6, see test/common/text.test.ts), and messages that quote what was typed as
 * Python's %r does, so their quotes pair up whatever it holds (quotes, spaces, tabs, unicode).
 * Real processes: the CLI through tsx, and a manage.ts over the fixture site.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotDir, spawnCli, tempDir } from './helpers.js';

let cwd: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir: cwd, cleanup } = await tempDir()));
afterAll(() => cleanup());

const tangoAdmin = (argv: string[]) => spawnCli(argv, cwd);
const manage = (argv: string[]) => spawnCli(argv, cwd, {}, 'manage.ts');

const STARTPROJECT_USAGE = 'usage: tango-admin startproject [options] name [directory]';

describe('tango-admin', () => {
  it.each([
    ['startprojet', "Unknown command: 'startprojet'. Did you mean startproject?"],
    ['startap', "Unknown command: 'startap'. Did you mean startapp?"],
    ['start project', "Unknown command: 'start project'. Did you mean startproject?"],
    ['shell', "Unknown command: 'shell'. Did you mean help?"],
    ['deploy', "Unknown command: 'deploy'"],
    ["it's", `Unknown command: "it's"`],
    ['say "hi"', `Unknown command: 'say "hi"'`],
    ['café', "Unknown command: 'café'"],
    ['tab\there', "Unknown command: 'tab\\there'"],
  ])('%j: exit 1 with the closest command', async (word, line) => {
    expect(await tangoAdmin([word, 'x'])).toEqual({
      code: 1,
      stdout: '',
      stderr: `${line}\nType 'tango-admin help' for usage.`,
    });
  });

  it('help <misspelt command> suggests the command too', async () => {
    expect(await tangoAdmin(['help', 'startprojet'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "Unknown command: 'startprojet'. Did you mean startproject?\nType 'tango-admin help' for usage.",
    });
  });

  it.each([
    [['--instal'], "unrecognized option '--instal'. Did you mean --install?"],
    [['--no-instal'], "unrecognized option '--no-instal'. Did you mean --no-install?"],
    [['--dryrun'], "unrecognized option '--dryrun'. Did you mean --dry-run?"],
    [
      ['--sesion-engine', 'db'],
      "unrecognized option '--sesion-engine'. Did you mean --session-engine?",
    ],
    [
      ['--packagemanager=pnpm'],
      "unrecognized option '--packagemanager'. Did you mean --package-manager?",
    ],
    [['--bogus'], "unrecognized option '--bogus'"],
    [["--it's"], `unrecognized option "--it's". Did you mean --input?`],
    [
      ['--session-engine', 'fille'],
      "argument --session-engine: invalid choice: 'fille' (choose from 'db', 'file', 'cache', 'cached_db', 'signed_cookies', 'encrypted_cookies'). Did you mean file?",
    ],
    [
      ['--package-manager', 'pnmp'],
      "argument --package-manager: invalid choice: 'pnmp' (choose from 'npm', 'pnpm', 'yarn', 'bun'). Did you mean pnpm?",
    ],
    [['second', 'third'], "unrecognized arguments: 'third'"],
  ])(
    'startproject mysite %j: exit 2 with the closest option, nothing written',
    async (extra, message) => {
      expect(await tangoAdmin(['startproject', 'mysite', ...extra])).toEqual({
        code: 2,
        stdout: '',
        stderr: `${STARTPROJECT_USAGE}\ntango-admin startproject: error: ${message}`,
      });
      expect(await snapshotDir(`${cwd}/mysite`)).toEqual({});
    },
  );

  it('startapp --kind tutorail suggests tutorial', async () => {
    const result = await tangoAdmin(['startapp', 'blog', '--kind', 'tutorail']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "usage: tango-admin startapp [options] name [directory]\ntango-admin startapp: error: argument --kind: invalid choice: 'tutorail' (choose from 'tutorial', 'minimal'). Did you mean tutorial?",
    );
  });

  it('a misspelt top-level option suggests --version or --help', async () => {
    expect(await tangoAdmin(['--verison'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "usage: tango-admin <command> [options]\ntango-admin: error: unrecognized option '--verison'. Did you mean --version?",
    });
  });

  it.each([
    [
      "it's",
      `"it's" is not a valid project name. Please make sure the name is a valid identifier.`,
    ],
    [
      'my site',
      `'my site' is not a valid project name. Please make sure the name is a valid identifier.`,
    ],
    [
      'new\nline',
      `'new\\nline' is not a valid project name. Please make sure the name is a valid identifier.`,
    ],
  ])('an invalid name %j is quoted as Python would: exit 1', async (name, message) => {
    expect(await tangoAdmin(['startproject', name, '--no-install'])).toEqual({
      code: 1,
      stdout: '',
      stderr: `CommandError: ${message}`,
    });
  });

  it('a project name that is fine in a directory with a quote and a space is quoted whole', async () => {
    const first = await tangoAdmin([
      'startproject',
      'mysite',
      "it's here",
      '--no-install',
      '--tango',
      '^0.1.0',
    ]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`cd 'it'"'"'s here'`);
    const again = await tangoAdmin(['startproject', 'mysite', "it's here", '--no-install']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^CommandError: .* already exist/);
  });
});

describe('manage.ts', () => {
  it.each([
    ['runserve', "Unknown command: 'runserve'. Did you mean runserver?"],
    ['migrat', "Unknown command: 'migrat'. Did you mean migrate?"],
    ['clearsession', "Unknown command: 'clearsession'. Did you mean clearsessions?"],
    ['--bogus', "Unknown command: '--bogus'"],
    ['--verison', "Unknown command: '--verison'. Did you mean --version?"],
    ["it's", `Unknown command: "it's"`],
    ['café', "Unknown command: 'café'"],
  ])('%j: exit 1 with the closest command', async (word, line) => {
    expect(await manage([word])).toEqual({
      code: 1,
      stdout: '',
      stderr: `${line}\nType 'manage.ts help' for usage.`,
    });
  });

  it('help <misspelt command> is the same unknown command, exit 1', async () => {
    expect(await manage(['help', 'runserve'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "Unknown command: 'runserve'. Did you mean runserver?\nType 'manage.ts help' for usage.",
    });
  });

  it.each([
    [
      ['check', '--deplyo'],
      'check [options]',
      "unrecognized option '--deplyo'. Did you mean --deploy?",
    ],
    [['check', '--bogus'], 'check [options]', "unrecognized option '--bogus'"],
    [['check', '--bogus=1'], 'check [options]', "unrecognized option '--bogus'"],
    [['check', "--it's"], 'check [options]', `unrecognized option "--it's"`],
    [
      ['runserver', '--no-reload'],
      'runserver [addrport] [options]',
      "unrecognized option '--no-reload'. Did you mean --noreload?",
    ],
  ])(
    '%j: the usage line, then the error with the closest option, exit 2',
    async (argv, usage, message) => {
      expect(await manage(argv)).toEqual({
        code: 2,
        stdout: '',
        stderr: `usage: manage.ts ${usage}\nmanage.ts ${argv[0]}: error: ${message}`,
      });
    },
  );

  it.each([
    ["it's", `"it's"`],
    ['my app', "'my app'"],
    ['naïve', "'naïve'"],
  ])('quotes an app label %j as Python would', async (label, quoted) => {
    expect(await manage(['migrate', label])).toEqual({
      code: 1,
      stdout: '',
      stderr: `CommandError: No installed app with label ${quoted}.`,
    });
  });

  it('never prints node\'s unclosed quote (\'-- "--bogus") for an unknown option', async () => {
    const { stderr } = await manage(['check', '--bogus']);
    expect(stderr).not.toContain('-- "--bogus"');
    expect(stderr.split("'").length % 2).toBe(1);
  });
});
