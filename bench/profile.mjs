#!/usr/bin/env node
// Profiles the generated project's server under load: `node --cpu-prof` on
// `manage.ts runserver --noreload`, a returning client (or new visitors) on hits/, then the
// functions with the most self time, and the same grouped by file.
//
//   node bench/profile.mjs [engine] [--seconds 10] [--new] [--top 30] [--callers fn] [--no-build] [--keep]
//   engine: db (default) | file | cache | cached_db | signed_cookies | encrypted_cookies | hello
// The .cpuprofile is kept (path printed) for Chrome DevTools / speedscope.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultTool, runLoad } from './lib/load.mjs';
import { startServer } from './lib/process.mjs';
import { buildPackage, createTangoProject } from './lib/project.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string', default: '10' },
    new: { type: 'boolean' },
    top: { type: 'string', default: '30' },
    keep: { type: 'boolean' },
    callers: { type: 'string' },
    'no-build': { type: 'boolean' },
  },
});
const target = positionals[0] ?? 'db';
const engine = target === 'hello' ? 'db' : target;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tango-profile-'));
const profDir = path.join(tmp, 'prof');
mkdirSync(profDir);
mkdirSync(path.join(tmp, 'session-files'));

try {
  const pkg = values['no-build'] ? root : (await buildPackage(root, tmp)).dir;
  const project = await createTangoProject(pkg, tmp);
  const server = await startServer(
    project.server(
      `tango-${engine}`,
      { BENCH_SESSION_ENGINE: engine, BENCH_SESSION_FILE_PATH: path.join(tmp, 'session-files') },
      ['--cpu-prof', '--cpu-prof-dir', profDir],
      // One process to profile (serve's primary only hands connections to a worker).
      { command: 'runserver' },
    ),
  );
  const url = `${server.url}/${target === 'hello' ? 'hello' : 'hits'}/`;
  let cookie;
  if (!values.new && target !== 'hello') {
    const first = await fetch(url);
    cookie = first.headers.getSetCookie()[0]?.split(';')[0];
  }
  const tool = defaultTool();
  await runLoad({ tool, url, cookie, seconds: 2, connections: 50 });
  const result = await runLoad({
    tool,
    url,
    cookie,
    seconds: Number(values.seconds),
    connections: 50,
  });
  await server.stop();
  console.log(
    `${target}${values.new ? ' (new visitors)' : ''}: ${Math.round(result.rps)} req/s, p99 ${result.p99.toFixed(2)} ms (under --cpu-prof)` +
      (result.non2xx + result.errors
        ? `; ${result.non2xx} non-2xx, ${result.errors} errors: check the server!`
        : ''),
  );

  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile written');
  const profile = JSON.parse(readFileSync(path.join(profDir, file), 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = profile.timeDeltas[i] ?? 0;
    node.selfTime = (node.selfTime ?? 0) + dt;
  }
  let total = 0;
  const byFile = new Map();
  for (const node of profile.nodes) {
    const t = node.selfTime ?? 0;
    total += t;
    const cf = node.callFrame;
    const where = cf.url
      ? `${cf.url
          .replace(/^file:\/\//, '')
          .replace(root + '/', '')
          .replace(/.*node_modules\//, 'nm/')}:${cf.lineNumber + 1}`
      : '';
    const key = `${cf.functionName || '(anonymous)'} ${where}`;
    self.set(key, (self.get(key) ?? 0) + t);
    const f = cf.url ? where.replace(/:\d+$/, '') : `(${cf.functionName})`;
    byFile.set(f, (byFile.get(f) ?? 0) + t);
  }
  const top = Number(values.top);
  const print = (title, map) => {
    console.log(`\n${title}`);
    for (const [key, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${((100 * t) / total).toFixed(1).padStart(5)} %  ${key}`);
    }
  };
  print('Self time by function', self);
  {
    // Inclusive time: each sample counts once for every distinct function on its stack.
    const parentOf = new Map();
    for (const node of profile.nodes)
      for (const child of node.children ?? []) parentOf.set(child, node);
    const label = (n) => {
      const cf = n.callFrame;
      const where = cf.url
        ? `${cf.url
            .replace(/^file:\/\//, '')
            .replace(/.*\/dist\//, 'dist/')
            .replace(/.*node_modules\//, 'nm/')}:${cf.lineNumber + 1}`
        : '';
      return `${cf.functionName || '(anonymous)'} ${where}`;
    };
    const inclusive = new Map();
    for (let i = 0; i < profile.samples.length; i++) {
      const seen = new Set();
      for (let n = byId.get(profile.samples[i]); n; n = parentOf.get(n.id)) seen.add(label(n));
      for (const key of seen)
        inclusive.set(key, (inclusive.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
    }
    const wanted = new Map(
      [...inclusive].filter(
        ([k]) =>
          k.includes('dist/') ||
          k.includes('nm/handlebars') ||
          /^(writev|parserOn|\(garbage)/.test(k),
      ),
    );
    print('Inclusive time (Tango, handlebars, writev, GC)', wanted);
  }
  if (values.callers) {
    // Stacks (leaf first) leading to functions named --callers, by self time.
    const parent = new Map();
    for (const node of profile.nodes)
      for (const child of node.children ?? []) parent.set(child, node);
    const stacks = new Map();
    for (const node of profile.nodes) {
      if (node.callFrame.functionName !== values.callers || !node.selfTime) continue;
      const frames = [];
      for (let n = node; n && frames.length < 12; n = parent.get(n.id)) {
        frames.push(
          `${n.callFrame.functionName || '(anonymous)'}@${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`,
        );
      }
      const key = frames.join(' < ');
      stacks.set(key, (stacks.get(key) ?? 0) + node.selfTime);
    }
    console.log(`\nStacks of ${values.callers}`);
    for (const [key, t] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 8))
      console.log(`${((100 * t) / total).toFixed(2)} %  ${key}`);
  }
  print('Self time by file', byFile);
  console.log(`\nprofile: ${path.join(profDir, file)}`);
} finally {
  if (!values.keep) rmSync(tmp, { recursive: true, force: true });
}
