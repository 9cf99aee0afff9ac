#!/usr/bin/env node
// A/B test of a runtime change: the generated project served by two builds of Tango, the
// committed `--base` revision (default HEAD) and the working tree, interleaved round by round
// (A B A B ...), reporting req/s and the server's CPU time per request (which the rest of the
// machine's load disturbs far less than req/s) for each engine.
//
//   node bench/ab.mjs [--base HEAD~1] [--engines cache,db,signed_cookies,hello] [--rounds 5]
//                     [--duration 3] [--warmup 1] [--new]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultTool, runLoad } from './lib/load.mjs';
import { cpuSeconds, startServer } from './lib/process.mjs';
import { buildPackage, createTangoProject } from './lib/project.mjs';
import { median } from './lib/stats.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: {
    base: { type: 'string', default: 'HEAD' },
    engines: { type: 'string', default: 'cache,db,signed_cookies' },
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    new: { type: 'boolean' },
  },
});
const tool = defaultTool();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tango-ab-'));
const nodeModules = path.join(root, 'node_modules');

try {
  // A: the base revision's src/ (git archive: no worktree, nothing written to the repo).
  const baseSrc = path.join(tmp, 'base-src');
  mkdirSync(baseSrc);
  execFileSync('sh', [
    '-c',
    `git -C "${root}" archive "${values.base}" src bin templates package.json tsconfig.json tsconfig.build.json | tar -x -C "${baseSrc}"`,
  ]);
  symlinkSync(nodeModules, path.join(baseSrc, 'node_modules'), 'dir');
  console.log(`Building A (${values.base}) and B (working tree) ...`);
  // allSettled: a failed build must not leave the other one writing into the removed tmp.
  const builds = await Promise.allSettled([
    buildPackage(baseSrc, path.join(tmp, 'a'), { nodeModules }),
    buildPackage(root, path.join(tmp, 'b'), { nodeModules }),
  ]);
  const failedBuild = builds.find((r) => r.status === 'rejected');
  if (failedBuild) throw failedBuild.reason;
  const [a, b] = builds.map((r) => r.value);
  const sides = {};
  for (const [name, built] of [
    ['A', a],
    ['B', b],
  ]) {
    if (built.errors)
      console.log(`  ${name}: tsc reported errors (emitted anyway):\n${built.errors}`);
    const dir = path.join(tmp, `project-${name}`);
    mkdirSync(path.join(dir, 'session-files'), { recursive: true });
    sides[name] = { project: await createTangoProject(built.dir, dir), dir };
  }
  const engines = values.engines.split(',');
  const results = [];
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const engine of engines) {
      for (const side of round % 2 ? ['A', 'B'] : ['B', 'A']) {
        const { project, dir } = sides[side];
        const isHello = engine === 'hello';
        const server = await startServer(
          project.server(
            `${side}-${engine}`,
            {
              BENCH_SESSION_ENGINE: isHello ? 'db' : engine,
              BENCH_SESSION_FILE_PATH: path.join(dir, 'session-files'),
            },
            [],
            // The same command on both sides, whether or not the base revision has `serve`.
            { command: 'runserver' },
          ),
        );
        try {
          const url = `${server.url}/${isHello ? 'hello' : 'hits'}/`;
          let cookie;
          if (!values.new && !isHello)
            cookie = (await fetch(url)).headers.getSetCookie()[0]?.split(';')[0];
          await runLoad({ tool, url, cookie, seconds: Number(values.warmup), connections: 50 });
          const before = cpuSeconds(server.pid);
          const r = await runLoad({
            tool,
            url,
            cookie,
            seconds: Number(values.duration),
            connections: 50,
          });
          const cpuUs = ((cpuSeconds(server.pid) - before) * 1e6) / r.requests;
          results.push({ side, engine, rps: r.rps, cpuUs, bad: r.errors + r.non2xx });
          console.log(
            `  round ${round} ${side} ${engine.padEnd(15)} ${Math.round(r.rps).toString().padStart(6)} req/s ${cpuUs.toFixed(0).padStart(5)} us CPU/req${r.errors + r.non2xx ? `  ${r.errors + r.non2xx} errors/non-2xx` : ''}`,
          );
        } finally {
          await server.stop();
        }
      }
    }
  }
  console.log(
    `\n${values.new ? 'new visitors' : 'returning client'}; median of ${values.rounds} rounds; A = ${values.base}, B = working tree`,
  );
  console.log('engine            A req/s  B req/s  change   A us/req  B us/req  change');
  for (const engine of engines) {
    const pick = (side, key) =>
      median(results.filter((r) => r.side === side && r.engine === engine).map((r) => r[key]));
    const [ra, rb, ca, cb] = [
      pick('A', 'rps'),
      pick('B', 'rps'),
      pick('A', 'cpuUs'),
      pick('B', 'cpuUs'),
    ];
    const pct = (x, y) => `${y >= x ? '+' : ''}${(((y - x) / x) * 100).toFixed(1)} %`;
    console.log(
      `${engine.padEnd(16)} ${Math.round(ra).toString().padStart(8)} ${Math.round(rb).toString().padStart(8)} ${pct(ra, rb).padStart(8)}   ${ca.toFixed(0).padStart(7)} ${cb.toFixed(0).padStart(9)} ${pct(ca, cb).padStart(8)}`,
    );
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
