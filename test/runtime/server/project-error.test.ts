/**
 * The development server's report of a project that fails to import: esbuild's syntax errors
 * (as tsx rethrows them) and plain exceptions, reduced to the error, the file and line in the
 * project and the offending line, without the frames of esbuild, tsx or Node.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeProjectError,
  formatProjectError,
} from '../../../src/runtime/server/project-error.js';
import { terminalStyle } from '../../../src/runtime/server/terminal.js';
import { tempDir } from '../../e2e/helpers.js';

const plain = terminalStyle({ isTTY: false });
const colored = terminalStyle({ isTTY: true, hasColors: () => true }, {});

/** The error tsx 4.20 gives an importer when esbuild cannot transform a file. */
function transformError(file: string, line: number, column: number, text: string): Error {
  const error = new Error(
    `Transform failed with 1 error:\n${file}:${line}:${column}: ERROR: ${text}`,
  );
  error.name = 'TransformError';
  error.stack =
    `TransformError: ${error.message}\n` +
    `    at failureErrorWithLog (/p/node_modules/esbuild/lib/main.js:1467:15)\n` +
    `    at /p/node_modules/esbuild/lib/main.js:736:50\n` +
    `    at Socket.emit (node:events:524:28)`;
  return error;
}

describe('formatProjectError', () => {
  let root: Awaited<ReturnType<typeof tempDir>>;
  let apps: string;
  let views: string;

  beforeAll(async () => {
    root = await tempDir('tango-project-error-');
    await mkdir(path.join(root.dir, 'WebApp'));
    apps = path.join(root.dir, 'WebApp', 'apps.ts');
    views = path.join(root.dir, 'WebApp', 'views.ts');
    await writeFile(
      apps,
      "import { defineApp } from 'tango/apps';\n\nexport default defineApp({ name: 'WebApp' });\nexport const broken = ;\n",
    );
    await writeFile(
      views,
      'export function f() {\n\tconst o: any = undefined;\n\treturn o.field;\n}\n',
    );
  });

  afterAll(() => root.cleanup());

  it('shows an esbuild syntax error as file, line and the offending line with a caret, no esbuild stack', () => {
    const text = formatProjectError(transformError(apps, 4, 22, 'Unexpected ";"'), root.dir, plain);
    expect(text).toBe(
      [
        'SyntaxError: Unexpected ";"',
        '  at WebApp/apps.ts:4:23',
        '',
        '  4 | export const broken = ;',
        '    |                       ^',
        '',
      ].join('\n'),
    );
    expect(text).not.toContain('esbuild');
    expect(text).not.toContain('Transform failed');
  });

  it("shows Node's own type-stripping syntax error (22.18+, 24) at the place Node puts before its stack", () => {
    // As Node 24.22 gives it to an importer: the place, the line before, the line and a caret
    // line come first.
    const error = new SyntaxError('Expression expected') as SyntaxError & { code: string };
    error.code = 'ERR_INVALID_TYPESCRIPT_SYNTAX';
    error.stack =
      `${pathToFileURL(apps).href}:4\n` +
      "export default defineApp({ name: 'WebApp' });\n" +
      'export const broken = ;\n' +
      '                      ^\n\n' +
      'SyntaxError [ERR_INVALID_TYPESCRIPT_SYNTAX]: Expression expected\n' +
      '    at parseTypeScript (node:internal/modules/typescript:72:36)\n' +
      '    at ModuleLoader.<anonymous> (node:internal/modules/esm/translators:680:29)';
    const text = formatProjectError(error, root.dir, plain);
    expect(text).toBe(
      [
        'SyntaxError [ERR_INVALID_TYPESCRIPT_SYNTAX]: Expression expected',
        '  at WebApp/apps.ts:4:23',
        '',
        '  4 | export const broken = ;',
        '    |                       ^',
        '',
      ].join('\n'),
    );
    expect(text).not.toContain('node:internal');
  });

  it("reads esbuild's errors array when the error still has it", () => {
    const error = Object.assign(new Error('Transform failed with 2 errors'), {
      name: 'TransformError',
      errors: [{ text: 'Expected ")"', location: { file: apps, line: 3, column: 5 } }],
    });
    expect(describeProjectError(error, root.dir)).toEqual({
      name: 'SyntaxError',
      message: 'Expected ")"',
      location: { file: apps, line: 3, column: 6 },
    });
  });

  it('says how many errors esbuild found when there are several', () => {
    const error = transformError(apps, 4, 22, 'Unexpected ";"');
    error.message = error.message.replace('with 1 error', 'with 3 errors');
    expect(describeProjectError(error).message).toBe('Unexpected ";" (the first of 3 errors)');
  });

  it('shows an exception with its first frame in the project, skipping node_modules and node: frames', () => {
    const error = new TypeError("Cannot read properties of undefined (reading 'field')");
    error.stack =
      `TypeError: ${error.message}\n` +
      `    at get (/p/node_modules/some-lib/index.js:1:1)\n` +
      `    at f (${views}:3:11)\n` +
      `    at <anonymous> (${pathToFileURL(apps).href}:1:1)\n` +
      `    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)`;
    const text = formatProjectError(error, root.dir, plain);
    expect(text).toBe(
      [
        "TypeError: Cannot read properties of undefined (reading 'field')",
        '  at WebApp/views.ts:3:11',
        '',
        '  3 | \treturn o.field;',
        '    | \t         ^',
        '',
      ].join('\n'),
    );
  });

  it('gives the message alone when no frame is in the project, and any thrown value', () => {
    const error = new Error(
      `Cannot find module '${root.dir}/WebApp/nope.js' imported from ${views}`,
    );
    error.stack = `Error: ${error.message}\n    at finalizeResolution (node:internal/modules/esm/resolve:283:11)`;
    expect(formatProjectError(error, root.dir, plain)).toBe(`Error: ${error.message}\n`);
    Object.assign(error, { code: 'ERR_MODULE_NOT_FOUND' });
    expect(formatProjectError(error, root.dir, plain)).toBe(
      `Error [ERR_MODULE_NOT_FOUND]: ${error.message}\n`,
    );
    expect(formatProjectError('a string', root.dir, plain)).toBe('Error: a string\n');
  });

  it('prints a path outside the project in full, and no source line when the file is gone', () => {
    const error = transformError('/elsewhere/gone.ts', 1, 0, 'Unexpected end of file');
    expect(formatProjectError(error, root.dir, plain)).toBe(
      'SyntaxError: Unexpected end of file\n  at /elsewhere/gone.ts:1:1\n',
    );
  });

  it('colours the headline and the caret on a terminal', () => {
    const text = formatProjectError(
      transformError(apps, 4, 22, 'Unexpected ";"'),
      root.dir,
      colored,
    );
    expect(text).toContain('\x1b[1m\x1b[31mSyntaxError:\x1b[39m\x1b[22m Unexpected ";"');
    expect(text).toContain('\x1b[1m\x1b[31m^\x1b[39m\x1b[22m');
  });
});
