/**
 * `tango-admin startproject` on a terminal without a name (issue 16, item 4): it asks for the
 * name, the session engine and whether to add the tutorial app, with the defaults
 * preselected; a flag answers each question instead, so scripts never see one. Driven through
 * a real pseudo-terminal (test/cli/pty.ts), keys as a person types them.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureArgs, snapshotDir, spawnCli, tempDir } from './helpers.js';
import { runInTerminal } from './pty.js';

const ENTER = '\r';
const DOWN = '\x1b[B';
const LEFT = '\x1b[D';
const BACKSPACE = '\x7f';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir: root, cleanup } = await tempDir()));
afterAll(() => cleanup());

let count = 0;
async function freshDir(): Promise<string> {
  const dir = path.join(root, `run${++count}`);
  await mkdir(dir);
  return dir;
}

/** startproject on a terminal in `cwd`, with `--no-install --tango ^0.1.0` and `flags`. */
function startproject(cwd: string, flags: string[] = []) {
  return runInTerminal(
    process.execPath,
    [...fixtureArgs(), 'startproject', '--no-install', '--tango', '^0.1.0', ...flags],
    cwd,
  );
}

/** Waits for a question, then types the keys one step at a time (as a person would). */
async function answer(
  session: ReturnType<typeof startproject>,
  question: string,
  ...keys: string[]
): Promise<void> {
  await session.waitFor(question);
  for (const key of keys) {
    const seen = session.text().length;
    session.type(key);
    // Each key redraws the prompt: wait for that before the next one.
    await session.waitFor(/[\s\S]/, { since: seen });
  }
}

/** The files of a project with its random secret key blanked. */
async function projectFiles(dir: string): Promise<Record<string, string>> {
  const files = await snapshotDir(dir);
  for (const [file, text] of Object.entries(files)) {
    files[file] = text.replace(/tango-insecure-[^']+/, 'tango-insecure-KEY');
  }
  return files;
}

describe('startproject asks on a terminal', () => {
  it('asks the three questions and makes the project the answers describe', async () => {
    const cwd = await freshDir();
    const session = startproject(cwd);
    await answer(session, 'Project name', 'blog', ENTER);
    await answer(session, 'Session engine (SESSION_ENGINE)', DOWN, ENTER);
    await answer(session, 'Add the tutorial app (WebApp)?', LEFT, ENTER);
    expect(await session.exit, session.text()).toBe(0);
    const screen = session.text();
    expect(screen).toContain(
      'Same without questions: tango-admin startproject blog --session-engine file --app WebApp',
    );
    expect(screen).toContain('Created project blog in blog');
    expect(screen).toContain('Created app WebApp in WebApp');
    const settings = await readFile(path.join(cwd, 'blog/blog/settings.ts'), 'utf8');
    expect(settings.match(/^ {2}SESSION_ENGINE: '\w+'/gm)).toEqual(["  SESSION_ENGINE: 'file'"]);
    expect(settings).toMatch(/INSTALLED_APPS: \[[^\]]*'WebApp'\]/);
    expect(await readFile(path.join(cwd, 'blog/WebApp/apps.ts'), 'utf8')).toContain('WebApp');
  });

  it('Enter three times gives the defaults: the same project as `startproject mysite`', async () => {
    const asked = await freshDir();
    const session = startproject(asked);
    await answer(session, 'Project name', ENTER);
    await answer(session, 'Session engine', ENTER);
    await answer(session, 'Add the tutorial app', ENTER);
    expect(await session.exit, session.text()).toBe(0);
    expect(session.text()).toContain(
      'Same without questions: tango-admin startproject mysite --session-engine db --no-app',
    );
    const scripted = await freshDir();
    const result = await spawnCli(
      ['startproject', 'mysite', '--no-install', '--tango', '^0.1.0'],
      scripted,
    );
    expect(result.code).toBe(0);
    const files = await projectFiles(path.join(asked, 'mysite'));
    expect(Object.keys(files).length).toBeGreaterThan(5);
    expect(files).toEqual(await projectFiles(path.join(scripted, 'mysite')));
  });

  it('asks only what no flag answered', async () => {
    const cwd = await freshDir();
    const session = startproject(cwd, ['--session-engine', 'signed_cookies', '--no-app']);
    await answer(session, 'Project name', 'shop', ENTER);
    expect(await session.exit, session.text()).toBe(0);
    expect(session.text()).not.toContain('Session engine');
    expect(session.text()).not.toContain('Add the tutorial app');
    const settings = await readFile(path.join(cwd, 'shop/shop/settings.ts'), 'utf8');
    expect(settings).toMatch(/^ {2}SESSION_ENGINE: 'signed_cookies'/m);
    expect(await snapshotDir(path.join(cwd, 'shop/WebApp'))).toEqual({});
  });

  it('refuses an invalid or taken name in place and lets the person type another', async () => {
    const cwd = await freshDir();
    await mkdir(path.join(cwd, 'taken'));
    const session = startproject(cwd, ['--session-engine', 'db', '--app', 'WebApp']);
    await answer(session, 'Project name', 'my-site', ENTER);
    await session.waitFor("'my-site' is not a valid project name");
    await answer(session, 'Project name', ...Array<string>(7).fill(BACKSPACE), 'taken', ENTER);
    await session.waitFor(/'.*taken' already exists/);
    await answer(session, 'Project name', ...Array<string>(5).fill(BACKSPACE), 'fresh', ENTER);
    expect(await session.exit, session.text()).toBe(0);
    expect(session.text()).toContain('Created project fresh in fresh');
    expect(await snapshotDir(path.join(cwd, 'taken'))).toEqual({});
  });

  it('never asks with a name, with --no-input or --json, or without a terminal', async () => {
    const cwd = await freshDir();
    const named = startproject(cwd, ['named']);
    expect(await named.exit, named.text()).toBe(0);
    expect(named.text()).not.toContain('Project name');

    const noInput = startproject(cwd, ['--no-input']);
    expect(await noInput.exit).toBe(2);
    expect(noInput.text()).toContain('error: You must provide a project name.');
    expect(noInput.text()).not.toContain('Project name');

    const json = startproject(cwd, ['--dry-run', '--json']);
    expect(await json.exit).toBe(2);
    expect(json.text()).not.toContain('Project name');

    const piped = await spawnCli(['startproject', '--no-install'], cwd);
    expect(piped.code).toBe(2);
    expect(piped.stderr).toContain('error: You must provide a project name.');
  });
});
