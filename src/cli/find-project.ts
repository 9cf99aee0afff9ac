import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { CommandError } from './errors.js';

/** A generated project on disk, as startapp needs it. */
export interface ProjectLocation {
  /** The folder holding manage.ts (`BASE_DIR`). */
  root: string;
  /** The project package name (the folder of settings.ts). */
  name: string;
  settingsPath: string;
  urlsPath: string;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Finds the project startapp runs in: `cwd` must hold `manage.ts`; settings.ts is the one
 * manage.ts points at (`./<name>/settings.ts`), else `<package.json name>/settings.ts`, else
 * the only `*\/settings.ts`; the root urlconf is settings' `ROOT_URLCONF` (default: urls.ts
 * next to settings.ts).
 *
 * @example
 * const project = await findProject(process.cwd());
 * project.settingsPath; // '/home/me/mysite/mysite/settings.ts'
 */
export async function findProject(cwd: string): Promise<ProjectLocation> {
  const manage = await readText(path.join(cwd, 'manage.ts'));
  if (manage === undefined) {
    throw new CommandError(
      `startapp must run inside a Tango project (no manage.ts found in ${cwd})`,
    );
  }
  const candidates: string[] = [];
  const fromManage = /['"`]\.\/([^'"`]+)\/settings\.ts['"`]/.exec(manage);
  if (fromManage) candidates.push(fromManage[1]!);
  try {
    const pkg = JSON.parse((await readText(path.join(cwd, 'package.json'))) ?? '{}') as {
      name?: unknown;
    };
    if (typeof pkg.name === 'string') candidates.push(pkg.name);
  } catch {
    // A broken package.json is not startapp's problem; try the other ways.
  }
  let settingsDir: string | undefined;
  let settings: string | undefined;
  for (const candidate of candidates) {
    settings = await readText(path.join(cwd, candidate, 'settings.ts'));
    if (settings !== undefined) {
      settingsDir = candidate;
      break;
    }
  }
  if (settingsDir === undefined) {
    const found: string[] = [];
    for (const entry of await readdir(cwd, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name.startsWith('.'))
        continue;
      const text = await readText(path.join(cwd, entry.name, 'settings.ts'));
      if (text !== undefined) found.push(entry.name);
    }
    if (found.length !== 1) {
      throw new CommandError(
        found.length
          ? `startapp found several settings.ts in ${cwd} (${found.join(', ')}); run it with manage.ts`
          : `startapp must run inside a Tango project (no <project>/settings.ts found in ${cwd})`,
      );
    }
    settingsDir = found[0]!;
    settings = await readText(path.join(cwd, settingsDir, 'settings.ts'));
  }
  const settingsPath = path.join(cwd, settingsDir, 'settings.ts');
  const urlconf = /\bROOT_URLCONF\s*:\s*(['"])([^'"]+)\1/.exec(settings ?? '');
  const urlsPath = urlconf
    ? path.join(cwd, urlconf[2]!.replace(/\.(ts|js)$/, '') + '.ts')
    : path.join(cwd, settingsDir, 'urls.ts');
  return { root: cwd, name: settingsDir, settingsPath, urlsPath };
}
