/**
 * Helpers for CLI tests: run `main` in-process against a temp directory (fast), or spawn the
 * CLI as a real process through tsx (exit codes, stderr, environment), and snapshot a folder.
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll } from 'vitest';
import { main } from '../../src/cli/main.js';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A spawned CLI's result, with the signal that killed it, if one did. */
export interface SpawnResult extends RunResult {
  signal?: string;
}

/** Runs `tango-admin <argv>` in-process with `cwd`, capturing its output. */
export async function run(argv: string[], cwd: string): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    cwd,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

const TSX_LOADER = pathToFileURL(path.join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/** The node arguments that run a fixture of test/cli/fixtures/ (TypeScript, through tsx). */
export function fixtureArgs(fixture = 'tango-admin.ts'): string[] {
  return ['--import', TSX_LOADER, path.join(REPO_ROOT, 'test/cli/fixtures', fixture)];
}

/**
 * Runs the CLI as its own process (src through tsx, so no build is needed); `fixture` picks
 * another entry from test/cli/fixtures/.
 */
export async function spawnCli(
  argv: string[],
  cwd: string,
  env: Record<string, string> = {},
  fixture?: string,
): Promise<SpawnResult> {
  const result = await execa(process.execPath, [...fixtureArgs(fixture), ...argv], {
    cwd,
    // Colour depends on these (src/common/terminal.ts): unset unless a test sets them.
    env: { FORCE_COLOR: undefined, NO_COLOR: undefined, ...env },
    reject: false,
  });
  return {
    code: result.exitCode ?? 1,
    stdout: result.stdout,
    stderr: result.stderr,
    ...(result.signal ? { signal: result.signal } : {}),
  };
}

/** A fresh temp directory for one test file. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tango-cli-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A temp directory for the calling test file (made before its tests, removed after them), and a
 * function giving a fresh, empty working directory inside it on each call.
 *
 * @example
 * const workdir = workdirs();
 * it('...', async () => { const cwd = await workdir(); ... });
 */
export function workdirs(): () => Promise<string> {
  let tmp: Awaited<ReturnType<typeof tempDir>> | undefined;
  let n = 0;
  beforeAll(async () => {
    tmp = await tempDir();
  });
  afterAll(async () => {
    await tmp?.cleanup();
  });
  return async () => {
    const dir = path.join(tmp!.dir, `w${n++}`);
    await mkdir(dir);
    return dir;
  };
}

/** Every file under `dir` (relative POSIX paths, sorted), with its text. */
export async function snapshotDir(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  try {
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const full = path.join(entry.parentPath, entry.name);
      out[path.relative(dir, full).split(path.sep).join('/')] = await readFile(full, 'utf8');
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}
