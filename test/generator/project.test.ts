import { describe, expect, it } from 'vitest';
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
        start: 'tsx --max-semi-space-size=32 manage.ts runserver',
        migrate: 'tsx manage.ts migrate',
        test: 'tsx manage.ts test',
      },
      dependencies: { tango: TANGO_SPEC },
    });
  });

  it('writes the secret key once, read from TANGO_SECRET_KEY when set', () => {
    const settings = textOf(tree.get('mysite/settings.ts')!);
    expect(settings.split(SECRET_KEY)).toHaveLength(2);
    expect(settings).toContain('process.env.TANGO_SECRET_KEY ??');
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
    });
    expect(pkg.engines).toEqual({ node: '^22.18.0 || >=24.0.0' });
    expect(JSON.parse(textOf(tsx.get('package.json')!)).engines).toEqual({
      node: '^20.19.0 || ^22.12.0 || >=24.0.0',
    });
  });

  it('gives manage.ts a node shebang and the README the node commands', () => {
    expect(textOf(tree.get('manage.ts')!).split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(textOf(tsx.get('manage.ts')!).split('\n')[0]).toBe('#!/usr/bin/env -S npx tsx');
    const readme = textOf(tree.get('README.md')!);
    expect(readme).toContain('`node manage.ts clearsessions`');
    expect(readme).toContain('the npm scripts call `node manage.ts`');
    expect(textOf(tsx.get('README.md')!)).toContain('`npx tsx manage.ts clearsessions`');
  });

  it('differs from the tsx project only in package.json, manage.ts and README.md', () => {
    const changed = [...tree.keys()].filter((p) => textOf(tree.get(p)!) !== textOf(tsx.get(p)!));
    expect(changed).toEqual(['README.md', 'manage.ts', 'package.json']);
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
      new TemplateRenderError('a/b.ts.hbs', '1:5: "nope" is not defined'),
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
