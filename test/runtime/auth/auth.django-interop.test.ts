/**
 * tango.auth against REAL Django 5.2 (test/support/django.ts; the oracle is
 * test/django/auth.py) on one shared SQLite database, with the same SECRET_KEY and Django's
 * default password hashers on both sides (1,000,000 PBKDF2 iterations):
 *
 * - Django migrates first, Tango's migration then records itself without touching the tables;
 *   Tango migrates first, Django's `migrate --fake-initial` then accepts Tango's tables;
 * - a user created by Django logs in to Tango, and one created by Tango logs in to Django;
 * - a session logged in by Tango is `request.user` in Django's AuthenticationMiddleware, and a
 *   session logged in by Django is `request.user` in Tango;
 * - a password changed by either side logs out the sessions of the other;
 * - an old iteration count is re-hashed by a Tango login into what Django wants;
 * - every format node:crypto computes (pbkdf2_sha256, pbkdf2_sha1, scrypt, md5) verifies on the
 *   other side, both ways, for ASCII and non-ASCII passwords.
 *
 * Without Django 5.2 the file skips with a loud warning; under CI=true it fails instead.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authenticate,
  checkPassword,
  getUserManager,
  makePassword,
  PBKDF2PasswordHasher,
} from '../../../src/runtime/auth/index.js';
import { configure } from '../../../src/runtime/conf/current.js';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import type { Settings } from '../../../src/runtime/conf/settings.js';
import { closeConnections, getConnection } from '../../../src/runtime/db/connections.js';
import { migrate } from '../../../src/runtime/db/migrations.js';
import { createApplication, type Application } from '../../../src/runtime/handlers/base.js';
import { Client } from '../../../src/runtime/test/client.js';
import { django52Python, REPO_ROOT, runPythonJson } from '../../support/django.js';
import { SITE } from './support.js';

const django = await django52Python();
const SCRIPT = readFileSync(path.join(REPO_ROOT, 'test/django/auth.py'), 'utf8');
const SECRET_KEY = 'django-insecure-auth-interop-s3cret-k3y';
const ALL_HASHERS = [
  'django.contrib.auth.hashers.PBKDF2PasswordHasher',
  'django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher',
  'django.contrib.auth.hashers.ScryptPasswordHasher',
  'django.contrib.auth.hashers.MD5PasswordHasher',
];

type Result = { ok: unknown } | { error: string; message: string };

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tango-auth-interop-'));
});
afterAll(async () => {
  await closeConnections();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs ops in Django 5.2 on `dbPath`; returns their `ok` values (an error fails the test). */
async function djangoRun(
  dbPath: string,
  ops: Record<string, unknown>[],
  extra: Record<string, unknown> = {},
): Promise<unknown[]> {
  const results = await runPythonJson<Result[]>(django, SCRIPT, {
    dbPath,
    secretKey: SECRET_KEY,
    ops,
    ...extra,
  });
  return results.map((r, i) => {
    if ('error' in r)
      throw new Error(`Django op ${JSON.stringify(ops[i])} failed: ${r.error}: ${r.message}`);
    return r.ok;
  });
}

function tangoSettings(dbPath: string, overrides: Partial<Settings> = {}): Readonly<Settings> {
  return configure(
    defineSettings({
      BASE_DIR: SITE,
      SECRET_KEY,
      ALLOWED_HOSTS: ['testserver'],
      INSTALLED_APPS: ['tango.sessions', 'tango.auth'],
      MIDDLEWARE: [
        'tango.sessions.middleware.SessionMiddleware',
        'tango.middleware.csrf.CsrfViewMiddleware',
        'tango.auth.middleware.AuthenticationMiddleware',
      ],
      ROOT_URLCONF: 'urls',
      TEMPLATES: [{ BACKEND: 'handlebars', APP_DIRS: true }],
      DATABASES: { default: { ENGINE: 'sqlite', NAME: dbPath } },
      ...overrides,
    }),
  );
}

async function tangoApp(
  dbPath: string,
): Promise<{ app: Application; settings: Readonly<Settings> }> {
  const settings = tangoSettings(dbPath);
  const app = await createApplication(settings);
  return { app, settings };
}

async function tangoMigrate(app: Application): Promise<string> {
  let out = '';
  await migrate(getConnection(app.settings), app.apps, {}, { write: (t: string) => (out += t) });
  return out;
}

async function whoami(client: Client): Promise<{ username: string; isAuthenticated: boolean }> {
  return JSON.parse((await client.get('/whoami/')).text());
}

// Each test runs Django (a Python start-up) and real 1,000,000-iteration hashes on both sides.
describe.skipIf(!django.available)(
  `auth interop with Django ${django.version ?? '5.2'}`,
  { timeout: 180_000 },
  () => {
    describe('Django migrates first, then both share the users and the sessions', () => {
      let dbPath: string;
      let app: Application;
      let settings: Readonly<Settings>;

      beforeAll(async () => {
        dbPath = path.join(dir, 'django-first.sqlite3');
        const [out] = await djangoRun(dbPath, [{ op: 'migrate' }]);
        expect(out).toContain('Applying auth.0012_alter_user_first_name_max_length... OK');
        ({ app, settings } = await tangoApp(dbPath));
        const tango = await tangoMigrate(app);
        expect(tango).toContain('Applying auth.0001_initial... OK');
      });

      it('a user created by Django logs in to Tango, with every column read as Django wrote it', async () => {
        const [row] = (await djangoRun(dbPath, [
          { op: 'create_user', username: 'dj', email: 'dj@Example.COM', password: 'dj-s3cret-ü' },
        ])) as [Record<string, unknown>];
        expect(row['password']).toMatch(/^pbkdf2_sha256\$1000000\$[A-Za-z0-9]{22}\$/);
        const user = await authenticate(null, { username: 'dj', password: 'dj-s3cret-ü' });
        expect(user).not.toBeNull();
        expect(user!.id).toBe(row['id']);
        expect(user!.email).toBe('dj@example.com');
        expect(user!.isStaff).toBe(false);
        expect(user!.isActive).toBe(true);
        expect(
          Math.abs(user!.dateJoined.getTime() - Date.parse(row['dateJoined'] as string)),
        ).toBeLessThan(1);
        expect(await authenticate(null, { username: 'dj', password: 'wrong' })).toBeNull();
      });

      it('a user created by Tango logs in to Django, and Django keeps its hash as it is', async () => {
        const created = await getUserManager(settings).createSuperuser('tg', {
          email: 'tg@example.com',
          password: 'tg-s3cret-é',
          firstName: 'Tan',
          lastName: 'Go',
        });
        const [row, mustUpdate] = (await djangoRun(dbPath, [
          { op: 'authenticate', username: 'tg', password: 'tg-s3cret-é' },
          { op: 'must_update', encoded: created.password },
        ])) as [Record<string, unknown>, boolean];
        expect(row).toMatchObject({
          id: created.id,
          username: 'tg',
          email: 'tg@example.com',
          firstName: 'Tan',
          lastName: 'Go',
          isStaff: true,
          isSuperuser: true,
          isActive: true,
          password: created.password,
        });
        expect(mustUpdate).toBe(false);
      });

      it('a session logged in by Tango is request.user in Django', async () => {
        const client = new Client({ app });
        const response = await client.post('/login/', { username: 'dj', password: 'dj-s3cret-ü' });
        expect(response.status).toBe(302);
        const [seen] = (await djangoRun(dbPath, [
          { op: 'whoami', sessionKey: client.cookies.get('sessionid') },
        ])) as [{ username: string; authenticated: boolean }];
        expect(seen).toMatchObject({ username: 'dj', authenticated: true });
      });

      it('a session logged in by Django is request.user in Tango', async () => {
        const [login] = (await djangoRun(dbPath, [
          { op: 'login', username: 'tg', password: 'tg-s3cret-é' },
        ])) as [{ sessionKey: string; data: Record<string, string> }];
        expect(login.data['_auth_user_backend']).toBe('django.contrib.auth.backends.ModelBackend');
        const client = new Client({ app });
        client.cookies.set('sessionid', login.sessionKey);
        expect(await whoami(client)).toMatchObject({ username: 'tg', isAuthenticated: true });
      });

      it('a password changed in Tango logs out the Django session; one changed in Django, the Tango session', async () => {
        const [djSession, tgLogin] = (await djangoRun(dbPath, [
          { op: 'login', username: 'dj', password: 'dj-s3cret-ü' },
          { op: 'login', username: 'tg', password: 'tg-s3cret-é' },
        ])) as [{ sessionKey: string }, { sessionKey: string }];
        const tangoClient = new Client({ app });
        await tangoClient.post('/login/', { username: 'tg', password: 'tg-s3cret-é' });
        expect((await whoami(tangoClient)).isAuthenticated).toBe(true);
        void tgLogin;

        const manager = getUserManager(settings);
        const dj = (await manager.getByNaturalKey('dj'))!;
        await dj.setPassword('dj-new-password');
        await manager.save(dj);
        const [afterTango] = (await djangoRun(dbPath, [
          { op: 'whoami', sessionKey: djSession.sessionKey },
        ])) as [{ authenticated: boolean; sessionKey: string | null }];
        expect(afterTango.authenticated).toBe(false);
        // Django's get_user flushed it.
        expect(afterTango.sessionKey).toBeNull();

        await djangoRun(dbPath, [
          { op: 'set_password', username: 'tg', password: 'tg-new-password' },
        ]);
        expect((await whoami(tangoClient)).isAuthenticated).toBe(false);
        // Both sides accept the new passwords.
        expect(
          await authenticate(null, { username: 'tg', password: 'tg-new-password' }),
        ).not.toBeNull();
        const [djangoSees] = await djangoRun(dbPath, [
          { op: 'authenticate', username: 'dj', password: 'dj-new-password' },
        ]);
        expect(djangoSees).not.toBeNull();
      });

      it('an old iteration count is re-hashed by a Tango login into what Django wants', async () => {
        const old = await new PBKDF2PasswordHasher().encode(
          'old-password',
          'AbCdEfGhIjKlMnOpQrStUv',
          20000,
        );
        const [row] = (await djangoRun(dbPath, [
          { op: 'create_user', username: 'old', password: 'placeholder' },
          { op: 'set_raw_password', username: 'old', encoded: old },
        ])) as [Record<string, unknown>];
        expect(row['username']).toBe('old');
        const client = new Client({ app });
        expect(
          (await client.post('/login/', { username: 'old', password: 'old-password' })).status,
        ).toBe(302);
        const [stored] = (await djangoRun(dbPath, [{ op: 'get_user', username: 'old' }])) as [
          { password: string },
        ];
        expect(stored.password).toMatch(/^pbkdf2_sha256\$1000000\$/);
        const [ok, mustUpdate] = await djangoRun(dbPath, [
          { op: 'check_password', password: 'old-password', encoded: stored.password },
          { op: 'must_update', encoded: stored.password },
        ]);
        expect(ok).toBe(true);
        expect(mustUpdate).toBe(false);
      });
    });

    describe('password hash formats, both ways', () => {
      const passwords = ['lètmein', '', '🔑 pässwörd ✓ a$b'];
      const algorithms = ['pbkdf2_sha256', 'pbkdf2_sha1', 'scrypt', 'md5'];

      it('every hash Django makes verifies in Tango, and every hash Tango makes in Django', async () => {
        const dbPath = path.join(dir, 'hashes.sqlite3');
        tangoSettings(dbPath, { PASSWORD_HASHERS: ALL_HASHERS });
        const cases = algorithms.flatMap((hasher) =>
          passwords.map((password) => ({ hasher, password })),
        );
        const djangoMade = (await djangoRun(
          dbPath,
          cases.map(({ hasher, password }) => ({ op: 'make_password', password, hasher })),
          { hashers: ALL_HASHERS },
        )) as string[];
        const tangoMade: string[] = [];
        for (const [i, { hasher, password }] of cases.entries()) {
          const encoded = djangoMade[i]!;
          expect(encoded.startsWith(hasher + '$')).toBe(true);
          expect(await checkPassword(password, encoded), `${hasher} ${password}`).toBe(true);
          expect(await checkPassword(password + 'x', encoded)).toBe(false);
          tangoMade.push(await makePassword(password, { hasher }));
        }
        const checks = (await djangoRun(
          dbPath,
          cases.flatMap(({ password }, i) => [
            { op: 'check_password', password, encoded: tangoMade[i] },
            { op: 'check_password', password: password + 'x', encoded: tangoMade[i] },
          ]),
          { hashers: ALL_HASHERS },
        )) as boolean[];
        expect(checks).toEqual(cases.flatMap(() => [true, false]));
      }, 240_000);
    });

    describe('Tango migrates first, then Django joins (docs/auth.md: migrate auth --fake)', () => {
      it("Django accepts Tango's tables and both log the same users in", async () => {
        const dbPath = path.join(dir, 'tango-first.sqlite3');
        const { app, settings } = await tangoApp(dbPath);
        await tangoMigrate(app);
        await getUserManager(settings).createUser('early', { password: 'early-pw-1' });
        // Tango's tables are Django's after its auth migration 0012, so Django records its auth
        // migrations without running them; contenttypes first, for real (auth depends on it).
        const [contenttypes, fakeAuth, out, tables, seen, created] = (await djangoRun(dbPath, [
          { op: 'migrate', app: 'contenttypes' },
          { op: 'migrate', app: 'auth', fake: true },
          { op: 'migrate', fakeInitial: true },
          { op: 'tables' },
          { op: 'authenticate', username: 'early', password: 'early-pw-1' },
          { op: 'create_user', username: 'later', password: 'later-pw-1' },
        ])) as [
          string,
          string,
          string,
          string[],
          Record<string, unknown> | null,
          Record<string, unknown>,
        ];
        expect(contenttypes).toContain('Applying contenttypes.0002_remove_content_type_name... OK');
        expect(fakeAuth).toContain('Applying auth.0012_alter_user_first_name_max_length... FAKED');
        // django_session exists (Tango's sessions migration): faked as an initial migration.
        expect(out).toContain('Applying sessions.0001_initial... FAKED');
        expect(tables).toEqual(
          expect.arrayContaining([
            'auth_user',
            'auth_group',
            'auth_permission',
            'django_content_type',
          ]),
        );
        expect(seen?.['username']).toBe('early');
        configure(settings);
        const later = await authenticate(null, { username: 'later', password: 'later-pw-1' });
        expect(later?.id).toBe(created['id']);
      });
    });
  },
);
