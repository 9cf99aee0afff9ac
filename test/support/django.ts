/**
 * Real Django for the live interop tests: Debian's Django 3.2 (the system `python3-django`) and
 * Django 5.2 LTS, the reference (in a virtual environment these tests create once).
 *
 * - 3.2: `$TANGO_DJANGO32_PYTHON`, else `/usr/bin/python3`; it must import Django 3.2.x.
 * - 5.2: `$TANGO_DJANGO52_PYTHON`, else a venv made once under
 *   `node_modules/.cache/tango-django52/` (`python3 -m venv` + `pip install 'django==5.2.*'`),
 *   built by one test process at a time (a lock directory) and trusted only once its marker
 *   file is written, so parallel test files neither race nor see a half-built venv.
 *
 * Unavailable interpreters skip with a loud warning; under `CI=true` (or `CI=1`) they fail the
 * file instead (`.ci/run` provides both), as `serviceSupport` does for Redis and PostgreSQL.
 *
 * @example
 * const pythons = await djangoPythons(); // [3.2, 5.2], each available or not (with a reason)
 * describe.each(pythons)('Django $series', (django) => {
 *   it.skipIf(!django.available)('...', async () => {
 *     const [answer] = await runInterop(django, 'k', [{ op: 'version' }]);
 *   });
 * });
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Django series the interop tests run against. */
export type DjangoSeries = '3.2' | '5.2';

/** One interpreter: whether it can run, and why not. */
export interface DjangoPython {
  series: DjangoSeries;
  available: boolean;
  /** The interpreter (available only). */
  python?: string;
  /** `django.get_version()` (available only). */
  version?: string;
  /** Why it is unavailable. */
  reason?: string;
}

/** Options of the lookups; the defaults read the environment. */
export interface DjangoLookupOptions {
  /** Fail instead of skipping. Default: `CI` is `true` or `1`. */
  ci?: boolean;
  /** Environment to read `TANGO_DJANGO32_PYTHON`/`TANGO_DJANGO52_PYTHON` from. */
  env?: NodeJS.ProcessEnv;
  /** Where the 5.2 venv lives. Default `node_modules/.cache/tango-django52`. */
  cacheDir?: string;
  /** Base interpreters tried for `python3 -m venv`, in order. */
  basePythons?: readonly string[];
  /** What pip installs. Default `django==5.2.*`. */
  requirement?: string;
  /** How long to wait for another process building the venv. Default 10 minutes. */
  waitMs?: number;
}

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DJANGO52_CACHE_DIR = path.join(REPO_ROOT, 'node_modules/.cache/tango-django52');
export const DJANGO52_REQUIREMENT = 'django==5.2.*';
/** The interop oracle both series run (test/django/interop.py). */
export const INTEROP_SCRIPT = path.join(REPO_ROOT, 'test/django/interop.py');

const SYSTEM_PYTHON = '/usr/bin/python3';
const BUILD_TIMEOUT_MS = 10 * 60_000;
const isCI = (env: NodeJS.ProcessEnv): boolean => env.CI === 'true' || env.CI === '1';
const announced = new Set<string>();

function run(
  file: string,
  args: readonly string[],
  options: { timeout?: number; input?: string } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: options.timeout ?? 0 },
      (error, stdout, stderr) => {
        if (error) reject(Object.assign(error, { stdout, stderr }));
        else resolve({ stdout, stderr });
      },
    );
    // A child that exits without reading (or never starts) reports through the callback.
    child.stdin?.on('error', () => {});
    child.stdin?.end(options.input ?? '');
  });
}

/** `django.get_version()` of `python`, or why it cannot say. */
async function probe(python: string): Promise<{ version: string } | { reason: string }> {
  if (!existsSync(python)) return { reason: `${python} was not found` };
  try {
    const { stdout } = await run(python, ['-c', 'import django; print(django.get_version())'], {
      timeout: 60_000,
    });
    return { version: stdout.trim() };
  } catch {
    return { reason: `${python} cannot import django` };
  }
}

/** Turns a failed lookup into a skip (warned once) or, under CI, an error. */
function unavailable(series: DjangoSeries, reason: string, ci: boolean): DjangoPython {
  const fix =
    series === '3.2'
      ? 'Install python3-django (apt-get install python3-django), or set TANGO_DJANGO32_PYTHON.'
      : `Set TANGO_DJANGO52_PYTHON to a python with Django 5.2, or let the tests build ${path.relative(REPO_ROOT, DJANGO52_CACHE_DIR)}/venv (needs python3 -m venv and pip access to Django 5.2).`;
  if (ci) {
    throw new Error(
      `CI=true and Django ${series} is unavailable (${reason}): the live Django interop tests must not skip in CI. ${fix}`,
    );
  }
  if (!announced.has(series + reason)) {
    announced.add(series + reason);
    console.warn(`\n!!! Live Django ${series} interop tests SKIPPED: ${reason}. ${fix} !!!\n`);
  }
  return { series, available: false, reason };
}

async function checked(series: DjangoSeries, python: string, ci: boolean): Promise<DjangoPython> {
  const found = await probe(python);
  if ('reason' in found) return unavailable(series, found.reason, ci);
  if (!found.version.startsWith(series + '.')) {
    return unavailable(series, `${python} has Django ${found.version}, not ${series}.x`, ci);
  }
  return { series, available: true, python, version: found.version };
}

/**
 * Debian's Django 3.2: `$TANGO_DJANGO32_PYTHON`, else `/usr/bin/python3`.
 *
 * @example
 * const django32 = await django32Python();
 */
export function django32Python(options: DjangoLookupOptions = {}): Promise<DjangoPython> {
  const env = options.env ?? process.env;
  return checked('3.2', env.TANGO_DJANGO32_PYTHON || SYSTEM_PYTHON, options.ci ?? isCI(env));
}

let django52: Promise<DjangoPython> | undefined;

/**
 * Django 5.2: `$TANGO_DJANGO52_PYTHON`, else the cached venv (built on first use, once for all
 * parallel test files). Memoized per process for the default options.
 *
 * @example
 * const django = await django52Python();
 * if (django.available) console.log(django.python, django.version); // .../bin/python 5.2.17
 */
export function django52Python(options: DjangoLookupOptions = {}): Promise<DjangoPython> {
  const isDefault = Object.keys(options).length === 0;
  if (isDefault && django52) return django52;
  const env = options.env ?? process.env;
  const ci = options.ci ?? isCI(env);
  const explicit = env.TANGO_DJANGO52_PYTHON;
  const lookup = explicit
    ? checked('5.2', explicit, ci)
    : cachedVenv(options).then(
        (python) => checked('5.2', python, ci),
        (error: Error) => unavailable('5.2', error.message, ci),
      );
  if (isDefault) django52 = lookup;
  return lookup;
}

/**
 * Both series, 3.2 then 5.2, for table-driven tests.
 *
 * @example
 * describe.each(await djangoPythons())('Django $series', (django) => { ... });
 */
export async function djangoPythons(options: DjangoLookupOptions = {}): Promise<DjangoPython[]> {
  return Promise.all([django32Python(options), django52Python(options)]);
}

interface LockOwner {
  pid: number;
  started: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A lock left by a process that died, or that has held it for longer than a build may take. */
function staleLock(lock: string, now: number): boolean {
  try {
    const owner = JSON.parse(readFileSync(path.join(lock, 'owner.json'), 'utf8')) as LockOwner;
    return !processAlive(owner.pid) || now - owner.started > BUILD_TIMEOUT_MS;
  } catch {
    // Created but not yet described: stale only if it is old.
    try {
      return now - statSync(lock).mtimeMs > 60_000;
    } catch {
      return false;
    }
  }
}

/**
 * The cached venv's python: built under `cacheDir/venv` by whichever process takes
 * `cacheDir/lock` first; the others wait for `cacheDir/ready.json`, which is written last.
 */
async function cachedVenv(options: DjangoLookupOptions): Promise<string> {
  const dir = options.cacheDir ?? DJANGO52_CACHE_DIR;
  const requirement = options.requirement ?? DJANGO52_REQUIREMENT;
  const venv = path.join(dir, 'venv');
  const python = path.join(venv, 'bin', 'python');
  const marker = path.join(dir, 'ready.json');
  const lock = path.join(dir, 'lock');
  const deadline = Date.now() + (options.waitMs ?? BUILD_TIMEOUT_MS);
  const ready = async (): Promise<boolean> => {
    if (!existsSync(marker)) return false;
    try {
      const recorded = JSON.parse(readFileSync(marker, 'utf8')) as { requirement?: string };
      if (recorded.requirement !== requirement) return false;
    } catch {
      return false;
    }
    return 'version' in (await probe(python));
  };
  mkdirSync(dir, { recursive: true });
  for (;;) {
    if (await ready()) return python;
    try {
      mkdirSync(lock);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (staleLock(lock, Date.now())) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for another process to build ${venv} (lock ${lock})`);
      }
      await sleep(500);
      continue;
    }
    try {
      writeFileSync(
        path.join(lock, 'owner.json'),
        JSON.stringify({ pid: process.pid, started: Date.now() } satisfies LockOwner),
      );
      // Another process may have finished between our check and taking the lock.
      if (await ready()) return python;
      rmSync(marker, { force: true });
      await buildVenv(venv, requirement, options.basePythons);
      writeFileSync(marker, JSON.stringify({ requirement, built: new Date().toISOString() }));
      return python;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

async function buildVenv(
  venv: string,
  requirement: string,
  basePythons: readonly string[] = ['python3', SYSTEM_PYTHON],
): Promise<void> {
  rmSync(venv, { recursive: true, force: true });
  const failures: string[] = [];
  let created = false;
  for (const base of basePythons) {
    try {
      await run(base, ['-m', 'venv', venv], { timeout: 120_000 });
      created = true;
      break;
    } catch (error) {
      failures.push(`${base} -m venv: ${lastLine(error)}`);
      rmSync(venv, { recursive: true, force: true });
    }
  }
  if (!created) throw new Error(`could not create a venv (${failures.join('; ')})`);
  try {
    await run(
      path.join(venv, 'bin', 'python'),
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', requirement],
      { timeout: BUILD_TIMEOUT_MS },
    );
  } catch (error) {
    rmSync(venv, { recursive: true, force: true });
    throw new Error(`pip install '${requirement}' failed: ${lastLine(error)}`);
  }
}

/** The end of a failed command's stderr (a traceback's last lines say what went wrong). */
function lastLine(error: unknown, lines = 1): string {
  const e = error as { stderr?: string; message?: string };
  const text = (e.stderr || e.message || String(error)).trim().split('\n');
  return text.slice(-lines).join('\n');
}

/** One result of test/django/interop.py: a value, or the exception Django raised. */
export type InteropResult = { ok: unknown } | { error: string; message: string };

/** One op for test/django/interop.py (see its `run`). */
export type InteropOp = Record<string, unknown> & { op: string };

/**
 * Runs ops through test/django/interop.py with `django`'s interpreter, in one process.
 *
 * @example
 * const [signed] = await runInterop(django, SECRET_KEY, [{ op: 'dumps', obj: { a: 1 } }]);
 */
export async function runInterop(
  django: DjangoPython,
  secretKey: string,
  ops: readonly InteropOp[],
  extra: Record<string, unknown> = {},
): Promise<InteropResult[]> {
  if (!django.python) throw new Error(`Django ${django.series} is unavailable: ${django.reason}`);
  try {
    const { stdout } = await run(django.python, [INTEROP_SCRIPT], {
      input: JSON.stringify({ ...extra, secretKey, ops }),
      timeout: 300_000,
    });
    return JSON.parse(stdout) as InteropResult[];
  } catch (error) {
    throw new Error(`interop.py (Django ${django.series}) failed: ${lastLine(error, 20)}`, {
      cause: error,
    });
  }
}

/**
 * Runs a Python script (`-c`) with `django`'s interpreter, JSON in on stdin, JSON out on
 * stdout.
 *
 * @example
 * const out = await runPythonJson(django, SCRIPT, { vectors }, [SECRET]);
 */
export async function runPythonJson<T>(
  django: DjangoPython,
  script: string,
  input: unknown,
  args: readonly string[] = [],
): Promise<T> {
  if (!django.python) throw new Error(`Django ${django.series} is unavailable: ${django.reason}`);
  try {
    const { stdout } = await run(django.python, ['-c', script, ...args], {
      input: JSON.stringify(input),
      timeout: 300_000,
    });
    return JSON.parse(stdout) as T;
  } catch (error) {
    throw new Error(`python (Django ${django.series}) failed: ${lastLine(error, 20)}`, {
      cause: error,
    });
  }
}

/** For the detection tests: forget which warnings were printed. */
export function resetAnnouncements(): void {
  announced.clear();
}
