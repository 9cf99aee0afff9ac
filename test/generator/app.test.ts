import { describe, expect, it } from 'vitest';
import { generateApp, textOf } from '../../src/generator/index.js';
import { appKinds, appTemplates, checkInvariants } from './helpers.js';

const kinds = await appKinds();

describe.each(kinds)('generateApp with the built-in %s template', async (kind) => {
  const tree = await generateApp(await appTemplates(kind), {
    name: 'WebApp',
    projectName: 'mysite',
  });

  it('writes the files of issue 2 relative to the app folder', () => {
    for (const file of ['apps.ts', 'views.ts', 'urls.ts', 'tests.ts', 'migrations/.gitkeep']) {
      expect(tree.has(file), file).toBe(true);
    }
    expect([...tree.keys()].some((p) => /^templates\/WebApp\/[^/]+\.html$/.test(p))).toBe(true);
  });

  it.each([...tree.keys()])('%s matches its snapshot', async (filePath) => {
    await expect(textOf(tree.get(filePath)!)).toMatchFileSnapshot(
      `./__snapshots__/app/${kind}/${filePath}.snap`,
    );
  });

  it('renders prettier-clean, parseable code with no leftover {{ }}', async () => {
    await checkInvariants(tree);
  });

  it('declares the app under its own name', () => {
    expect(textOf(tree.get('apps.ts')!)).toContain("defineApp({ name: 'WebApp'");
  });

  it('imports its own modules as .ts files, so Node runs them without tsx', () => {
    for (const [file, content] of tree) {
      if (!file.endsWith('.ts')) continue;
      const relative = [...textOf(content).matchAll(/from '(\.{1,2}\/[^']*)'/g)].map((m) => m[1]);
      for (const specifier of relative) expect(specifier, file).toMatch(/\.ts$/);
    }
  });
});

describe('generateApp', () => {
  it('unwraps a tree whose every path starts with __appName__/', async () => {
    const wrapped = await generateApp(
      new Map([
        ['__appName__/apps.ts.hbs', "'{{appName}}'"],
        ['__appName__/templates/__appName__/a.html', ''],
      ]),
      { name: 'blog' },
    );
    expect([...wrapped.keys()]).toEqual(['apps.ts', 'templates/blog/a.html']);
  });

  it('keeps a mixed tree as it is', async () => {
    const mixed = await generateApp(
      new Map([
        ['__appName__/a.ts', ''],
        ['b.ts', ''],
      ]),
      { name: 'blog' },
    );
    expect([...mixed.keys()]).toEqual(['b.ts', 'blog/a.ts']);
  });

  it('gives templates the app variables', async () => {
    const tree = await generateApp(
      new Map([
        [
          'v.txt.hbs',
          '{{appName}} {{camelCaseAppName}} {{appSlug}} {{appUrlsName}} {{projectName}}',
        ],
      ]),
      { name: 'my_blog', projectName: 'mysite' },
    );
    expect(tree.get('v.txt')).toBe('my_blog MyBlog my-blog my_blogUrls mysite');
  });

  it('rejects an invalid app name', async () => {
    await expect(generateApp(new Map(), { name: 'os' })).rejects.toThrow(
      /'os' conflicts with the name of an existing module/,
    );
  });
});
