import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import {
  PRETTIER_OPTIONS,
  generateProject,
  installedApps,
  registerApp,
  registrationLines,
  textOf,
  type RegistrationEdit,
} from '../../src/generator/index.js';
import { SECRET_KEY, TANGO_SPEC, projectTemplates } from './helpers.js';

const project = await generateProject(await projectTemplates(), {
  name: 'mysite',
  secretKey: SECRET_KEY,
  tangoSpec: TANGO_SPEC,
});
const settings = textOf(project.get('mysite/settings.ts')!);
/** A line of the generated settings that the cases below write next to. */
const DEBUG_LINE = "DEBUG: env.bool('TANGO_DEBUG', true),";
const urls = textOf(project.get('mysite/urls.ts')!);

const isPrettierClean = async (source: string) =>
  (await prettier.format(source, { ...PRETTIER_OPTIONS, parser: 'typescript' })) === source;

/** The new source of an `updated` edit (fails the test for any other status). */
function updated(edit: RegistrationEdit): string {
  expect(edit.status).toBe('updated');
  return edit.status === 'updated' ? edit.source : '';
}

describe('registerApp on generated files', () => {
  const first = registerApp(settings, urls, 'WebApp');
  const firstSettings = updated(first.settings);
  const firstUrls = updated(first.urls);

  it('adds the app to INSTALLED_APPS', () => {
    expect(firstSettings).toBe(
      settings.replace(
        "INSTALLED_APPS: ['tango.admin', 'tango.sessions', 'tango.messages', 'tango.auth'],",
        "INSTALLED_APPS: ['tango.admin', 'tango.sessions', 'tango.messages', 'tango.auth', 'WebApp'],",
      ),
    );
  });

  it("imports the app's urls and includes them ahead of the home page", () => {
    expect(firstUrls).toBe(
      urls
        .replace(
          "import { path } from 'tango/urls';",
          "import { include, path } from 'tango/urls';",
        )
        .replace(
          "import * as views from './views.ts';\n",
          "import * as views from './views.ts';\nimport webAppUrls from '../WebApp/urls.ts';\n",
        )
        .replace(
          "  path('', views.home",
          "  path('', include(webAppUrls)),\n  path('', views.home",
        ),
    );
  });

  it('keeps both files prettier-clean', async () => {
    expect(await isPrettierClean(firstSettings)).toBe(true);
    expect(await isPrettierClean(firstUrls)).toBe(true);
  });

  it('is idempotent: a second run leaves both files unchanged', () => {
    expect(registerApp(firstSettings, firstUrls, 'WebApp')).toEqual({
      settings: { status: 'unchanged' },
      urls: { status: 'unchanged' },
    });
  });

  it('adds a second app after the first, still ahead of the home page', async () => {
    const second = registerApp(firstSettings, firstUrls, 'Blog');
    expect(updated(second.settings)).toContain(
      "  INSTALLED_APPS: [\n    'tango.admin',\n    'tango.sessions',\n    'tango.messages',\n    'tango.auth',\n    'WebApp',\n    'Blog',\n  ],",
    );
    const secondUrls = updated(second.urls);
    expect(secondUrls).toContain(
      "import webAppUrls from '../WebApp/urls.ts';\nimport blogUrls from '../Blog/urls.ts';\n",
    );
    expect(secondUrls).toContain(
      "  path('', include(webAppUrls)),\n  path('', include(blogUrls)),\n  path('', views.home, { name: 'home' }),\n];",
    );
    expect(await isPrettierClean(secondUrls)).toBe(true);
  });

  it('breaks INSTALLED_APPS over lines when one line would pass the print width', async () => {
    let s = settings;
    for (const name of [
      'FirstLongApplicationName',
      'SecondLongApplicationName',
      'ThirdLongApplicationName',
    ]) {
      s = updated(registerApp(s, urls, name).settings);
    }
    expect(s).toContain(
      "  INSTALLED_APPS: [\n    'tango.admin',\n    'tango.sessions',\n    'tango.messages',\n    'tango.auth',\n    'FirstLongApplicationName',\n    'SecondLongApplicationName',\n    'ThirdLongApplicationName',\n  ],",
    );
    expect(await isPrettierClean(s)).toBe(true);
    // and then keeps adding one line at a time
    const more = updated(registerApp(s, urls, 'Blog').settings);
    expect(more).toContain("    'ThirdLongApplicationName',\n    'Blog',\n  ],");
    expect(await isPrettierClean(more)).toBe(true);
  });

  it('takes a folder path and an import specifier for apps outside the root folder', () => {
    const result = registerApp(settings, urls, 'blog', {
      installedName: 'apps/blog',
      urlsSpecifier: '../apps/blog/urls.js',
    });
    expect(updated(result.settings)).toContain(
      "INSTALLED_APPS: ['tango.admin', 'tango.sessions', 'tango.messages', 'tango.auth', 'apps/blog'],",
    );
    expect(updated(result.urls)).toContain("import blogUrls from '../apps/blog/urls.js';");
  });
});

describe('registerApp on hand-written files', () => {
  const manualSettings: RegistrationEdit = {
    status: 'manual',
    add: [{ to: 'INSTALLED_APPS', lines: ["'WebApp',"] }],
  };
  const manualUrls: RegistrationEdit = {
    status: 'manual',
    add: [
      {
        to: 'the imports',
        lines: [
          "import { include } from 'tango/urls';",
          "import webAppUrls from '../WebApp/urls.ts';",
        ],
      },
      { to: 'the URL patterns', lines: ["path('', include(webAppUrls)),"] },
    ],
  };

  it.each([
    [
      'a spread',
      settings.replace(
        "['tango.admin', 'tango.sessions', 'tango.messages', 'tango.auth']",
        "[...BASE_APPS, 'tango.admin', 'tango.sessions', 'tango.messages', 'tango.auth']",
      ),
    ],
    [
      'a computed list',
      settings.replace(
        "INSTALLED_APPS: ['tango.admin', 'tango.sessions', 'tango.messages', 'tango.auth'],",
        'INSTALLED_APPS: apps(),',
      ),
    ],
    ['two INSTALLED_APPS', settings.replace(DEBUG_LINE, `${DEBUG_LINE}\n  INSTALLED_APPS: ['x'],`)],
    ['an unbalanced list', "export default { INSTALLED_APPS: ['tango.sessions', };"],
  ])('leaves settings with %s untouched and gives the lines to add', (_, source) => {
    const result = registerApp(source, urls, 'WebApp');
    expect(result.settings).toEqual(manualSettings);
    expect(result.urls.status).toBe('updated');
  });

  it.each([
    ['no array', "import { path } from 'tango/urls';\nexport default patterns;\n"],
    [
      'a one-line array closing on an item line',
      "import { path } from 'tango/urls';\nexport default [\n  path('', home)];\n",
    ],
  ])('leaves urls with %s untouched and gives the lines to add', (_, source) => {
    const result = registerApp(settings, source, 'WebApp');
    expect(result.urls).toEqual(manualUrls);
    expect(result.settings.status).toBe('updated');
  });

  it('ignores INSTALLED_APPS in comments and strings', () => {
    const source = settings.replace(
      DEBUG_LINE,
      `// INSTALLED_APPS: ['old'],\n  ${DEBUG_LINE} // 'INSTALLED_APPS: ['`,
    );
    expect(updated(registerApp(source, urls, 'WebApp').settings)).toContain(
      "INSTALLED_APPS: ['tango.admin', 'tango.sessions', 'tango.messages', 'tango.auth', 'WebApp'],",
    );
  });

  it('keeps double quotes when the list uses them', () => {
    const source = 'export default {\n  INSTALLED_APPS: ["tango.sessions"],\n};\n';
    expect(updated(registerApp(source, urls, 'WebApp').settings)).toContain(
      'INSTALLED_APPS: ["tango.sessions", "WebApp"],',
    );
  });

  it('adds to an empty list and to a multi-line list without a trailing comma', () => {
    expect(updated(registerApp('x({ INSTALLED_APPS: [] });', urls, 'A').settings)).toBe(
      "x({ INSTALLED_APPS: ['A'] });",
    );
    const multi = "x({\n  INSTALLED_APPS: [\n    'tango.sessions' // sessions\n  ],\n});\n";
    expect(updated(registerApp(multi, urls, 'A').settings)).toBe(
      "x({\n  INSTALLED_APPS: [\n    'tango.sessions', // sessions\n    'A',\n  ],\n});\n",
    );
  });

  it('recognises an app already listed with other quotes, or beside a spread', () => {
    for (const list of ['\'tango.sessions\', "WebApp"', "...BASE_APPS, 'WebApp'"]) {
      expect(
        registerApp(settings.replace("'tango.sessions'", list), urls, 'WebApp').settings,
      ).toEqual({ status: 'unchanged' });
    }
  });

  it('does not take a commented-out entry for a registration', () => {
    const source = "x({\n  INSTALLED_APPS: [\n    // 'WebApp',\n    'tango.sessions',\n  ],\n});\n";
    expect(updated(registerApp(source, urls, 'WebApp').settings)).toBe(
      "x({\n  INSTALLED_APPS: [\n    // 'WebApp',\n    'tango.sessions',\n    'WebApp',\n  ],\n});\n",
    );
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
    expect(updated(registerApp(settings, source, 'WebApp').urls)).toBe(
      source.replace("  path('x/', home),\n", "  path('x/', home),\n  path('', inc(site)),\n"),
    );
  });

  it('adds include to a multi-line import and an import of tango/urls when there is none', () => {
    const multi =
      "import {\n  path,\n  rePath,\n} from 'tango/urls';\n\nexport default [\n  path('a/', a),\n];\n";
    expect(updated(registerApp(settings, multi, 'A').urls)).toBe(
      "import {\n  include,\n  path,\n  rePath,\n} from 'tango/urls';\nimport aUrls from '../A/urls.ts';\n\nexport default [\n  path('a/', a),\n  path('', include(aUrls)),\n];\n",
    );
    const none = "import { path } from './my-urls.js';\n\nexport default [\n  path('a/', a),\n];\n";
    expect(updated(registerApp(settings, none, 'A').urls)).toBe(
      "import { path } from './my-urls.js';\nimport { include } from 'tango/urls';\nimport aUrls from '../A/urls.ts';\n\nexport default [\n  path('a/', a),\n  path('', include(aUrls)),\n];\n",
    );
  });

  it('supports a `const urlpatterns = [...]` urlconf', () => {
    const source =
      "import { include, path } from 'tango/urls';\n\nexport const urlpatterns = [\n  path('a/', a),\n];\n";
    expect(updated(registerApp(settings, source, 'A').urls)).toContain(
      "  path('a/', a),\n  path('', include(aUrls)),\n];",
    );
  });
});

describe('registrationLines', () => {
  it('are the lines registerApp gives for files it cannot edit', () => {
    const lines = registrationLines('blog', {
      installedName: 'apps/blog',
      urlsSpecifier: '../apps/blog/urls.js',
    });
    const result = registerApp('', '', 'blog', {
      installedName: 'apps/blog',
      urlsSpecifier: '../apps/blog/urls.js',
    });
    expect(result).toEqual({
      settings: { status: 'manual', add: lines.settings },
      urls: { status: 'manual', add: lines.urls },
    });
    expect(lines.settings).toEqual([{ to: 'INSTALLED_APPS', lines: ["'apps/blog',"] }]);
  });
});

describe('installedApps', () => {
  it('reads the entries of a generated INSTALLED_APPS, comments and quotes aside', () => {
    expect(installedApps(settings)).toEqual([
      'tango.admin',
      'tango.sessions',
      'tango.messages',
      'tango.auth',
    ]);
    expect(
      installedApps('x({\n  INSTALLED_APPS: [\n    "a", // first\n    \'apps/b\',\n  ],\n});'),
    ).toEqual(['a', 'apps/b']);
  });

  it('is undefined when the list is not only string literals, or not found once', () => {
    expect(installedApps('x({ INSTALLED_APPS: [...BASE, "a"] });')).toBeUndefined();
    expect(installedApps('x({ INSTALLED_APPS: apps() });')).toBeUndefined();
    expect(installedApps('x({});')).toBeUndefined();
  });
});
