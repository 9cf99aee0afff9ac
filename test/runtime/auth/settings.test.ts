/**
 * The auth settings: Django's defaults, and `defineSettings` refusing a wrong shape with a
 * message that names the setting (DESIGN.md §7), for every auth setting.
 */
import { describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import type { SettingsInput } from '../../../src/runtime/conf/settings.js';

const base = { BASE_DIR: '/srv/site', SECRET_KEY: 'k' };

describe('auth settings', () => {
  it("Django's defaults", () => {
    const s = defineSettings(base);
    expect(s.AUTHENTICATION_BACKENDS).toEqual(['tango.auth.backends.ModelBackend']);
    expect(s.LOGIN_URL).toBe('/accounts/login/');
    expect(s.LOGIN_REDIRECT_URL).toBe('/accounts/profile/');
    expect(s.LOGOUT_REDIRECT_URL).toBeNull();
    expect(s.AUTH_PASSWORD_VALIDATORS).toEqual([]);
    expect(s.AUTH_LOGIN_THROTTLE).toBeNull();
    expect(s.PASSWORD_HASHERS[0]).toBe('tango.auth.hashers.PBKDF2PasswordHasher');
  });

  it("accepts Django's own dotted paths", () => {
    expect(() =>
      defineSettings({
        ...base,
        AUTHENTICATION_BACKENDS: ['django.contrib.auth.backends.ModelBackend'],
        PASSWORD_HASHERS: ['django.contrib.auth.hashers.PBKDF2PasswordHasher'],
        AUTH_PASSWORD_VALIDATORS: [
          {
            NAME: 'django.contrib.auth.password_validation.MinimumLengthValidator',
            OPTIONS: { min_length: 9 },
          },
        ],
      }),
    ).not.toThrow();
  });

  it.each([
    [
      { AUTHENTICATION_BACKENDS: ['myapp.Backend'] },
      /AUTHENTICATION_BACKENDS entries are dotted paths/,
    ],
    [
      { AUTHENTICATION_BACKENDS: 'tango.auth.backends.ModelBackend' },
      /The AUTHENTICATION_BACKENDS setting must be a array/,
    ],
    [{ PASSWORD_HASHERS: [] }, /The PASSWORD_HASHERS setting must list at least one hasher\./],
    [{ PASSWORD_HASHERS: [42] }, /PASSWORD_HASHERS entries are hasher classes or dotted paths/],
    [{ AUTH_PASSWORD_VALIDATORS: [{ NAME: 3 }] }, /AUTH_PASSWORD_VALIDATORS\[0\] must be/],
    [{ AUTH_PASSWORD_VALIDATORS: ['x'] }, /AUTH_PASSWORD_VALIDATORS\[0\] must be/],
    [{ LOGIN_URL: '' }, /The LOGIN_URL setting must be a URL or a URL pattern name/],
    [{ LOGIN_REDIRECT_URL: null }, /The LOGIN_REDIRECT_URL setting must be/],
    [
      { LOGOUT_REDIRECT_URL: 5 },
      /The LOGOUT_REDIRECT_URL setting must be a URL, a URL pattern name or null/,
    ],
    [
      { AUTH_LOGIN_THROTTLE: { ATTEMPTS: 0, WINDOW: 60 } },
      /The AUTH_LOGIN_THROTTLE setting must be null or/,
    ],
    [
      { AUTH_LOGIN_THROTTLE: { ATTEMPTS: 5, WINDOW: 60, EXTRA: 1 } },
      /The AUTH_LOGIN_THROTTLE setting must be null or/,
    ],
    [
      { AUTH_LOGIN_THROTTLE: { ATTEMPTS: 5, WINDOW: 60, CACHE_ALIAS: 'nope' } },
      /AUTH_LOGIN_THROTTLE.CACHE_ALIAS 'nope' is not defined in CACHES\./,
    ],
  ])('refuses %j', (input, message) => {
    expect(() => defineSettings({ ...base, ...(input as Partial<SettingsInput>) })).toThrow(
      ImproperlyConfigured,
    );
    expect(() => defineSettings({ ...base, ...(input as Partial<SettingsInput>) })).toThrow(
      message,
    );
  });
});
