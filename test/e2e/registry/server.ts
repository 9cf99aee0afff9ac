/**
 * A real npm registry for the end-to-end tests: verdaccio (pinned in this folder's own
 * package.json, so the checkout's `npm install` does not carry its ~330 packages), listening on
 * 127.0.0.1 with its storage in a temp dir. `tango` and `create-tango` exist only there (they
 * are published by the test); every other package is proxied from the registry npm is
 * configured with (registry.npmjs.org by default), as a company registry would.
 *
 * verdaccio 6.8.0 is the last release that runs on Node 20 (6.9+ wants Node 22); its
 * `node-fetch@cjs` dependency no longer resolves, hence the `overrides` entry for 2.7.0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { freePort } from '../../support/services.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VERDACCIO = path.join(HERE, 'node_modules', 'verdaccio', 'bin', 'verdaccio');

/** A running registry. */
export interface Registry {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  /** A user config (`npm_config_userconfig`) with only this registry: what a new user has. */
  userConfig: string;
  /** A user config with this registry and a publish token. */
  publisherConfig: string;
  /** Everything verdaccio printed. */
  output(): string;
  stop(): Promise<void>;
}

/** `npm config get <key>` of the user running the tests (`undefined` when unset). */
async function npmConfig(key: string): Promise<string | undefined> {
  const { stdout } = await execa('npm', ['config', 'get', key], { reject: false });
  const value = stdout.trim();
  return value === '' || value === 'null' || value === 'undefined' ? undefined : value;
}

/** Installs verdaccio into this folder from its lockfile, unless it is there already. */
export async function installRegistry(): Promise<void> {
  if (existsSync(VERDACCIO)) return;
  const result = await execa('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: HERE,
    reject: false,
    all: true,
  });
  if (result.exitCode !== 0) throw new Error(`npm ci in ${HERE} failed:\n${result.all}`);
}

/** YAML for verdaccio: JSON is YAML, so the config is built as an object. */
function config(dir: string, upstream: string, proxy: string | undefined): string {
  const local = { access: '$all', publish: '$authenticated' };
  return JSON.stringify(
    {
      storage: path.join(dir, 'storage'),
      auth: { htpasswd: { file: path.join(dir, 'htpasswd'), max_users: 10 } },
      // maxage: a proxied package document is fetched upstream once per run, not per install.
      uplinks: { upstream: { url: upstream, maxage: '60m', timeout: '60s' } },
      packages: {
        tango: local,
        'create-tango': local,
        '**': { access: '$all', publish: '$authenticated', proxy: 'upstream' },
      },
      ...(proxy ? { https_proxy: proxy, http_proxy: proxy } : {}),
      web: { enable: false },
      log: { type: 'stdout', format: 'pretty', level: 'warn' },
    },
    null,
    2,
  );
}

/**
 * Starts verdaccio in `dir` (created) on a free loopback port, creates a publishing user, and
 * writes two npm user configs: a new user's (the registry only) and a publisher's (with a
 * token). Uplink settings (registry, CA file, proxy) are the current npm configuration's.
 *
 * @example
 * const registry = await startRegistry(path.join(tmp, 'registry'));
 * await execa('npm', ['publish', tarball], { env: { npm_config_userconfig: registry.publisherConfig } });
 */
export async function startRegistry(dir: string): Promise<Registry> {
  await installRegistry();
  await mkdir(dir, { recursive: true });
  const [upstream, cafile, proxy] = await Promise.all([
    npmConfig('registry'),
    npmConfig('cafile'),
    npmConfig('https-proxy'),
  ]);
  const configPath = path.join(dir, 'config.yaml');
  await writeFile(configPath, config(dir, upstream ?? 'https://registry.npmjs.org/', proxy));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const child: ChildProcess = spawn(
    process.execPath,
    [VERDACCIO, '--config', configPath, '--listen', `127.0.0.1:${port}`],
    {
      cwd: dir,
      env: {
        ...process.env,
        ...(cafile && !process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: cafile } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`verdaccio did not start:\n${output}`)),
      60_000,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('http address')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`verdaccio exited:\n${output}`));
    });
  });

  // `npm adduser` without a terminal: the CouchDB user document verdaccio's htpasswd accepts.
  const response = await fetch(`${url}-/user/org.couchdb.user:publisher`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'publisher', password: 'publisher-password' }),
  });
  const { token } = (await response.json()) as { token?: string };
  if (!token) throw new Error(`verdaccio refused the publisher (${response.status})`);

  const userConfig = path.join(dir, 'user.npmrc');
  const publisherConfig = path.join(dir, 'publisher.npmrc');
  const authority = url.replace(/^http:/, '');
  await writeFile(userConfig, `registry=${url}\n`);
  await writeFile(publisherConfig, `registry=${url}\n${authority}:_authToken=${token}\n`);
  return {
    url,
    userConfig,
    publisherConfig,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
