/**
 * docs/deployment.md, run (issue 15, requirement 6: "every command in it is run by a test").
 *
 * A project is scaffolded as `mysite`, a PostgreSQL and a Redis are started on free loopback
 * ports, and every `sh` block of the page runs, in document order, in the project folder:
 *
 * - `5432`, `6379`, `8000` and `8001` after `127.0.0.1:` become the test's ports, and
 *   `sudo -u postgres ` the test cluster's superuser (PGHOST/PGPORT/PGUSER);
 * - where the project runs its TypeScript with tsx (Node 20), `node [flags] manage.ts` becomes
 *   `node [flags] build/manage.js`, the rule the page states;
 * - a one-line `serve` command is started in the background and left running until the end
 *   (later blocks talk to it); the `text` block after it is the line that says it is ready;
 * - the `text` block after any other `sh` block holds lines its output must contain;
 * - a `ts` block whose first line is `// <file>` is an addition to that file of the project:
 *   its lines that the file lacks are inserted after the line before them.
 *
 * The blocks that are not run are checked against what was: the systemd units with
 * `systemd-analyze verify` and their `ExecStart` against the commands run, the nginx config
 * against the environment and the settings (and its requests, replayed against both servers),
 * the JSON log line against a real one, the crontab line, the `console` blocks' unit names and
 * ports. At the end the servers stop the way the page says: `npm run serve` with Ctrl-C (SIGINT
 * to its process group), the systemd command with SIGTERM to the process alone (KillMode=mixed).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productionScripts } from '../../src/generator/project-files.js';
import {
  freePort,
  type PostgresService,
  type RedisService,
  serviceSupport,
  startPostgres,
  startRedis,
  isCI,
} from '../support/services.js';
import { REPO_ROOT, tangoAdmin, tempDir } from './helpers.js';

const DOC = path.join(REPO_ROOT, 'docs', 'deployment.md');
const postgresSupport = serviceSupport('postgresql');
const redisSupport = serviceSupport('redis');
const available = postgresSupport.available && redisSupport.available;

/** The block languages of the page, and what the test does with each. */
const LANGUAGES = ['sh', 'text', 'ts', 'ini', 'nginx', 'console', 'json', 'crontab'];

interface Block {
  lang: string;
  body: string;
  /** 1-based line of the opening fence, for messages. */
  line: number;
}

/** The fenced blocks of a markdown text, in order. */
function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
    blocks.push({ lang: open[1]!, body: body.join('\n'), line: start + 1 });
  }
  return blocks;
}

/**
 * Inserts the lines of `snippet` that `text` lacks after the snippet line before them (found
 * in order); returns the new text and the number of lines inserted.
 */
function applyAdditions(text: string, snippet: string[]): { text: string; added: number } {
  const lines = text.split('\n');
  let position = -1;
  let added = 0;
  for (const line of snippet) {
    const found = lines.indexOf(line, position + 1);
    if (found !== -1) {
      position = found;
    } else {
      if (position === -1)
        throw new Error(`the snippet starts with a line not in the file: ${line}`);
      lines.splice(++position, 0, line);
      added++;
    }
  }
  return { text: lines.join('\n'), added };
}

/** A server command started by a block and left running. */
interface Running {
  command: string;
  port: number;
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Lines of a `key=value` unit file, by section (comments dropped). */
function unitFile(body: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (!current || eq < 1) throw new Error(`not a unit file line: ${raw}`);
    current.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return sections;
}

/**
 * A GET to 127.0.0.1:`port` with `headers` as given (fetch would not send a Host header of
 * ours, and nginx's requests carry one).
 */
function get(
  port: number,
  target: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: target, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode!, headers: response.headers, body }),
      );
    });
    request.on('error', reject);
  });
}

/** Whether any process of the process group `pgid` is still running. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

const blocks = fencedBlocks(await readFile(DOC, 'utf8'));

describe.skipIf(!available)('docs/deployment.md, run in a new project', () => {
  let root: Awaited<ReturnType<typeof tempDir>>;
  let project: string;
  let pg: PostgresService;
  let redis: RedisService;
  /** Doc port → test port. */
  const ports = new Map<number, number>();
  let runner: 'node' | 'tsx';
  /** Every command line run (after substitution), in order. */
  const ran: string[] = [];
  const servers: Running[] = [];
  let env: Record<string, string>;

  /** The page's text as it runs here: the test's ports, the Node 20 rule. */
  function here(text: string): string {
    let out = text
      .replaceAll('127.0.0.1:5432', `127.0.0.1:${pg.port}`)
      .replaceAll('127.0.0.1:6379', `127.0.0.1:${redis.port}`)
      .replace(
        /127\.0\.0\.1:(8000|8001)\b/g,
        (_, p: string) => `127.0.0.1:${ports.get(Number(p))}`,
      );
    if (runner === 'tsx') {
      out = out.replace(/(^|[\s&;])(node(?: --\S+)*) manage\.ts\b/g, '$1$2 build/manage.js');
    }
    return out;
  }

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    for (const port of [8000, 8001]) ports.set(port, await freePort());
    root = await tempDir('tango-deploy-doc-');
    const result = await tangoAdmin(['startproject', 'mysite'], root.dir);
    expect(result.exitCode, result.all).toBe(0);
    project = path.join(root.dir, 'mysite');
    const pkg = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    // Node 20 projects preload the runtime's TypeScript loader (`node --import tango/register`).
    runner = pkg.scripts.check!.includes('tango/register') ? 'tsx' : 'node';
    // A clean environment: nothing of the developer's own TANGO_*, DATABASE_URL or CACHE_URL.
    env = Object.fromEntries(
      Object.entries(process.env).filter(
        (e): e is [string, string] =>
          e[1] !== undefined && !/^(TANGO_|DATABASE_URL$|CACHE_URL$|PG)/.test(e[0]),
      ),
    );
    env.PATH = `${postgresSupport.location}${path.delimiter}${env.PATH ?? ''}`;
  }, 300_000);

  afterAll(async () => {
    for (const server of servers) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        try {
          process.kill(-server.child.pid!, 'SIGKILL');
        } catch {
          server.child.kill('SIGKILL');
        }
      }
    }
    await Promise.all([pg?.close(), redis?.close()]);
    await root?.cleanup();
  });

  it('has only blocks the test knows what to do with', () => {
    expect(blocks.filter((b) => !LANGUAGES.includes(b.lang)).map((b) => b.line)).toEqual([]);
    expect(blocks.filter((b) => b.lang === 'sh').length).toBeGreaterThanOrEqual(10);
  });

  it('runs every sh block in order, with the output the page shows', async () => {
    let expectedOutput: { block: Block; output: string } | undefined;
    /** Text blocks read as a server's ready line. */
    const readyLines = new Set<Block>();
    let checkedOutputs = 0;
    for (const [i, block] of blocks.entries()) {
      const where = `docs/deployment.md:${block.line}`;
      if (readyLines.has(block)) continue;
      if (block.lang === 'text') {
        // Output of the sh block before it (any prose in between).
        const previous = blocks.slice(0, i).findLast((b) => b.lang !== 'text');
        expect(previous?.lang, `${where}: a text block is the output of an sh block`).toBe('sh');
        expect(expectedOutput, `${where}: output of a block that was not run`).toBeDefined();
        for (const line of here(block.body)
          .split('\n')
          .filter((l) => l.trim())) {
          expect(expectedOutput!.output, `${where}: expected output line`).toContain(line);
        }
        checkedOutputs++;
        continue;
      }
      expectedOutput = undefined;
      if (block.lang === 'ts') {
        const file = /^\/\/ (\S+\.ts)$/.exec(block.body.split('\n')[0]!)?.[1];
        expect(file, `${where}: a ts block starts with // <file>`).toBeDefined();
        const target = path.join(project, file!);
        const { text, added } = applyAdditions(
          await readFile(target, 'utf8'),
          block.body.split('\n').slice(1),
        );
        expect(added, `${where}: adds lines to ${file}`).toBeGreaterThan(0);
        await writeFile(target, text);
        continue;
      }
      if (block.lang !== 'sh') continue;
      const script = here(block.body);
      const lines = script.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
      const usesPostgresAdmin = script.includes('sudo -u postgres ');
      const blockEnv = usesPostgresAdmin
        ? {
            ...env,
            PGHOST: '127.0.0.1',
            PGPORT: String(pg.port),
            PGUSER: pg.user,
            PGDATABASE: pg.database,
          }
        : env;
      const command = script.replaceAll('sudo -u postgres ', '');
      const next = blocks[i + 1];
      if (lines.length === 1 && /\sserve\s/.test(lines[0]!)) {
        expect(next?.lang, `${where}: a server block is followed by its ready line`).toBe('text');
        const port = Number(/127\.0\.0\.1:(\d+)/.exec(lines[0]!)![1]);
        readyLines.add(next!);
        const server = await startInBackground(command, blockEnv, here(next!.body).trim(), port);
        servers.push(server);
        ran.push(lines[0]!);
        continue;
      }
      ran.push(...lines);
      const result = await execa('sh', ['-e', '-c', command], {
        cwd: project,
        env: blockEnv,
        extendEnv: false,
        reject: false,
        all: true,
        timeout: 240_000,
      });
      expect(result.exitCode, `${where}:\n${command}\n${result.all}`).toBe(0);
      expectedOutput = { block, output: result.all ?? '' };
    }
    // Every text block was an output checked or a ready line waited for.
    expect(checkedOutputs + readyLines.size).toBe(blocks.filter((b) => b.lang === 'text').length);
    // The servers of the page run: the npm one on 8000, the systemd one on 8001.
    expect(servers.map((s) => s.port)).toEqual([ports.get(8000), ports.get(8001)]);
    // The additions of the page type-check.
    const typecheck = await execa('npm', ['run', 'typecheck'], {
      cwd: project,
      env,
      extendEnv: false,
      reject: false,
      all: true,
    });
    expect(typecheck.exitCode, typecheck.all).toBe(0);
  }, 600_000);

  /** Starts `command` in its own process group and waits for `ready` in its output. */
  async function startInBackground(
    command: string,
    blockEnv: Record<string, string>,
    ready: string,
    port: number,
  ): Promise<Running> {
    const child = spawn('sh', ['-c', `exec ${command}`], {
      cwd: project,
      env: blockEnv,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const server: Running = { command, port, child, output: () => output, exited };
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${command} not ready:\n${output}`)),
        120_000,
      );
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes(ready)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${command} exited (${code ?? signal}) before it was ready:\n${output}`));
      });
    });
    servers.pop();
    return server;
  }

  /** The project's .env as the page wrote it. */
  async function projectEnv(): Promise<Record<string, string | undefined>> {
    return parseEnv(await readFile(path.join(project, '.env'), 'utf8'));
  }

  it('gives systemd units that verify and run exactly the commands the page ran', async () => {
    const units = new Map<string, string>();
    for (const block of blocks.filter((b) => b.lang === 'ini')) {
      const name = /^# \/etc\/systemd\/system\/(\S+)$/.exec(block.body.split('\n')[0]!)?.[1];
      expect(name, `docs/deployment.md:${block.line}: # /etc/systemd/system/<unit>`).toBeDefined();
      units.set(name!, block.body);
    }
    expect([...units.keys()].sort()).toEqual([
      'mysite-clearsessions.service',
      'mysite-clearsessions.timer',
      'mysite@.service',
    ]);
    const { serve: serveScript } = productionScripts(runner);
    const execStart = (unit: string, instance: string): string => {
      const value = unitFile(units.get(unit)!).get('Service')!.get('ExecStart')!;
      expect(value).toMatch(/^\/usr\/bin\/node /);
      return here(value.replace(/^\/usr\/bin\//, '').replaceAll('%i', instance));
    };
    // The server unit runs what `npm run serve --` runs, as the page ran it by hand.
    const serve = execStart('mysite@.service', '8001');
    expect(ran).toContain(serve);
    expect(serve).toBe(`${serveScript} 127.0.0.1:${ports.get(8001)} --shutdown-timeout 30`);
    const service = unitFile(units.get('mysite@.service')!).get('Service')!;
    expect(service.get('KillMode')).toBe('mixed');
    expect(Number(service.get('TimeoutStopSec'))).toBeGreaterThan(30 + 5);
    expect(service.get('WorkingDirectory')).toBe('/srv/mysite');
    expect(ran).toContain(execStart('mysite-clearsessions.service', ''));
    expect(unitFile(units.get('mysite-clearsessions.timer')!).get('Timer')!.get('OnCalendar')).toBe(
      '*-*-* 04:00:00',
    );

    // systemd's own parser (an instance of the template, with this machine's node binary).
    const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));
    if (!analyze) {
      if (isCI())
        throw new Error('CI=true and systemd-analyze is missing (Debian package systemd).');
      console.warn('systemd-analyze not found: the units were parsed, not verified by systemd.');
      return;
    }
    const dir = path.join(root.dir, 'units');
    await mkdir(dir);
    const files: string[] = [];
    for (const [name, body] of units) {
      const file = path.join(dir, name.replace('@.', '@8000.'));
      const text = existsSync('/usr/bin/node')
        ? body
        : body.replaceAll('/usr/bin/node', process.execPath);
      await writeFile(file, text);
      files.push(file);
    }
    const verify = spawnSync(analyze, ['verify', ...files], { encoding: 'utf8' });
    expect({ status: verify.status, output: verify.stdout + verify.stderr }).toEqual({
      status: 0,
      output: '',
    });
    // A unit it refuses fails here too: the check can fail.
    const broken = path.join(dir, 'broken.service');
    await copyFile(files[0]!, broken);
    await writeFile(broken, (await readFile(broken, 'utf8')).replace('KillMode=', 'KilMode='));
    expect(spawnSync(analyze, ['verify', broken], { encoding: 'utf8' }).stderr).toContain(
      'KilMode',
    );
  });

  it('gives an nginx config that matches the environment and settings, and its requests work', async () => {
    const [nginx] = blocks.filter((b) => b.lang === 'nginx').map((b) => b.body);
    expect(nginx).toBeDefined();
    const config = nginx!;
    // Balanced braces, and every other line a directive ending in ';'.
    let depth = 0;
    for (const line of config
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)) {
      if (line.endsWith('{')) depth++;
      else if (line === '}') depth--;
      else expect(line).toMatch(/;$/);
      expect(depth).toBeGreaterThanOrEqual(0);
    }
    expect(depth).toBe(0);

    const environment = await projectEnv();
    // The upstream is the two servers the page ran and systemd starts.
    const upstream = [...config.matchAll(/^\s*server 127\.0\.0\.1:(\d+);/gm)].map((m) =>
      Number(m[1]),
    );
    expect(upstream).toEqual([8000, 8001]);
    const consoleText = blocks
      .filter((b) => b.lang === 'console')
      .map((b) => b.body)
      .join('\n');
    expect(consoleText).toContain('systemctl enable --now mysite@8000 mysite@8001');
    // The names it serves are allowed hosts.
    const allowed = environment.TANGO_ALLOWED_HOSTS!.split(',');
    for (const [, names] of config.matchAll(/server_name ([^;]+);/g)) {
      for (const name of names!.split(/\s+/)) expect(allowed).toContain(name);
    }
    // It sets the header SECURE_PROXY_SSL_HEADER trusts, to https on its TLS server.
    const [header, value] = environment.TANGO_SECURE_PROXY_SSL_HEADER!.split(',');
    expect(config).toContain(`proxy_set_header ${header} $scheme;`);
    expect(config).toMatch(/listen 443 ssl;/);
    expect(value).toBe('https');
    // And the request id header LOGGING reads.
    const settings = await readFile(path.join(project, 'mysite', 'settings.ts'), 'utf8');
    const requestIdHeader = /requestIdHeader: '([^']+)'/.exec(settings)![1]!;
    expect(config).toContain(`proxy_set_header ${requestIdHeader} $request_id;`);
    // A body nginx lets through up to DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) reaches Tango.
    expect(Number(/client_max_body_size (\d+)m;/.exec(config)![1]) * 2 ** 20).toBeGreaterThan(
      2621440,
    );

    // nginx's request, replayed against each server: over HTTPS a page with HSTS; over HTTP
    // (what the port 80 server redirects itself) a redirect to HTTPS.
    const headers = (scheme: string, id: string): Record<string, string> => ({
      Host: allowed[0]!,
      [header!]: scheme,
      'X-Forwarded-For': '203.0.113.7',
      [requestIdHeader]: id,
    });
    for (const server of servers) {
      const id = randomBytes(16).toString('hex');
      const overHttps = await get(server.port, '/', headers('https', id));
      expect(overHttps.status).toBe(200);
      expect(overHttps.headers['strict-transport-security']).toBe(
        `max-age=${environment.TANGO_SECURE_HSTS_SECONDS}`,
      );
      const overHttp = await get(server.port, '/health/', headers('http', id));
      expect([overHttp.status, overHttp.headers.location]).toEqual([
        301,
        `https://${allowed[0]}/health/`,
      ]);
    }
  });

  it('logs the JSON line the page shows, with the request id nginx sends', async () => {
    const [example] = blocks
      .filter((b) => b.lang === 'json')
      .map((b) => JSON.parse(b.body) as Record<string, unknown>);
    const server = servers[0]!;
    const id = randomBytes(16).toString('hex');
    const response = await get(server.port, '/', {
      Host: 'example.com',
      'X-Forwarded-Proto': 'https',
      'X-Request-ID': id,
    });
    expect(response.status).toBe(200);
    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      await new Promise((r) => setTimeout(r, 100));
      line = server
        .output()
        .split('\n')
        .filter((l) => l.startsWith('{') && l.includes(id))
        .map((l) => JSON.parse(l) as Record<string, unknown>)[0];
    }
    expect(line, server.output()).toBeDefined();
    expect(Object.keys(line!)).toEqual(Object.keys(example!));
    for (const key of ['level', 'logger', 'method', 'path', 'protocol', 'status']) {
      expect(line![key], key).toEqual(example![key]);
    }
    expect(line!.requestId).toBe(id);
  });

  it('schedules with cron the clearsessions command the page ran', () => {
    const [cron] = blocks.filter((b) => b.lang === 'crontab').map((b) => b.body.trim());
    const match = /^(\S+ \S+ \S+ \S+ \S+) cd \/srv\/mysite && (.+)$/.exec(cron!);
    expect(match, cron).not.toBeNull();
    expect(match![1]).toMatch(/^[\d*]+ [\d*]+ [\d*]+ [\d*]+ [\d*]+$/);
    expect(ran).toContain(here(match![2]!));
  });

  it("stops the servers as the page says: Ctrl-C for npm run serve, SIGTERM for systemd's", async () => {
    const [npmServer, nodeServer] = servers;
    expect(npmServer!.command).toMatch(/^npm run serve /);
    expect(nodeServer!.command).toMatch(/^node /);
    // Ctrl-C: SIGINT to the terminal's process group (npm, sh, the server and its workers).
    process.kill(-npmServer!.child.pid!, 'SIGINT');
    // systemd's KillMode=mixed: SIGTERM to the main process only.
    nodeServer!.child.kill('SIGTERM');
    expect(await nodeServer!.exited, nodeServer!.output()).toEqual({ code: 0, signal: null });
    for (const server of [npmServer!, nodeServer!]) {
      // Every process of its group (workers included) exits, well within the shutdown timeout.
      const started = Date.now();
      while (groupAlive(server.child.pid!) && Date.now() - started < 30_000) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(groupAlive(server.child.pid!), `${server.command}\n${server.output()}`).toBe(false);
      await new Promise((r) => setTimeout(r, 100));
      expect(server.output()).toContain('Server stopped.');
    }
  }, 120_000);
});
