import { parseArgs } from 'node:util';
import { PACKAGE_MANAGERS } from '../generator/package-managers.js';
import { PROJECT_SESSION_ENGINES } from '../generator/session-engines.js';
import { EXIT_STATUS_HELP } from './errors.js';

/** The built-in app templates (`templates/app/<kind>/`). */
export const APP_KINDS = ['tutorial', 'minimal'] as const;

/** The commands of `tango-admin`. */
export type CommandName = 'startproject' | 'startapp';

/** One option of a command: what yargs documents and both parsers accept. */
interface OptionSpec {
  type: 'string' | 'boolean';
  describe: string;
  default?: string | boolean;
  choices?: readonly string[];
}

const COMMON: Record<string, OptionSpec> = {
  template: {
    type: 'string',
    describe: 'Path to a template directory to use instead of the built-in one',
  },
  'dry-run': {
    type: 'boolean',
    default: false,
    describe: 'Print the files that would be written (CREATE lines); write nothing',
  },
  json: {
    type: 'boolean',
    default: false,
    describe: 'With --dry-run: print the plan as one JSON document (docs/generator.md)',
  },
  force: { type: 'boolean', default: false, describe: 'Overwrite existing files' },
  format: {
    type: 'boolean',
    default: false,
    describe: 'Format the output with prettier (always on for --template)',
  },
};

/** The single table both parsers are built from, so they cannot drift apart. */
export const COMMANDS: Record<
  CommandName,
  { describe: string; what: string; options: Record<string, OptionSpec>; epilogue?: string }
> = {
  startproject: {
    describe:
      'Creates a Tango project directory structure for the given project name in the current directory or optionally in the given directory.',
    what: 'project',
    options: {
      ...COMMON,
      install: {
        type: 'boolean',
        default: true,
        describe: 'Install the dependencies in the new project (--no-install skips it)',
      },
      'package-manager': {
        type: 'string',
        choices: PACKAGE_MANAGERS,
        describe:
          'Install with, and write next steps for, this package manager (default: the one running tango-admin, else npm)',
      },
      'session-engine': {
        type: 'string',
        choices: PROJECT_SESSION_ENGINES.map((engine) => engine.name),
        describe: "The project's SESSION_ENGINE (default: db)",
      },
      app: {
        type: 'string',
        describe:
          'Also create this app with the tutorial template (startapp NAME) in the project; --no-app: none, without asking',
      },
      input: {
        type: 'boolean',
        default: true,
        describe:
          'On a terminal, ask for what is missing when no name is given (--no-input never asks)',
      },
      tango: {
        type: 'string',
        describe: 'The tango dependency spec written to package.json (default: see below)',
      },
    },
    epilogue: [
      'The runtime dependency ("tango" in the new package.json):',
      '  installed tango-admin (npm registry, a tarball, npx, npm create tango)',
      '      "^<version>" of this tango-admin, installed from the registry like any package',
      '  tango-admin run from a source checkout of Tango (after npm install there)',
      '      the runtime packed into the project, vendor/tango-<version>.tgz, as',
      '      "file:vendor/tango-<version>.tgz": the project keeps working when the checkout',
      '      moves or is deleted',
      '  --tango SPEC',
      '      SPEC as given: a version range, "file:../tango-0.1.0.tgz" (relative to the',
      '      project), a git URL, ...',
    ].join('\n'),
  },
  startapp: {
    describe:
      'Creates a Tango app directory structure for the given app name in the current directory or optionally in the given directory, and registers it in the project.',
    what: 'application',
    options: {
      ...COMMON,
      kind: {
        type: 'string',
        choices: APP_KINDS,
        default: 'tutorial',
        describe: 'Built-in app template',
      },
    },
  },
};

/** A fully parsed command line. */
export interface ParsedCommand {
  command: CommandName;
  name?: string;
  directory?: string;
  template?: string;
  tango?: string;
  /** startproject only: the app to create in the new project. */
  app?: string;
  kind?: (typeof APP_KINDS)[number];
  dryRun: boolean;
  /** `--json`: with `--dry-run`, print the plan as JSON (`PlanJson`). */
  json: boolean;
  force: boolean;
  format: boolean;
  /** startproject only. */
  install?: boolean;
  /** startproject only: `--no-app`, no tutorial app (and no question about it). */
  noApp?: boolean;
  /** startproject only: `--session-engine`. */
  sessionEngine?: string;
  /** startproject only: `--package-manager`. */
  packageManager?: string;
  /** startproject only: `false` with `--no-input` (never prompt). */
  input?: boolean;
}

function isCommand(value: unknown): value is CommandName {
  return value === 'startproject' || value === 'startapp';
}

/** Normalises either parser's output into a `ParsedCommand`. */
function toParsed(
  command: CommandName,
  positionals: unknown[],
  values: Record<string, unknown>,
): ParsedCommand {
  const parsed: ParsedCommand = {
    command,
    dryRun: values['dry-run'] === true,
    json: values.json === true,
    force: values.force === true,
    format: values.format === true,
  };
  if (typeof positionals[0] === 'string') parsed.name = positionals[0];
  if (typeof positionals[1] === 'string') parsed.directory = positionals[1];
  if (typeof values.template === 'string') parsed.template = values.template;
  if (command === 'startproject') {
    parsed.install = values.install !== false;
    if (typeof values.tango === 'string') parsed.tango = values.tango;
    if (typeof values.app === 'string') parsed.app = values.app;
    if (values.app === false || values['no-app'] === true) parsed.noApp = true;
    if (typeof values['session-engine'] === 'string')
      parsed.sessionEngine = values['session-engine'];
    if (typeof values['package-manager'] === 'string')
      parsed.packageManager = values['package-manager'];
    parsed.input = values.input !== false;
  } else {
    parsed.kind = (values.kind ?? 'tutorial') as ParsedCommand['kind'];
  }
  return parsed;
}

/**
 * The common case without yargs: a well-formed `startproject`/`startapp` line parsed with
 * `node:util` `parseArgs` from the same option table. Loading yargs costs ~80 ms (measured in
 * bench/startproject.mjs), a third of the start-up budget, so it is only loaded for help,
 * `--version` and malformed lines; this returns `undefined` for all of those, and yargs decides.
 *
 * @example
 * parseFast(['startproject', 'mysite', '--no-install']); // { command: 'startproject', name: 'mysite', install: false, ... }
 * parseFast(['startproject', '--help']); // undefined
 */
export function parseFast(argv: readonly string[]): ParsedCommand | undefined {
  const [command, ...rest] = argv;
  if (!isCommand(command)) return undefined;
  const spec = COMMANDS[command].options;
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [name, option] of Object.entries(spec)) options[name] = { type: option.type };
  for (const negated of ['install', 'input', 'app']) {
    if (spec[negated]) options[`no-${negated}`] = { type: 'boolean' };
  }
  let result;
  try {
    result = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch {
    return undefined;
  }
  const { values, positionals } = result;
  // startproject without a name may ask for it (main.ts); startapp needs one.
  const least = command === 'startproject' ? 0 : 1;
  if (positionals.length < least || positionals.length > 2) return undefined;
  for (const [name, option] of Object.entries(spec)) {
    const value = (values as Record<string, unknown>)[name];
    if (option.choices && value !== undefined && !option.choices.includes(value as string))
      return undefined;
  }
  const all = values as Record<string, unknown>;
  for (const negated of ['install', 'input']) {
    if (all[`no-${negated}`] === undefined) continue;
    if (all[negated] !== undefined) return undefined; // both spellings: let yargs apply its rules
    all[negated] = !all[`no-${negated}`];
  }
  if (all['no-app'] !== undefined && all.app !== undefined) return undefined;
  return toParsed(command, positionals, all);
}

/** What yargs made of a command line that `parseFast` left to it. */
export interface YargsOutcome {
  parsed?: ParsedCommand;
  /** Help or version text (print it, exit 0). */
  output?: string;
  /** A usage error (print it, exit 2). */
  failure?: string;
  /** The first positional, when it is not a known command. */
  unknownCommand?: string;
  command?: CommandName;
}

/**
 * Parses with yargs (imported lazily): help, `--version`, and every usage error with yargs'
 * messages.
 *
 * @example
 * const outcome = await parseWithYargs(['--help'], '0.1.0'); // { output: 'Usage: tango-admin ...' }
 */
export async function parseWithYargs(
  argv: readonly string[],
  version: string,
): Promise<YargsOutcome> {
  const { default: yargs } = await import('yargs');
  let y = yargs()
    .scriptName('tango-admin')
    .usage(
      `Usage: $0 <command> [options]\n       $0 help [command]\n       $0 --version (-v)\n\nDjango's django-admin for TypeScript: scaffolds Tango projects and apps.`,
    )
    .epilogue(EXIT_STATUS_HELP);
  for (const [command, spec] of Object.entries(COMMANDS)) {
    y = y.command(`${command} [name] [directory]`, spec.describe, (sub) => {
      sub
        .positional('name', {
          type: 'string',
          describe: `Name of the ${spec.what} (a valid identifier)`,
        })
        .positional('directory', { type: 'string', describe: 'Optional destination directory' });
      for (const [name, option] of Object.entries(spec.options)) {
        sub.option(name, {
          type: option.type,
          describe: option.describe,
          ...(option.default !== undefined ? { default: option.default } : {}),
          ...(option.choices ? { choices: option.choices } : {}),
        });
      }
      sub.epilogue(spec.epilogue ? `${spec.epilogue}\n\n${EXIT_STATUS_HELP}` : EXIT_STATUS_HELP);
      return sub;
    });
  }
  y = y
    .demandCommand(1, `Type 'tango-admin help' for usage.`)
    .strict()
    .help()
    .alias('h', 'help')
    .version('version', 'Show the version number (also -v)', version)
    .wrap(100)
    .exitProcess(false);
  let failure: string | undefined;
  y.fail((message, error) => {
    failure = message ?? error?.message ?? 'invalid arguments';
  });
  const { parsed, output } = await new Promise<{
    parsed: Record<string, unknown> | undefined;
    output: string;
  }>((resolve) => {
    void y.parseAsync([...argv], {}, (error, args, text) => {
      if (error && failure === undefined) failure = error.message;
      resolve({ parsed: args as Record<string, unknown> | undefined, output: text });
    });
  });
  const first = argv.find((a) => !a.startsWith('-'));
  const positionals = ((parsed?._ as unknown[] | undefined) ?? []).map(String);
  const command = positionals[0] ?? first;
  if (
    command !== undefined &&
    !isCommand(command) &&
    !argv.includes('--help') &&
    !argv.includes('-h')
  ) {
    return { unknownCommand: command };
  }
  const outcome: YargsOutcome = isCommand(command) ? { command } : {};
  if (failure !== undefined) return { ...outcome, failure: failure.replace(/\s*\n\s*/g, ' ') };
  if (output) return { ...outcome, output: output.endsWith('\n') ? output : output + '\n' };
  if (!isCommand(command)) return { ...outcome, failure: `Type 'tango-admin help' for usage.` };
  return { ...outcome, parsed: toParsed(command, [parsed?.name, parsed?.directory], parsed ?? {}) };
}
