/**
 * Real Redis and PostgreSQL servers for tests: each test file starts its own on a free
 * loopback port in a temp dir, and stops and removes it afterwards (issue 7, checklist #6).
 *
 * Without the binaries the tests skip with a loud message; under `CI=true` a missing binary
 * fails the run instead (`.ci/run` installs `redis-server` and `postgresql` from Debian).
 * PostgreSQL refuses to run as root, so when the tests run as root (CI, containers) the
 * cluster runs as the `postgres` OS user (created by Debian's package), or `nobody`.
 *
 * @example
 * const redisSupport = serviceSupport('redis');
 * describe.skipIf(!redisSupport.available)('RedisCache', () => {
 *   let redis: RedisService;
 *   beforeAll(async () => { redis = await startRedis(); });
 *   afterAll(() => redis.close());
 * });
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** Which server. */
export type ServiceName = 'redis' | 'postgresql';

/** Whether a service can run here, and why not. */
export interface ServiceSupport {
  available: boolean;
  /** The binary (redis-server) or bin directory (PostgreSQL) found. */
  location?: string;
  /** Why it is unavailable. */
  reason?: string;
}

const START_TIMEOUT_MS = 15_000;
/** True under CI (`CI=true` or `CI=1`), where a missing service or tool fails instead of skipping. */
export const isCI = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** `redis-server`: `$TANGO_REDIS_SERVER`, the PATH, then Debian's location. */
function findRedis(): string | undefined {
  const explicit = process.env.TANGO_REDIS_SERVER;
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  return (
    onPath('redis-server') ??
    ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p))
  );
}

/** PostgreSQL's bin dir: `$TANGO_PG_BIN`, Debian's newest `/usr/lib/postgresql/N/bin`, the PATH. */
function findPostgresBin(): string | undefined {
  const has = (dir: string): boolean =>
    ['initdb', 'postgres'].every((b) => existsSync(path.join(dir, b)));
  const explicit = process.env.TANGO_PG_BIN;
  if (explicit) return has(explicit) ? explicit : undefined;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(path.join(root, v, 'bin'))) return path.join(root, v, 'bin');
  }
  const initdb = onPath('initdb');
  return initdb && has(path.dirname(initdb)) ? path.dirname(initdb) : undefined;
}

const announced = new Set<ServiceName>();

/**
 * Whether `name` can be started here. When it cannot: under `CI=true` this throws (the test
 * file fails); otherwise it prints a loud warning once, and the caller skips its tests.
 *
 * @example
 * const pg = serviceSupport('postgresql');
 * describe.skipIf(!pg.available)('PostgresConnection', () => { ... });
 */
export function serviceSupport(name: ServiceName): ServiceSupport {
  const location = name === 'redis' ? findRedis() : findPostgresBin();
  if (location) return { available: true, location };
  const reason =
    name === 'redis'
      ? 'redis-server was not found (PATH, /usr/bin; or set TANGO_REDIS_SERVER)'
      : 'PostgreSQL binaries (initdb, postgres) were not found (/usr/lib/postgresql/*/bin, PATH; or set TANGO_PG_BIN)';
  if (isCI()) {
    throw new Error(
      `CI=true and ${reason}. Install them (apt-get install redis-server postgresql) — .ci/run does.`,
    );
  }
  if (!announced.has(name)) {
    announced.add(name);
    const bar = '!'.repeat(78);
    console.warn(
      `\n${bar}\n!! SKIPPING ${name} tests: ${reason}.\n!! Install: apt-get install ${name === 'redis' ? 'redis-server' : 'postgresql'}\n${bar}\n`,
    );
  }
  return { available: false, reason };
}

/**
 * A port that was free a moment ago on 127.0.0.1.
 *
 * @example
 * const port = await freePort();
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A server process we started; stopped on `stop()`, and killed if the test process exits. */
class ServerProcess {
  #child: ChildProcess | undefined;
  #output = '';

  constructor(
    readonly label: string,
    readonly readyLine: RegExp,
  ) {}

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** The server's output so far (for failure messages). */
  get output(): string {
    return this.#output;
  }

  /** Sends `signal` to the server and to every process it forked (PostgreSQL's backends). */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    const pid = this.#child?.pid;
    if (pid === undefined) throw new Error(`${this.label} is not running`);
    signalTree(pid, signal);
  }

  async start(
    command: string,
    args: string[],
    options: { uid?: number; gid?: number; cwd?: string },
  ): Promise<void> {
    this.#output = '';
    const child = spawn(command, args, {
      ...options,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    this.#child = child;
    liveChildren.add(child);
    child.once('exit', () => liveChildren.delete(child));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`timed out after ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      const onData = (chunk: Buffer): void => {
        this.#output += chunk.toString();
        if (this.readyLine.test(this.#output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      const fail = (error: Error): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        this.#child = undefined;
        reject(new Error(`${this.label} did not start (${error.message}):\n${this.#output}`));
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('error', fail);
      child.once('exit', (code, signal) => fail(new Error(`exited with ${code ?? signal}`)));
    });
  }

  /** Sends `signal` and waits for the process to exit. */
  async stop(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    // A frozen server (freeze()) acts on the signal only once it runs again.
    if (child.pid !== undefined) signalTree(child.pid, 'SIGCONT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** Every process below `pid`, from /proc (Linux). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid ...; comm may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/**
 * Sends `signal` to `pid`, then to every process below it. After a SIGSTOP the parent forks
 * no more, so the list of children read after it is complete.
 */
function signalTree(pid: number, signal: NodeJS.Signals): void {
  const kill = (p: number): void => {
    try {
      process.kill(p, signal);
    } catch {
      // Exited meanwhile.
    }
  };
  kill(pid);
  for (const child of descendants(pid)) kill(child);
}

/** Processes and dirs to clean up if the test process exits without `close()`. */
const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();
process.once('exit', () => {
  for (const child of liveChildren) {
    // A frozen PostgreSQL's backends must run to notice that their server is gone.
    if (child.pid !== undefined) signalTree(child.pid, 'SIGCONT');
    child.kill('SIGKILL');
  }
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
});

/** A running (or stopped, restartable) server. */
export interface Service {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Its connection URL. */
  readonly url: string;
  /** Stops the server (as an outage would), keeping its data dir and port. */
  stop(): Promise<void>;
  /** Starts it again on the same port (after `stop()`). */
  start(): Promise<void>;
  /** Stops it and removes its temp dir. */
  close(): Promise<void>;
  /**
   * Freezes the server as a hung host would (SIGSTOP to it and its child processes):
   * connections stay open, the kernel still accepts new ones, and nothing answers.
   * Always `thaw()` afterwards (in `afterEach`, so a failing test cannot leave it frozen).
   */
  freeze(): void;
  /** Resumes a frozen server (SIGCONT); harmless when it is not frozen. */
  thaw(): void;
}

/** A running `redis-server`. */
export type RedisService = Service;

/**
 * Starts `redis-server` on a free loopback port, without persistence, in a temp dir.
 * `url` is `redis://127.0.0.1:<port>/0`.
 *
 * @example
 * const redis = await startRedis();
 * const cache = new RedisCache({ location: redis.url });
 */
export async function startRedis(): Promise<RedisService> {
  const binary = findRedis();
  if (!binary) throw new Error('redis-server not found');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tango-redis-'));
  liveDirs.add(dir);
  const port = await freePort();
  const server = new ServerProcess(
    `redis-server on 127.0.0.1:${port}`,
    /Ready to accept connections/,
  );
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
  ];
  const start = (): Promise<void> => server.start(binary, args, { cwd: dir });
  await start();
  return {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}/0`,
    start,
    stop: () => server.stop('SIGTERM'),
    freeze: () => server.signal('SIGSTOP'),
    thaw: () => {
      if (server.running) server.signal('SIGCONT');
    },
    async close() {
      await server.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
      liveDirs.delete(dir);
    },
  };
}

/** A running PostgreSQL cluster. */
export interface PostgresService extends Service {
  /** The superuser (trust authentication on loopback, no password). */
  readonly user: string;
  /** The database `url` points at (`tango`). */
  readonly database: string;
  /** The URL of another database of this cluster (create it with `createDatabase`). */
  urlFor(database: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
}

/** The uid/gid to run PostgreSQL as: ourselves, or when root the `postgres` (else `nobody`) user. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'));
  for (const name of ['postgres', 'nobody']) {
    const entry = passwd.find((fields) => fields[0] === name);
    if (entry) return { uid: Number(entry[2]), gid: Number(entry[3]) };
  }
  throw new Error(
    "Running as root and there is no 'postgres' or 'nobody' user to run PostgreSQL as.",
  );
}

function run(
  command: string,
  args: string[],
  user: { uid: number; gid: number } | undefined,
): void {
  const result = spawnSync(command, args, {
    ...user,
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C' },
  });
  if (result.status !== 0) {
    throw new Error(
      `${path.basename(command)} failed (${result.status ?? result.signal}): ${result.stderr || result.error?.message}`,
    );
  }
}

/**
 * Creates a PostgreSQL cluster with `initdb` (trust auth, superuser `tango`, database
 * `tango`) in a temp dir and starts `postgres` on a free loopback port, tuned for tests
 * (fsync off: the data is thrown away). About a second.
 *
 * @example
 * const pg = await startPostgres();
 * const db = new PostgresConnection({ url: pg.url });
 */
export async function startPostgres(): Promise<PostgresService> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL binaries not found');
  const user = postgresUser();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tango-pg-'));
  liveDirs.add(dir);
  // The server user must reach its data dir and socket dir.
  chmodSync(dir, 0o755);
  if (user) chownSync(dir, user.uid, user.gid);
  const data = path.join(dir, 'data');
  run(
    path.join(bin, 'initdb'),
    ['-D', data, '-A', 'trust', '-U', 'tango', '-E', 'UTF8', '--no-locale', '--no-sync'],
    user,
  );
  const port = await freePort();
  const server = new ServerProcess(
    `PostgreSQL on 127.0.0.1:${port}`,
    /ready to accept connections/,
  );
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=50',
  ];
  const start = (): Promise<void> =>
    server.start(path.join(bin, 'postgres'), args, { ...user, cwd: dir });
  await start();
  const urlFor = (database: string): string => `postgres://tango@127.0.0.1:${port}/${database}`;
  const service: PostgresService = {
    host: '127.0.0.1',
    port,
    user: 'tango',
    database: 'tango',
    url: urlFor('tango'),
    urlFor,
    start,
    // SIGINT = PostgreSQL's "fast" shutdown: clients are disconnected at once, as in an outage.
    stop: () => server.stop('SIGINT'),
    freeze: () => server.signal('SIGSTOP'),
    thaw: () => {
      if (server.running) server.signal('SIGCONT');
    },
    async close() {
      await server.stop('SIGINT');
      rmSync(dir, { recursive: true, force: true });
      liveDirs.delete(dir);
    },
    async createDatabase(name) {
      const { default: pg } = await import('pg');
      const client = new pg.Client({ connectionString: urlFor('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
  };
  // initdb made `postgres`, `template0/1`; the tests use their own `tango` database.
  await service.createDatabase('tango');
  return service;
}
