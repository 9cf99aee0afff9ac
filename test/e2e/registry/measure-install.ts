/**
 * Measures what the README's install figure says: from an empty folder with an empty npm cache
 * to a served page, `npm create tango@latest mysite`, `npm run migrate`, `npm start` and the
 * first 200 of GET /. The packages come from a local verdaccio (server.ts) holding this
 * checkout's `tango` and `create-tango` and proxying everything else from the configured
 * registry, since nothing is published yet.
 *
 *     npm run build && node --import tsx test/e2e/registry/measure-install.ts [--prebuilt]
 *
 * better-sqlite3's addon is compiled from source unless `--prebuilt` puts this checkout's build
 * where prebuild-install looks first (test/e2e/prebuilt.ts), which stands in for the download
 * from GitHub that a machine with internet access makes.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { freePort } from '../../support/services.js';
import { usePrebuiltSqlite } from '../prebuilt.js';
import { startRegistry } from './server.js';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const tmp = await mkdtemp(path.join(os.tmpdir(), 'tango-measure-'));
const registry = await startRegistry(path.join(tmp, 'registry'));
try {
  if (process.argv.includes('--prebuilt')) await usePrebuiltSqlite(tmp);
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(npm_|INIT_CWD$)/i.test(key)) env[key] = value;
  }
  if (process.env.npm_config_nodedir) env.npm_config_nodedir = process.env.npm_config_nodedir;
  Object.assign(env, {
    npm_config_cache: path.join(tmp, 'npm-cache'),
    npm_config_update_notifier: 'false',
  });
  const as = (userconfig: string) => ({
    env: { ...env, npm_config_userconfig: userconfig },
    extendEnv: false,
    stdio: 'inherit' as const,
  });
  for (const dir of [REPO_ROOT, path.join(REPO_ROOT, 'packages', 'create-tango')]) {
    await execa('npm', ['publish', '--ignore-scripts'], {
      cwd: dir,
      ...as(registry.publisherConfig),
      stdio: 'pipe',
    });
  }
  // The publisher's cache must not help the user: start from an empty one.
  await rm(env.npm_config_cache!, { recursive: true, force: true });
  const home = path.join(tmp, 'home');
  await mkdir(home);

  const started = performance.now();
  const lap = (what: string) =>
    console.log(`[measure] ${what}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await execa('npm', ['create', 'tango@latest', 'mysite'], {
    cwd: home,
    ...as(registry.userConfig),
  });
  lap('npm create tango@latest mysite');
  const project = path.join(home, 'mysite');
  await execa('npm', ['run', 'migrate'], { cwd: project, ...as(registry.userConfig) });
  lap('npm run migrate');
  const port = await freePort();
  const server = spawn('npm', ['start', '--', `127.0.0.1:${port}`], {
    cwd: project,
    env: { ...env, npm_config_userconfig: registry.userConfig },
    detached: true,
    stdio: 'ignore',
  });
  try {
    for (;;) {
      const status = await fetch(`http://127.0.0.1:${port}/`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    lap('npm start, first 200 of GET /');
  } finally {
    process.kill(-server.pid!, 'SIGTERM');
  }
} finally {
  await registry.stop();
  await rm(tmp, { recursive: true, force: true });
}
