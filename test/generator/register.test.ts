import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import {
  PRETTIER_OPTIONS,
  generateProject,
  registerApp,
  textOf,
} from '../../src/generator/index.js';
import { SECRET_KEY, TANGO_SPEC, projectTemplates } from './helpers.js';

const project = await generateProject(await projectTemplates(), {
  name: 'mysite',
  secretKey: SECRET_KEY,
  tangoSpec: TANGO_SPEC,
});
const settings = textOf(project.get('mysite/settings.ts')!);
const urls = textOf(project.get('mysite/urls.ts')!);

const isPrettierClean = async (source: string) =>
  (await prettier.format(source, { ...PRETTIER_OPTIONS, parser: 'typescript' })) === source;

describe('registerApp on generated files', () => {
  const first = registerApp(settings, urls, 'WebApp');

  it('adds the app to INSTALLED_APPS', () => {
    expect(first.settings).toBe(
      settings.replace(
        "INSTALLED_APPS: ['tango.sessions'],",
        "INSTALLED_APPS: ['tango.sessions', 'WebApp'],",
      ),
    );
    expect(first.manual).toBeUndefined();
  });

  it("imports the app's urls and includes them ahead of the home page", () => {
    expect(first.urls).toBe(
      urls
        .replace(
          "import { path } from 'tango/urls';",
          "import { include, path } from 'tango/urls';",
        )
        .replace(
          "import * as views from './views.js';\n",
          "import * as views from './views.js';\nimport webAppUrls from '../WebApp/urls.js';\n",
        )
        .replace(
          "  path('', views.home",
          "  path('', include(webAppUrls)),\n  path('', views.home",
        ),
    );
  });

  it('keeps both files prettier-clean', async () => {
    expect(await isPrettierClean(first.settings!)).toBe(true);
    expect(await isPrettierClean(first.urls!)).toBe(true);
  });

  it('is idempotent: a second run changes nothing', () => {
    expect(registerApp(first.settings!, first.urls!, 'WebApp')).toEqual({});
  });

  it('adds a second app after the first, still ahead of the home page', async () => {
    const second = registerApp(first.settings!, first.urls!, 'Blog');
    expect(second.settings).toContain("INSTALLED_APPS: ['tango.sessions', 'WebApp', 'Blog'],");
    expect(second.urls).toContain(
      "import webAppUrls from '../WebApp/urls.js';\nimport blogUrls from '../Blog/urls.js';\n",
    );
    expect(second.urls).toContain(
      "  path('', include(webAppUrls)),\n  path('', include(blogUrls)),\n  path('', views.home, { name: 'home' }),\n];",
    );
    expect(await isPrettierClean(second.urls!)).toBe(true);
  });

  it('breaks INSTALLED_APPS over lines when one line would pass the print width', async () => {
    let s = settings;
    for (const name of [
      'FirstLongApplicationName',
      'SecondLongApplicationName',
      'ThirdLongApplicationName',
    ]) {
      s = registerApp(s, urls, name).settings ?? s;
    }
    expect(s).toContain(
      "  INSTALLED_APPS: [\n    'tango.sessions',\n    'FirstLongApplicationName',\n    'SecondLongApplicationName',\n    'ThirdLongApplicationName',\n  ],",
    );
    expect(await isPrettierClean(s)).toBe(true);
    // and then keeps adding one line at a time
    const more = registerApp(s, urls, 'Blog').settings!;
    expect(more).toContain("    'ThirdLongApplicationName',\n    'Blog',\n  ],");
    expect(await isPrettierClean(more)).toBe(true);
  });

  it('takes a folder path and an import specifier for apps outside the root folder', () => {
    const result = registerApp(settings, urls, 'blog', {
      installedName: 'apps/blog',
      urlsSpecifier: '../apps/blog/urls.js',
    });
    expect(result.settings).toContain("INSTALLED_APPS: ['tango.sessions', 'apps/blog'],");
    expect(result.urls).toContain("import blogUrls from '../apps/blog/urls.js';");
  });
});

describe('registerApp on hand-written files', () => {
  const manualSettings = ['// settings.ts: add to INSTALLED_APPS', "'WebApp',"];
  const manualUrls = [
    '// urls.ts: add to the imports',
    "import { include } from 'tango/urls';",
    "import webAppUrls from '../WebApp/urls.js';",
    '// urls.ts: add to the URL patterns',
    "path('', include(webAppUrls)),",
  ];

  it.each([
    ['a spread', settings.replace("['tango.sessions']", "[...BASE_APPS, 'tango.sessions']")],
    [
      'a computed list',
      settings.replace("INSTALLED_APPS: ['tango.sessions'],", 'INSTALLED_APPS: apps(),'),
    ],
    [
      'two INSTALLED_APPS',
      settings.replace('DEBUG: true,', "DEBUG: true,\n  INSTALLED_APPS: ['x'],"),
    ],
    ['an unbalanced list', "export default { INSTALLED_APPS: ['tango.sessions', };"],
  ])('leaves settings with %s untouched and gives the lines to add', (_, source) => {
    const result = registerApp(source, urls, 'WebApp');
    expect(result.settings).toBeUndefined();
    expect(result.manual).toEqual(manualSettings);
    expect(result.urls).toBeDefined();
  });

  it.each([
    ['no array', "import { path } from 'tango/urls';\nexport default patterns;\n"],
    [
      'a one-line array closing on an item line',
      "import { path } from 'tango/urls';\nexport default [\n  path('', home)];\n",
    ],
  ])('leaves urls with %s untouched and gives the lines to add', (_, source) => {
    const result = registerApp(settings, source, 'WebApp');
    expect(result.urls).toBeUndefined();
    expect(result.manual).toEqual(manualUrls);
    expect(result.settings).toBeDefined();
  });

  it('ignores INSTALLED_APPS in comments and strings', () => {
    const source = settings.replace(
      'DEBUG: true,',
      "// INSTALLED_APPS: ['old'],\n  DEBUG: true, // 'INSTALLED_APPS: ['",
    );
    expect(registerApp(source, urls, 'WebApp').settings).toContain(
      "INSTALLED_APPS: ['tango.sessions', 'WebApp'],",
    );
  });

  it('keeps double quotes when the list uses them', () => {
    const source = 'export default {\n  INSTALLED_APPS: ["tango.sessions"],\n};\n';
    expect(registerApp(source, urls, 'WebApp').settings).toContain(
      'INSTALLED_APPS: ["tango.sessions", "WebApp"],',
    );
  });

  it('adds to an empty list and to a multi-line list without a trailing comma', () => {
    expect(registerApp('x({ INSTALLED_APPS: [] });', urls, 'A').settings).toBe(
      "x({ INSTALLED_APPS: ['A'] });",
    );
    const multi = "x({\n  INSTALLED_APPS: [\n    'tango.sessions' // sessions\n  ],\n});\n";
    expect(registerApp(multi, urls, 'A').settings).toBe(
      "x({\n  INSTALLED_APPS: [\n    'tango.sessions', // sessions\n    'A',\n  ],\n});\n",
    );
  });

  it('recognises an app already listed with other quotes', () => {
    expect(
      registerApp(
        settings.replace("'tango.sessions'", '\'tango.sessions\', "WebApp"'),
        urls,
        'WebApp',
      ).settings,
    ).toBeUndefined();
  });

  it('reuses an existing import of the app urls and an aliased include', () => {
    const source = [
      "import { include as inc, path } from 'tango/urls';",
      "import site from '../WebApp/urls.js';",
      '',
      'export default [',
      "  path('x/', home),",
      '];',
      '',
    ].join('\n');
    expect(registerApp(settings, source, 'WebApp').urls).toBe(
      source.replace("  path('x/', home),\n", "  path('x/', home),\n  path('', inc(site)),\n"),
    );
  });

  it('adds include to a multi-line import and an import of tango/urls when there is none', () => {
    const multi =
      "import {\n  path,\n  rePath,\n} from 'tango/urls';\n\nexport default [\n  path('a/', a),\n];\n";
    expect(registerApp(settings, multi, 'A').urls).toBe(
      "import {\n  include,\n  path,\n  rePath,\n} from 'tango/urls';\nimport aUrls from '../A/urls.js';\n\nexport default [\n  path('a/', a),\n  path('', include(aUrls)),\n];\n",
    );
    const none = "import { path } from './my-urls.js';\n\nexport default [\n  path('a/', a),\n];\n";
    expect(registerApp(settings, none, 'A').urls).toBe(
      "import { path } from './my-urls.js';\nimport { include } from 'tango/urls';\nimport aUrls from '../A/urls.js';\n\nexport default [\n  path('a/', a),\n  path('', include(aUrls)),\n];\n",
    );
  });

  it('supports a `const urlpatterns = [...]` urlconf', () => {
    const source =
      "import { include, path } from 'tango/urls';\n\nexport const urlpatterns = [\n  path('a/', a),\n];\n";
    expect(registerApp(settings, source, 'A').urls).toContain(
      "  path('a/', a),\n  path('', include(aUrls)),\n];",
    );
  });
});
