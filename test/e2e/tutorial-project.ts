/**
 * Shared by the tutorial's end-to-end tests (plain HTTP and Chromium): scaffold the README's
 * tutorial project once, switch its session engine by editing settings.ts as a user would,
 * and read pages the way a reader sees them.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { manage, tangoAdmin, tempDir } from './helpers.js';

/** The five built-in engines, in the order the README lists them. */
export const ENGINES = ['db', 'file', 'cache', 'cached_db', 'signed_cookies'] as const;
export type Engine = (typeof ENGINES)[number];

/** Every tutorial page, by route name (the names the home page lists) and URL. */
export const PAGES: Readonly<Record<string, string>> = {
  'set-cookie': '/set-cook/',
  'get-cookie': '/get-cook/',
  'delete-cookie': '/del-cook/',
  'cookie-counter': '/Cookies_Count/',
  'persistent-cookie-counter': '/Cookies_Count_Persistent/',
  'session-counter': '/hits/',
  'visit-counter': '/fun1/',
  'test-cookie': '/test/',
  'check-cookie': '/check/',
  'session-playground': '/session/',
  'my-hits': '/mine/',
  login: '/accounts/login/',
};

export interface TutorialProject {
  /** The project folder (holds manage.ts). */
  project: string;
  /** A scratch folder inside the temp dir (for SESSION_FILE_PATH, screenshots). */
  scratch: string;
  cleanup(): Promise<void>;
}

/** Fails with the command's whole output when it did not exit 0. */
function expectSuccess(what: string, result: { exitCode?: number; all?: string }): void {
  if (result.exitCode !== 0)
    throw new Error(`${what} exited with ${result.exitCode}:\n${result.all ?? ''}`);
}

/**
 * The README's tutorial steps, run for real: `tango-admin startproject mysite` (which installs
 * the project), then inside it `npx tsx manage.ts startapp WebApp` (or, with
 * `startapp: 'tango-admin'`, the equivalent `npx tango-admin startapp WebApp`), then
 * `npm run migrate`.
 */
export async function scaffoldTutorialProject(
  prefix: string,
  options: { startapp?: 'manage' | 'tango-admin' } = {},
): Promise<TutorialProject> {
  const root = await tempDir(prefix);
  try {
    const project = path.join(root.dir, 'mysite');
    expectSuccess(
      'tango-admin startproject mysite',
      await tangoAdmin(['startproject', 'mysite'], root.dir),
    );
    expectSuccess(
      'startapp WebApp',
      options.startapp === 'tango-admin'
        ? await tangoAdmin(['startapp', 'WebApp'], project)
        : await manage(project, ['startapp', 'WebApp']),
    );
    expectSuccess(
      'npm run migrate',
      await execa('npm', ['run', 'migrate'], { cwd: project, reject: false, all: true }),
    );
    const scratch = path.join(root.dir, 'scratch');
    await mkdir(scratch);
    return { project, scratch, cleanup: root.cleanup };
  } catch (error) {
    await root.cleanup();
    throw error;
  }
}

/**
 * Switches `SESSION_ENGINE` in mysite/settings.ts, editing the line a user would edit; for
 * `file`, also points `SESSION_FILE_PATH` at `filePath`. Throws if the line is not there.
 */
export async function setSessionEngine(
  project: string,
  engine: Engine,
  filePath?: string,
): Promise<void> {
  const file = path.join(project, 'mysite', 'settings.ts');
  const source = await readFile(file, 'utf8');
  const line = /^(\s*)SESSION_ENGINE: '[a-z_]+',/m;
  if (!line.test(source)) throw new Error(`no SESSION_ENGINE line in ${file}:\n${source}`);
  let edited = source.replace(line, `$1SESSION_ENGINE: '${engine}',`);
  if (filePath !== undefined) {
    const fileLine = /^(\s*)SESSION_FILE_PATH: [^\n]*,$/m;
    if (!fileLine.test(edited)) throw new Error(`no SESSION_FILE_PATH line in ${file}`);
    edited = edited.replace(fileLine, `$1SESSION_FILE_PATH: ${JSON.stringify(filePath)},`);
  }
  await writeFile(file, edited);
}

/** HTML as a reader sees it: no tags, style or script, entities decoded, whitespace collapsed. */
export function pageText(html: string): string {
  const entities: Record<string, string> = {
    amp: '&',
    lt: '<',
    gt: '>',
    quot: '"',
    '#x27': "'",
    '#x60': '`',
    '#x3D': '=',
  };
  return html
    .replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(amp|lt|gt|quot|#x27|#x60|#x3D);/g, (_, name: string) => entities[name]!)
    .replace(/\s+/g, ' ');
}
