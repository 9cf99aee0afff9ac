import { describe, expect, it } from 'vitest';
import {
  BUILTIN_APP_NAMES,
  appLabel,
  appUrlsIdentifier,
  camelCaseName,
  urlSlug,
  validateName,
} from '../../src/generator/index.js';
import type { AppConfig } from '../../src/runtime/apps/config.js';
import { BUILTIN_APPS } from '../../src/runtime/conf/settings.js';
import { importString } from '../../src/runtime/core/import-string.js';

const notIdentifier = (name: string, kind = 'project', what = 'name') =>
  `'${name}' is not a valid ${kind} ${what}. Please make sure the ${what} is a valid identifier.`;
const conflicts = (name: string, an = 'a project', what = 'name') =>
  `'${name}' conflicts with the name of an existing module and cannot be used as ${an} ${what}. Please try another ${what}.`;
const reserved = (name: string, an = 'a project') =>
  `'${name}' is a reserved word in JavaScript and cannot be used as ${an} name. Please try another name.`;

describe('validateName', () => {
  it.each([
    // Django's examples (checklist #136), with JavaScript's identifier rules.
    ['my-site', notIdentifier('my-site')],
    ['1site', notIdentifier('1site')],
    ['my site', notIdentifier('my site')],
    ['', notIdentifier('')],
    ['my.site', notIdentifier('my.site')],
    ['a/b', notIdentifier('a/b')],
    ['fs', conflicts('fs')],
    ['path', conflicts('path')],
    ['http', conflicts('http')],
    ['test', conflicts('test')],
    ['sqlite', conflicts('sqlite')],
    ['tango', conflicts('tango')],
    ['tsx', conflicts('tsx')],
    ['typescript', conflicts('typescript')],
    ['node_modules', conflicts('node_modules')],
    ['class', reserved('class')],
    ['import', reserved('import')],
    ['await', reserved('await')],
    ['let', reserved('let')],
    ['eval', reserved('eval')],
  ])('rejects %j as a project name', (name, message) => {
    expect(validateName(name, 'project')).toBe(message);
  });

  it.each(['mysite', 'MySite', '_private', 'site2', 'my_site', 'Café', '$site', 'Path', 'tests'])(
    'accepts %j',
    (name) => {
      expect(validateName(name, 'project')).toBeNull();
      expect(validateName(name, 'app')).toBeNull();
    },
  );

  it('says "an app name" for apps, as Django does', () => {
    expect(validateName('my-app', 'app')).toBe(notIdentifier('my-app', 'app'));
    expect(validateName('os', 'app')).toBe(conflicts('os', 'an app'));
    expect(validateName('class', 'app')).toBe(reserved('class', 'an app'));
  });

  it('names the directory when checking a startapp DIRECTORY', () => {
    expect(validateName('invalid.dir_name', 'app', 'directory')).toBe(
      notIdentifier('invalid.dir_name', 'app', 'directory'),
    );
    expect(validateName('os', 'app', 'directory')).toBe(conflicts('os', 'an app', 'directory'));
  });
});

describe('derived names', () => {
  it.each([
    ['WebApp', 'web-app', 'WebApp', 'webAppUrls'],
    ['my_new_app', 'my-new-app', 'MyNewApp', 'my_new_appUrls'],
    ['HTTPClient', 'http-client', 'HTTPClient', 'hTTPClientUrls'],
    ['blog', 'blog', 'Blog', 'blogUrls'],
    ['Café', 'caf', 'Café', 'caféUrls'],
    ['_', 'app', '', '_Urls'],
  ])('%s: slug %s, camel %s, urls identifier %s', (name, slug, camel, urls) => {
    expect(urlSlug(name)).toBe(slug);
    expect(camelCaseName(name)).toBe(camel);
    expect(appUrlsIdentifier(name)).toBe(urls);
  });
});

describe('app names that would break the project', () => {
  const property = (name: string, what = 'name') =>
    `'${name}' is a property of every JavaScript object and cannot be used as an app ${what}. Please try another ${what}.`;

  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf', 'isPrototypeOf'])(
    'refuses %j, a property of every object (plain-object lookups by label would find it)',
    (name) => {
      expect(validateName(name, 'app')).toBe(property(name));
      expect(validateName(name, 'app', 'directory')).toBe(property(name, 'directory'));
    },
  );

  it("refuses a built-in app's label: two apps labelled 'sessions' stop every command", () => {
    expect(validateName('sessions', 'app')).toBe(
      "'sessions' is the label of the built-in app 'tango.sessions' and cannot be used as an app name. Please try another name.",
    );
    expect(validateName('sessions', 'app', 'directory')).toBe(
      "'sessions' is the label of the built-in app 'tango.sessions' and cannot be used as an app directory. Please try another directory.",
    );
  });

  it('leaves project names alone: a project folder is not an app label', () => {
    expect(validateName('sessions', 'project')).toBeNull();
    expect(validateName('constructor', 'project')).toBeNull();
  });
});

describe('the built-in apps the generator knows', () => {
  it('are the runtime registry BUILTIN_APPS', () => {
    expect(BUILTIN_APP_NAMES).toEqual(BUILTIN_APPS);
  });

  it.each(BUILTIN_APPS)('%s is reserved under the label its AppConfig declares', async (name) => {
    const config = (await importString(`${name}.apps.default`, 'INSTALLED_APPS', '/')) as AppConfig;
    const label = config.label ?? appLabel(name);
    expect(label).toBe(appLabel(name));
    expect(validateName(label, 'app')).toContain(`the label of the built-in app '${name}'`);
  });

  it.each([
    ['tango.sessions', 'sessions'],
    ['apps/blog', 'blog'],
    ['WebApp', 'WebApp'],
  ])('the label of %j is %j, as the app registry derives it', (entry, label) => {
    expect(appLabel(entry)).toBe(label);
  });
});
