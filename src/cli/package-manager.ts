import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_MANAGERS, type PackageManager } from '../generator/package-managers.js';
import { CommandError } from './errors.js';

// The list lives with the generator, which writes each one's package.json fields.
export { PACKAGE_MANAGERS, type PackageManager };

/** How each package manager spells what the next steps and the install need. */
interface Commands {
  /** The install, run in the new project. */
  install: readonly string[];
  /** A package.json script: `npm run migrate`, `pnpm migrate`, ... */
  run(script: string): string;
  /** A binary of the project's dependencies: `npx tsx`, `pnpm exec tsx`, ... */
  exec(binary: string): string;
}

const COMMANDS: Record<PackageManager, Commands> = {
  npm: {
    install: ['install', '--no-audit', '--no-fund'],
    run: (script) =>
      script === 'start' || script === 'test' ? `npm ${script}` : `npm run ${script}`,
    exec: (binary) => `npx ${binary}`,
  },
  pnpm: {
    install: ['install'],
    run: (script) => `pnpm ${script}`,
    exec: (binary) => `pnpm exec ${binary}`,
  },
  yarn: {
    install: ['install'],
    run: (script) => `yarn ${script}`,
    exec: (binary) => `yarn ${binary}`,
  },
  bun: {
    install: ['install'],
    run: (script) => `bun run ${script}`,
    exec: (binary) => `bunx ${binary}`,
  },
};

/**
 * The package manager that launched the CLI, from `npm_config_user_agent`, which npm, pnpm,
 * yarn and bun all set for the programs they run (`pnpm/9.12.0 npm/? node/v22.11.0 linux
 * x64`): `npm create tango`, `pnpm create tango`, `yarn create tango`, `bun create tango`,
 * `pnpm dlx tango-admin`, a package.json script. `npm` when nothing (or something else) did.
 *
 * @example
 * detectPackageManager({ npm_config_user_agent: 'pnpm/9.12.0 npm/? node/v22.11.0 linux x64' }); // 'pnpm'
 * detectPackageManager({}); // 'npm'
 */
export function detectPackageManager(env: NodeJS.ProcessEnv): PackageManager {
  const name = /^([a-z]+)\//.exec(env.npm_config_user_agent ?? '')?.[1];
  return PACKAGE_MANAGERS.find((pm) => pm === name) ?? 'npm';
}

/**
 * The arguments of the install (`['install', '--no-audit', '--no-fund']` for npm).
 *
 * @example
 * installArguments('pnpm'); // ['install']
 */
export function installArguments(pm: PackageManager): readonly string[] {
  return COMMANDS[pm].install;
}

/**
 * A project script as the package manager runs it.
 *
 * @example
 * runScript('npm', 'migrate'); // 'npm run migrate'
 * runScript('pnpm', 'migrate'); // 'pnpm migrate'
 */
export function runScript(pm: PackageManager, script: string): string {
  return COMMANDS[pm].run(script);
}

/**
 * A binary of the project's dependencies as the package manager runs it.
 *
 * @example
 * execBinary('pnpm', 'tsx manage.ts'); // 'pnpm exec tsx manage.ts'
 */
export function execBinary(pm: PackageManager, binary: string): string {
  return COMMANDS[pm].exec(binary);
}

/**
 * The full path of `command` on `PATH` (with Windows' `PATHEXT` extensions), or `undefined`.
 *
 * @example
 * findExecutable('npm', process.env); // '/usr/bin/npm'
 */
export function findExecutable(command: string, env: NodeJS.ProcessEnv): string | undefined {
  const windows = process.platform === 'win32';
  const extensions = windows ? (env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';') : [''];
  for (const dir of (env.PATH ?? env.Path ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const extension of extensions) {
      const candidate = path.join(dir, command + extension);
      try {
        if (!statSync(candidate).isFile()) continue;
        if (!windows) accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // Not here, or not executable: keep looking.
      }
    }
  }
  return undefined;
}

/**
 * Refuses, before anything is written, a package manager that is not installed: the install
 * would fail after the project is on disk.
 *
 * @example
 * requirePackageManager('pnpm', 'from --package-manager', process.env); // throws when pnpm is not on PATH
 */
export function requirePackageManager(
  pm: PackageManager,
  why: string,
  env: NodeJS.ProcessEnv,
): void {
  if (findExecutable(pm, env) !== undefined) return;
  const others = PACKAGE_MANAGERS.filter((other) => other !== pm).join(', ');
  throw new CommandError(
    `${pm} (${why}) is not installed: no '${pm}' on PATH. Install it, choose another with --package-manager (${others}), or skip the install with --no-install. Nothing was written.`,
  );
}

/**
 * A word as a POSIX shell reads it back: as is when it is plain, else in single quotes
 * (Python's `shlex.quote`), so `cd 'my site'` can be pasted.
 *
 * @example
 * shellQuote('mysite'); // 'mysite'
 * shellQuote('my site'); // "'my site'"
 */
export function shellQuote(word: string): string {
  if (word !== '' && /^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'"'"'`)}'`;
}

/** What the next steps depend on. */
export interface NextStepsOptions {
  /** The project folder as the user should `cd` to it (`.` for the current one). */
  cdPath: string;
  /** Whether the dependencies were installed. */
  installed: boolean;
  /** What runs the project's TypeScript (`node` or `tsx`). */
  runner: 'node' | 'tsx';
  /** Whether an app was created (else the text says how to add the tutorial app). */
  hasApp: boolean;
}

/**
 * The `Next steps:` text after startproject, in the package manager's own commands (`npm run
 * migrate` / `pnpm migrate` / `yarn migrate` / `bun run migrate`, `npx tsx` / `pnpm exec tsx`
 * / `yarn tsx` / `bunx tsx`).
 *
 * @example
 * nextSteps('pnpm', { cdPath: 'mysite', installed: true, runner: 'tsx', hasApp: true });
 * // '\nNext steps:\n  cd mysite\n  pnpm migrate\n  pnpm start\n'
 */
export function nextSteps(pm: PackageManager, options: NextStepsOptions): string {
  const steps = [
    ...(options.cdPath === '.' ? [] : [`cd ${shellQuote(options.cdPath)}`]),
    ...(options.installed ? [] : [`${pm} ${installArguments(pm)[0]}`]),
    runScript(pm, 'migrate'),
    runScript(pm, 'start'),
  ];
  let text = `\nNext steps:\n${steps.map((s) => `  ${s}\n`).join('')}`;
  if (!options.hasApp) {
    const manage = options.runner === 'node' ? 'node manage.ts' : execBinary(pm, 'tsx manage.ts');
    text += `\nThen add the tutorial app with: ${manage} startapp WebApp\n`;
  }
  return text;
}
