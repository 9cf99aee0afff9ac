import { mkdtemp, mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import {
  configureTemplates,
  currentTemplateEngine,
  getTemplateEngine,
  TemplateDoesNotExist,
  TemplateEngine,
  TemplateSyntaxError,
} from '../../../src/runtime/template/index.js';
import {
  NoReverseMatch,
  path as route,
  setUrlconf,
  UrlResolver,
  type View,
} from '../../../src/runtime/urls/index.js';

let base: string;
/** Polling for a file-system event to arrive; generous so a busy machine does not fail the test. */
const WAIT = { timeout: 5000, interval: 10 };

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
}

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'tango-templates-'));
  await writeTree(base, {
    'project/home.html': '<h1>{{title}}</h1>',
    'project/shared.html': 'project wins',
    'project/.hidden.html': 'hidden',
    'project/.git/config.html': 'hidden dir',
    'project/layouts/base.html':
      '<title>{{#> title}}Default title{{/title}}</title><main>{{> @partial-block}}</main><footer>{{#> footer}}default footer{{/footer}}</footer>',
    'project/child.html':
      '{{#> "layouts/base.html"}}{{#*inline "title"}}Child {{name}}{{/inline}}<p>{{name}}</p>{{/"layouts/base.html"}}',
    'project/include.html':
      'before {{> "WebApp/part.html" who=name}} after {{> WebApp/part.html who="bare"}}',
    'project/broken.html': 'ok\n{{#if x}}\nnever closed',
    'project/missing-partial.html': 'x {{> "nope.html"}}',
    'project/escape.html': '{{value}}|{{{value}}}',
    'project/indent.html': '<pre>\n  {{> "WebApp/lines.html"}}\n</pre>',
    'app1/WebApp/part.html': '[{{who}}]',
    'app1/WebApp/lines.html': 'a\nb\n',
    'app1/shared.html': 'app1',
    'app1/only-app.html': 'app1 only',
    'app2/only-app.html': 'app2 only',
    'app2/deep/nested/dir/t.html': 'deep',
  });
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

afterEach(() => {
  configureTemplates(undefined);
  setUrlconf(undefined);
});

function createEngine(debug = false): Promise<TemplateEngine> {
  return TemplateEngine.create({
    dirs: [path.join(base, 'project'), path.join(base, 'no-such-dir')],
    appDirs: [path.join(base, 'app1'), path.join(base, 'app2')],
    debug,
  });
}

describe('TemplateEngine loading', () => {
  it('reads every template under DIRS and app dirs, recursively, skipping hidden files', async () => {
    const engine = await createEngine();
    expect(engine.names().sort()).toEqual(
      [
        'home.html',
        'shared.html',
        'layouts/base.html',
        'child.html',
        'include.html',
        'broken.html',
        'missing-partial.html',
        'escape.html',
        'indent.html',
        'WebApp/part.html',
        'WebApp/lines.html',
        'only-app.html',
        'deep/nested/dir/t.html',
      ].sort(),
    );
    expect(engine.has('.hidden.html')).toBe(false);
    expect(engine.render('deep/nested/dir/t.html')).toBe('deep');
  });

  it('looks in DIRS first, then app dirs in INSTALLED_APPS order', async () => {
    const engine = await createEngine();
    expect(engine.render('shared.html')).toBe('project wins');
    expect(engine.render('only-app.html')).toBe('app1 only');
  });

  it('a missing template lists every path tried, in order', async () => {
    const engine = await createEngine();
    let error: unknown;
    try {
      engine.render('WebApp/missing.html');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TemplateDoesNotExist);
    const expected = ['project', 'no-such-dir', 'app1', 'app2'].map((d) =>
      path.join(base, d, 'WebApp', 'missing.html'),
    );
    expect((error as TemplateDoesNotExist).tried).toEqual(expected);
    expect((error as Error).message).toBe(
      'WebApp/missing.html\nTemplate-loader postmortem:\n' +
        expected.map((p) => `  ${p} (Source does not exist)`).join('\n'),
    );
  });

  it('never serves files outside the template dirs', async () => {
    const engine = await createEngine();
    expect(() => engine.render('../project/home.html')).toThrow(TemplateDoesNotExist);
    expect(() => engine.render(path.join(base, 'project/home.html'))).toThrow(TemplateDoesNotExist);
  });

  it('renders from memory: a file changed on disk is not re-read without DEBUG', async () => {
    const dir = await mkdtemp(path.join(base, 'static-'));
    await writeFile(path.join(dir, 'a.html'), 'first');
    const engine = await TemplateEngine.create({ dirs: [dir], appDirs: [], debug: false });
    expect(engine.render('a.html')).toBe('first');
    await writeFile(path.join(dir, 'a.html'), 'second');
    await unlink(path.join(dir, 'a.html'));
    expect(engine.render('a.html')).toBe('first');
  });

  it('with no directories, the postmortem says so', async () => {
    const engine = await TemplateEngine.create({ dirs: [], appDirs: [], debug: false });
    expect(() => engine.render('x.html')).toThrow('No template directories are configured');
  });
});

describe('TemplateEngine rendering', () => {
  it('escapes HTML in {{x}} and not in {{{x}}}', async () => {
    const engine = await createEngine();
    expect(engine.render('escape.html', { value: `<a href="x">'&'</a>` })).toBe(
      '&lt;a href&#x3D;&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;|<a href="x">\'&\'</a>',
    );
  });

  it('every template is a partial under its name, quoted or bare, with hash params', async () => {
    const engine = await createEngine();
    expect(engine.render('include.html', { name: 'Raju' })).toBe('before [Raju] after [bare]');
  });

  it('partial blocks give layout inheritance: content, replaced blocks and defaults', async () => {
    const engine = await createEngine();
    expect(engine.render('child.html', { name: 'Raju' })).toBe(
      '<title>Child Raju</title><main><p>Raju</p></main><footer>default footer</footer>',
    );
  });

  it('partials are inserted as they are, not indented (Django does not indent includes)', async () => {
    const engine = await createEngine();
    // Handlebars' default would give '<pre>\n  a\n  b\n</pre>', changing the <pre> text.
    expect(engine.render('indent.html')).toBe('<pre>\n  a\nb\n</pre>');
  });

  it('a missing partial is a TemplateDoesNotExist with the paths tried', async () => {
    const engine = await createEngine();
    expect(() => engine.render('missing-partial.html')).toThrow(TemplateDoesNotExist);
    expect(() => engine.render('missing-partial.html')).toThrow(
      path.join(base, 'app2', 'nope.html'),
    );
  });

  it('a syntax error names the template file', async () => {
    const engine = await createEngine();
    expect(() => engine.render('broken.html')).toThrow(TemplateSyntaxError);
    expect(() => engine.render('broken.html')).toThrow(
      `broken.html (${path.join(base, 'project', 'broken.html')}): Parse error`,
    );
  });

  it('puts the request in the context; the context wins on a clash', async () => {
    const dir = await mkdtemp(path.join(base, 'req-'));
    await writeFile(path.join(dir, 'r.html'), '{{request.method}} {{request.path}}');
    const engine = await TemplateEngine.create({ dirs: [dir], appDirs: [], debug: false });
    const request = new HttpRequest({ method: 'get', url: '/a%20b/?x=1' });
    expect(engine.render('r.html', {}, request)).toBe('GET /a b/');
    expect(engine.render('r.html', { request: { method: 'X', path: '/y' } }, request)).toBe('X /y');
    expect(engine.render('r.html')).toBe(' ');
  });

  it('each engine has its own Handlebars environment', async () => {
    const a = await createEngine();
    const dir = await mkdtemp(path.join(base, 'iso-'));
    await writeFile(path.join(dir, 'home.html'), 'other home');
    await writeFile(path.join(dir, 'inc.html'), '{{> "home.html"}}');
    const b = await TemplateEngine.create({ dirs: [dir], appDirs: [], debug: false });
    expect(b.render('inc.html')).toBe('other home');
    expect(a.render('home.html', { title: 't' })).toBe('<h1>t</h1>');
  });
});

describe('built-in helpers', () => {
  it('url reverses through the configured urlconf and escapes the result', async () => {
    const stub = (() => undefined) as unknown as View;
    setUrlconf(
      new UrlResolver([
        route('shop/<int:id>/', stub, { name: 'item' }),
        route('q/<str:q>/', stub, { name: 'q' }),
      ]),
    );
    const dir = await mkdtemp(path.join(base, 'url-'));
    await writeTree(dir, {
      'u.html': '<a href="{{url "item" id=id}}">x</a>',
      'q.html': '{{url "q" q="a&b"}}',
      'bad.html': '{{url "nope"}}',
    });
    const engine = await TemplateEngine.create({ dirs: [dir], appDirs: [], debug: false });
    expect(engine.render('u.html', { id: 3 })).toBe('<a href="/shop/3/">x</a>');
    expect(engine.render('q.html')).toBe('/q/a&amp;b/');
    expect(() => engine.render('bad.html')).toThrow(NoReverseMatch);
  });

  it('json prints indented, escaped JSON', async () => {
    const dir = await mkdtemp(path.join(base, 'json-'));
    await writeFile(path.join(dir, 'j.html'), '{{json value}}');
    const engine = await TemplateEngine.create({ dirs: [dir], appDirs: [], debug: false });
    expect(engine.render('j.html', { value: { a: '<b>' } })).toBe(
      '{\n  &quot;a&quot;: &quot;&lt;b&gt;&quot;\n}',
    );
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(engine.render('j.html', { value: circular })).toContain('[not serializable:');
    expect(engine.render('j.html', {})).toBe('');
  });

  it('eq works as a subexpression and as a block', async () => {
    const dir = await mkdtemp(path.join(base, 'eq-'));
    await writeTree(dir, {
      'sub.html': '{{#if (eq a b)}}same{{else}}different{{/if}}',
      'block.html': '{{#eq a b}}same {{a}}{{else}}different{{/eq}}',
    });
    const engine = await TemplateEngine.create({ dirs: [dir], appDirs: [], debug: false });
    expect(engine.render('sub.html', { a: 1, b: 1 })).toBe('same');
    expect(engine.render('sub.html', { a: 1, b: '1' })).toBe('different');
    expect(engine.render('block.html', { a: 'x', b: 'x' })).toBe('same x');
    expect(engine.render('block.html', { a: 'x', b: 'y' })).toBe('different');
  });
});

describe('DEBUG reloading', () => {
  for (const watchMode of ['recursive', 'per-directory'] as const) {
    it(`picks up edits, new files, new folders and deletions (${watchMode})`, async () => {
      const dir = await mkdtemp(path.join(base, `watch-${watchMode}-`));
      await writeTree(dir, {
        'a.html': 'one',
        'layout.html': '[{{> @partial-block}}]',
        'page.html': '{{#> "layout.html"}}p{{/"layout.html"}}',
      });
      const engine = await TemplateEngine.create({
        dirs: [dir],
        appDirs: [],
        debug: true,
        watchMode,
      });
      try {
        expect(engine.render('a.html')).toBe('one');
        expect(engine.render('page.html')).toBe('[p]');

        await writeFile(path.join(dir, 'a.html'), 'two');
        await vi.waitFor(() => expect(engine.render('a.html')).toBe('two'), WAIT);

        // A partial's edit shows in the pages that use it.
        await writeFile(path.join(dir, 'layout.html'), '<{{> @partial-block}}>');
        await vi.waitFor(() => expect(engine.render('page.html')).toBe('<p>'), WAIT);

        await writeFile(path.join(dir, 'b.html'), 'new');
        await vi.waitFor(() => expect(engine.render('b.html')).toBe('new'), WAIT);

        await mkdir(path.join(dir, 'sub'));
        await writeFile(path.join(dir, 'sub', 'c.html'), 'in a new folder');
        await vi.waitFor(() => expect(engine.render('sub/c.html')).toBe('in a new folder'), WAIT);

        await unlink(path.join(dir, 'b.html'));
        await vi.waitFor(
          () => expect(() => engine.render('b.html')).toThrow(TemplateDoesNotExist),
          WAIT,
        );
      } finally {
        engine.close();
      }
    });
  }

  it('a template in DIRS created later overrides an app template of the same name', async () => {
    const project = await mkdtemp(path.join(base, 'ovr-p-'));
    const app = await mkdtemp(path.join(base, 'ovr-a-'));
    await writeFile(path.join(app, 'x.html'), 'app');
    const engine = await TemplateEngine.create({ dirs: [project], appDirs: [app], debug: true });
    try {
      expect(engine.render('x.html')).toBe('app');
      await writeFile(path.join(project, 'x.html'), 'project');
      await vi.waitFor(() => expect(engine.render('x.html')).toBe('project'), WAIT);
      await unlink(path.join(project, 'x.html'));
      await vi.waitFor(() => expect(engine.render('x.html')).toBe('app'), WAIT);
    } finally {
      engine.close();
    }
  });

  it('close() stops watching', async () => {
    const dir = await mkdtemp(path.join(base, 'close-'));
    await writeFile(path.join(dir, 'a.html'), 'before');
    const closed = await TemplateEngine.create({ dirs: [dir], appDirs: [], debug: true });
    closed.close();
    const witness = await TemplateEngine.create({ dirs: [dir], appDirs: [], debug: true });
    try {
      await writeFile(path.join(dir, 'a.html'), 'after');
      // Once a live engine has seen the change, the closed one had its chance too.
      await vi.waitFor(() => expect(witness.render('a.html')).toBe('after'), WAIT);
      expect(closed.render('a.html')).toBe('before');
    } finally {
      witness.close();
    }
  });
});

describe('fromSettings and the module-level engine', () => {
  it('builds DIRS relative to BASE_DIR, then app template dirs when APP_DIRS', async () => {
    const settings = defineSettings({
      BASE_DIR: base,
      SECRET_KEY: 'x',
      TEMPLATES: [{ BACKEND: 'handlebars', DIRS: ['project'], APP_DIRS: true }],
    });
    const engine = await TemplateEngine.fromSettings(settings, [
      { templatesDir: path.join(base, 'app2') },
      { templatesDir: undefined },
    ]);
    expect(engine.render('shared.html')).toBe('project wins');
    expect(engine.render('only-app.html')).toBe('app2 only');
    const noApps = await TemplateEngine.fromSettings(
      defineSettings({
        BASE_DIR: base,
        SECRET_KEY: 'x',
        TEMPLATES: [{ DIRS: ['project'], APP_DIRS: false }],
      }),
      [{ templatesDir: path.join(base, 'app2') }],
    );
    expect(noApps.has('only-app.html')).toBe(false);
  });

  it('getTemplateEngine() throws until configureTemplates()', async () => {
    expect(() => getTemplateEngine()).toThrow(ImproperlyConfigured);
    expect(currentTemplateEngine()).toBeUndefined();
    const engine = await createEngine();
    configureTemplates(engine);
    expect(getTemplateEngine()).toBe(engine);
    expect(currentTemplateEngine()).toBe(engine);
  });
});
