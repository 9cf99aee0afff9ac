/**
 * The public pieces docs/generator.md's example uses: `readTemplateTree` (a template directory
 * into a tree, with the file system passed in), `fileDigest`/`digestTree`, and the claim that
 * rendering a `--template` tree with `generateProject` gives what `tango-admin startproject
 * --template` writes.
 */
import fs from 'node:fs/promises';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTemplateTree as cliReadTemplateTree } from '../../src/cli/read-tree.js';
import { typescriptRunner } from '../../src/cli/typescript-runner.js';
import {
  digestTree,
  fileDigest,
  generateApp,
  generateProject,
  readTemplateTree,
  textOf,
  type FileTree,
  type TemplateFileSystem,
} from '../../src/generator/index.js';
import { run, tempDir } from '../cli/helpers.js';
import { TEMPLATES } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

/** Writes `files` (POSIX relative path -> content) under `dir`. */
async function writeTree(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
}

const asText = (tree: FileTree) =>
  Object.fromEntries([...tree].map(([p, content]) => [p, textOf(content)]));

describe('readTemplateTree', () => {
  it('reads every file by POSIX path in path order, skipping what the CLI skips', async () => {
    const dir = path.join(tmp.dir, 'skips');
    await writeTree(dir, {
      'z.ts.hbs': 'z',
      'a/b/c.txt': 'c',
      _gitignore: 'dist\n',
      'migrations/.gitkeep': '',
      '.git/HEAD': 'ref',
      '.vscode/settings.json': '{}',
      'node_modules/x/index.js': 'x',
      'a/node_modules/y.js': 'y',
      '.DS_Store': 'junk',
      'a/Thumbs.db': 'junk',
    });
    const tree = await readTemplateTree(dir, fs);
    expect(asText(tree)).toEqual({
      _gitignore: 'dist\n',
      'a/b/c.txt': 'c',
      'migrations/.gitkeep': '',
      'z.ts.hbs': 'z',
    });
    expect([...tree.keys()]).toEqual([
      '_gitignore',
      'a/b/c.txt',
      'migrations/.gitkeep',
      'z.ts.hbs',
    ]);
    // A trailing slash on the directory changes nothing.
    expect(await readTemplateTree(dir + '/', fs)).toEqual(tree);
  });

  it('keeps bytes as they are and follows a symbolic link to a folder', async () => {
    const dir = path.join(tmp.dir, 'bytes');
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0xff, 0x00, 0xfe]);
    await writeTree(dir, { 'static/logo.png': png });
    await writeTree(path.join(tmp.dir, 'shared'), { 'partial.html': '<p>shared</p>\n' });
    await symlink(path.join(tmp.dir, 'shared'), path.join(dir, 'linked'));
    const tree = await readTemplateTree(dir, fs);
    expect(new Uint8Array(tree.get('static/logo.png') as Uint8Array)).toEqual(png);
    expect(textOf(tree.get('linked/partial.html')!)).toBe('<p>shared</p>\n');
  });

  it('reads through whatever file system it is given (the generator never imports node:fs)', async () => {
    const files: Record<string, string> = { '/t/manage.ts.hbs': '{{shebang}}\n', '/t/a/b.md': 'b' };
    const entry = (name: string, directory: boolean) => ({
      name,
      isDirectory: () => directory,
      isSymbolicLink: () => false,
    });
    const memory: TemplateFileSystem = {
      readdir: (dir) => {
        const names = new Map<string, boolean>();
        for (const p of Object.keys(files)) {
          if (!p.startsWith(dir + '/')) continue;
          const rest = p.slice(dir.length + 1).split('/');
          names.set(rest[0]!, rest.length > 1);
        }
        return Promise.resolve([...names].map(([name, directory]) => entry(name, directory)));
      },
      stat: () => Promise.reject(new Error('no links here')),
      readFile: (p) => Promise.resolve(new TextEncoder().encode(files[p]!)),
    };
    expect(asText(await readTemplateTree('/t', memory))).toEqual({
      'a/b.md': 'b',
      'manage.ts.hbs': '{{shebang}}\n',
    });
  });

  it('passes file system errors through unchanged', async () => {
    await expect(readTemplateTree(path.join(tmp.dir, 'missing'), fs)).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it("is the CLI's reader: both read the built-in templates the same", async () => {
    for (const dir of ['project', 'app/tutorial', 'app/minimal']) {
      const full = path.join(TEMPLATES, dir);
      const cli = await cliReadTemplateTree(full, dir === 'project' ? 'project' : 'app');
      expect(await readTemplateTree(full, fs)).toEqual(cli);
    }
  });
});

describe('fileDigest and digestTree', () => {
  it('give the size in bytes and the SHA-256 of the bytes written', () => {
    expect(fileDigest('')).toEqual({
      size: 0,
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    });
    expect(fileDigest('hi\n')).toEqual({
      size: 3,
      sha256: '98ea6e4f216f2fb4b69fff9b3a44842c38686ca685f3f55dc48c5d3fb1107be4',
    });
    // Text is hashed as UTF-8, so a string and its bytes have one digest.
    expect(fileDigest('é')).toEqual(fileDigest(new Uint8Array([0xc3, 0xa9])));
    expect(fileDigest('é').size).toBe(2);
  });

  it('digestTree lists every file in the tree order', () => {
    const tree: FileTree = new Map<string, string | Uint8Array>([
      ['b.txt', 'b'],
      ['a.txt', new Uint8Array([0x61])],
    ]);
    expect(digestTree(tree)).toEqual([
      { path: 'b.txt', ...fileDigest('b') },
      { path: 'a.txt', ...fileDigest('a') },
    ]);
  });
});

describe('a --template tree rendered in memory', () => {
  const template = {
    'manage.ts.hbs': "{{shebang}}\nimport './{{projectName}}/settings.ts';\n",
    '__projectName__/settings.ts.hbs':
      "export default { SECRET_KEY: '{{secretKey}}', NAME: '{{camelCaseProjectName}}' };\n",
    _gitignore: 'node_modules/\n',
    'README.md.hbs': '# {{projectName}}\n\nRun `{{manage}} runserver`.\n',
  };

  it('is byte for byte what tango-admin startproject --template writes', async () => {
    const dir = path.join(tmp.dir, 'user-template');
    await writeTree(dir, template);
    const cwd = path.join(tmp.dir, 'cli-run');
    await mkdir(cwd);
    const result = await run(
      ['startproject', 'my_site', '--template', dir, '--no-install', '--tango', '^1.2.3'],
      cwd,
    );
    expect(result.code, result.stderr).toBe(0);
    // The CLI draws the key at random; render again with the key it wrote.
    const settings = await readFile(path.join(cwd, 'my_site/my_site/settings.ts'), 'utf8');
    const secretKey = /SECRET_KEY: '([^']+)'/.exec(settings)![1]!;
    const tree = await generateProject(await readTemplateTree(dir, fs), {
      name: 'my_site',
      secretKey,
      tangoSpec: '^1.2.3',
      runner: typescriptRunner(),
      format: true,
    });
    const written = await readTemplateTree(path.join(cwd, 'my_site'), fs);
    // readTemplateTree skips dot-directories only: .gitignore and .prettierrc.json are there.
    expect(digestTree(written)).toEqual(digestTree(tree));
    // Formatted with prettier, as the CLI formats every --template tree.
    expect(textOf(tree.get('my_site/settings.ts')!)).toBe(
      `export default {\n  SECRET_KEY: '${secretKey}',\n  NAME: 'MySite',\n};\n`,
    );
  });

  it('with fixed options is the same on every run (what a snapshot needs)', async () => {
    const dir = path.join(tmp.dir, 'user-template');
    const options = {
      name: 'mysite',
      secretKey: 'tango-insecure-fixed-for-tests',
      tangoSpec: '^0.1.0',
      runner: 'tsx' as const,
      format: true,
    };
    const first = await generateProject(await readTemplateTree(dir, fs), options);
    const second = await generateProject(await readTemplateTree(dir, fs), options);
    expect(digestTree(second)).toEqual(digestTree(first));
    expect(textOf(first.get('manage.ts')!)).toBe(
      "#!/usr/bin/env -S npx tsx\nimport './mysite/settings.ts';\n",
    );
  });

  it('an app template wrapped in __appName__/ renders relative to the app folder', async () => {
    const dir = path.join(tmp.dir, 'user-app');
    await writeTree(dir, {
      '__appName__/apps.ts.hbs': "export default { name: '{{appName}}' };\n",
      '__appName__/templates/__appName__/index.html': '<h1>{{ title }}</h1>\n',
    });
    const tree = await generateApp(await readTemplateTree(dir, fs), { name: 'blog' });
    expect(asText(tree)).toEqual({
      'apps.ts': "export default { name: 'blog' };\n",
      'templates/blog/index.html': '<h1>{{ title }}</h1>\n',
    });
  });
});
