/**
 * `tango/management`: the `manage.ts` entry point and the command registry, like
 * `django.core.management`.
 */
import { parseArgs } from 'node:util';
import { AppRegistry } from '../apps/registry.js';
import { ImproperlyConfigured } from '../conf/errors.js';
import { loadSettings } from '../conf/index.js';
import type { Settings } from '../conf/settings.js';
import { CommandError, type Command, type CommandArgs, type CommandContext } from './base.js';
import { check } from './commands/check.js';
import { makemigrations } from './commands/makemigrations.js';
import { migrate } from './commands/migrate.js';
import { runserver, runserverWithReloader } from './commands/runserver.js';
import { showmigrations } from './commands/showmigrations.js';
import { startapp } from './commands/startapp.js';
import { test } from './commands/test.js';

export * from './base.js';

/**
 * Commands every project has; installed apps add theirs (e.g. sessions' `clearsessions`). A
 * `Map`, so a command line naming an `Object.prototype` property (`constructor`) is unknown.
 */
export const BUILTIN_COMMANDS: ReadonlyMap<string, Command> = new Map<string, Command>([
  ['check', check],
  ['makemigrations', makemigrations],
  ['migrate', migrate],
  ['runserver', runserver],
  ['showmigrations', showmigrations],
  ['startapp', startapp],
  ['test', test],
]);

interface Output {
  write(text: string): unknown;
}

/** Options of `executeFromCommandLine`, for tests. */
export interface ExecuteOptions {
  stdout?: Output;
  stderr?: Output;
  /** Settings to use instead of importing `TANGO_SETTINGS_MODULE`. */
  settings?: Readonly<Settings>;
}

function helpText(commands: ReadonlyMap<string, Command>, program: string): string {
  const lines = [
    `Type '${program} help <subcommand>' for help on a specific subcommand.`,
    '',
    'Available subcommands:',
    '',
  ];
  for (const name of [...commands.keys()].sort())
    lines.push(`    ${name.padEnd(16)}${commands.get(name)!.help}`);
  return lines.join('\n') + '\n';
}

function commandHelp(name: string, command: Command, program: string): string {
  const lines = [
    `usage: ${program} ${name}${command.args ? ' ' + command.args : ''}${command.options ? ' [options]' : ''}`,
    '',
    command.help,
    '',
  ];
  for (const [option, spec] of Object.entries(command.options ?? {})) {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${option}${spec.type === 'string' ? ' VALUE' : ''}`;
    lines.push(`  ${flag.padEnd(24)}${spec.description}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Runs one `manage.ts` command line and returns the exit code. User mistakes
 * (`CommandError`, `ImproperlyConfigured`) print one line on stderr, never a stack trace.
 *
 * @example
 * process.exitCode = await executeFromCommandLine(process.argv.slice(2));
 */
export async function executeFromCommandLine(
  argv: string[],
  options: ExecuteOptions = {},
): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const program = 'manage.ts';
  const [name, ...rest] = argv;
  try {
    // As Django's ManagementUtility.execute(): the development server's autoreloader starts
    // before the project is imported, so that a project that fails to import waits for a fix.
    if (name === 'runserver' && !options.settings) {
      const code = await runserverWithReloader(rest, { stdout, stderr });
      if (code !== undefined) return code;
    }
    const early = name ? BUILTIN_COMMANDS.get(name) : undefined;
    if (early?.requiresSettings === false) {
      return (await early.handle(parse(early, rest), {} as CommandContext)) ?? 0;
    }
    const settings = options.settings ?? (await loadSettings());
    const apps = await AppRegistry.load(settings);
    const commands = new Map(BUILTIN_COMMANDS);
    for (const app of apps.apps) {
      for (const [commandName, command] of Object.entries(app.commands ?? {})) {
        commands.set(commandName, command);
      }
    }
    if (!name || name === 'help' || name === '--help' || name === '-h') {
      const topic = name === 'help' ? rest[0] : undefined;
      const topicCommand = topic === undefined ? undefined : commands.get(topic);
      if (topic && topicCommand?.forwardsArguments) {
        const args = { positionals: [], options: {}, argv: ['--help'] };
        return (await topicCommand.handle(args, { settings, apps, stdout, stderr })) ?? 0;
      }
      if (topic && topicCommand) stdout.write(commandHelp(topic, topicCommand, program));
      else stdout.write(helpText(commands, program));
      return 0;
    }
    const command = commands.get(name);
    if (!command) {
      stderr.write(`Unknown command: '${name}'\nType '${program} help' for usage.\n`);
      return 1;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      stdout.write(commandHelp(name, command, program));
      return 0;
    }
    return (await command.handle(parse(command, rest), { settings, apps, stdout, stderr })) ?? 0;
  } catch (error) {
    if (error instanceof CommandError) {
      stderr.write(`CommandError: ${error.message}\n`);
      return error.returnCode;
    }
    if (error instanceof ImproperlyConfigured) {
      stderr.write(`ImproperlyConfigured: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function parse(command: Command, args: string[]): CommandArgs {
  if (command.forwardsArguments) return { positionals: [], options: {}, argv: args };
  try {
    const { values, positionals } = parseArgs({
      args,
      options: command.options ?? {},
      allowPositionals: true,
      strict: true,
    });
    return {
      positionals,
      options: values as Record<string, string | boolean | string[] | undefined>,
    };
  } catch (error) {
    throw new CommandError((error as Error).message.split('\n')[0]!, 2);
  }
}
