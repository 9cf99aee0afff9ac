/**
 * The admin's user pages (Django's `UserAdmin`; tests/auth_tests/test_views.py's
 * `ChangelistTests` and test_forms.py's `UserCreationFormTest`, `AdminPasswordChangeFormTest`):
 * the list with search and pages, adding a user (username rules, a taken username, passwords
 * that differ or fail `AUTH_PASSWORD_VALIDATORS`), changing the flags (deactivating ends the
 * user's sessions), setting a password (the user's other sessions end; your own keeps this
 * one), a missing user, and CSRF. Every outcome is a message.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { authenticate, getUserManager } from '../../../src/runtime/auth/index.js';
import type { Application } from '../../../src/runtime/handlers/base.js';
import type { Client } from '../../../src/runtime/test/client.js';
import {
  adminApp,
  formToken,
  listedMessages,
  loggedIn,
  makeUser,
  PASSWORD,
  postForm,
  text,
  unescapeHtml,
} from './helpers.js';

let app: Application;
let adminId: number;

beforeAll(async () => {
  app = await adminApp('db');
  adminId = (await makeUser(app, 'admin', { superuser: true })).id!;
});

const users = () => getUserManager(app.settings);

/** True when `client`'s session still opens the admin. */
async function inAdmin(client: Client): Promise<boolean> {
  const status = (await client.get('/admin/')).status;
  expect([200, 302]).toContain(status);
  return status === 200;
}

/** The usernames a user-list page shows, in order. */
function listedUsernames(html: string): string[] {
  return [...html.matchAll(/<th scope="row"><a href="[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]!);
}

describe('the user list', () => {
  it('lists users by username with their email, staff and active columns', async () => {
    await makeUser(app, 'zed', { staff: true });
    await makeUser(app, 'amy');
    const admin = await loggedIn(app, 'admin');
    const response = await admin.get('/admin/auth/user/');
    expect(response.status).toBe(200);
    const html = response.text();
    const names = listedUsernames(html);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(['admin', 'amy', 'zed']));
    const zed = /<tr>\s*<th scope="row"><a href="([^"]+)">zed<\/a>[\s\S]*?<\/tr>/.exec(html)!;
    expect(zed[1]).toMatch(/^\/admin\/auth\/user\/\d+\/change\/$/);
    expect(text(zed[0])).toMatch(/zed zed@example.com Yes Yes never Set password · Sessions/);
    expect(text(html)).toContain('Add user');
  });

  it('?q= searches usernames, names and emails, case-insensitively', async () => {
    await makeUser(app, 'searchable');
    const admin = await loggedIn(app, 'admin');
    const html = (await admin.get('/admin/auth/user/?q=SEARCHABLE')).text();
    expect(listedUsernames(html)).toEqual(['searchable']);
    expect(text(html)).toContain('1 user found; page 1 of 1');
    expect(text((await admin.get('/admin/auth/user/?q=nobody-like-this')).text())).toContain(
      'No user matches “nobody-like-this”.',
    );
  });

  it('pages by ?p= (a site listing 2 per page), and a page that does not exist is a message', async () => {
    const admin = await loggedIn(app, 'admin', {});
    const all = await users().count();
    const seen: string[] = [];
    let url: string | null = '/small-admin/auth/user/';
    while (url !== null) {
      const html: string = (await admin.get(url)).text();
      const names = listedUsernames(html);
      expect(names.length).toBeLessThanOrEqual(2);
      seen.push(...names);
      const next: string | undefined = /<a href="([^"]+)" rel="next">/.exec(html)?.[1];
      url = next === undefined ? null : unescapeHtml(next);
    }
    expect(seen).toHaveLength(all);
    expect(new Set(seen).size).toBe(all);
    const missing = await admin.get('/small-admin/auth/user/?p=999');
    expect(missing.status).toBe(302);
    expect(listedMessages(await admin.follow(missing))).toEqual([
      ['error', 'There is no page 999 of users: showing the first page.'],
    ]);
  });
});

describe('adding a user', () => {
  const ADD = '/admin/auth/user/add/';

  async function add(client: Client, data: Record<string, string>) {
    return postForm(client, ADD, ADD, data);
  }

  it('creates the user, reports it, and opens the change page; the user can log in', async () => {
    const admin = await loggedIn(app, 'admin');
    const response = await add(admin, {
      username: ' newcomer ',
      password1: PASSWORD,
      password2: PASSWORD,
    });
    expect(response.status).toBe(302);
    const user = await users().getByNaturalKey('newcomer');
    expect(user).not.toBeNull();
    expect(user!.isStaff).toBe(false);
    expect(user!.isActive).toBe(true);
    expect(response.headers.get('Location')).toBe(`/admin/auth/user/${user!.id}/change/`);
    const page = await admin.follow(response);
    expect(listedMessages(page)).toEqual([
      ['success', 'The user “newcomer” was added successfully. You may edit it again below.'],
    ]);
    expect(await authenticate(null, { username: 'newcomer', password: PASSWORD })).not.toBeNull();
  });

  it.each([
    [
      'passwords that differ',
      { username: 'mismatch', password1: PASSWORD, password2: `${PASSWORD}!` },
      ['The two password fields didn’t match.'],
    ],
    [
      'a short, common, numeric password',
      { username: 'weak', password1: '1234', password2: '1234' },
      [
        'This password is too short. It must contain at least 8 characters.',
        'This password is too common.',
        'This password is entirely numeric.',
      ],
    ],
    [
      'a password too like the username',
      { username: 'gardener42', password1: 'gardener42', password2: 'gardener42' },
      ['The password is too similar to the username.'],
    ],
    [
      'a taken username',
      { username: 'admin', password1: PASSWORD, password2: PASSWORD },
      ['A user with that username already exists.'],
    ],
    [
      'a username with a space',
      { username: 'two words', password1: PASSWORD, password2: PASSWORD },
      [
        'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.',
      ],
    ],
    [
      'empty fields',
      { username: '', password1: '', password2: '' },
      ['This field is required.', 'This field is required.', 'This field is required.'],
    ],
  ])(
    '%s: the form again with Django’s errors and an error message, no user',
    async (_, data, errors) => {
      const admin = await loggedIn(app, 'admin');
      const before = await users().count();
      const response = await add(admin, data);
      expect(response.status).toBe(200);
      const html = response.text();
      const shown = [...html.matchAll(/<ul class="errorlist"[^>]*>([\s\S]*?)<\/ul>/g)].flatMap(
        (m) => [...m[1]!.matchAll(/<li>([^<]*)<\/li>/g)].map((li) => unescapeHtml(li[1]!)),
      );
      expect(shown).toEqual(errors);
      expect(listedMessages(response)).toEqual([['error', 'Please correct the errors below.']]);
      expect(await users().count()).toBe(before);
      // The username is kept, the passwords are not.
      if (data.username) expect(html).toContain(`value="${data.username}"`);
      expect(html.match(/<input type="password"[^>]*>/g)).toHaveLength(2);
      expect(html).not.toMatch(/<input type="password"[^>]* value=/);
    },
  );
});

describe('changing a user', () => {
  it('shows the user and saves the email, names and flags, with a message', async () => {
    const dora = await makeUser(app, 'dora');
    const admin = await loggedIn(app, 'admin');
    const page = `/admin/auth/user/${dora.id}/change/`;
    const form = await admin.get(page);
    expect(form.status).toBe(200);
    expect(text(form)).toContain('Username: dora');
    expect(text(form)).toContain('algorithm: md5');
    expect(form.text()).toContain('value="dora@example.com"');
    expect(form.text()).toMatch(/name="is_active" id="id_is_active" checked/);
    expect(form.text()).not.toMatch(/name="is_staff" id="id_is_staff" checked/);
    const response = await postForm(admin, page, page, {
      email: 'dora@example.org',
      first_name: 'Dora',
      last_name: 'Explorer',
      is_active: 'on',
      is_staff: 'on',
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe('/admin/auth/user/');
    expect(listedMessages(await admin.follow(response))).toEqual([
      ['success', 'The user “dora” was changed successfully.'],
    ]);
    const saved = (await users().get(dora.id!))!;
    expect([saved.email, saved.firstName, saved.lastName]).toEqual([
      'dora@example.org',
      'Dora',
      'Explorer',
    ]);
    expect([saved.isActive, saved.isStaff, saved.isSuperuser]).toEqual([true, true, false]);
    // A staff user now: dora logs in to the admin.
    await loggedIn(app, 'dora');
  });

  it('shows a password as Django’s ReadOnlyPasswordHashWidget: none, unusable, unknown algorithm', async () => {
    const admin = await loggedIn(app, 'admin');
    const passwordRow = async (password: string) => {
      const user = await makeUser(app, 'pat');
      user.password = password;
      await users().save(user, { updateFields: ['password'] });
      const html = (await admin.get(`/admin/auth/user/${user.id}/change/`)).text();
      return text(/<label>Password:<\/label>([\s\S]*?)<div class="help">/.exec(html)![1]!).trim();
    };
    expect(await passwordRow('!' + 'x'.repeat(40))).toBe('No password set.');
    expect(await passwordRow('')).toBe('No password set.');
    expect(await passwordRow('sha1$$0123456789abcdef')).toBe(
      'Invalid password format or unknown hashing algorithm.',
    );
    expect(await passwordRow('no-dollar-sign')).toBe(
      'Invalid password format or unknown hashing algorithm.',
    );
    expect(await passwordRow('md5$salt$0123456789abcdef0123456789abcdef')).toBe('algorithm: md5');
  });

  it('a bad email is an error and nothing is saved', async () => {
    const eve = await makeUser(app, 'eve');
    const admin = await loggedIn(app, 'admin');
    const page = `/admin/auth/user/${eve.id}/change/`;
    const response = await postForm(admin, page, page, {
      email: 'not-an-email',
      is_active: 'on',
      is_staff: 'on',
    });
    expect(response.status).toBe(200);
    expect(text(response)).toContain('Enter a valid email address.');
    expect(listedMessages(response)).toEqual([['error', 'Please correct the errors below.']]);
    expect((await users().get(eve.id!))!.isStaff).toBe(false);
  });

  it('deactivating a user ends the user’s sessions, and the user can no longer log in', async () => {
    const fay = await makeUser(app, 'fay', { staff: true });
    const phone = await loggedIn(app, 'fay');
    const laptop = await loggedIn(app, 'fay');
    const admin = await loggedIn(app, 'admin');
    const page = `/admin/auth/user/${fay.id}/change/`;
    const response = await postForm(admin, page, page, {
      email: 'fay@example.com',
      is_staff: 'on',
    });
    expect(listedMessages(await admin.follow(response))).toEqual([
      ['success', 'The user “fay” was changed successfully.'],
      ['info', '“fay” is inactive now: ended 2 sessions.'],
    ]);
    expect(await inAdmin(phone)).toBe(false);
    expect(await inAdmin(laptop)).toBe(false);
    expect(await authenticate(null, { username: 'fay', password: PASSWORD })).toBeNull();
  });

  it('the change page ends a user’s sessions with its own button', async () => {
    const gus = await makeUser(app, 'gus', { staff: true });
    const gusClient = await loggedIn(app, 'gus');
    const admin = await loggedIn(app, 'admin');
    const page = `/admin/auth/user/${gus.id}/change/`;
    const html = (await admin.get(page)).text();
    expect(html).toContain(`action="/admin/sessions/session/user/${gus.id}/end/"`);
    expect(text(html)).toContain('End all sessions');
    const response = await postForm(admin, page, `/admin/sessions/session/user/${gus.id}/end/`);
    expect(listedMessages(await admin.follow(response))).toEqual([
      ['success', 'Ended 1 session of “gus”.'],
    ]);
    expect(await inAdmin(gusClient)).toBe(false);
  });

  it('a user that does not exist: Django’s message, back to the index', async () => {
    const admin = await loggedIn(app, 'admin');
    for (const page of ['/admin/auth/user/99999/change/', '/admin/auth/user/99999/password/']) {
      const response = await admin.get(page);
      expect(response.status).toBe(302);
      expect(response.headers.get('Location')).toBe('/admin/');
      expect(listedMessages(await admin.follow(response))).toEqual([
        ['warning', 'user with ID “99999” doesn’t exist. Perhaps it was deleted?'],
      ]);
    }
  });
});

describe('setting a password', () => {
  const NEW_PASSWORD = 'a brand new passphrase 77';

  it('sets it: the old password fails, the new one works, the user’s sessions end', async () => {
    const hal = await makeUser(app, 'hal', { staff: true });
    const halClient = await loggedIn(app, 'hal');
    const admin = await loggedIn(app, 'admin');
    const page = `/admin/auth/user/${hal.id}/password/`;
    const response = await postForm(admin, page, page, {
      password1: NEW_PASSWORD,
      password2: NEW_PASSWORD,
    });
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe(`/admin/auth/user/${hal.id}/change/`);
    expect(listedMessages(await admin.follow(response))).toEqual([
      ['success', 'Password changed successfully.'],
      ['info', 'Ended 1 session of “hal”.'],
    ]);
    expect(await authenticate(null, { username: 'hal', password: PASSWORD })).toBeNull();
    expect(await authenticate(null, { username: 'hal', password: NEW_PASSWORD })).not.toBeNull();
    expect(await inAdmin(halClient)).toBe(false);
  });

  it('your own password: this session stays logged in, your other sessions end', async () => {
    await makeUser(app, 'ivy', { superuser: true });
    const other = await loggedIn(app, 'ivy');
    const here = await loggedIn(app, 'ivy');
    const ivy = (await users().getByNaturalKey('ivy'))!;
    const page = `/admin/auth/user/${ivy.id}/password/`;
    const before = here.cookies.get('sessionid');
    const response = await postForm(here, page, page, {
      password1: NEW_PASSWORD,
      password2: NEW_PASSWORD,
    });
    expect(response.status).toBe(302);
    // updateSessionAuthHash: a new session key, holding the new hash.
    expect(here.cookies.get('sessionid')).not.toBe(before);
    expect(listedMessages(await here.follow(response))).toEqual([
      ['success', 'Password changed successfully.'],
      ['info', 'Ended 1 session of “ivy”.'],
    ]);
    expect(await inAdmin(here)).toBe(true);
    expect(await inAdmin(other)).toBe(false);
  });

  it('passwords that differ or fail the validators: errors, an error message, no change', async () => {
    const jo = await makeUser(app, 'jo');
    const admin = await loggedIn(app, 'admin');
    const page = `/admin/auth/user/${jo.id}/password/`;
    const differ = await postForm(admin, page, page, {
      password1: NEW_PASSWORD,
      password2: 'something else entirely',
    });
    expect(differ.status).toBe(200);
    expect(text(differ)).toContain('The two password fields didn’t match.');
    expect(listedMessages(differ)).toEqual([['error', 'Please correct the errors below.']]);
    const weak = await postForm(admin, page, page, {
      password1: 'password',
      password2: 'password',
    });
    expect(text(weak)).toContain('This password is too common.');
    expect(await authenticate(null, { username: 'jo', password: PASSWORD })).not.toBeNull();
  });

  it('the page lists the validators’ help texts', async () => {
    const admin = await loggedIn(app, 'admin');
    const body = text(await admin.get(`/admin/auth/user/${adminId}/password/`));
    expect(body).toContain('Your password must contain at least 8 characters.');
    expect(body).toContain('Your password can’t be entirely numeric.');
  });
});

describe('CSRF on the user forms (Client({ enforceCsrfChecks: true }))', () => {
  it('adding a user without the token is refused (403); with it, it works', async () => {
    const admin = await loggedIn(app, 'admin', { enforceCsrfChecks: true });
    const data = { username: 'csrfcase', password1: PASSWORD, password2: PASSWORD };
    const refused = await admin.post('/admin/auth/user/add/', data);
    expect(refused.status).toBe(403);
    expect(await users().getByNaturalKey('csrfcase')).toBeNull();
    const page = await admin.get('/admin/auth/user/add/');
    const accepted = await admin.post('/admin/auth/user/add/', {
      csrfmiddlewaretoken: formToken(page.text()),
      ...data,
    });
    expect(accepted.status).toBe(302);
    expect(await users().getByNaturalKey('csrfcase')).not.toBeNull();
  });

  it('ending sessions and setting a password without the token are refused and change nothing', async () => {
    const kim = await makeUser(app, 'kim', { staff: true });
    const kimClient = await loggedIn(app, 'kim');
    const admin = await loggedIn(app, 'admin', { enforceCsrfChecks: true });
    expect((await admin.post(`/admin/sessions/session/user/${kim.id}/end/`, {})).status).toBe(403);
    expect(
      (
        await admin.post(
          `/admin/sessions/session/${kimClient.cookies.get('sessionid')}/delete/`,
          {},
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await admin.post(`/admin/auth/user/${kim.id}/password/`, {
          password1: 'a brand new passphrase 77',
          password2: 'a brand new passphrase 77',
        })
      ).status,
    ).toBe(403);
    expect(await inAdmin(kimClient)).toBe(true);
    expect(await authenticate(null, { username: 'kim', password: PASSWORD })).not.toBeNull();
  });
});
