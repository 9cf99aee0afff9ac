import { parseEnv } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createEnv, type Env } from '../../src/runtime/conf/env.js';
import {
  InvalidNameError,
  TemplateRenderError,
  generateProject,
  textOf,
  type FileTree,
} from '../../src/generator/index.js';
import {
  SECRET_KEY,
  TANGO_SPEC,
  checkInvariants,
  projectTemplates,
  syntaxErrors,
} from './helpers.js';

const options = { name: 'mysite', secretKey: SECRET_KEY, tangoSpec: TANGO_SPEC };

describe('generateProject with the built-in template', async () => {
  const tree = await generateProject(await projectTemplates(), options);

  it('writes the files of issue 2, in path order', () => {
    expect([...tree.keys()]).toEqual([
      '.env.example',
      '.gitignore',
      '.prettierrc.json',
      'README.md',
      'manage.ts',
      'mysite/settings.ts',
      'mysite/tests.ts',
      'mysite/urls.ts',
      'mysite/views.ts',
      'package.json',
      'templates/home.html',
      'tsconfig.json',
    ]);
  });

  it.each([...tree.keys()])('%s matches its snapshot', async (filePath) => {
    await expect(textOf(tree.get(filePath)!)).toMatchFileSnapshot(
      `./__snapshots__/project/${filePath}.snap`,
    );
  });

  it('renders prettier-clean, parseable code with no leftover {{ }}', async () => {
    await checkInvariants(tree);
  });

  it('is pure: the same input gives the same tree', async () => {
    const again = await generateProject(await projectTemplates(), options);
    expect(again).toEqual(tree);
  });

  it('builds package.json as an object with the runtime spec and the scripts', () => {
    const pkg = JSON.parse(textOf(tree.get('package.json')!));
    expect(pkg).toMatchObject({
      name: 'mysite',
      private: true,
      type: 'module',
      scripts: {
        // Node 20: node with the runtime's TypeScript loader (src/register), not the tsx CLI.
        start: 'node --max-semi-space-size=32 --import tango/register manage.ts runserver',
        migrate: 'node --import tango/register manage.ts migrate',
        test: 'node --import tango/register manage.ts test',
        // Node 20: the production server runs the build with plain node, no tsx.
        build: 'node --import tango/register manage.ts build',
        serve: 'node --max-semi-space-size=32 build/manage.js serve',
      },
      dependencies: { tango: TANGO_SPEC },
    });
  });

  it('writes the secret key once, read from TANGO_SECRET_KEY when set', () => {
    const settings = textOf(tree.get('mysite/settings.ts')!);
    expect(settings.split(SECRET_KEY)).toHaveLength(2);
    expect(settings).toContain(
      `SECRET_KEY: env.str(\n    'TANGO_SECRET_KEY',\n    '${SECRET_KEY}',`,
    );
  });

  it('reads what differs between machines from the environment, with development defaults', () => {
    const settings = textOf(tree.get('mysite/settings.ts')!);
    for (const line of [
      "SECRET_KEY_FALLBACKS: env.list('TANGO_SECRET_KEY_FALLBACKS', []),",
      "DEBUG: env.bool('TANGO_DEBUG', true),",
      "ALLOWED_HOSTS: env.list('TANGO_ALLOWED_HOSTS', []),",
      "default: env.databaseUrl('DATABASE_URL', 'sqlite:///db.sqlite3'),",
      "default: env.cacheUrl('CACHE_URL', 'locmem://'),",
      "CSRF_TRUSTED_ORIGINS: env.list('TANGO_CSRF_TRUSTED_ORIGINS', []),",
      "SECURE_PROXY_SSL_HEADER: env.proxySslHeader('TANGO_SECURE_PROXY_SSL_HEADER'),",
      "SECURE_SSL_REDIRECT: env.bool('TANGO_SECURE_SSL_REDIRECT', false),",
      "SECURE_HSTS_SECONDS: env.int('TANGO_SECURE_HSTS_SECONDS', 0),",
      "SESSION_COOKIE_SECURE: env.bool('TANGO_SESSION_COOKIE_SECURE', false),",
      "CSRF_COOKIE_SECURE: env.bool('TANGO_CSRF_COOKIE_SECURE', false),",
    ]) {
      expect(settings).toContain(line);
    }
  });

  it('lists in .env.example every variable settings.ts reads, each explained, each example valid', () => {
    const settings = textOf(tree.get('mysite/settings.ts')!);
    const example = textOf(tree.get('.env.example')!);
    const reads = [...settings.matchAll(/env\.(\w+)\(\s*'([A-Z0-9_]+)'/g)].map(
      ([, reader, name]) => [name!, reader as keyof Env] as const,
    );
    const lines = example.split('\n');
    const assignments = lines.flatMap((line, i) => {
      const match = /^# ([A-Z0-9_]+)=/.exec(line);
      return match ? [{ name: match[1]!, i }] : [];
    });
    expect(assignments.map((a) => a.name).sort()).toEqual(reads.map(([name]) => name).sort());
    // Each variable (or group of them) follows an explanation.
    for (const { name, i } of assignments) {
      let j = i - 1;
      while (/^# [A-Z0-9_]+=/.test(lines[j]!)) j--;
      expect(lines[j], name).toMatch(/^# \S/);
    }
    // Uncommented, the file sets every variable to a value its reader accepts.
    const values = parseEnv(example.replace(/^# ([A-Z0-9_]+=)/gm, '$1'));
    const readers = createEnv(values);
    for (const [name, reader] of reads) {
      expect(values[name], name).toBeDefined();
      expect(() => (readers[reader] as (name: string) => unknown)(name), name).not.toThrow();
    }
    expect(readers.bool('TANGO_DEBUG')).toBe(false);
    expect(readers.databaseUrl()).toMatchObject({ ENGINE: 'postgresql' });
    expect(readers.cacheUrl()).toMatchObject({ BACKEND: 'redis' });
  });

  it('ignores .env in git, and loads it in manage.ts only when it exists', () => {
    expect(textOf(tree.get('.gitignore')!).split('\n')).toContain('.env');
    expect(textOf(tree.get('manage.ts')!)).toContain(
      'if (existsSync(envFile)) process.loadEnvFile(envFile);',
    );
  });

  it('writes every SESSION_* setting with a comment, and the five engines', () => {
    const settings = textOf(tree.get('mysite/settings.ts')!);
    for (const name of [
      'SESSION_COOKIE_NAME',
      'SESSION_COOKIE_AGE',
      'SESSION_COOKIE_DOMAIN',
      'SESSION_COOKIE_SECURE',
      'SESSION_COOKIE_PATH',
      'SESSION_COOKIE_HTTPONLY',
      'SESSION_COOKIE_SAMESITE',
      'SESSION_SAVE_EVERY_REQUEST',
      'SESSION_EXPIRE_AT_BROWSER_CLOSE',
      'SESSION_FILE_PATH',
      'SESSION_CACHE_ALIAS',
      'SESSION_SERIALIZER',
    ]) {
      expect(settings).toMatch(new RegExp(`// .+\\n  ${name}: `));
    }
    for (const engine of ['db', 'file', 'cache', 'cached_db', 'signed_cookies']) {
      expect(settings).toContain(`SESSION_ENGINE: '${engine}'`);
    }
  });
});

describe("generateProject with runner 'node' (Node 22.18+ runs the TypeScript itself)", async () => {
  const tree = await generateProject(await projectTemplates(), { ...options, runner: 'node' });
  const tsx = await generateProject(await projectTemplates(), options);

  it('runs manage.ts with plain node in every script, on the Node versions that can', () => {
    const pkg = JSON.parse(textOf(tree.get('package.json')!));
    expect(pkg.scripts).toEqual({
      start: 'node --max-semi-space-size=32 manage.ts runserver',
      migrate: 'node manage.ts migrate',
      test: 'node manage.ts test',
      check: 'node manage.ts check',
      typecheck: 'tsc --noEmit',
      build: 'node manage.ts build',
      serve: 'node --max-semi-space-size=32 manage.ts serve',
    });
    expect(pkg.engines).toEqual({ node: '^22.18.0 || >=24.0.0' });
    expect(JSON.parse(textOf(tsx.get('package.json')!)).engines).toEqual({
      node: '^20.19.0 || ^22.12.0 || >=24.0.0',
    });
  });

  it('leaves tsx (and esbuild) out of a node project, where no script runs it', () => {
    const pkg = JSON.parse(textOf(tree.get('package.json')!));
    expect(Object.keys(pkg.devDependencies)).toEqual(['typescript', '@types/node']);
    expect(pkg.allowScripts).toEqual({ 'better-sqlite3': true });
    const tsxPkg = JSON.parse(textOf(tsx.get('package.json')!));
    expect(Object.keys(tsxPkg.devDependencies)).toEqual(['tsx', 'typescript', '@types/node']);
    expect(tsxPkg.allowScripts).toEqual({ 'better-sqlite3': true, esbuild: true });
  });

  it('gives manage.ts a node shebang and the README the node commands', () => {
    expect(textOf(tree.get('manage.ts')!).split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(textOf(tsx.get('manage.ts')!).split('\n')[0]).toBe('#!/usr/bin/env -S npx tsx');
    const readme = textOf(tree.get('README.md')!);
    expect(readme).toContain('`node manage.ts clearsessions`');
    expect(readme).toContain('the npm scripts call `node manage.ts`');
    expect(textOf(tsx.get('README.md')!)).toContain('`npx tsx manage.ts clearsessions`');
  });

  it('differs from the tsx project only where a command is named: no `npx tsx` where tsx is not installed', () => {
    const changed = [...tree.keys()].filter((p) => textOf(tree.get(p)!) !== textOf(tsx.get(p)!));
    expect(changed).toEqual([
      '.env.example',
      'README.md',
      'manage.ts',
      'mysite/settings.ts',
      'mysite/views.ts',
      'package.json',
    ]);
    // The project has no tsx dependency: `npx tsx` would fetch it from the registry.
    // (README.md mentions it once, for Node 20, which the project's `engines` leaves out.)
    for (const [p, content] of tree) {
      if (p !== 'README.md') expect(textOf(content), p).not.toMatch(/npx tsx manage/);
    }
    expect(textOf(tree.get('mysite/views.ts')!)).toContain("manage: 'node manage.ts'");
  });

  it('is erasable TypeScript with .ts imports, as Node type stripping requires', () => {
    const tsconfig = JSON.parse(textOf(tree.get('tsconfig.json')!));
    expect(tsconfig.compilerOptions).toMatchObject({
      erasableSyntaxOnly: true,
      allowImportingTsExtensions: true,
      verbatimModuleSyntax: true,
    });
    for (const [file, content] of tree) {
      if (!file.endsWith('.ts')) continue;
      const relative = [...textOf(content).matchAll(/from '(\.{1,2}\/[^']*)'/g)].map((m) => m[1]);
      for (const specifier of relative) expect(specifier, file).toMatch(/\.ts$/);
    }
  });

  it('rejects an unknown runner', async () => {
    await expect(
      generateProject(await projectTemplates(), {
        ...options,
        runner: 'deno' as unknown as 'node',
      }),
    ).rejects.toThrow("option runner is invalid: deno (use 'node' or 'tsx')");
  });
});

describe('generateProject options and errors', () => {
  const tiny = (): FileTree =>
    new Map([['__projectName__/x.ts.hbs', "export const key = '{{secretKey}}';\n"]]);

  it('rejects an invalid name before rendering anything', async () => {
    await expect(generateProject(tiny(), { ...options, name: 'my-site' })).rejects.toThrow(
      new InvalidNameError(
        "'my-site' is not a valid project name. Please make sure the name is a valid identifier.",
      ),
    );
  });

  it.each(["it's", 'back\\slash', 'new\nline', ''])(
    'rejects the secret key %j',
    async (secretKey) => {
      await expect(generateProject(tiny(), { ...options, secretKey })).rejects.toThrow(
        /option secretKey is invalid/,
      );
    },
  );

  it('names the template of a missing variable', async () => {
    const templates = new Map([['a/b.ts.hbs', 'x {{nope}}']]);
    await expect(generateProject(templates, options)).rejects.toThrow(
      new TemplateRenderError(
        'a/b.ts.hbs',
        '1:5: "nope" is not defined\n    1 | x {{nope}}\n      |     ^',
      ),
    );
  });

  it('adds package.json, tsconfig.json and .prettierrc.json to a user tree that lacks them', async () => {
    const tree = await generateProject(tiny(), options);
    expect([...tree.keys()]).toEqual([
      '.prettierrc.json',
      'mysite/x.ts',
      'package.json',
      'tsconfig.json',
    ]);
  });

  it("keeps a user template's own package.json", async () => {
    const tree = await generateProject(
      new Map([['package.json.hbs', '{"name": "{{projectName}}"}\n']]),
      options,
    );
    expect(tree.get('package.json')).toBe('{"name": "mysite"}\n');
  });

  it('formats with prettier when asked (user templates)', async () => {
    const templates = new Map([
      [
        'a.ts.hbs',
        'export const  name={{{json projectName}}}'.replace(
          '{{{json projectName}}}',
          '"{{projectName}}"',
        ),
      ],
      ['page.html', '<p>{{ keep }}</p>'],
    ]);
    const tree = await generateProject(templates, { ...options, format: true });
    expect(tree.get('a.ts')).toBe("export const name = 'mysite';\n");
    expect(tree.get('page.html')).toBe('<p>{{ keep }}</p>');
    expect(syntaxErrors('a.ts', textOf(tree.get('a.ts')!))).toEqual([]);
  });

  it('reports output prettier cannot parse as a FormatError naming the file', async () => {
    const templates = new Map([['broken.ts.hbs', 'export const = ;']]);
    await expect(generateProject(templates, { ...options, format: true })).rejects.toThrow(
      /^could not format broken\.ts: /,
    );
  });
});
