/**
 * `tango/management`: the `manage.ts` entry point and the command registry, like
 * `django.core.management`.
 */
import { AppRegistry } from '../apps/registry.js';
import { ImproperlyConfigured } from '../conf/errors.js';
import { loadSettings } from '../conf/index.js';
import type { Settings } from '../conf/settings.js';
import { CommandError, type Command, type CommandArgs, type CommandContext } from './base.js';
// The built-in commands are a table of names and help texts (registry.ts): a command's module
// is imported only when it runs, so `help` and `check` load no server, database or cache code.
import { BUILTIN_COMMANDS, enableCompileCache, loadCommand, type LazyCommand } from './registry.js';
import * as usage from './usage.js';

export * from './base.js';
export { BUILTIN_COMMANDS, loadCommand, type LazyCommand } from './registry.js';

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

function helpText(commands: ReadonlyMap<string, { help: string }>, program: string): string {
  const lines = [
    `Type '${program} help <subcommand>' for help on a specific subcommand.`,
    '',
    'Available subcommands:',
    '',
  ];
  for (const name of [...commands.keys()].sort())
    lines.push(`    ${name.padEnd(16)}${commands.get(name)!.help}`);
  return lines.join('\n') + '\n\n' + usage.EXIT_STATUS_HELP;
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
    // As argparse: a flag too long for its column gets a line of its own.
    if (flag.length > 22) lines.push(`  ${flag}`, `  ${''.padEnd(24)}${spec.description}`);
    else lines.push(`  ${flag.padEnd(24)}${spec.description}`);
  }
  return lines.join('\n') + '\n\n' + usage.EXIT_STATUS_HELP;
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
  // The real manage.ts (not a test handing over settings): Node's compile cache for the
  // settings, apps and command this run loads (registry.ts).
  if (!options.settings) enableCompileCache();
  try {
    if (usage.isVersionRequest(argv)) {
      stdout.write(usage.tangoVersion() + '\n');
      return 0;
    }
    // As Django's ManagementUtility.execute(): the development server's autoreloader starts
    // before the project is imported, so that a project that fails to import waits for a fix.
    if (name === 'runserver' && !options.settings) {
      const { runserverWithReloader } = await import('./commands/runserver.js');
      const code = await runserverWithReloader(rest, { stdout, stderr });
      if (code !== undefined) return code;
    }
    // The production server runs with DEBUG off unless TANGO_DEBUG says otherwise: set before
    // the settings module reads it.
    if (name === 'serve' && !options.settings) {
      (await import('./commands/serve.js')).prepareServeEnvironment();
    }
    const early = name ? BUILTIN_COMMANDS.get(name) : undefined;
    if (early?.requiresSettings === false) {
      const command = await early.load();
      return (
        (await command.handle(parse(command, rest), { stdout, stderr } as CommandContext)) ?? 0
      );
    }
    const settings = options.settings ?? (await loadSettings());
    const apps = await AppRegistry.load(settings);
    const commands = new Map<string, Command | LazyCommand>(BUILTIN_COMMANDS);
    for (const app of apps.apps) {
      for (const [commandName, command] of Object.entries(app.commands ?? {})) {
        commands.set(commandName, command);
      }
    }
    if (!name || name === 'help' || name === '--help' || name === '-h') {
      const topic = name === 'help' ? rest[0] : undefined;
      const topicEntry = topic === undefined ? undefined : commands.get(topic);
      if (topic !== undefined && !topicEntry) {
        stderr.write(usage.unknownCommand(topic, commands.keys(), program, usage.styleFor(stderr)));
        return 1;
      }
      const topicCommand = topicEntry && (await loadCommand(topicEntry));
      if (topic && topicCommand?.forwardsArguments) {
        const args = { positionals: [], options: {}, argv: ['--help'] };
        return (await topicCommand.handle(args, { settings, apps, stdout, stderr })) ?? 0;
      }
      if (topic && topicCommand) stdout.write(commandHelp(topic, topicCommand, program));
      else stdout.write(helpText(commands, program));
      return 0;
    }
    const entry = commands.get(name);
    if (!entry) {
      stderr.write(usage.unknownCommand(name, commands.keys(), program, usage.styleFor(stderr)));
      return 1;
    }
    const command = await loadCommand(entry);
    if (rest.includes('--help') || rest.includes('-h')) {
      stdout.write(commandHelp(name, command, program));
      return 0;
    }
    return (await command.handle(parse(command, rest), { settings, apps, stdout, stderr })) ?? 0;
  } catch (error) {
    const style = usage.styleFor(stderr);
    if (error instanceof usage.UsageError) {
      const line = `${program} ${name}: error: ${error.message}`;
      stderr.write(`${usage.usageLine(program, name!, error.command)}\n${style.error(line)}\n`);
      return error.returnCode;
    }
    if (error instanceof CommandError) {
      stderr.write(style.error(`CommandError: ${error.message}`) + '\n');
      return error.returnCode;
    }
    if (error instanceof ImproperlyConfigured) {
      stderr.write(style.error(`ImproperlyConfigured: ${error.message}`) + '\n');
      return 1;
    }
    throw error;
  }
}

function parse(command: Command, args: string[]): CommandArgs {
  return usage.parseCommandLine(command, args);
}
