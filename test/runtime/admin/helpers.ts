/**
 * Shared by the admin's tests: an application on the admin's test site (test/runtime/admin/site)
 * with a real SQLite database (in memory, migrated) and any session engine, users made through
 * `tango.auth`, logins through the admin's own login form, and pages read as a reader sees
 * them.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { getUserManager, type User } from '../../../src/runtime/auth/index.js';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import type { Settings, SessionEngineName } from '../../../src/runtime/conf/settings.js';
import type { Application } from '../../../src/runtime/handlers/base.js';
import type { HttpResponse } from '../../../src/runtime/http/response.js';
import { Client } from '../../../src/runtime/test/client.js';
import { createTestApplication } from '../../../src/runtime/test/environment.js';

export const SITE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'site');

export const MIDDLEWARE = [
  'tango.middleware.security.SecurityMiddleware',
  'tango.sessions.middleware.SessionMiddleware',
  'tango.middleware.common.CommonMiddleware',
  'tango.middleware.csrf.CsrfViewMiddleware',
  'tango.auth.middleware.AuthenticationMiddleware',
  'tango.messages.middleware.MessageMiddleware',
  'tango.middleware.clickjacking.XFrameOptionsMiddleware',
] as const;

/** The admin's settings: every app it needs, Django's middleware order, `engine` sessions. */
export function adminSettings(
  engine: SessionEngineName = 'db',
  overrides: Partial<Settings> = {},
): Readonly<Settings> {
  return defineSettings({
    BASE_DIR: SITE,
    SECRET_KEY: 'tango-admin-tests-secret-key-not-for-production',
    ALLOWED_HOSTS: ['testserver'],
    INSTALLED_APPS: ['tango.admin', 'tango.auth', 'tango.sessions', 'tango.messages'],
    MIDDLEWARE: [...MIDDLEWARE],
    ROOT_URLCONF: 'urls',
    TEMPLATES: [{ BACKEND: 'handlebars', DIRS: [], APP_DIRS: true }],
    DATABASES: { default: { ENGINE: 'sqlite', NAME: ':memory:' } },
    SESSION_ENGINE: engine,
    // Django's own test settings use MD5 to keep hashing out of the test time; PBKDF2 (a
    // million iterations) is what the browser test's generated project uses.
    PASSWORD_HASHERS: ['tango.auth.hashers.MD5PasswordHasher'],
    AUTH_PASSWORD_VALIDATORS: [
      { NAME: 'tango.auth.password_validation.UserAttributeSimilarityValidator' },
      { NAME: 'tango.auth.password_validation.MinimumLengthValidator' },
      { NAME: 'tango.auth.password_validation.CommonPasswordValidator' },
      { NAME: 'tango.auth.password_validation.NumericPasswordValidator' },
    ],
    ...overrides,
  });
}

/** A migrated application on the admin's test site (it becomes the configured one). */
export function adminApp(
  engine: SessionEngineName = 'db',
  overrides: Partial<Settings> = {},
): Promise<Application> {
  return createTestApplication(adminSettings(engine, overrides));
}

/** A strong password the validators accept. */
export const PASSWORD = 'correct horse battery staple 42';

/** Creates a user through `tango.auth` (`createUser`, or `createSuperuser` with `superuser`). */
export async function makeUser(
  app: Application,
  username: string,
  options: { staff?: boolean; superuser?: boolean; active?: boolean; password?: string } = {},
): Promise<User> {
  const users = getUserManager(app.settings);
  // Applications of one test file share the in-memory database: start each user afresh.
  const existing = await users.getByNaturalKey(username);
  if (existing) await users.delete(existing);
  const password = options.password ?? PASSWORD;
  if (options.superuser)
    return users.createSuperuser(username, { password, email: `${username}@example.com` });
  return users.createUser(username, {
    password,
    email: `${username}@example.com`,
    isStaff: options.staff ?? false,
    isActive: options.active ?? true,
  });
}

/** The form tokens of a page (Django's `csrfmiddlewaretoken` hidden inputs). */
export function formTokens(html: string): string[] {
  return [...html.matchAll(/name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"/g)].map(
    (m) => m[1]!,
  );
}

/** The first form token of a page; fails when there is none. */
export function formToken(html: string): string {
  const [token] = formTokens(html);
  expect(token, 'a csrfmiddlewaretoken field').toBeTruthy();
  return token!;
}

const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  '#x27': "'",
  '#x60': '`',
  '#x3D': '=',
};

/** An attribute value as the browser reads it (Handlebars escapes `=` too, as `&#x3D;`). */
export function unescapeHtml(html: string): string {
  return html.replace(/&(amp|lt|gt|quot|#x27|#x60|#x3D);/g, (_, name: string) => ENTITIES[name]!);
}

/** The page's text without tags, entities decoded, whitespace collapsed: what a reader sees. */
export function text(response: HttpResponse | string): string {
  const html = typeof response === 'string' ? response : response.text();
  return unescapeHtml(
    html.replace(/<(style|script)[^>]*>[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]*>/g, ' '),
  ).replace(/\s+/g, ' ');
}

/** The messages a page lists (base.html's `.messagelist`): `[tags, text]` each. */
export function listedMessages(response: HttpResponse): [string, string][] {
  return [...response.text().matchAll(/<li class="([^"]*)" role="status">([^<]*)<\/li>/g)].map(
    (m) => [m[1]!, text(m[2]!).trim()],
  );
}

/**
 * Logs `client` in through the admin's login form (GET for the token, POST), expecting the
 * redirect to `next` (default the index).
 */
export async function adminLogin(
  client: Client,
  username: string,
  password = PASSWORD,
  prefix = '/admin/',
): Promise<void> {
  const page = await client.get(`${prefix}login/`);
  expect(page.status).toBe(200);
  const response = await client.post(`${prefix}login/`, {
    csrfmiddlewaretoken: formToken(page.text()),
    username,
    password,
    next: prefix,
  });
  expect(response.status, text(response)).toBe(302);
  expect(response.headers.get('Location')).toBe(prefix);
}

/** A new client of `app`, logged in to the admin as `username`. */
export async function loggedIn(
  app: Application,
  username: string,
  options: { enforceCsrfChecks?: boolean; password?: string } = {},
): Promise<Client> {
  const client = new Client({ app, enforceCsrfChecks: options.enforceCsrfChecks ?? false });
  await adminLogin(client, username, options.password);
  return client;
}

/** The session cookie's value in `client`'s jar. */
export function sessionKey(client: Client): string {
  const key = client.cookies.get('sessionid');
  expect(key, 'a session cookie').toBeTruthy();
  return key!;
}

/** POSTs a page's form: GETs `page` for the token, posts `data` to `action`. */
export async function postForm(
  client: Client,
  page: string,
  action: string,
  data: Record<string, string> = {},
): Promise<HttpResponse> {
  const html = (await client.get(page)).text();
  return client.post(action, { csrfmiddlewaretoken: formToken(html), ...data });
}
