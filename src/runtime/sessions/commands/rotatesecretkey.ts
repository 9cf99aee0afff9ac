/**
 * `manage.ts rotatesecretkey` (Tango; Django has no such command): prints a fresh
 * `SECRET_KEY` and the settings change that rotates to it without logging anyone out. It
 * changes no file: settings are the project's code (or its environment), so the change is
 * the developer's to make.
 *
 * Why rotation logs no one out: `SECRET_KEY_FALLBACKS` keeps the old key verifying, and every
 * session opened only by a fallback is saved again under the new key on its way out
 * (sessions/rotation.ts). Once `SESSION_COOKIE_AGE` has passed, every session still alive has
 * been re-issued (the rest have expired), and the fallback can go.
 */
import { getRandomString } from '../../core/crypto.js';
import type { Command } from '../../management/base.js';

/** Django's `get_random_secret_key()` alphabet (django/core/management/utils.py). */
export const SECRET_KEY_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)';

/**
 * A production `SECRET_KEY`: 50 characters from a CSPRNG, Django's `get_random_secret_key()`
 * (no `insecure` prefix: this one is meant for production).
 *
 * @example
 * newSecretKey(); // 'k3#x(9...' (50 characters)
 */
export function newSecretKey(): string {
  return getRandomString(50, SECRET_KEY_CHARS);
}

/** A TypeScript string literal for `value` (single-quoted, as prettier writes them). */
function literal(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => '\\' + c).replace(/\n/g, '\\n')}'`;
}

/** Seconds as a short duration: `1209600 s (14 days)`. */
function duration(seconds: number): string {
  const days = seconds / 86_400;
  return Number.isInteger(days) && days > 0
    ? `${seconds} s (${days} day${days === 1 ? '' : 's'})`
    : `${seconds} s`;
}

/**
 * Prints a new key and the change of `SECRET_KEY` and `SECRET_KEY_FALLBACKS` that rotates to
 * it; `--key-only` prints just the key (for a secrets manager or an environment variable).
 * The change names the current key, as the settings do: run it where they can be read.
 *
 * @example
 * // npx tsx manage.ts rotatesecretkey
 * // TANGO_SECRET_KEY="$(npx tsx manage.ts rotatesecretkey --key-only)"
 */
export const rotatesecretkey: Command = {
  help: 'Prints a new SECRET_KEY and the settings change that rotates to it without logging anyone out.',
  options: {
    'key-only': { type: 'boolean', description: 'Print only the new key.' },
  },
  async handle(args, { settings, stdout }) {
    const key = newSecretKey();
    if (args.options['key-only']) {
      stdout.write(key + '\n');
      return 0;
    }
    const fallbacks = [settings.SECRET_KEY, ...settings.SECRET_KEY_FALLBACKS].map(literal);
    const age = duration(settings.SESSION_COOKIE_AGE);
    stdout.write(
      [
        'A new SECRET_KEY:',
        '',
        `    ${key}`,
        '',
        'To rotate to it without logging anyone out, change the settings (settings.ts, or',
        'TANGO_SECRET_KEY in the environment) to:',
        '',
        `    SECRET_KEY: ${literal(key)},`,
        `    SECRET_KEY_FALLBACKS: [${fallbacks.join(', ')}],`,
        '',
        'and restart. While the old key is in SECRET_KEY_FALLBACKS, everything it signed still',
        'verifies, and each session a visitor brings back leaves under the new key: the',
        'signed_cookies and encrypted_cookies engines re-issue the cookie, the db and file',
        'engines re-encode the record (cached_db too, when it reads the database; the cache',
        'engine signs nothing).',
        '',
        `Remove the old key after SESSION_COOKIE_AGE, ${age}: by then every session still`,
        'alive has been re-issued and the others have expired. Values signed with the old key',
        'outside sessions (setSignedCookie, signing.dumps tokens) stop verifying then.',
        '',
      ].join('\n'),
    );
    return 0;
  },
};
