import { describe, expect, it } from 'vitest';
import {
  TemplateRenderError,
  outputPath,
  renderTemplate,
  renderTree,
} from '../../src/generator/index.js';

describe('outputPath', () => {
  it.each([
    ['manage.ts.hbs', 'manage.ts'],
    ['_gitignore', '.gitignore'],
    ['__projectName__/settings.ts.hbs', 'mysite/settings.ts'],
    ['templates/home.html', 'templates/home.html'],
    ['__appName__/templates/__appName__/index.html.hbs', 'blog/templates/blog/index.html'],
    ['x___projectName___y.txt', 'x_mysite_y.txt'],
    ['docs/_gitignore/readme.md', 'docs/.gitignore/readme.md'],
    ['.hbs', '.hbs'],
  ])('%s -> %s', (from, to) => {
    expect(outputPath(from, { projectName: 'mysite', appName: 'blog' })).toBe(to);
  });

  it('names the template when a path slot has no value', () => {
    expect(() => outputPath('__appName__/x.ts', { projectName: 'p' })).toThrow(
      new TemplateRenderError(
        '__appName__/x.ts',
        'path slot __appName__ needs the "appName" variable',
      ),
    );
  });
});

describe('renderTemplate', () => {
  it('does not HTML-escape (the output is code)', () => {
    expect(renderTemplate('a.ts.hbs', "const s = '{{v}}';", { v: '<a & "b">' })).toBe(
      `const s = '<a & "b">';`,
    );
  });

  it('is strict: a missing variable is an error naming the template, line and column', () => {
    const run = () =>
      renderTemplate('mysite/settings.ts.hbs', 'line one\n  x = {{secretKey}};\n', {});
    expect(run).toThrow(TemplateRenderError);
    expect(run).toThrow('mysite/settings.ts.hbs: 2:9: "secretKey" is not defined');
  });

  it('reports syntax errors with the template name', () => {
    expect(() => renderTemplate('bad.hbs', '{{#if x}}', { x: 1 })).toThrow(/^bad\.hbs: /);
  });

  it('keeps escaped mustaches for runtime templates', () => {
    expect(renderTemplate('p.html.hbs', '<h1>{{appName}}</h1> \\{{hit}}', { appName: 'A' })).toBe(
      '<h1>A</h1> {{hit}}',
    );
  });
});

describe('renderTree', () => {
  it('renders .hbs files and copies everything else byte for byte', () => {
    const bytes = new Uint8Array([0, 159, 146, 150, 123, 123]);
    const out = renderTree(
      new Map<string, string | Uint8Array>([
        ['a.ts.hbs', new TextEncoder().encode("export const n = '{{projectName}}';\n")],
        ['logo.png', bytes],
        ['home.html', '<p>{{runtimeOnly}}</p>'],
      ]),
      { projectName: 'mysite' },
    );
    expect(out.get('a.ts')).toBe("export const n = 'mysite';\n");
    expect(out.get('logo.png')).toBe(bytes);
    expect(out.get('home.html')).toBe('<p>{{runtimeOnly}}</p>');
  });

  it('refuses two templates that land on one path', () => {
    expect(() =>
      renderTree(
        new Map([
          ['a.ts', ''],
          ['a.ts.hbs', ''],
        ]),
        {},
      ),
    ).toThrow("renders to 'a.ts', as 'a.ts' does");
  });
});
