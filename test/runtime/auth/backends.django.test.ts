/**
 * Django 5.2's tests/auth_tests/test_auth_backends.py, the ModelBackend parts: BaseModelBackendTest
 * / ModelBackendTest (authentication, timing, inactive users, permissions of superusers),
 * PermissionDeniedBackendTest, SelectingBackendTests, AllowAllUsersModelBackendTest and
 * ChangedBackendSettingsTest, plus test_models.py's UserManager rows (create_user,
 * create_superuser, normalize_email). Each row names its Django test. Real SQLite database.
 *
 * Not ported: group and per-user permission rows (Tango keeps superuser-only permissions,
 * docs/auth.md), custom user models, RemoteUserBackend, the async (`a`-prefixed) twins (every
 * Tango call is async already).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AllowAllUsersModelBackend,
  AnonymousUser,
  authenticate,
  getUserManager,
  login,
  LoginThrottled,
  ModelBackend,
  PBKDF2PasswordHasher,
  User,
  UserManager,
  UsernameTaken,
} from '../../../src/runtime/auth/index.js';
import { configure } from '../../../src/runtime/conf/current.js';
import type { Settings } from '../../../src/runtime/conf/settings.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import { createSessionStore } from '../../../src/runtime/sessions/engines.js';
import { Session } from '../../../src/runtime/sessions/session.js';
import { Client } from '../../../src/runtime/test/client.js';
import { createApplication } from '../../../src/runtime/handlers/base.js';
import { authApplication, authSettings } from './support.js';

let settings: Readonly<Settings>;
let manager: UserManager;
let user: User;
let inactive: User;
let superuser: User;

/** Django's CountingMD5PasswordHasher, as a PBKDF2 subclass: counts encodes. */
let encodes = 0;
class CountingHasher extends PBKDF2PasswordHasher {
  override iterations = 1;
  override encode(password: string | Uint8Array, salt: string, iterations?: number) {
    encodes++;
    return super.encode(password, salt, iterations);
  }
}

beforeAll(async () => {
  ({ settings } = await authApplication({ PASSWORD_HASHERS: [CountingHasher] }));
  manager = getUserManager(settings);
  user = await manager.createUser('test', { email: 'test@example.com', password: 'test' });
  inactive = await manager.createUser('inactive', { password: 'test', isActive: false });
  superuser = await manager.createSuperuser('test2', {
    email: 'test2@example.com',
    password: 'test',
  });
});

describe('ModelBackendTest (Django 5.2 test_auth_backends.py)', () => {
  it('test_authenticate: the right password gives the user, with its backend path', async () => {
    const found = await authenticate(null, { username: 'test', password: 'test' });
    expect(found?.id).toBe(user.id);
    expect(found?.backend).toBe('tango.auth.backends.ModelBackend');
    expect(await authenticate(null, { username: 'test', password: 'wrong' })).toBeNull();
  });

  it('test_authenticate_inactive: ModelBackend refuses an inactive user', async () => {
    expect(await authenticate(null, { username: 'inactive', password: 'test' })).toBeNull();
  });

  it('test_authentication_timing: one hash whether or not the user exists (#20760)', async () => {
    encodes = 0;
    await authenticate(null, { username: 'no_such_user', password: 'test' });
    expect(encodes).toBe(1);
    encodes = 0;
    await authenticate(null, { username: 'test', password: 'wrong' });
    expect(encodes).toBe(1);
  });

  it('test_authentication_without_credentials: nothing to check, nothing hashed', async () => {
    encodes = 0;
    for (const credentials of [{}, { username: 'test' }, { password: 'test' }]) {
      expect(await authenticate(null, credentials)).toBeNull();
    }
    expect(encodes).toBe(0);
  });

  it('test_get_user: by id, inactive users refused', async () => {
    const backend = new ModelBackend(settings);
    expect((await backend.getUser(user.id!))?.username).toBe('test');
    expect(await backend.getUser(inactive.id!)).toBeNull();
    expect(await backend.getUser(123456)).toBeNull();
  });

  it('test_has_perm: an active superuser has every permission; others none', async () => {
    expect(superuser.hasPerm('auth.test')).toBe(true);
    expect(superuser.hasPerms(['auth.test2', 'auth.test3'])).toBe(true);
    expect(superuser.hasModulePerms('auth')).toBe(true);
    expect(user.hasPerm('auth.test')).toBe(false);
    expect(user.hasPerms([])).toBe(true);
    expect(() => user.hasPerms('auth.test' as never)).toThrow(
      'perm_list must be an iterable of permissions.',
    );
    const off = new User({ isSuperuser: true, isActive: false });
    expect(off.hasPerm('auth.test')).toBe(false);
  });

  it('test_anonymous_has_no_permissions / test_inactive_has_no_permissions', () => {
    const anonymous = new AnonymousUser();
    expect(anonymous.hasPerm('auth.test')).toBe(false);
    expect(anonymous.hasPerms(['auth.test'])).toBe(false);
    expect(anonymous.hasModulePerms('auth')).toBe(false);
    expect(anonymous.isAuthenticated).toBe(false);
    expect(anonymous.isAnonymous).toBe(true);
    expect(inactive.hasPerm('auth.test')).toBe(false);
  });

  it('a correct login with an outdated hash re-hashes and saves the password', async () => {
    class Old extends PBKDF2PasswordHasher {
      override iterations = 2;
    }
    const stale = await manager.createUser('stale', {});
    stale.password = await new Old().encode('pw', 'saltsaltsaltsaltsaltsa');
    await manager.save(stale);
    const found = await authenticate(null, { username: 'stale', password: 'pw' });
    expect(found).not.toBeNull();
    const stored = (await manager.getByNaturalKey('stale'))!.password;
    expect(stored.startsWith('pbkdf2_sha256$1$')).toBe(true);
    expect(stored).not.toBe(stale.password);
  });
});

describe('PermissionDeniedBackendTest (Django 5.2 test_auth_backends.py)', () => {
  it('test_permission_denied: a backend raising PermissionDenied stops the others', async () => {
    configure(
      authSettings({
        PASSWORD_HASHERS: [CountingHasher],
        AUTHENTICATION_BACKENDS: [
          './backends.ts#PermissionDeniedBackend',
          'tango.auth.backends.ModelBackend',
        ],
      }),
    );
    try {
      expect(await authenticate(null, { username: 'test', password: 'test' })).toBeNull();
    } finally {
      configure(settings);
    }
  });

  it('test_authenticates: the next backend is asked when one says null', async () => {
    configure(
      authSettings({
        PASSWORD_HASHERS: [CountingHasher],
        AUTHENTICATION_BACKENDS: [
          'tango.auth.backends.ModelBackend',
          'tango.auth.backends.AllowAllUsersModelBackend',
        ],
      }),
    );
    try {
      const found = await authenticate(null, { username: 'inactive', password: 'test' });
      expect(found?.backend).toBe('tango.auth.backends.AllowAllUsersModelBackend');
    } finally {
      configure(settings);
    }
  });
});

describe('SelectingBackendTests (Django 5.2 test_auth_backends.py)', () => {
  async function request(s: Readonly<Settings>): Promise<HttpRequest> {
    const r = new HttpRequest({ method: 'GET', url: '/' });
    r.settings = s;
    r.session = new Session(await createSessionStore(s), s, null);
    return r;
  }

  it('test_backend_path_login_without_authenticate_single_backend', async () => {
    const r = await request(settings);
    const fresh = (await manager.get(user.id!))!;
    await login(r, fresh);
    expect(r.session.get('_auth_user_backend')).toBe('django.contrib.auth.backends.ModelBackend');
  });

  it('test_backend_path_login_without_authenticate_multiple_backends: Django\u2019s message', async () => {
    const two = authSettings({
      PASSWORD_HASHERS: [CountingHasher],
      AUTHENTICATION_BACKENDS: [
        'tango.auth.backends.ModelBackend',
        'tango.auth.backends.AllowAllUsersModelBackend',
      ],
    });
    const r = await request(two);
    const fresh = (await manager.get(user.id!))!;
    await expect(login(r, fresh)).rejects.toThrow(
      'You have multiple authentication backends configured and therefore must provide the `backend` argument or set the `backend` attribute on the user.',
    );
    await login(r, fresh, 'tango.auth.backends.AllowAllUsersModelBackend');
    expect(r.session.get('_auth_user_backend')).toBe(
      'django.contrib.auth.backends.AllowAllUsersModelBackend',
    );
  });

  it('test_non_string_backend', async () => {
    const r = await request(settings);
    await expect(login(r, user, 1 as never)).rejects.toThrow(
      'backend must be a dotted import path string (got 1).',
    );
  });
});

describe('AllowAllUsersModelBackendTest (Django 5.2 test_auth_backends.py)', () => {
  it('test_authenticate / test_get_user: inactive users are let in', async () => {
    const backend = new AllowAllUsersModelBackend(settings);
    expect((await backend.authenticate(null, { username: 'inactive', password: 'test' }))?.id).toBe(
      inactive.id,
    );
    expect((await backend.getUser(inactive.id!))?.id).toBe(inactive.id);
  });
});

describe('ChangedBackendSettingsTest (Django 5.2 test_auth_backends.py)', () => {
  it('test_changed_backend_settings: removing the backend logs its sessions out', async () => {
    const app = await createApplication(settings);
    const client = new Client({ app });
    const response = await client.post('/login/', { username: 'test', password: 'test' });
    expect(response.status).toBe(302);
    const whoami = async (c: Client) => JSON.parse((await c.get('/whoami/')).text());
    expect((await whoami(client)).isAuthenticated).toBe(true);
    const other = authSettings({
      PASSWORD_HASHERS: [CountingHasher],
      AUTHENTICATION_BACKENDS: ['tango.auth.backends.AllowAllUsersModelBackend'],
    });
    configure(other);
    try {
      const changed = await createApplication(other);
      const sameBrowser = new Client({ app: changed });
      sameBrowser.cookies.set('sessionid', client.cookies.get('sessionid')!);
      expect((await whoami(sameBrowser)).isAuthenticated).toBe(false);
    } finally {
      configure(settings);
    }
  });
});

describe('UserManagerTestCase (Django 5.2 test_models.py)', () => {
  it('test_create_user: email domain lower-cased, usable password, not staff', async () => {
    const created = await manager.createUser('user', {
      email: 'normal@DOMAIN.COM',
      password: 'pw',
    });
    expect(created.email).toBe('normal@domain.com');
    expect(created.username).toBe('user');
    expect(created.hasUsablePassword()).toBe(true);
    expect(created.isStaff).toBe(false);
    expect(created.isActive).toBe(true);
    expect(created.isSuperuser).toBe(false);
  });

  it('test_create_user_email_domain_normalize_rfc3696 / _with_whitespace', () => {
    expect(UserManager.normalizeEmail('Abc\\@DEF@EXAMPLE.com')).toBe('Abc\\@DEF@example.com');
    expect(UserManager.normalizeEmail('email\\ with_whitespace@D.COM')).toBe(
      'email\\ with_whitespace@d.com',
    );
    expect(UserManager.normalizeEmail(null)).toBe('');
    expect(UserManager.normalizeEmail('foo')).toBe('foo');
  });

  it('test_empty_username: must be set', async () => {
    await expect(manager.createUser('')).rejects.toThrow('The given username must be set');
  });

  it('test_create_user_is_staff / test_create_super_user_raises_error_on_false_is_superuser', async () => {
    const staff = await manager.createUser('staffer', { isStaff: true });
    expect(staff.isStaff).toBe(true);
    expect(staff.hasUsablePassword()).toBe(false);
    await expect(manager.createSuperuser('s1', { isSuperuser: false })).rejects.toThrow(
      'Superuser must have is_superuser=True.',
    );
    await expect(manager.createSuperuser('s2', { isStaff: false })).rejects.toThrow(
      'Superuser must have is_staff=True.',
    );
  });

  it('a taken username is UsernameTaken (the unique constraint)', async () => {
    await expect(manager.createUser('test')).rejects.toThrow(UsernameTaken);
  });

  it('test_normalize_username: NFKC', async () => {
    const ohm = await manager.createUser('i\u2168', {});
    expect(ohm.username).toBe('iIX');
  });

  it('list, count, search and delete', async () => {
    expect(await manager.count()).toBeGreaterThan(3);
    const found = await manager.list({ search: 'TEST2' });
    expect(found.map((u) => u.username)).toEqual(['test2']);
    const page = await manager.list({ orderBy: '-id', limit: 2 });
    expect(page).toHaveLength(2);
    expect(page[0]!.id!).toBeGreaterThan(page[1]!.id!);
    const doomed = await manager.createUser('doomed', {});
    expect(await manager.delete(doomed)).toBe(true);
    expect(await manager.getByNaturalKey('doomed')).toBeNull();
    expect(await manager.delete(12345678)).toBe(false);
  });
});

describe('AUTH_LOGIN_THROTTLE (Tango)', () => {
  it('refuses a username from one address after ATTEMPTS failures, then forgets on success', async () => {
    const throttled = authSettings({
      PASSWORD_HASHERS: [CountingHasher],
      AUTH_LOGIN_THROTTLE: { ATTEMPTS: 2, WINDOW: 60 },
      CACHES: { default: { BACKEND: 'locmem', LOCATION: 'throttle-test' } },
    });
    configure(throttled);
    try {
      const from = (address: string): HttpRequest => {
        const r = new HttpRequest({ method: 'POST', url: '/login/', remoteAddress: address });
        r.settings = throttled;
        return r;
      };
      expect(await authenticate(from('10.0.0.1'), { username: 'test', password: 'x' })).toBeNull();
      expect(await authenticate(from('10.0.0.1'), { username: 'test', password: 'y' })).toBeNull();
      encodes = 0;
      await expect(
        authenticate(from('10.0.0.1'), { username: 'test', password: 'test' }),
      ).rejects.toThrow(LoginThrottled);
      // The same work as a wrong password, so the refusal takes as long.
      expect(encodes).toBe(1);
      // Another address, or another username, is not throttled.
      expect(
        await authenticate(from('10.0.0.2'), { username: 'test', password: 'test' }),
      ).not.toBeNull();
      expect(
        await authenticate(from('10.0.0.1'), { username: 'test2', password: 'test' }),
      ).not.toBeNull();
    } finally {
      configure(settings);
    }
  });

  it('counts guesses made in parallel: no more than ATTEMPTS reach the password check', async () => {
    const throttled = authSettings({
      PASSWORD_HASHERS: [CountingHasher],
      AUTH_LOGIN_THROTTLE: { ATTEMPTS: 2, WINDOW: 60 },
      CACHES: { default: { BACKEND: 'locmem', LOCATION: 'throttle-parallel' } },
    });
    configure(throttled);
    try {
      const from = (): HttpRequest => {
        const r = new HttpRequest({ method: 'POST', url: '/login/', remoteAddress: '10.0.0.9' });
        r.settings = throttled;
        return r;
      };
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          authenticate(from(), { username: 'test', password: `guess${i}` }),
        ),
      );
      const checked = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter(
        (r) => r.status === 'rejected' && r.reason instanceof LoginThrottled,
      );
      expect(checked).toHaveLength(2);
      expect(refused).toHaveLength(18);
      // The right password is refused too until the window ends.
      await expect(authenticate(from(), { username: 'test', password: 'test' })).rejects.toThrow(
        LoginThrottled,
      );
    } finally {
      configure(settings);
    }
  });

  it('the login form shows the throttle message', async () => {
    const throttled = authSettings({
      PASSWORD_HASHERS: [CountingHasher],
      AUTH_LOGIN_THROTTLE: { ATTEMPTS: 1, WINDOW: 60 },
      CACHES: { default: { BACKEND: 'locmem', LOCATION: 'throttle-form' } },
    });
    configure(throttled);
    try {
      const client = new Client({ app: await createApplication(throttled) });
      await client.post('/login/', { username: 'test', password: 'wrong' });
      const response = await client.post('/login/', { username: 'test', password: 'test' });
      expect(response.status).toBe(200);
      expect(response.text()).toContain('Too many failed login attempts. Please try again later.');
    } finally {
      configure(settings);
    }
  });
});
