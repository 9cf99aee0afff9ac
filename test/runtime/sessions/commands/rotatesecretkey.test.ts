// `manage.ts rotatesecretkey`: a fresh key and the settings change that rotates to it; the
// change it prints, applied, keeps every session (test/runtime/sessions/rotation.test.ts runs
// the rotation itself on every engine).
import { describe, expect, it } from 'vitest';
import type { AppRegistry } from '../../../../src/runtime/apps/registry.js';
import { defineSettings } from '../../../../src/runtime/conf/define.js';
import type { SettingsInput } from '../../../../src/runtime/conf/settings.js';
import { executeFromCommandLine } from '../../../../src/runtime/management/index.js';
import { SignedCookieStore } from '../../../../src/runtime/sessions/backends/signed_cookies.js';
import {
  newSecretKey,
  rotatesecretkey,
  SECRET_KEY_CHARS,
} from '../../../../src/runtime/sessions/commands/rotatesecretkey.js';
import { sessionData } from '../../../../src/runtime/sessions/store.js';

async function run(input: Partial<SettingsInput>, keyOnly = false) {
  const settings = defineSettings({ BASE_DIR: '/srv/site', SECRET_KEY: 'k', ...input });
  let out = '';
  const code = await rotatesecretkey.handle(
    { positionals: [], options: keyOnly ? { 'key-only': true } : {} },
    {
      settings,
      apps: {} as AppRegistry,
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: () => true },
    },
  );
  return { code, out };
}

describe('rotatesecretkey', () => {
  it("makes 50-character keys from Django's get_random_secret_key alphabet, never twice the same", () => {
    const keys = new Set(Array.from({ length: 100 }, newSecretKey));
    expect(keys.size).toBe(100);
    for (const key of keys) {
      expect(key).toHaveLength(50);
      for (const c of key) expect(SECRET_KEY_CHARS).toContain(c);
    }
  });

  it('prints the key and the change: the new key in SECRET_KEY, the current one first in the fallbacks', async () => {
    const { code, out } = await run({
      SECRET_KEY: "current-key-with-'quote'",
      SECRET_KEY_FALLBACKS: ['older-key'],
    });
    expect(code).toBe(0);
    const key = /^ {4}(\S{50})$/m.exec(out)![1]!;
    expect(out).toContain(`    SECRET_KEY: '${key}',\n`);
    expect(out).toContain(
      "    SECRET_KEY_FALLBACKS: ['current-key-with-\\'quote\\'', 'older-key'],\n",
    );
    expect(out).toContain('Remove the old key after SESSION_COOKIE_AGE, 1209600 s (14 days)');
  });

  it('--key-only prints just the key', async () => {
    const { code, out } = await run({}, true);
    expect(code).toBe(0);
    expect(out).toMatch(/^\S{50}\n$/);
  });

  it('the change it prints rotates without logging anyone out', async () => {
    const { out } = await run({ SECRET_KEY: 'before-rotation' });
    const key = /SECRET_KEY: '(.{50})',/.exec(out)![1]!;
    const before = new SignedCookieStore({ key: 'before-rotation', fallbackKeys: [], maxAge: 60 });
    const during = new SignedCookieStore({
      key,
      fallbackKeys: ['before-rotation'],
      maxAge: 60,
    });
    const cookie = await before.create(sessionData({ hit: 1 }), new Date());
    expect((await during.load(cookie))?.get('hit')).toBe(1);
  });

  it('is a command of the tango.sessions app', async () => {
    let out = '';
    const code = await executeFromCommandLine(['rotatesecretkey', '--key-only'], {
      settings: defineSettings({
        BASE_DIR: '/srv/site',
        SECRET_KEY: 'k',
        INSTALLED_APPS: ['tango.sessions'],
      }),
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: () => true },
    });
    expect(code).toBe(0);
    expect(out).toMatch(/^\S{50}\n$/);
  });
});
