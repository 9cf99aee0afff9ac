/**
 * A broken --template tree (startproject and startapp): the error is shown whole (a Handlebars
 * parse error spans several lines; prettier's ends with a code frame), names the template
 * file relative to the template folder and the line (and column), quotes the offending line,
 * exits 1 and writes nothing.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, run, snapshotDir, spawnCli, tempDir } from './helpers.js';

let cwd: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir: cwd, cleanup } = await tempDir()));
afterAll(() => cleanup());

let count = 0;
/** A copy of the built-in project template with `file` set to `source`; returns its folder name. */
async function brokenProjectTemplate(file: string, source: string): Promise<string> {
  const name = `tpl${++count}`;
  await cp(path.join(REPO_ROOT, 'templates', 'project'), path.join(cwd, name), { recursive: true });
  await mkdir(path.dirname(path.join(cwd, name, file)), { recursive: true });
  await writeFile(path.join(cwd, name, file), source);
  return name;
}

const PREFIX = "CommandError: couldn't render the project template: ";

describe('a broken project template', () => {
  it('a parse error: the whole parser message, the template path and the line', async () => {
    const tpl = await brokenProjectTemplate(
      '__projectName__/broken.ts.hbs',
      'line one\n{{#if x}}\nunclosed {{name\n',
    );
    const result = await spawnCli(
      ['startproject', 'site1', '--template', tpl, '--no-install'],
      cwd,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `${PREFIX}__projectName__/broken.ts.hbs: 3: Parse error on line 3:\n` +
        '    ...x}}unclosed {{name\n' +
        '    ---------------------^\n' +
        "    Expecting 'CLOSE_RAW_BLOCK', 'CLOSE', 'CLOSE_UNESCAPED', 'OPEN_SEXPR', 'CLOSE_SEXPR', 'ID', 'OPEN_BLOCK_PARAMS', 'STRING', 'NUMBER', 'BOOLEAN', 'UNDEFINED', 'NULL', 'DATA', 'SEP', got 'EOF'",
    );
    expect(await snapshotDir(path.join(cwd, 'site1'))).toEqual({});
  });

  it.each([
    [
      'a block closed by the wrong name',
      'README.md.hbs',
      'a\n{{#each items}}\n{{/if}}\n',
      "README.md.hbs: 2:4: each doesn't match if\n    2 | {{#each items}}\n      |    ^",
    ],
    [
      'a missing variable',
      '__projectName__/views.ts.hbs',
      "// ok\nexport const x = '{{nope}}';\n",
      `__projectName__/views.ts.hbs: 2:21: "nope" is not defined\n    2 | export const x = '{{nope}}';\n      |                     ^`,
    ],
    [
      'a missing partial',
      'README.md.hbs',
      '{{> header}}\n',
      'README.md.hbs: The partial header could not be found',
    ],
  ])('%s: path, line, column and the line itself', async (_, file, source, message) => {
    const tpl = await brokenProjectTemplate(file, source);
    const result = await run(['startproject', 'site2', '--template', tpl, '--no-install'], cwd);
    expect(result).toEqual({ code: 1, stdout: '', stderr: `${PREFIX}${message}\n` });
    expect(await snapshotDir(path.join(cwd, 'site2'))).toEqual({});
  });

  it("output prettier cannot parse: prettier's whole message with its code frame", async () => {
    const tpl = await brokenProjectTemplate('__projectName__/bad.ts.hbs', 'export const a = ;\n');
    const result = await run(['startproject', 'site3', '--template', tpl, '--no-install'], cwd);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `${PREFIX}could not format site3/bad.ts: Expression expected. (1:18)\n` +
        '    > 1 | export const a = ;\n' +
        '        |                  ^\n' +
        '      2 |\n',
    );
    expect(await snapshotDir(path.join(cwd, 'site3'))).toEqual({});
  });
});

describe('a broken app template', () => {
  it('names the app template file and line, and writes nothing', async () => {
    const project = path.join(cwd, 'host');
    expect(
      (await run(['startproject', 'host', '--no-install', '--tango', '^0.1.0'], cwd)).code,
    ).toBe(0);
    const tpl = path.join(cwd, 'apptpl');
    await mkdir(tpl);
    await writeFile(path.join(tpl, 'apps.ts.hbs'), "export const name = '{{appName}';\n");
    const before = await snapshotDir(project);
    const result = await spawnCli(['startapp', 'blog', '--template', tpl], project);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^CommandError: couldn't render the app template: apps\.ts\.hbs: 1: Parse error on line 1:\n {4}.*\n {4}-+\^\n {4}Expecting .*, got 'INVALID'$/,
    );
    expect(await snapshotDir(project)).toEqual(before);
  });
});
