/**
 * The development loop end to end, as a new user meets it: the README's tutorial project,
 * `manage.ts runserver` with the autoreloader on 127.0.0.1 and a free port, files edited on
 * disk the ways editors and shells write them, and the HTTP answer polled until it shows the
 * change. One project and one server serve every case.
 *
 * - Atomic saves (temp file renamed over the original: vim, sed -i, IDEs) reload every time,
 *   and so do appends, in-place rewrites, new and deleted files (the reloader once watched
 *   inodes and went deaf after the first atomic save).
 * - A syntax error or an exception while importing the project prints a short report (file,
 *   line, the offending line; no esbuild or Node stack), the server keeps watching, and it
 *   serves again when the file is fixed; a project broken at the first start waits the same
 *   way (it once printed esbuild's stack and exited).
 */
import { appendFile, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  manage,
  REPO_ROOT,
  startServer,
  tangoAdmin,
  tempDir,
  tsxBin,
  type ProjectServer,
} from './helpers.js';

/** Generous bounds: a restart is a new tsx process on a shared 2-core machine. */
const RELOAD_TIMEOUT_MS = 45_000;

/** A page whose answer says which text the views module holds and which process serves. */
const STAMP_VIEW = `
// Added by test/e2e/autoreload.test.ts: shows which views.ts and which process answer.
import { HttpResponse as StampResponse } from 'tango/http';
const STAMP = { text: 'stamp-0' };
export function stamp(): StampResponse {
  return new StampResponse(\`\${STAMP.text} pid=\${process.pid}\`);
}
`;

/** What editors do on save: write a temp file beside the original, rename it over it. */
async function atomicSave(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${Date.now()}.swp`);
  await writeFile(temp, text);
  await rename(temp, file);
}

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + RELOAD_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The headline of `export const broken = ;`: Node's own where it strips types itself (22.18+,
 * 24: a generated project runs `node manage.ts`), esbuild's through tango/register on Node 20.
 */
const SYNTAX_ERROR =
  typeof (process.features as { typescript?: unknown }).typescript === 'string' &&
  (process.features as { typescript?: string }).typescript !== ''
    ? 'SyntaxError [ERR_INVALID_TYPESCRIPT_SYNTAX]: Expression expected'
    : 'SyntaxError: Unexpected ";"';

/**
 * The README's tutorial project (`startproject mysite`, `startapp WebApp`, `migrate`) without
 * `npm install`: node_modules links this checkout as `tango` and its tsx, as a `file:`
 * dependency would, so the test spends its time on reloads rather than on npm.
 */
async function tutorialProject(): Promise<{ project: string; cleanup(): Promise<void> }> {
  const root = await tempDir('tango-e2e-reload-');
  const project = path.join(root.dir, 'mysite');
  const check = (what: string, result: { exitCode?: number; all?: string }) => {
    if (result.exitCode !== 0) throw new Error(`${what} exited ${result.exitCode}:\n${result.all}`);
  };
  try {
    check('startproject', await tangoAdmin(['startproject', 'mysite', '--no-install'], root.dir));
    const bin = path.join(project, 'node_modules', '.bin');
    await mkdir(bin, { recursive: true });
    await symlink(REPO_ROOT, path.join(project, 'node_modules', 'tango'));
    await symlink(path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), tsxBin(project));
    // tango/register (Node 20) compiles with tsx's esbuild, found through the tsx package.
    await symlink(
      path.join(REPO_ROOT, 'node_modules', 'tsx'),
      path.join(project, 'node_modules', 'tsx'),
    );
    check('startapp', await manage(project, ['startapp', 'WebApp']));
    check('migrate', await manage(project, ['migrate']));
    return { project, cleanup: root.cleanup };
  } catch (error) {
    await root.cleanup();
    throw error;
  }
}

describe('runserver autoreload and error recovery', () => {
  let tutorial: { project: string; cleanup(): Promise<void> };
  let server: ProjectServer | undefined;
  let views: string;
  let apps: string;
  let settings: string;
  let viewsSource: string;

  /** The stamp page's text and pid, or undefined while nothing answers. */
  const readStamp = async (): Promise<{ text: string; pid: string } | undefined> => {
    try {
      const response = await fetch(`${server!.url}/stamp/`);
      const match = /^(\S+) pid=(\d+)$/.exec(await response.text());
      return match ? { text: match[1]!, pid: match[2]! } : undefined;
    } catch {
      return undefined;
    }
  };

  /** Waits until the stamp page shows `text` from a process other than `oldPid`. */
  const reloaded = (text: string, oldPid: string) =>
    until(async () => {
      const now = await readStamp();
      return now && now.text === text && now.pid !== oldPid ? now : undefined;
    }, `the page to show ${text} from a new process`);

  /** The server's output from `mark` on, once it contains `text`. */
  const outputAfter = (mark: number, text: string) =>
    until(async () => {
      const since = server!.output().slice(mark);
      return since.includes(text) ? since : undefined;
    }, `'${text}' in the server output:\n${server?.output()}`);

  beforeAll(async () => {
    tutorial = await tutorialProject();
    views = path.join(tutorial.project, 'WebApp', 'views.ts');
    apps = path.join(tutorial.project, 'WebApp', 'apps.ts');
    settings = path.join(tutorial.project, 'mysite', 'settings.ts');
    viewsSource = (await readFile(views, 'utf8')) + STAMP_VIEW;
    await writeFile(views, viewsSource);
    const urls = path.join(tutorial.project, 'WebApp', 'urls.ts');
    const urlsSource = await readFile(urls, 'utf8');
    expect(urlsSource).toMatch(/\];\s*$/);
    await writeFile(urls, urlsSource.replace(/\];\s*$/, "  path('stamp/', views.stamp),\n];\n"));
    server = await startServer(tutorial.project, {}, { reload: true });
  });

  afterAll(async () => {
    await server?.stop();
    await tutorial?.cleanup();
  });

  it('reloads on every atomic save, an append, an in-place rewrite, a new and a deleted file', async () => {
    let now = await until(readStamp, 'the stamp page');
    expect(now.text).toBe('stamp-0');

    // The reproduction: sed -i (an atomic save) reloaded once, and nothing after it did.
    await atomicSave(views, viewsSource.replace('stamp-0', 'stamp-1'));
    now = await reloaded('stamp-1', now.pid);
    await atomicSave(views, viewsSource.replace('stamp-0', 'stamp-2'));
    now = await reloaded('stamp-2', now.pid);

    // echo '...' >> views.ts
    await appendFile(views, "STAMP.text = 'stamp-3';\n");
    now = await reloaded('stamp-3', now.pid);

    // cat orig > views.ts (truncate and write the same inode)
    await writeFile(views, viewsSource.replace('stamp-0', 'stamp-4'));
    now = await reloaded('stamp-4', now.pid);

    // A new folder with a new module, then both deleted: each restarts the server.
    const extra = path.join(tutorial.project, 'WebApp', 'extra');
    await mkdir(extra);
    await writeFile(path.join(extra, 'notes.ts'), 'export const notes = 1;\n');
    now = await reloaded('stamp-4', now.pid);
    await rm(extra, { recursive: true });
    now = await reloaded('stamp-4', now.pid);

    expect(server!.output()).toContain('WebApp/views.ts changed, reloading.');
    expect(server!.output()).toContain('WebApp/extra/notes.ts changed, reloading.');
  });

  it('keeps running after a syntax error, shows it briefly, and serves again once it is fixed', async () => {
    const before = await until(readStamp, 'the stamp page');
    const original = await readFile(apps, 'utf8');
    const mark = server!.output().length;
    // The reproduction: echo 'export const broken = ;' >> WebApp/apps.ts
    await appendFile(apps, 'export const broken = ;\n');
    const report = await outputAfter(mark, 'Watching for file changes');
    const line = original.split('\n').length;
    expect(report).toContain(SYNTAX_ERROR);
    expect(report).toContain(`at WebApp/apps.ts:${line}:23`);
    expect(report).toContain(`  ${line} | export const broken = ;`);
    for (const noise of ['TransformError', 'esbuild', 'node:internal', 'failureErrorWithLog'])
      expect(report).not.toContain(noise);
    expect(server!.process.exitCode).toBeNull();
    expect(await readStamp()).toBeUndefined();

    await writeFile(apps, original);
    await reloaded('stamp-4', before.pid);
  });

  it('keeps running after an exception while importing views, pointing at the line in the project', async () => {
    const before = await until(readStamp, 'the stamp page');
    const original = await readFile(views, 'utf8');
    const mark = server!.output().length;
    await appendFile(views, "throw new Error('boom while importing views');\n");
    const report = await outputAfter(mark, 'Watching for file changes');
    const line = original.split('\n').length;
    expect(report).toContain('Error: boom while importing views');
    expect(report).toContain(`at WebApp/views.ts:${line}:7`);
    expect(report).toContain(`  ${line} | throw new Error('boom while importing views');`);
    for (const noise of ['node:internal', 'ModuleJob', 'node_modules'])
      expect(report).not.toContain(noise);
    expect(server!.process.exitCode).toBeNull();

    await writeFile(views, original);
    await reloaded('stamp-4', before.pid);
  });

  it('waits for a fix when the project is broken at the first start, then serves', async () => {
    expect(await server!.stop()).toBe(0);
    server = undefined;
    const original = await readFile(settings, 'utf8');
    await appendFile(settings, 'export const broken: number = ;\n');
    try {
      server = await startServer(
        tutorial.project,
        {},
        { reload: true, ready: 'Watching for file changes' },
      );
      expect(server.output()).toContain(SYNTAX_ERROR);
      expect(server.output()).toContain(`at mysite/settings.ts:${original.split('\n').length}:`);
      expect(server.output()).not.toContain('esbuild');
      expect(server.process.exitCode).toBeNull();
    } finally {
      await writeFile(settings, original);
    }
    const mark = server.output().length;
    await outputAfter(mark, 'Quit the server with CONTROL-C.');
    expect((await until(readStamp, 'the stamp page')).text).toBe('stamp-4');
    expect(await server.stop()).toBe(0);
    server = undefined;
  });
});
