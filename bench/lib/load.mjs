// The load generator, always in a process of its own: wrk (C, one thread: it leaves the most
// CPU to the server on a small machine) when installed, else autocannon.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** 'wrk' when it is on the PATH, else 'autocannon'. */
export function defaultTool() {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error ? 'autocannon' : 'wrk';
}

/** A line naming the tool and its version, for the report. */
export function toolVersion(tool) {
  if (tool === 'wrk') {
    const out = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
    return (out.stdout || out.stderr)
      .split('\n')[0]
      .replace(/\s+Copyright.*$/, '')
      .trim();
  }
  return 'autocannon 8';
}

/**
 * Loads `url` with `connections` keep-alive connections for `seconds`, sending `cookie` (a
 * `name=value` Cookie header) on every request when given; with `rate`, at that many requests
 * per second in all (bench/lib/paced-worker.mjs) instead of as fast as possible. With `form`
 * (a urlencoded body), every request is a POST of it (not with `rate`). Resolves to
 * `{ requests, seconds, rps, p50, p99, max (ms), errors, non2xx }`.
 */
export function runLoad({ tool, url, connections, seconds, cookie, rate, form }) {
  let command;
  let args;
  let scratch;
  if (rate && form) throw new Error('runLoad: a paced POST is not supported');
  if (rate) {
    // A fixed offered rate: our own open-loop generator (wrk cannot pace; autocannon's
    // overallRate sends each second's requests in one burst, which measures the burst).
    command = process.execPath;
    args = [
      path.join(here, 'paced-worker.mjs'),
      JSON.stringify({ url, connections, seconds, cookie, rate }),
    ];
  } else if (tool === 'wrk') {
    command = 'wrk';
    // wrk takes whole seconds.
    args = [
      '-t1',
      `-c${connections}`,
      `-d${Math.max(1, Math.round(seconds))}s`,
      '--timeout',
      '5s',
      '-s',
      path.join(here, 'wrk-report.lua'),
    ];
    if (form) {
      // wrk takes one script: the POST set-up followed by the report.
      scratch = mkdtempSync(path.join(os.tmpdir(), 'tango-bench-wrk-'));
      const script = path.join(scratch, 'post.lua');
      writeFileSync(
        script,
        `wrk.method = "POST"\nwrk.body = ${JSON.stringify(form)}\n` +
          `wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n` +
          readFileSync(path.join(here, 'wrk-report.lua'), 'utf8'),
      );
      args[args.length - 1] = script;
    }
    if (cookie) args.push('-H', `Cookie: ${cookie}`);
    args.push(url);
  } else {
    command = process.execPath;
    args = [
      path.join(here, 'autocannon-worker.mjs'),
      JSON.stringify({ url, connections, seconds, cookie, rate, form }),
    ];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
      const line = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      if (code !== 0 || !line) {
        reject(new Error(`${command} exited with ${code}: ${err || out}`));
        return;
      }
      const r = JSON.parse(line);
      const secs = r.duration_us / 1e6;
      const e = r.errors;
      resolve({
        requests: r.requests,
        seconds: secs,
        rps: r.requests / secs,
        p50: r.p50_us / 1000,
        p99: r.p99_us / 1000,
        max: r.max_us / 1000,
        errors: e.connect + e.read + e.write + e.timeout,
        non2xx: e.status,
      });
    });
  });
}
