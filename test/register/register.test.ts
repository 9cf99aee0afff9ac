/**
 * `tango/register` (src/register): Node 20 projects run `node --import tango/register
 * manage.ts`. The loader compiles `.ts` modules once, caches them under the OS temp dir, and
 * maps stack traces back to the `.ts` lines; where Node strips types itself it does nothing.
 * Runs the built loader (dist/register, made by `npm test`'s build) in child processes.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../e2e/helpers.js';

const LOADER = path.join(REPO_ROOT, 'dist', 'register', 'index.js');
const nativeTypeScript = (() => {
  const typescript = (process.features as { typescript?: unknown }).typescript;
  return typeof typescript === 'string' && typescript !== '';
})();

let tmp: Awaited<ReturnType<typeof tempDir>>;
let project: string;
/** The children's OS temp dir, where the loader keeps its cache. */
let childTmp: string;

beforeEach(async () => {
  if (!existsSync(LOADER)) throw new Error(`${LOADER} is missing: run node scripts/build.mjs`);
  tmp = await tempDir('tango-register-');
  project = path.join(tmp.dir, 'project');
  childTmp = path.join(tmp.dir, 'os-tmp');
  await mkdir(path.join(project, 'lib'), { recursive: true });
  await mkdir(childTmp);
  // esbuild is found from the project, as in a generated project (tsx's, hoisted by npm).
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(project, 'node_modules'));
  await writeFile(path.join(project, 'package.json'), '{ "type": "module" }\n');
  await writeFile(
    path.join(project, 'lib', 'greet.ts'),
    [
      "import type { Server } from 'node:http';",
      'export interface Greeting {',
      '  text: string;',
      '}',
      'export function greet(name: string, _server?: Server): Greeting {',
      '  return { text: `hello ${name}` };',
      '}',
      '',
    ].join('\n'),
  );
  await writeFile(
    path.join(project, 'main.ts'),
    [
      "import { greet, type Greeting } from './lib/greet.ts';",
      "const greeting: Greeting = greet(process.argv[2] ?? 'world');",
      'console.log(greeting.text);',
      "if (process.argv[3] === 'throw') {",
      '  // A comment and blank lines, so the compiled line differs from the source line.',
      '',
      "  const error: Error = new Error('boom');",
      '  console.log(error.stack);',
      '}',
      '',
    ].join('\n'),
  );
});
afterEach(async () => {
  await tmp.cleanup();
});

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', pathToFileURL(LOADER).href, 'main.ts', ...args],
      { cwd: project, env: { ...process.env, TMPDIR: childTmp, NODE_OPTIONS: '' } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The compiled modules in the loader's cache. */
async function cached(): Promise<string[]> {
  const dirs = (await readdir(childTmp)).filter((d) => d.startsWith('tango-register-'));
  const files = await Promise.all(
    dirs.map(async (d) =>
      (await readdir(path.join(childTmp, d))).map((f) => path.join(childTmp, d, f)),
    ),
  );
  return files.flat().filter((f) => f.endsWith('.mjs'));
}

describe('node --import tango/register', () => {
  it('runs TypeScript modules that import each other, types erased', async () => {
    const result = await run(['tango']);
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0, stdout: 'hello tango\n' });
  });

  it('maps a stack trace to the line of the .ts file', async () => {
    const result = await run(['x', 'throw']);
    expect(result.code).toBe(0);
    const main = path.join(project, 'main.ts');
    expect(result.stdout).toContain(`${main}:7:`);
  });

  it('on Node 20 compiles each file once (later runs read the cache, an edit compiles anew); on 22.18+ registers nothing', async () => {
    if (nativeTypeScript) {
      expect((await run(['c'])).stdout).toBe('hello c\n');
      expect(await cached()).toEqual([]);
      return;
    }
    expect((await run(['a'])).stdout).toBe('hello a\n');
    const first = await cached();
    expect(first).toHaveLength(2);
    expect(await readFile(first[0]!, 'utf8')).toContain('sourceMappingURL=data:');
    // Served from the cache: a marker written into a cached module shows up.
    for (const file of first) {
      const code = await readFile(file, 'utf8');
      if (code.includes('console.log(greeting.text)')) {
        await writeFile(file, code.replace('console.log(greeting.text)', "console.log('cached')"));
      }
    }
    expect((await run(['a'])).stdout).toBe('cached\n');
    // An edit compiles the file anew.
    const greet = path.join(project, 'lib', 'greet.ts');
    await writeFile(greet, (await readFile(greet, 'utf8')).replace('hello', 'hi'));
    await writeFile(
      path.join(project, 'main.ts'),
      (await readFile(path.join(project, 'main.ts'), 'utf8')) + '\n',
    );
    expect((await run(['b'])).stdout).toBe('hi b\n');
    expect(await cached()).toHaveLength(4);
  });

  it('reports a syntax error naming the file (and, from the loader, the line and column)', async () => {
    await writeFile(path.join(project, 'lib', 'greet.ts'), 'export const broken = ;\n');
    const result = await run([]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(path.join(project, 'lib', 'greet.ts'));
    // The loader's (esbuild's) report; Node 22.18+ reports its own way, naming the file.
    if (!nativeTypeScript) expect(result.stderr).toMatch(/greet\.ts:1:\d+: ERROR: Unexpected ";"/);
  });
});
