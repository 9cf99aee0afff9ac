/**
 * The package manager (issue 16, item 4): the one that launched the CLI
 * (npm_config_user_agent) installs the project, --package-manager chooses another, the next
 * steps use its commands, and one that is not installed is refused before anything is written.
 * Only npm is installed on the test machines, so pnpm, yarn and bun are stand-ins on PATH
 * that record how they were called.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  detectPackageManager,
  findExecutable,
  nextSteps,
  shellQuote,
} from '../../src/cli/package-manager.js';
import { typescriptRunner } from '../../src/cli/typescript-runner.js';
import { snapshotDir, spawnCli, tempDir } from './helpers.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir: root, cleanup } = await tempDir()));
afterAll(() => cleanup());

const AGENTS = {
  npm: 'npm/10.8.2 node/v20.19.0 linux x64 workspaces/false',
  pnpm: 'pnpm/9.12.0 npm/? node/v22.11.0 linux x64',
  yarn: 'yarn/4.5.0 npm/? node/v22.11.0 darwin arm64',
  bun: 'bun/1.1.30 npm/? node/v22.6.0 linux x64',
};

describe('detectPackageManager', () => {
  it.each(Object.entries(AGENTS))('%s from its user agent', (pm, agent) => {
    expect(detectPackageManager({ npm_config_user_agent: agent })).toBe(pm);
  });

  it('npm without a user agent, or with one it does not know', () => {
    expect(detectPackageManager({})).toBe('npm');
    expect(detectPackageManager({ npm_config_user_agent: 'deno/2.0.0 npm/? node/v22' })).toBe(
      'npm',
    );
  });
});

describe('nextSteps', () => {
  it.each([
    ['npm', ['npm install', 'npm run migrate', 'npm start'], 'npx tsx manage.ts'],
    ['pnpm', ['pnpm install', 'pnpm migrate', 'pnpm start'], 'pnpm exec tsx manage.ts'],
    ['yarn', ['yarn install', 'yarn migrate', 'yarn start'], 'yarn tsx manage.ts'],
    ['bun', ['bun install', 'bun run migrate', 'bun run start'], 'bunx tsx manage.ts'],
  ] as const)('%s: its own commands', (pm, steps, manage) => {
    expect(
      nextSteps(pm, { cdPath: 'my site', installed: false, runner: 'tsx', hasApp: false }),
    ).toBe(
      `\nNext steps:\n  cd 'my site'\n${steps.map((s) => `  ${s}\n`).join('')}` +
        `\nThen add the tutorial app with: ${manage} startapp WebApp\n`,
    );
  });

  it('leaves out what is done: the cd into ., the install, the app', () => {
    expect(nextSteps('pnpm', { cdPath: '.', installed: true, runner: 'node', hasApp: true })).toBe(
      '\nNext steps:\n  pnpm migrate\n  pnpm start\n',
    );
    expect(
      nextSteps('yarn', { cdPath: 'site', installed: true, runner: 'node', hasApp: false }),
    ).toContain('Then add the tutorial app with: node manage.ts startapp WebApp');
  });

  it('quotes a folder as a POSIX shell reads it back', () => {
    expect(shellQuote('mysite')).toBe('mysite');
    expect(shellQuote('sub/my-site_2')).toBe('sub/my-site_2');
    expect(shellQuote("it's")).toBe(`'it'"'"'s'`);
    expect(shellQuote('')).toBe("''");
  });
});

/** A folder holding stand-ins for `names`, which record their arguments and folder. */
async function standIns(names: string[], exitCode = 0): Promise<string> {
  const bin = path.join(root, `bin-${names.join('-')}-${exitCode}`);
  await mkdir(bin, { recursive: true });
  for (const name of names) {
    const file = path.join(bin, name);
    await writeFile(
      file,
      `#!/bin/sh\necho "${name} $*" > "$PWD/.installed-by"\nexit ${exitCode}\n`,
    );
    await chmod(file, 0o755);
  }
  return bin;
}

async function freshDir(name: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir);
  return dir;
}

describe('startproject and the package manager', () => {
  const manage = typescriptRunner() === 'node' ? 'node manage.ts' : 'pnpm exec tsx manage.ts';

  it('finds an executable on PATH only', async () => {
    const bin = await standIns(['pnpm']);
    expect(findExecutable('pnpm', { PATH: bin })).toBe(path.join(bin, 'pnpm'));
    expect(findExecutable('pnpm', { PATH: root })).toBeUndefined();
    expect(findExecutable('bun', { PATH: bin })).toBeUndefined();
  });

  it('installs with the package manager that launched it, and says its commands', async () => {
    const cwd = await freshDir('launched');
    const bin = await standIns(['pnpm']);
    const result = await spawnCli(['startproject', 'mysite', '--tango', '^0.1.0'], cwd, {
      npm_config_user_agent: AGENTS.pnpm,
      PATH: `${bin}${path.delimiter}${process.env.PATH}`,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(path.join(cwd, 'mysite/.installed-by'), 'utf8')).toBe('pnpm install\n');
    expect(result.stdout).toContain('Installing dependencies with pnpm install...');
    expect(result.stdout).toContain(
      `\nNext steps:\n  cd mysite\n  pnpm migrate\n  pnpm start\n\nThen add the tutorial app with: ${manage} startapp WebApp`,
    );
  });

  it('--package-manager chooses another', async () => {
    const cwd = await freshDir('chosen');
    const bin = await standIns(['yarn', 'pnpm']);
    const result = await spawnCli(
      ['startproject', 'mysite', '--tango', '^0.1.0', '--package-manager', 'yarn'],
      cwd,
      { npm_config_user_agent: AGENTS.pnpm, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(path.join(cwd, 'mysite/.installed-by'), 'utf8')).toBe('yarn install\n');
    expect(result.stdout).toContain('  yarn migrate\n  yarn start\n');
  });

  it('--no-install needs no package manager and lists its install first', async () => {
    const cwd = await freshDir('noinstall');
    const result = await spawnCli(
      ['startproject', 'mysite', '--no-install', '--tango', '^0.1.0', '--package-manager', 'bun'],
      cwd,
      { PATH: root },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      '  cd mysite\n  bun install\n  bun run migrate\n  bun run start\n',
    );
  });

  it.each([
    [['--package-manager', 'bun'], {}, 'bun (from --package-manager)'],
    [[], { npm_config_user_agent: AGENTS.yarn }, 'yarn (the one running tango-admin)'],
  ])(
    'a package manager that is not installed is refused before anything is written (%j %j)',
    async (flags, env, who) => {
      const cwd = await freshDir(`missing-${flags.length}`);
      const result = await spawnCli(
        ['startproject', 'mysite', '--tango', '^0.1.0', ...flags],
        cwd,
        {
          ...env,
          PATH: root,
        },
      );
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `CommandError: ${who} is not installed: no '${who.split(' ')[0]}' on PATH. Install it, choose another with --package-manager (${['npm', 'pnpm', 'yarn', 'bun'].filter((pm) => pm !== who.split(' ')[0]).join(', ')}), or skip the install with --no-install. Nothing was written.`,
      );
      expect(await snapshotDir(cwd)).toEqual({});
    },
  );

  it('a failed install keeps the files and says how to retry with that package manager', async () => {
    const cwd = await freshDir('failed');
    const bin = await standIns(['pnpm'], 3);
    const result = await spawnCli(['startproject', 'mysite', '--tango', '^0.1.0'], cwd, {
      npm_config_user_agent: AGENTS.pnpm,
      PATH: `${bin}${path.delimiter}${process.env.PATH}`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'CommandError: pnpm install failed (exit code 3). The project files are in place; to retry: cd mysite && pnpm install',
    );
    expect(Object.keys(await snapshotDir(path.join(cwd, 'mysite')))).toContain('manage.ts');
  });
});

describe("the project's package.json for each package manager", () => {
  it.each([
    ['npm', false, false],
    ['yarn', false, false],
    ['pnpm', true, false],
    ['bun', false, true],
  ])(
    '%s: the fields that let it run the approved install scripts (pnpm %s, bun %s)',
    async (pm, pnpm, bun) => {
      const cwd = await freshDir(`pkg-${pm}`);
      const result = await spawnCli(
        ['startproject', 'mysite', '--no-install', '--tango', '^0.1.0', '--package-manager', pm],
        cwd,
      );
      expect(result.code, result.stderr).toBe(0);
      const pkg = JSON.parse(await readFile(path.join(cwd, 'mysite/package.json'), 'utf8')) as {
        allowScripts: Record<string, boolean>;
        pnpm?: unknown;
        trustedDependencies?: unknown;
      };
      const approved = Object.keys(pkg.allowScripts);
      expect(approved).toContain('better-sqlite3');
      expect(pkg.pnpm).toEqual(pnpm ? { onlyBuiltDependencies: approved } : undefined);
      expect(pkg.trustedDependencies).toEqual(bun ? approved : undefined);
    },
  );
});
