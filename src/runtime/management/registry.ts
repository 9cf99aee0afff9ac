/**
 * The built-in `manage.ts` commands as a static table: each command's name and one-line help,
 * and the module that implements it, imported only when the command runs (or when
 * `help <name>` needs its options). `manage.ts help` lists commands from this table without
 * loading a single command module, so it never loads the database, cache, template or server
 * code they import; `manage.ts check` loads check's module and what `check` itself needs.
 *
 * Django does the same from the other side: `ManagementUtility.main_help_text()` lists command
 * names found on disk (`find_commands`, `pkgutil.iter_modules`) and imports a command's module
 * only in `fetch_command()`, when that command runs or its help is asked for.
 */
import module from 'node:module';
import path from 'node:path';
import type { Command } from './base.js';

/**
 * A command known by its name and help, whose implementation is loaded on first use.
 *
 * @example
 * const entry: LazyCommand = {
 *   help: 'Says hello.',
 *   load: async () => (await import('./commands/hello.js')).hello,
 * };
 */
export interface LazyCommand {
  /** The one-line help `manage.ts help` lists; the same text as the loaded command's. */
  readonly help: string;
  /** False for commands that run without loading settings (startapp); default true. */
  readonly requiresSettings?: boolean;
  /** Imports the command's module and returns the command. */
  load(): Promise<Command>;
}

/**
 * Commands every project has; installed apps add theirs (e.g. sessions' `clearsessions`). A
 * `Map`, so a command line naming an `Object.prototype` property (`constructor`) is unknown.
 * The help texts repeat each module's `help` (a test compares them).
 */
export const BUILTIN_COMMANDS: ReadonlyMap<string, LazyCommand> = new Map<string, LazyCommand>([
  [
    'build',
    {
      help: 'Compiles the project to JavaScript in build/, with its templates and static files, for Node 20.',
      requiresSettings: false,
      load: async () => (await import('./commands/build.js')).build,
    },
  ],
  [
    'check',
    {
      help: 'Checks the entire Tango project for potential problems.',
      load: async () => (await import('./commands/check.js')).check,
    },
  ],
  [
    'makemigrations',
    {
      help: 'Creates new migration(s) for apps: with --empty, a numbered SQL file to fill in.',
      load: async () => (await import('./commands/makemigrations.js')).makemigrations,
    },
  ],
  [
    'migrate',
    {
      help: 'Updates the database schema: applies the migrations of the installed apps.',
      load: async () => (await import('./commands/migrate.js')).migrate,
    },
  ],
  [
    'runserver',
    {
      help: 'Starts a lightweight web server for development.',
      load: async () => (await import('./commands/runserver.js')).runserver,
    },
  ],
  [
    'serve',
    {
      help: 'Serves the project in production: worker processes, no autoreload, DEBUG off unless TANGO_DEBUG says otherwise, graceful shutdown on SIGTERM.',
      load: async () => (await import('./commands/serve.js')).serve,
    },
  ],
  [
    'showmigrations',
    {
      help: 'Shows all available migrations for the current project.',
      load: async () => (await import('./commands/showmigrations.js')).showmigrations,
    },
  ],
  [
    'startapp',
    {
      help: 'Creates an app (views, urls, templates, tests) and registers it in the project (tango-admin startapp; --help lists its options).',
      requiresSettings: false,
      load: async () => (await import('./commands/startapp.js')).startapp,
    },
  ],
  [
    'test',
    {
      help: "Runs the tests of the project's apps (each app's tests.ts) with node:test.",
      load: async () => (await import('./commands/test.js')).test,
    },
  ],
]);

/**
 * The command behind a table entry or an app's command: a `LazyCommand` is loaded, a
 * `Command` is returned as it is.
 *
 * @example
 * const check = await loadCommand(BUILTIN_COMMANDS.get('check')!);
 * await check.handle(args, context);
 */
export async function loadCommand(command: Command | LazyCommand): Promise<Command> {
  return 'handle' in command ? command : command.load();
}

/**
 * How to run `subcommand` of this project by hand, the way this process was started: `node
 * manage.ts migrate` under plain `node` (Node 22.18+, 24, or `node build/manage.js` from a
 * build), `npx tsx manage.ts migrate` under tsx (Node 20). The script is named as typed,
 * relative to the working directory; a process that is not running a `manage` script (a test
 * runner) says `manage.ts`. Messages pair it with the npm script every project has, as Django
 * names `python manage.py migrate`.
 *
 * @example
 * manageCommandLine('migrate'); // 'node manage.ts migrate'
 */
export function manageCommandLine(
  subcommand: string,
  argv: readonly string[] = process.argv,
  execArgv: readonly string[] = process.execArgv,
  cwd: string = process.cwd(),
): string {
  const script = argv[1];
  const shown =
    script && /^manage\.[cm]?[jt]s$/.test(path.basename(script))
      ? path.relative(cwd, script) || path.basename(script)
      : 'manage.ts';
  const viaTsx = execArgv.some((arg) => /(^|[\\/])tsx([\\/]|$)/.test(arg));
  return `${viaTsx ? 'npx tsx' : 'node'} ${shown} ${subcommand}`;
}

/**
 * Turns on Node's module compile cache (Node 22.1+; nothing on Node 20): V8's compiled code of
 * the modules loaded from now on (settings, apps, the command and what it imports) is kept on
 * disk, in Node's default folder under the OS temp dir, and reused by the next `manage.ts`
 * run, which then skips compiling them. `NODE_DISABLE_COMPILE_CACHE=1` turns it off, as for
 * any Node program. Returns whether the cache is on.
 *
 * @example
 * enableCompileCache(); // true on Node 22.1+
 */
export function enableCompileCache(): boolean {
  const enable = (module as { enableCompileCache?: () => { status: number } }).enableCompileCache;
  if (!enable) return false;
  const { status } = enable();
  const { ENABLED, ALREADY_ENABLED } = (
    module as unknown as { constants: { compileCacheStatus: Record<string, number> } }
  ).constants.compileCacheStatus;
  return status === ENABLED || status === ALREADY_ENABLED;
}
