import { describe, expect, it } from 'vitest';
import { parseFast, parseWithYargs } from '../../src/cli/arguments.js';
import { run } from './helpers.js';

describe('the fast parser agrees with yargs', () => {
  it.each([
    ['startproject', 'mysite'],
    ['startproject', 'mysite', 'dir'],
    ['startproject', 'mysite', '--no-install'],
    ['startproject', 'mysite', '--install'],
    ['startproject', '--dry-run', 'mysite', '--force', '--format'],
    ['startproject', 'mysite', '--tango', '^1.0.0'],
    ['startproject', 'mysite', '--tango=file:../x', '--template=tpl'],
    ['startproject', 'mysite', '--session-engine', 'file', '--package-manager', 'pnpm'],
    ['startproject', 'mysite', '--session-engine=signed_cookies', '--no-app', '--no-input'],
    ['startproject', 'mysite', '--app', 'WebApp', '--input'],
    ['startapp', 'WebApp'],
    ['startapp', 'WebApp', 'apps/web', '--kind', 'minimal'],
    ['startapp', 'WebApp', '--kind=tutorial', '--template', 't', '--dry-run'],
    ['startapp', 'Café', '--force', '--format'],
  ])('%j', async (...argv) => {
    const fast = parseFast(argv);
    expect(fast).toBeDefined();
    const slow = await parseWithYargs(argv, '0.0.0');
    expect(slow.parsed).toEqual(fast);
  });

  it.each([
    [['startapp']],
    [['startproject', 'a', 'b', 'c']],
    [['startproject', 'a', '--session-engine', 'nope']],
    [['startproject', 'a', '--app', 'WebApp', '--no-app']],
    [['startproject', 'a', '--bogus']],
    [['startproject', 'a', '--help']],
    [['startproject', 'a', '-h']],
    [['startproject', 'a', '--no-install', '--install']],
    [['startapp', 'a', '--kind', 'nope']],
    [['startapp', 'a', '--tango', 'x']],
    [['--version']],
    [['help']],
    [[]],
  ])('leaves %j to yargs', (argv) => {
    expect(parseFast(argv)).toBeUndefined();
  });
});

it('lets startproject go without a name (a terminal asks for it)', () => {
  expect(parseFast(['startproject', '--no-install'])).toMatchObject({
    command: 'startproject',
    install: false,
    input: true,
  });
  expect(parseFast(['startproject'])?.name).toBeUndefined();
});

describe('usage, help and version', () => {
  it('--help lists the commands; exit 0', async () => {
    const result = await run(['--help'], process.cwd());
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('tango-admin startproject [name] [directory]');
    expect(result.stdout).toContain('tango-admin startapp [name] [directory]');
  });

  it('startapp --help shows its options', async () => {
    const result = await run(['startapp', '--help'], process.cwd());
    expect(result.code).toBe(0);
    for (const option of ['--kind', '--template', '--dry-run', '--force', '--format'])
      expect(result.stdout).toContain(option);
  });

  it('startproject --help explains the three ways the runtime dependency is written', async () => {
    const result = await run(['startproject', '--help'], process.cwd());
    expect(result.code).toBe(0);
    for (const option of ['--app', '--tango', '--install', '--template']) {
      expect(result.stdout).toContain(option);
    }
    const epilogue = result.stdout.slice(result.stdout.indexOf('The runtime dependency'));
    expect(epilogue).toContain('installed tango-admin (npm registry, a tarball, npx');
    expect(epilogue).toContain('"^<version>"');
    expect(epilogue).toContain('source checkout');
    expect(epilogue).toContain('"file:vendor/tango-<version>.tgz"');
    expect(epilogue).toContain('--tango SPEC');
  });

  it('--version prints the package version', async () => {
    expect(await run(['--version'], process.cwd())).toEqual({
      code: 0,
      stdout: '0.1.0\n',
      stderr: '',
    });
  });

  it.each([
    [
      ['startproject', 'a', '--bogus'],
      "usage: tango-admin startproject [options] name [directory]\ntango-admin startproject: error: unrecognized option '--bogus'\n",
    ],
    [
      ['startapp', 'a', '--kind', 'nope'],
      "usage: tango-admin startapp [options] name [directory]\ntango-admin startapp: error: argument --kind: invalid choice: 'nope' (choose from 'tutorial', 'minimal')\n",
    ],
    [
      [],
      "usage: tango-admin <command> [options]\ntango-admin: error: Type 'tango-admin help' for usage.\n",
    ],
  ])('%j is a usage error: exit 2', async (argv, stderr) => {
    expect(await run(argv, process.cwd())).toEqual({ code: 2, stdout: '', stderr });
  });

  it('an unknown command exits 1, as django-admin does', async () => {
    expect(await run(['startpoject', 'x'], process.cwd())).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "Unknown command: 'startpoject'. Did you mean startproject?\nType 'tango-admin help' for usage.\n",
    });
  });
});
