import { randomInt } from 'node:crypto';

/** Django's `get_random_secret_key()` alphabet (django/core/management/utils.py). */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789!@#$%^&*(-_=+)';

/**
 * A new project's `SECRET_KEY`, like Django's startproject: a prefix that says it is not for
 * production, then 50 characters drawn uniformly from a CSPRNG (`crypto.randomInt` rejects
 * biased draws).
 *
 * @example
 * getRandomSecretKey(); // 'tango-insecure-k3#x...'
 */
export function getRandomSecretKey(): string {
  let key = 'tango-insecure-';
  for (let i = 0; i < 50; i++) key += ALPHABET[randomInt(ALPHABET.length)];
  return key;
}
