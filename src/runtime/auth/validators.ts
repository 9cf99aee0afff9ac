/**
 * Field validation of `auth_user` as Django's model fields clean it, for `createsuperuser` and
 * the admin's user forms: the username (`UnicodeUsernameValidator`, 150 characters, required)
 * and the email (`EmailValidator`, 254 characters, may be blank). Django's messages.
 */
import { isIP } from 'node:net';
import { USERNAME_MAX_LENGTH } from './models.js';

/** Django's `AbstractUser.email` `max_length`. */
export const EMAIL_MAX_LENGTH = 254;

/** Python's `len()`. */
function length(text: string): number {
  return [...text].length;
}

/** Django's `UnicodeUsernameValidator` (`^[\w.@+-]+\Z`, Python's Unicode `\w`). */
const USERNAME = /^[\p{L}\p{N}_.@+-]+$/u;

/**
 * The messages Django's `username` field gives for `username` (empty when valid):
 * blank, too long, or characters outside letters, digits and `@.+-_`.
 *
 * @example
 * validateUsername('bad name'); // ['Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.']
 */
export function validateUsername(username: string): string[] {
  if (username === '') return ['This field cannot be blank.'];
  const errors: string[] = [];
  const n = length(username);
  if (n > USERNAME_MAX_LENGTH) {
    errors.push(`Ensure this value has at most ${USERNAME_MAX_LENGTH} characters (it has ${n}).`);
  }
  if (!USERNAME.test(username)) {
    errors.push(
      'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.',
    );
  }
  return errors;
}

const UL = '\\u00a1-\\uffff';
const HOSTNAME = `[a-z${UL}0-9](?:[a-z${UL}0-9-]{0,61}[a-z${UL}0-9])?`;
const DOMAIN = `(?:\\.(?!-)[a-z${UL}0-9-]{1,63}(?<!-))*`;
const TLD = `\\.(?!-)(?:[a-z${UL}-]{2,63}|xn--[a-z0-9]{1,59})(?<!-)`;
const DOMAIN_REGEX = new RegExp(`^${HOSTNAME}${DOMAIN}${TLD}$`, 'i');
const USER_REGEX =
  // eslint-disable-next-line no-control-regex -- Django's quoted-string allows these bytes
  /^(?:[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*|"([\x01-\x08\x0b\x0c\x0e-\x1f!#-[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*")$/i;
const LITERAL_REGEX = /^\[([A-F0-9:.]+)\]$/i;

/**
 * The messages Django's `email` field gives for `email` (empty when valid; a blank email is
 * valid, the field being `blank=True`).
 *
 * @example
 * validateEmail('not-an-email'); // ['Enter a valid email address.']
 */
export function validateEmail(email: string): string[] {
  if (email === '') return [];
  const errors: string[] = [];
  const n = length(email);
  if (n > EMAIL_MAX_LENGTH) {
    errors.push(`Ensure this value has at most ${EMAIL_MAX_LENGTH} characters (it has ${n}).`);
  }
  const invalid = 'Enter a valid email address.';
  const at = email.lastIndexOf('@');
  if (at === -1 || n > 320) return [...errors, invalid];
  const user = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (!USER_REGEX.test(user)) return [...errors, invalid];
  if (domain === 'localhost' || DOMAIN_REGEX.test(domain)) return errors;
  const literal = LITERAL_REGEX.exec(domain);
  if (literal && isIP(literal[1]!) !== 0) return errors;
  return [...errors, invalid];
}
