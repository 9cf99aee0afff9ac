/**
 * Session keys: generation (Django's `get_random_string(32, VALID_KEY_CHARS)`), the two key
 * checks (the cookie's minimum length; the shape a server-side store accepts), and the shared
 * "insert under a fresh key, retry on collision" loop every server-side engine uses. Items
 * cited as "checklist #N" are in docs/django-sessions-checklist.md.
 */
import { getRandomString } from '../core/crypto.js';
import { CreateError } from './exceptions.js';

/**
 * Django's `VALID_KEY_CHARS`: lower-case ASCII letters and digits.
 *
 * @example
 * VALID_KEY_CHARS.length; // 36
 */
export const VALID_KEY_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Length of a generated key, as Django's.
 *
 * @example
 * generateSessionKey().length === SESSION_KEY_LENGTH; // true
 */
export const SESSION_KEY_LENGTH = 32;

/**
 * How many fresh keys `createWithFreshKey` tries before giving up. With 36^32 keys a real
 * collision never happens, so repeated failures mean the store refuses every insert
 * (Django's cache engine reasons the same way: "It is likely that the cache is unavailable").
 *
 * @example
 * MAX_CREATE_ATTEMPTS; // 10
 */
export const MAX_CREATE_ATTEMPTS = 10;

/** The default generator: 32 characters of `[a-z0-9]` from the OS CSPRNG, unbiased. */
function randomSessionKey(): string {
  return getRandomString(SESSION_KEY_LENGTH, VALID_KEY_CHARS);
}

let generator: () => string = randomSessionKey;

/**
 * A new session key: 32 characters of `[a-z0-9]` from a CSPRNG (`node:crypto`). Every engine
 * must mint keys through this function (directly or via `createWithFreshKey`), so that the
 * shared contract suite can force collisions with `setSessionKeyGenerator`.
 *
 * @example
 * generateSessionKey(); // 'q3v0x9k2m1...' (32 characters)
 */
export function generateSessionKey(): string {
  return generator();
}

/**
 * Replaces the key generator, for tests that need deterministic keys or forced collisions;
 * returns a function restoring the previous one. Never use this in application code.
 *
 * @example
 * const restore = setSessionKeyGenerator(() => 'a'.repeat(32));
 * try { ... } finally { restore(); }
 */
export function setSessionKeyGenerator(next: () => string): () => void {
  const previous = generator;
  generator = next;
  return () => {
    generator = previous;
  };
}

/**
 * Django's `_validate_session_key`, applied to the cookie value: one shorter than 8 characters
 * (or empty, or absent) counts as no key at all, so the session is new and the middleware
 * answers with the deletion cookie (checklist #74, #80). Any characters pass: a signed cookie
 * value is a key too. Compare `isServerSideKey`, the stricter shape a server-side store needs.
 *
 * @example
 * hasMinimumKeyLength('1234567'); // false
 * hasMinimumKeyLength('12345678'); // true
 */
export function hasMinimumKeyLength(key: string | null | undefined): key is string {
  return typeof key === 'string' && key.length >= 8;
}

const SERVER_SIDE_KEY = /^[a-z0-9]{8,64}$/;

/**
 * True when `key` could have been issued by `generateSessionKey`: 8 to 64 characters of
 * `[a-z0-9]` (8 is Django's minimum; 64 bounds path and index lengths). It is what a
 * server-side store needs before it builds a file name, a query or a cache key from a key;
 * `ServerSideStoreBase` checks it once per call, so no engine sees any other key.
 *
 * @example
 * isServerSideKey('../../etc/passwd'); // false
 * isServerSideKey('q3v0x9k2m1d8f7g6h5j4k3l2z1x0c9v8'); // true
 */
export function isServerSideKey(key: string): boolean {
  return SERVER_SIDE_KEY.test(key);
}

/**
 * Inserts a record under a freshly generated key, retrying on collision: `insert(key)` must
 * atomically create the record and resolve `false` if the key is already taken. Rejects with
 * `CreateError` (a `ServiceUnavailable`: 503) after `MAX_CREATE_ATTEMPTS` collisions in a row;
 * whatever `insert` throws passes through unchanged.
 *
 * @example
 * const key = await createWithFreshKey(async (key) => {
 *   try { await fs.writeFile(fileFor(key), encoded, { flag: 'wx' }); return true; }
 *   catch (e) { if (e.code === 'EEXIST') return false; throw e; }
 * });
 */
export async function createWithFreshKey(
  insert: (key: string) => Promise<boolean>,
): Promise<string> {
  for (let attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt++) {
    const key = generateSessionKey();
    if (await insert(key)) return key;
  }
  throw new CreateError(
    `Unable to create a new session key after ${MAX_CREATE_ATTEMPTS} attempts. It is likely that the session store is unavailable.`,
  );
}
