/**
 * `manage.ts createsuperuser` and `changepassword`, ported from Django 5.2's
 * tests/auth_tests/test_management.py (CreatesuperuserManagementCommandTestCase,
 * ChangepasswordManagementCommandTestCase): each row names its Django test. The commands run
 * through `executeFromCommandLine` on a migrated SQLite database; the terminal is a scripted
 * `PromptIO` (Django's tests mock `input` and `getpass` the same way), and one row runs the
 * real command under a pseudo-terminal (`script`) to check that a password is not echoed.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeChangepassword } from '../../../src/runtime/auth/commands/changepassword.js';
import {
  makeCreatesuperuser,
  superuserEnv,
} from '../../../src/runtime/auth/commands/createsuperuser.js';
import { PromptCancelled, type PromptIO } from '../../../src/runtime/auth/commands/prompt.js';
import {
  checkPassword,
  getUserManager,
  isPasswordUsable,
} from '../../../src/runtime/auth/index.js';
import type { Settings } from '../../../src/runtime/conf/settings.js';
import { AppRegistry } from '../../../src/runtime/apps/registry.js';
import type { Command } from '../../../src/runtime/management/base.js';
import { executeFromCommandLine } from '../../../src/runtime/management/index.js';
import { authApplication } from './support.js';
import { isCI } from '../../support/services.js';

let settings: Readonly<Settings>;

beforeAll(async () => {
  ({ settings } = await authApplication({
    AUTH_PASSWORD_VALIDATORS: [
      { NAME: 'tango.auth.password_validation.MinimumLengthValidator' },
      { NAME: 'tango.auth.password_validation.CommonPasswordValidator' },
    ],
  }));
});

/** A terminal that answers `answers` in order and records the prompts. */
function scripted(answers: string[], interactive = true): { io: PromptIO; prompts: string[] } {
  const prompts: string[] = [];
  const next = async (prompt: string): Promise<string> => {
    prompts.push(prompt);
    const answer = answers.shift();
    if (answer === undefined) throw new PromptCancelled();
    return answer;
  };
  return { io: { interactive, question: next, password: next, close() {} }, prompts };
}

async function run(
  command: Command,
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  // The command under test replaces the app's own for this run.
  const name = argv[0]!;
  const apps = await AppRegistry.load(settings);
  const auth = apps.get('auth')!;
  const original = auth.commands![name]!;
  auth.commands![name] = command;
  try {
    const code = await executeFromCommandLine(argv, {
      settings,
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    });
    return { code, stdout, stderr };
  } finally {
    auth.commands![name] = original;
  }
}

describe('CreatesuperuserManagementCommandTestCase (Django 5.2 test_management.py)', () => {
  it('test_basic_usage: --noinput --username --email, an unusable password', async () => {
    const result = await run(makeCreatesuperuser({ env: {} }), [
      'createsuperuser',
      '--noinput',
      '--username=joe',
      '--email=joe@somewhere.org',
    ]);
    expect(result).toMatchObject({ code: 0, stdout: 'Superuser created successfully.\n' });
    const joe = (await getUserManager(settings).getByNaturalKey('joe'))!;
    expect(joe.email).toBe('joe@somewhere.org');
    expect(joe.isStaff && joe.isSuperuser).toBe(true);
    expect(isPasswordUsable(joe.password)).toBe(false);
  });

  it('test_environment_variable_non_interactive: DJANGO_SUPERUSER_*', async () => {
    const env = {
      DJANGO_SUPERUSER_USERNAME: 'test_superuser',
      DJANGO_SUPERUSER_EMAIL: 'joe@somewhere.org',
      DJANGO_SUPERUSER_PASSWORD: 'test_password',
    };
    const result = await run(makeCreatesuperuser({ env }), ['createsuperuser', '--noinput']);
    expect(result.code).toBe(0);
    const user = (await getUserManager(settings).getByNaturalKey('test_superuser'))!;
    expect(user.email).toBe('joe@somewhere.org');
    expect(await checkPassword('test_password', user.password)).toBe(true);
  });

  it('TANGO_SUPERUSER_* are read too, and win over DJANGO_SUPERUSER_*', () => {
    expect(superuserEnv('USERNAME', { DJANGO_SUPERUSER_USERNAME: 'd' })).toBe('d');
    expect(
      superuserEnv('USERNAME', { DJANGO_SUPERUSER_USERNAME: 'd', TANGO_SUPERUSER_USERNAME: 't' }),
    ).toBe('t');
  });

  it('test_environment_variable_non_interactive with TANGO_ names', async () => {
    const env = {
      TANGO_SUPERUSER_USERNAME: 'tango_root',
      TANGO_SUPERUSER_EMAIL: '',
      TANGO_SUPERUSER_PASSWORD: 'pw-from-env',
    };
    const result = await run(makeCreatesuperuser({ env }), ['createsuperuser', '--no-input']);
    expect(result.code).toBe(0);
    const user = (await getUserManager(settings).getByNaturalKey('tango_root'))!;
    expect(user.email).toBe('');
    expect(await checkPassword('pw-from-env', user.password)).toBe(true);
  });

  it.each([
    [
      ['--noinput', '--email=a@b.co'],
      {},
      'CommandError: You must use --username with --noinput.\n',
    ],
    [
      ['--noinput', '--username=nomail'],
      {},
      'CommandError: You must use --email with --noinput.\n',
    ],
    [
      ['--noinput', '--username=joe', '--email=x@y.co'],
      {},
      'CommandError: Error: That username is already taken.\n',
    ],
    [
      ['--noinput', '--username=bad name', '--email=x@y.co'],
      {},
      'CommandError: Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.\n',
    ],
    [
      ['--noinput', '--username=mail', '--email=not-an-email'],
      {},
      'CommandError: Enter a valid email address.\n',
    ],
  ] as const)(
    'test_validation_mismatched_input / required fields, --noinput %j: one line, exit 1',
    async (args, env, message) => {
      const result = await run(makeCreatesuperuser({ env }), ['createsuperuser', ...args]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(message);
    },
  );

  it('test_swappable_user / interactive: prompts in Django\u2019s words', async () => {
    const { io, prompts } = scripted([
      'alice',
      'alice@example.com',
      'A-long-pass-1',
      'A-long-pass-1',
    ]);
    const result = await run(makeCreatesuperuser({ prompt: () => io }), ['createsuperuser']);
    expect(result).toMatchObject({ code: 0, stdout: 'Superuser created successfully.\n' });
    expect(prompts[0]).toMatch(/^Username( \(leave blank to use '.+'\))?: $/);
    expect(prompts.slice(1)).toEqual(['Email address: ', 'Password: ', 'Password (again): ']);
    const alice = (await getUserManager(settings).getByNaturalKey('alice'))!;
    expect(await checkPassword('A-long-pass-1', alice.password)).toBe(true);
  });

  it('test_existing_username / test_invalid_username: asks again', async () => {
    const { io } = scripted(['alice', 'x y', 'bob', '', 'pw-of-bob-1', 'pw-of-bob-1'], true);
    const result = await run(makeCreatesuperuser({ prompt: () => io }), ['createsuperuser']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('Error: That username is already taken.\n');
    expect(result.stderr).toContain(
      'Error: Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.\n',
    );
  });

  it('test_password_validation: mismatch, blank, then a weak password bypassed with y', async () => {
    const { io, prompts } = scripted([
      'carol',
      '',
      'one',
      'two',
      ' ',
      ' ',
      '1234567',
      '1234567',
      'n',
      '1234567',
      '1234567',
      'y',
    ]);
    const result = await run(makeCreatesuperuser({ prompt: () => io }), ['createsuperuser']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      "Error: Your passwords didn't match.\n" +
        "Error: Blank passwords aren't allowed.\n" +
        'This password is too short. It must contain at least 8 characters.\nThis password is too common.\n' +
        'This password is too short. It must contain at least 8 characters.\nThis password is too common.\n',
    );
    expect(prompts.filter((p) => p.startsWith('Bypass'))).toEqual([
      'Bypass password validation and create user anyway? [y/N]: ',
      'Bypass password validation and create user anyway? [y/N]: ',
    ]);
    const carol = (await getUserManager(settings).getByNaturalKey('carol'))!;
    expect(await checkPassword('1234567', carol.password)).toBe(true);
  });

  it('test_non_interactive_tty_error: not a terminal, creation skipped (exit 0)', async () => {
    const { io } = scripted([], false);
    const result = await run(makeCreatesuperuser({ prompt: () => io }), ['createsuperuser']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      'Superuser creation skipped due to not running in a TTY. You can run `manage.ts createsuperuser` in your project to create one manually.\n',
    );
  });

  it('test_keyboard_interrupt: "Operation cancelled.", exit 1, nobody created', async () => {
    const { io } = scripted(['dave']);
    const result = await run(makeCreatesuperuser({ prompt: () => io }), ['createsuperuser']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('CommandError: Operation cancelled.\n');
    expect(await getUserManager(settings).getByNaturalKey('dave')).toBeNull();
  });
});

describe('ChangepasswordManagementCommandTestCase (Django 5.2 test_management.py)', () => {
  beforeAll(async () => {
    await getUserManager(settings).createUser('joe2', { password: 'qwerty-old-1' });
  });

  it('test_that_changepassword_command_changes_joes_password', async () => {
    const { io } = scripted(['not qwerty 1', 'not qwerty 1']);
    const result = await run(
      makeChangepassword(() => io),
      ['changepassword', 'joe2'],
    );
    expect(result).toMatchObject({
      code: 0,
      stdout: "Changing password for user 'joe2'\nPassword changed successfully for user 'joe2'\n",
    });
    const joe = (await getUserManager(settings).getByNaturalKey('joe2'))!;
    expect(await checkPassword('not qwerty 1', joe.password)).toBe(true);
  });

  it('test_that_max_tries_exits_1: three mismatches abort', async () => {
    const { io } = scripted(['a', 'b', 'c', 'd', 'e', 'f']);
    const result = await run(
      makeChangepassword(() => io),
      ['changepassword', 'joe2'],
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      "Changing password for user 'joe2'\n" +
        'Passwords do not match. Please try again.\n'.repeat(3),
    );
    expect(result.stderr).toBe(
      "CommandError: Aborting password change for user 'joe2' after 3 attempts\n",
    );
  });

  it('test_password_validation: validators refuse, then a good one', async () => {
    const { io } = scripted(['1234567', '1234567', 'a-good-password', 'a-good-password']);
    const result = await run(
      makeChangepassword(() => io),
      ['changepassword', 'joe2'],
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      'This password is too short. It must contain at least 8 characters.\nThis password is too common.\n',
    );
  });

  it('test_nonexistent_username', async () => {
    const result = await run(
      makeChangepassword(() => scripted([]).io),
      ['changepassword', 'nobody'],
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("CommandError: user 'nobody' does not exist\n");
  });
});

/** `script` (util-linux) gives a child a pseudo-terminal. */
function hasScript(): boolean {
  return existsSync('/usr/bin/script');
}

describe.skipIf(!hasScript() && !isCI())('a real terminal (script)', () => {
  let dir: string;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('createsuperuser on a pseudo-terminal: the password is not echoed, the user is created', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tango-createsuperuser-'));
    const db = path.join(dir, 'db.sqlite3');
    const entry = path.join(dir, 'run.mts');
    const src = path.resolve('src/runtime');
    writeFileSync(
      entry,
      `import { defineSettings } from ${JSON.stringify(`${src}/conf/define.ts`)};
import { configure } from ${JSON.stringify(`${src}/conf/current.ts`)};
import { AppRegistry } from ${JSON.stringify(`${src}/apps/registry.ts`)};
import { getConnection } from ${JSON.stringify(`${src}/db/connections.ts`)};
import { migrate } from ${JSON.stringify(`${src}/db/migrations.ts`)};
import { executeFromCommandLine } from ${JSON.stringify(`${src}/management/index.ts`)};
const settings = configure(defineSettings({ BASE_DIR: ${JSON.stringify(dir)}, SECRET_KEY: 'k', INSTALLED_APPS: ['tango.sessions', 'tango.auth'], DATABASES: { default: { ENGINE: 'sqlite', NAME: 'db.sqlite3' } } }));
await migrate(getConnection(settings), await AppRegistry.load(settings), {}, { write: () => 0 });
process.exitCode = await executeFromCommandLine(['createsuperuser'], { settings });
process.exit();
`,
    );
    const tsx = path.resolve('node_modules/.bin/tsx');
    // Each answer is typed once its prompt is on the screen (before that the terminal itself
    // would echo it), as a person would.
    const script: [prompt: string, answer: string][] = [
      ['Username', 'rooty\n'],
      ['Email address: ', 'root@example.com\n'],
      ['Password: ', 'secret-pw-123\n'],
      ['Password (again): ', 'secret-pw-123\n'],
    ];
    const output = await new Promise<string>((resolve, reject) => {
      let seen = '';
      const child = execFile(
        'script',
        ['-qec', `${tsx} ${entry}`, '/dev/null'],
        { timeout: 60_000, env: { ...process.env, TERM: 'dumb' } },
        (error, stdout) => (error ? reject(Object.assign(error, { stdout })) : resolve(stdout)),
      );
      child.stdout!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        const [prompt, answer] = script[0] ?? [];
        if (prompt !== undefined && seen.includes(prompt)) {
          seen = seen.slice(seen.indexOf(prompt) + prompt.length);
          script.shift();
          child.stdin!.write(answer!);
        }
      });
    });
    expect(output).toContain('Superuser created successfully.');
    expect(output).toContain('rooty');
    expect(output).not.toContain('secret-pw-123');
    expect(existsSync(db)).toBe(true);
  }, 90_000);
});
