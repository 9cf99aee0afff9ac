#!/usr/bin/env node
// Times `tango-admin startproject x <tmp> --no-install` against `node -e 0` (Node's own start-up)
// over 10 runs each and prints the medians and their difference (and, for comparison, the
// median with `--format`, which loads prettier). Goal (issue 2): under 200 ms
// on the 2-core CI machines; `django-admin startproject` takes ~243 ms (spec item 144).
// Needs a build (`npm run build`). Usage: node bench/startproject.mjs [runs]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'bin', 'tango-admin.js');
const runs = Number(process.argv[2] ?? 10);

function time(args, cwd) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed:\n${result.stderr}`);
  return ms;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'tango-bench-'));
try {
  // One warm-up each, so the first measured run does not pay for a cold file cache.
  time(['-e', '0'], scratch);
  time([cli, 'startproject', 'x', path.join(scratch, 'warm'), '--no-install'], scratch);
  const node = [];
  const tango = [];
  const formatted = [];
  for (let i = 0; i < runs; i++) {
    node.push(time(['-e', '0'], scratch));
    tango.push(
      time([cli, 'startproject', 'x', path.join(scratch, `run${i}`), '--no-install'], scratch),
    );
    // For comparison: what prettier would cost on every run (DESIGN.md §4 keeps it off).
    const target = path.join(scratch, `fmt${i}`);
    formatted.push(time([cli, 'startproject', 'x', target, '--no-install', '--format'], scratch));
  }
  const n = median(node);
  const t = median(tango);
  console.log(`node -e 0                           median ${n.toFixed(1)} ms  (${runs} runs)`);
  console.log(`tango-admin startproject --no-install median ${t.toFixed(1)} ms  (${runs} runs)`);
  console.log(`difference                          ${(t - n).toFixed(1)} ms  (goal: < 200 ms)`);
  console.log(`with --format (prettier)            median ${median(formatted).toFixed(1)} ms`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
