/**
 * `tango/register` (src/register): Node 20 projects run `node --import tango/register
 * manage.ts`. On Node 20 the program and the `.ts` modules it imports are compiled once into
 * copies in the project's node_modules/.cache/tango-register and run on the main thread; with
 * another loader beside it (or no .ts program) module hooks compile instead, caching under the
 * OS temp dir. Stack traces name the `.ts` lines. Where Node strips types itself it does
 * nothing. Runs the built loader (dist/register, made by `npm test`'s build) in child processes.
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
  // esbuild is found from the project, as in a generated project (tsx's, hoisted by npm); the
  // compiled copies go to the project's own node_modules/.cache.
  await mkdir(path.join(project, 'node_modules'));
  await symlink(
    path.join(REPO_ROOT, 'node_modules', 'esbuild'),
    path.join(project, 'node_modules', 'esbuild'),
  );
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

/** `node [...nodeArgs] --import tango/register main.ts ...args` in the project. */
function run(
  args: string[],
  nodeArgs: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...nodeArgs, '--import', pathToFileURL(LOADER).href, 'main.ts', ...args],
      { cwd: project, env: { ...process.env, TMPDIR: childTmp, NODE_OPTIONS: '' } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The compiled copies in the project's node_modules/.cache/tango-register. */
async function copies(): Promise<string[]> {
  const dir = path.join(project, 'node_modules', '.cache', 'tango-register');
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((f) => f.endsWith('.mjs')).map((f) => path.join(dir, f));
}

/** The compiled modules in the module hooks' cache (under the OS temp dir). */
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

  it('on Node 20 compiles each file once into the project (later runs read the copies, an edit compiles that file anew); on 22.18+ registers nothing', async () => {
    if (nativeTypeScript) {
      expect((await run(['c'])).stdout).toBe('hello c\n');
      expect([...(await copies()), ...(await cached())]).toEqual([]);
      return;
    }
    expect((await run(['a'])).stdout).toBe('hello a\n');
    const first = await copies();
    expect(first.map((f) => path.basename(f).replace(/-\w+\.mjs$/, '')).sort()).toEqual([
      'greet',
      'main',
    ]);
    expect(await cached()).toEqual([]); // no module hooks ran
    const main = first.find((f) => path.basename(f).startsWith('main-'))!;
    const greetCopy = first.find((f) => path.basename(f).startsWith('greet-'))!;
    expect(await readFile(main, 'utf8')).toContain('sourceMappingURL=data:');
    // main's copy imports greet's copy.
    expect(await readFile(main, 'utf8')).toContain(pathToFileURL(greetCopy).href);
    // Served from the copies: a marker written into one shows up.
    const code = await readFile(main, 'utf8');
    await writeFile(main, code.replace('console.log(greeting.text)', "console.log('cached')"));
    expect((await run(['a'])).stdout).toBe('cached\n');
    // An edit compiles that file anew (the same copy, rewritten); main's copy is kept.
    const greet = path.join(project, 'lib', 'greet.ts');
    await writeFile(greet, (await readFile(greet, 'utf8')).replace('hello', 'hi'));
    expect((await run(['b'])).stdout).toBe('cached\n');
    expect(await readFile(greetCopy, 'utf8')).toContain('hi ${name}');
    const mainTs = path.join(project, 'main.ts');
    await writeFile(mainTs, `${await readFile(mainTs, 'utf8')}\n`);
    expect((await run(['b'])).stdout).toBe('hi b\n');
    expect(await copies()).toHaveLength(2);
  });

  it('gives each module its own import.meta, imports JSON and JavaScript beside it, and resolves import(expression)', async () => {
    await writeFile(path.join(project, 'lib', 'data.json'), '{ "answer": 42 }\n');
    await writeFile(path.join(project, 'lib', 'plain.js'), "export const plain = 'js';\n");
    await writeFile(
      path.join(project, 'lib', 'where.ts'),
      [
        "import data from './data.json' with { type: 'json' };",
        "import { plain } from './plain.js';",
        'export const where: string[] = [import.meta.url, import.meta.dirname, import.meta.filename];',
        'export const answer: number = data.answer;',
        'export { plain };',
        '',
      ].join('\n'),
    );
    await writeFile(
      path.join(project, 'main.ts'),
      [
        "const name: string = process.argv[2] ?? 'where';",
        '// A computed specifier: resolved (and compiled) when it runs.',
        'const mod = await import(`./lib/${name}.ts`);',
        'console.log(JSON.stringify({ where: mod.where, answer: mod.answer, plain: mod.plain }));',
        '// A URL object, as import() takes one: the same module instance.',
        "const again = await import(new URL('./lib/where.ts', import.meta.url) as unknown as string);",
        'if (again !== mod) throw new Error(`two instances`);',
        'console.log(import.meta.url);',
        '',
      ].join('\n'),
    );
    const result = await run(['where']);
    expect(result.stderr).toBe('');
    const [json, mainUrl] = result.stdout.trim().split('\n');
    const lib = path.join(project, 'lib');
    expect(JSON.parse(json!)).toEqual({
      where: [pathToFileURL(path.join(lib, 'where.ts')).href, lib, path.join(lib, 'where.ts')],
      answer: 42,
      plain: 'js',
    });
    expect(mainUrl).toBe(pathToFileURL(path.join(project, 'main.ts')).href);
  });

  it('names a missing .ts import by its own path, and runs once the file exists', async () => {
    await writeFile(
      path.join(project, 'main.ts'),
      "import { late } from './lib/late.ts';\nconsole.log(late);\n",
    );
    const missing = await run([]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(path.join(project, 'lib', 'late.ts'));
    await writeFile(path.join(project, 'lib', 'late.ts'), "export const late: string = 'here';\n");
    expect(await run([])).toMatchObject({ code: 0, stdout: 'here\n' });
  });

  it('runs the program once and exits with its exit code (0 when it sets none), after its pending work', async () => {
    await writeFile(
      path.join(project, 'main.ts'),
      [
        "console.log('top');",
        "setTimeout(() => console.log('later'), 20);",
        "process.on('exit', (code) => console.log(`exit ${code}`));",
        'if (process.argv[2]) process.exitCode = Number(process.argv[2]);',
        '',
      ].join('\n'),
    );
    expect(await run([])).toMatchObject({ code: 0, stdout: 'top\nlater\nexit 0\n', stderr: '' });
    expect(await run(['3'])).toMatchObject({ code: 3, stdout: 'top\nlater\nexit 3\n' });
  });

  it('leaves the work to module hooks beside another --import, and still runs the program', async () => {
    const other = path.join(project, 'other.mjs');
    await writeFile(other, "console.log('other loader');\n");
    const beside = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          '--import',
          pathToFileURL(LOADER).href,
          '--import',
          pathToFileURL(other).href,
          'main.ts',
          'both',
        ],
        { cwd: project, env: { ...process.env, TMPDIR: childTmp, NODE_OPTIONS: '' } },
        (_error, stdout, stderr) => resolve({ stdout, stderr }),
      );
    });
    expect(beside.stderr).toBe('');
    expect(beside.stdout).toBe('other loader\nhello both\n');
    if (!nativeTypeScript) expect((await cached()).length).toBeGreaterThan(0);
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
