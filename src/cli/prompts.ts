import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import {
  DEFAULT_SESSION_ENGINE,
  PROJECT_SESSION_ENGINES,
  validateName,
} from '../generator/index.js';
import { repr } from '../common/text.js';
import type { ParsedCommand } from './arguments.js';
import type { CliIO } from './io.js';

/** The name the tutorial app gets when the question is answered yes (`--app WebApp`). */
export const TUTORIAL_APP = 'WebApp';

/** The project name a person gets by pressing Enter (Django's tutorial names it mysite). */
const DEFAULT_NAME = 'mysite';

/**
 * The command line that answers every question the same way, for scripts: a name, then the
 * flags that were asked about.
 *
 * @example
 * equivalentCommand({ command: 'startproject', name: 'mysite', sessionEngine: 'db', noApp: true, ... });
 * // 'tango-admin startproject mysite --session-engine db --no-app'
 */
export function equivalentCommand(parsed: ParsedCommand): string {
  const words = ['tango-admin', 'startproject', parsed.name ?? DEFAULT_NAME];
  if (parsed.directory !== undefined) words.push(parsed.directory);
  words.push('--session-engine', parsed.sessionEngine ?? DEFAULT_SESSION_ENGINE);
  if (parsed.app !== undefined) words.push('--app', parsed.app);
  else words.push('--no-app');
  return words.join(' ');
}

/**
 * `tango-admin startproject` run on a terminal without a name: asks for the name, the session
 * engine and whether to add the tutorial app, with the defaults preselected (so pressing Enter
 * three times makes the same project as `startproject mysite`), skipping any question a flag
 * already answered (`--session-engine`, `--app NAME`, `--no-app`). @clack/prompts is imported
 * here only, when a question is asked (~35 ms). Returns the completed command line, or
 * `undefined` when the person cancels (Ctrl-C, Escape): nothing has been written then.
 *
 * @example
 * const answered = await askStartproject(parsed, io);
 * if (answered === undefined) return 130;
 */
export async function askStartproject(
  parsed: ParsedCommand,
  io: CliIO,
): Promise<ParsedCommand | undefined> {
  const p = await import('@clack/prompts');
  const streams = { input: io.stdin as Readable, output: io.stdout as Writable };
  const cancelled = () => {
    p.cancel('Cancelled: nothing was written.', streams);
    return undefined;
  };
  p.intro('tango-admin startproject', streams);

  const name = await p.text({
    ...streams,
    message: 'Project name',
    placeholder: DEFAULT_NAME,
    defaultValue: DEFAULT_NAME,
    validate: (value) => {
      const candidate = value || DEFAULT_NAME;
      const problem = validateName(candidate, 'project');
      if (problem) return problem;
      const target = path.resolve(io.cwd, parsed.directory ?? candidate);
      if (parsed.directory === undefined && !parsed.force && existsSync(target)) {
        return `${repr(target)} already exists`;
      }
      return undefined;
    },
  });
  if (p.isCancel(name)) return cancelled();
  const answered: ParsedCommand = { ...parsed, name: name || DEFAULT_NAME };

  if (answered.sessionEngine === undefined) {
    const engine = await p.select({
      ...streams,
      message: 'Session engine (SESSION_ENGINE)',
      options: PROJECT_SESSION_ENGINES.map((e) => ({
        value: e.name as string,
        label: e.name,
        hint: e.description,
      })),
      initialValue: DEFAULT_SESSION_ENGINE as string,
    });
    if (p.isCancel(engine)) return cancelled();
    answered.sessionEngine = engine;
  }

  if (answered.app === undefined && !answered.noApp) {
    const add = await p.confirm({
      ...streams,
      message: `Add the tutorial app (${TUTORIAL_APP})?`,
      initialValue: false,
    });
    if (p.isCancel(add)) return cancelled();
    if (add) answered.app = TUTORIAL_APP;
    else answered.noApp = true;
  }

  p.outro(`Same without questions: ${equivalentCommand(answered)}`, streams);
  return answered;
}
