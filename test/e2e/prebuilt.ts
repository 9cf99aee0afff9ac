/**
 * The native addon of better-sqlite3 for projects the end-to-end tests install.
 *
 * A user's `npm install` gets better-sqlite3's addon from prebuild-install, which downloads a
 * prebuilt binary from GitHub, or, where GitHub is out of reach (CI here: only the npm
 * registry is reachable), compiles it with node-gyp: ~1.5 minutes on two cores, for every
 * project. The tests take prebuild-install's own offline path instead: a
 * `.prebuild-installrc` in the test's temp folder names a `local-prebuilds` folder holding the
 * archive prebuild-install would have downloaded, made from the addon this checkout compiled
 * for the running Node (same better-sqlite3 version, same ABI). prebuild-install finds the rc
 * file by walking up from the package it installs, so it applies to the projects under that
 * folder only, and npm, the registry and the install scripts run exactly as for a user.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTarball } from '../../src/cli/tarball.js';

const SQLITE = fileURLToPath(new URL('../../node_modules/better-sqlite3', import.meta.url));

/** glibc Linux, macOS, Windows: the platforms prebuild-install names without a libc suffix. */
function libcSuffix(): string | undefined {
  if (process.platform !== 'linux') return '';
  const header = (process.report.getReport() as { header?: { glibcVersionRuntime?: string } })
    .header;
  return header?.glibcVersionRuntime ? '' : undefined;
}

/** Whether the addon was built for this Node (its ABI), which is all an archive name claims. */
function loads(addon: string): boolean {
  try {
    createRequire(import.meta.url)(addon);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes `dir` a place where better-sqlite3 installs from the checkout's compiled addon: writes
 * `dir/.prebuilds/better-sqlite3-v<version>-node-v<abi>-<platform>-<arch>.tar.gz` and
 * `dir/.prebuild-installrc`. Does nothing when the addon is missing or the libc is not glibc
 * (then npm compiles it, as for a user without GitHub).
 *
 * @example
 * await usePrebuiltSqlite(tempRoot); // projects under tempRoot install in seconds
 */
export async function usePrebuiltSqlite(dir: string): Promise<void> {
  const addon = path.join(SQLITE, 'build', 'Release', 'better_sqlite3.node');
  const libc = libcSuffix();
  if (!existsSync(addon) || libc === undefined || !loads(addon)) return;
  const { version } = JSON.parse(await readFile(path.join(SQLITE, 'package.json'), 'utf8')) as {
    version: string;
  };
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}${libc}-${process.arch}.tar.gz`;
  const prebuilds = path.join(dir, '.prebuilds');
  await mkdir(prebuilds, { recursive: true });
  const archive = createTarball([
    { path: 'build/Release/better_sqlite3.node', content: await readFile(addon), executable: true },
  ]);
  await writeFile(path.join(prebuilds, name), archive);
  await writeFile(path.join(dir, '.prebuild-installrc'), `local-prebuilds=${prebuilds}\n`);
}
