#!/usr/bin/env node
// The framework's own CPU per request, without sockets: the generated project's application
// (`createApplication` on its settings, every middleware, the tutorial's hits/ view) called
// in-process with 50 requests in flight, for each engine. No load generator shares the
// machine, so the figures move far less between runs than req/s does; the gap between these
// and the socket benchmark (`npm run bench`) is node:http, the kernel and the load generator.
//
//   node bench/inprocess.mjs [engines, default db,file,cache,cached_db,signed_cookies,encrypted_cookies]
//                            [--requests 50000] [--new] [--no-build] [--compare-csrf]
//
// --compare-csrf: for each engine, 5 runs with the generated MIDDLEWARE and 5 without
// CsrfViewMiddleware, alternating; the medians show what CSRF protection costs a page that
// never uses the token (hits/ does not).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildPackage, createTangoProject } from './lib/project.mjs';
import { runCommand } from './lib/process.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    requests: { type: 'string', default: '50000' },
    new: { type: 'boolean' },
    'no-build': { type: 'boolean' },
    'compare-csrf': { type: 'boolean' },
  },
});
const engines = (
  positionals[0] ?? 'db,file,cache,cached_db,signed_cookies,encrypted_cookies'
).split(',');

// Runs inside the generated project (node --import tsx), so its settings and views load as
// they do under runserver.
const DRIVER = `import { loadSettings } from 'tango/conf';
const { createApplication } = await import('./node_modules/tango/dist/runtime/handlers/base.js');
const { HttpRequest } = await import('./node_modules/tango/dist/runtime/http/request.js');
const app = await createApplication(await loadSettings());
const request = (cookie) =>
  new HttpRequest({
    method: 'GET',
    url: '/hits/',
    headers: { host: '127.0.0.1', ...(cookie ? { cookie } : {}) },
    body: Buffer.alloc(0),
    remoteAddress: '127.0.0.1',
    httpVersion: '1.1',
  });
const first = await app.handle(request());
const cookie = process.env.BENCH_NEW ? undefined : first.setCookieHeaders()[0]?.split(';')[0];
const second = await app.handle(request(cookie));
if (second.status !== 200) throw new Error('hits/ answered ' + second.status);
const IN_FLIGHT = 50;
async function client(n) {
  for (let i = 0; i < n; i++) {
    const response = await app.handle(request(cookie));
    response.setCookieHeaders();
    void response.contentLength;
    await new Promise(setImmediate); // the next request arrives in a later turn, as over a socket
  }
}
const run = (total) => Promise.all(Array.from({ length: IN_FLIGHT }, () => client(total / IN_FLIGHT)));
const total = Number(process.env.BENCH_REQUESTS);
await run(Math.min(10000, total)); // warm-up: JIT, caches
const cpu = process.cpuUsage();
const start = process.hrtime.bigint();
await run(total);
const used = process.cpuUsage(cpu);
const wall = Number(process.hrtime.bigint() - start) / 1e3;
console.log(JSON.stringify({ cpu: (used.user + used.system) / total, wall: wall / total }));
await app.close();
`;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'tango-inprocess-'));
try {
  const pkg = values['no-build'] ? root : (await buildPackage(root, tmp)).dir;
  const project = await createTangoProject(pkg, tmp);
  writeFileSync(path.join(project.dir, 'bench_inprocess.mjs'), DRIVER);
  const files = path.join(tmp, 'session-files');
  mkdirSync(files);
  const tsx = import.meta.resolve('tsx');
  console.log(
    `${values.new ? 'new visitors' : 'returning client'}, ${values.requests} requests, 50 in flight, node ${[...project.startFlags, '--import tsx'].join(' ')}`,
  );
  const measure = async (engine, withoutCsrf = false) => {
    const result = await runCommand(
      process.execPath,
      [...project.startFlags, '--import', tsx, 'bench_inprocess.mjs'],
      {
        cwd: project.dir,
        env: {
          TANGO_SETTINGS_MODULE: project.settingsModule,
          BENCH_SESSION_ENGINE: engine,
          BENCH_SESSION_FILE_PATH: files,
          BENCH_REQUESTS: values.requests,
          ...(values.new ? { BENCH_NEW: '1' } : {}),
          ...(withoutCsrf ? { BENCH_NO_CSRF: '1' } : {}),
        },
      },
    );
    if (result.code !== 0) throw new Error(`${engine} failed:\n${result.stdout}${result.stderr}`);
    return JSON.parse(result.stdout.trim().split('\n').at(-1));
  };
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const engine of engines) {
    if (!values['compare-csrf']) {
      const { cpu, wall } = await measure(engine);
      console.log(
        `${engine.padEnd(16)} ${cpu.toFixed(1).padStart(7)} us CPU/req ${wall.toFixed(1).padStart(7)} us wall/req`,
      );
      continue;
    }
    const withCsrf = [];
    const without = [];
    for (let i = 0; i < 5; i++) {
      withCsrf.push((await measure(engine)).cpu);
      without.push((await measure(engine, true)).cpu);
    }
    const a = median(withCsrf);
    const b = median(without);
    console.log(
      `${engine.padEnd(16)} with CsrfViewMiddleware ${a.toFixed(1)} us CPU/req, without ${b.toFixed(1)} (medians of 5: ${withCsrf.map((x) => x.toFixed(1)).join(' ')} / ${without.map((x) => x.toFixed(1)).join(' ')}); difference ${(a - b).toFixed(1)} us (${(((a - b) / b) * 100).toFixed(1)} %)`,
    );
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
