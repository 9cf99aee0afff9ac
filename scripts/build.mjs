#!/usr/bin/env node
// Builds dist/ from src/ with tsc (tsconfig.build.json) and records a stamp, then refreshes
// create-tango's copy of the CLI (packages/create-tango/lib/: the built cli/, generator/ and common/,
// and templates/), so `npm create tango` needs neither the runtime nor its native addon.
//
// `--if-stale` (used by `prepare`) skips tsc when dist/ is newer than every file in src/: a
// rebuild would be slow, would fail on any half-edited file, and would rewrite dist/ under
// servers that are using it. In an installed copy of the package (no src/: the registry, a
// tarball) there is nothing to build and it does nothing, so `prepare` never needs a file the
// package does not ship.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const stamp = path.join(root, 'dist', '.build-stamp');
const ifStale = process.argv.includes('--if-stale');

if (!existsSync(path.join(root, 'src'))) {
  if (ifStale) process.exit(0);
  console.error('tango: no src/ here (an installed package): nothing to build.');
  process.exit(1);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const inputs = () =>
  Math.max(
    newestMtime(path.join(root, 'src')),
    ...['tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(path.join(root, f)).mtimeMs),
  );

if (ifStale && existsSync(stamp) && statSync(stamp).mtimeMs > inputs()) {
  console.log('tango: dist/ is up to date.');
} else {
  // tsc writes into a staging folder that replaces dist/ by renames once it is complete, so a
  // server or test using dist/ while a build runs keeps a whole dist/ (the old or the new one),
  // and a failed build leaves the old one in place.
  const dist = path.join(root, 'dist');
  removeAbandonedStaging();
  const staging = path.join(root, `.dist-${process.pid}`);
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(
    process.execPath,
    [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', staging],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    process.exit(result.status ?? 1);
  }
  copyRuntimeAssets(path.join(root, 'src'), staging);
  writeFileSync(path.join(staging, '.build-stamp'), new Date().toISOString() + '\n');
  const old = path.join(root, `.dist-old-${process.pid}`);
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(staging, dist);
  rmSync(old, { recursive: true, force: true });
}

/**
 * Copies the files tsc does not emit (an app's `templates/`, data such as tango.auth's
 * `common-passwords.txt.gz` and its NOTICE) from src/ into the build, at the same paths, so an
 * installed runtime finds them next to its modules.
 */
function copyRuntimeAssets(from, to) {
  cpSync(path.join(from, 'runtime'), path.join(to, 'runtime'), {
    recursive: true,
    filter: (source) => statSync(source).isDirectory() || !/\.(ts|mts|cts)$/.test(source),
  });
}

/** Removes `.dist-<pid>` folders left by builds that were killed (their process is gone). */
function removeAbandonedStaging() {
  for (const name of readdirSync(root)) {
    const match = /^\.dist-(?:old-)?(\d+)$/.exec(name);
    if (!match) continue;
    try {
      process.kill(Number(match[1]), 0);
    } catch {
      rmSync(path.join(root, name), { recursive: true, force: true });
    }
  }
}

bundleCreateTango();

/**
 * packages/create-tango/lib/ := dist/cli + dist/generator + dist/common (JavaScript and JSON only) +
 * templates/, written beside and swapped in with one rename. create-tango's version must be
 * the runtime's: the projects it scaffolds depend on `tango@^<its version>`.
 */
function bundleCreateTango() {
  const pkgDir = path.join(root, 'packages', 'create-tango');
  if (!existsSync(pkgDir)) return;
  const version = (dir) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  if (version(pkgDir) !== version(root)) {
    console.error(
      `create-tango is ${version(pkgDir)} but tango is ${version(root)}: release them together (same version).`,
    );
    process.exit(1);
  }
  const lib = path.join(pkgDir, 'lib');
  const staging = path.join(pkgDir, `.lib-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const code = (source) => statSync(source).isDirectory() || /\.(js|json)$/.test(source);
  // common/: the text and colour helpers the CLI shares with the runtime (docs/architecture.md).
  for (const part of ['cli', 'generator', 'common']) {
    cpSync(path.join(root, 'dist', part), path.join(staging, part), {
      recursive: true,
      filter: code,
    });
  }
  cpSync(path.join(root, 'templates'), path.join(staging, 'templates'), { recursive: true });
  rmSync(lib, { recursive: true, force: true });
  renameSync(staging, lib);
}
