// Starting and stopping one server process, and reading its memory.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const READY = /(http:\/\/127\.0\.0\.1:\d+)\//;
const START_TIMEOUT_MS = 60_000;

/** Every server still running, killed if the harness exits early. */
const live = new Set();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    process.exit(130);
  });
}

function launch(def, stderr) {
  const child = spawn(def.command, def.args, {
    cwd: def.cwd,
    env: { ...process.env, ...def.env },
    // stderr: a server's request log (Tango's runserver writes one line per request there)
    // goes to /dev/null, which costs a write(2) and no reader; see startServer().
    stdio: ['ignore', 'pipe', stderr],
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/**
 * Starts `def` ({ command, args, cwd, env }) and resolves when it prints its URL:
 * `{ url, pid, stop() }`. stderr is discarded while it runs; if it fails to start, it is
 * started once more with stderr captured, so the error names the cause.
 */
export async function startServer(def) {
  try {
    return await attempt(def, 'ignore');
  } catch {
    const second = await attempt(def, 'pipe').catch((error) => error);
    if (second instanceof Error) throw new Error(`${def.name} did not start: ${second.message}`);
    return second; // a flaky start: the second try worked
  }
}

function attempt(def, stderrMode) {
  const child = launch(def, stderrMode);
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => fail(`no URL printed within ${START_TIMEOUT_MS} ms`),
      START_TIMEOUT_MS,
    );
    const fail = (why) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${why}\n${out}${err}`.trim()));
    };
    child.stderr?.on('data', (c) => (err += c));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = READY.exec(out);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      resolve({ url: match[1], pid: child.pid, stop: () => stopChild(child) });
    });
    child.once('error', (e) => fail(e.message));
    child.once('exit', (code, signal) => fail(`exited with ${code ?? signal}`));
  });
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * `pid` and every process below it (Linux /proc): `manage.ts serve` is a primary and its
 * workers, and what it costs is theirs together.
 */
function processTree(pid) {
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  }
  return tree;
}

/** Resident set size of `pid` and its descendants (serve's workers) in MiB (Linux /proc). */
export function rssMiB(pid) {
  let kb = 0;
  for (const member of processTree(pid)) {
    const status = readFileSync(`/proc/${member}/status`, 'utf8');
    kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  }
  return kb / 1024;
}

/** Runs a command to completion; resolves to { code, stdout, stderr, ms }. */
export function runCommand(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, args, {
      ...options,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.once('error', reject);
    child.once('exit', (code) =>
      resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - start) / 1e6 }),
    );
  });
}

let ticksPerSecond;

/**
 * CPU seconds (user + system) `pid` and its descendants (serve's workers) have used so far
 * (Linux /proc/<pid>/stat).
 */
export function cpuSeconds(pid) {
  ticksPerSecond ??=
    Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  let ticks = 0;
  for (const member of processTree(pid)) {
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${member}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / ticksPerSecond;
}
