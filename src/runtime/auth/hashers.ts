/**
 * Password hashing in Django 5.2's formats (`django.contrib.auth.hashers`), so a hash written by
 * Django verifies in Tango and the reverse: `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`
 * with Django 5.2's 1,000,000 iterations and 22-character salts by default, plus
 * `pbkdf2_sha1`, `scrypt` and `md5`, all computed with node:crypto. The expensive functions
 * (PBKDF2, scrypt) run on libuv's thread pool, never on the event loop.
 *
 * `argon2` and `bcrypt_sha256` hashes are recognised but not computed: node:crypto has neither
 * (on Node 20 and 22), and the libraries that do are native addons; verifying one throws
 * `PasswordHasherUnavailable`, as Django does when argon2-cffi or bcrypt is not installed.
 *
 * See https://docs.djangoproject.com/en/5.2/topics/auth/passwords/
 */
import { createHash, pbkdf2 as pbkdf2Callback, scrypt as scryptCallback } from 'node:crypto';
import { promisify } from 'node:util';
import { getSettings, isConfigured } from '../conf/current.js';
import { ImproperlyConfigured } from '../conf/errors.js';
import { DEFAULTS, type PasswordHasherEntry } from '../conf/settings.js';
import { constantTimeCompare, getRandomString, RANDOM_STRING_CHARS } from '../core/crypto.js';
import { importString } from '../core/import-string.js';

const pbkdf2Async = promisify(pbkdf2Callback);
const scryptAsync = promisify(scryptCallback) as (
  password: Uint8Array,
  salt: Uint8Array,
  keylen: number,
  options: { N: number; r: number; p: number },
) => Promise<Buffer>;

/**
 * Django's `UNUSABLE_PASSWORD_PREFIX`: no hash starts with it, so a password field holding
 * `!` and 40 random characters never verifies (`makePassword(null)`).
 */
export const UNUSABLE_PASSWORD_PREFIX = '!';
/** Django's `UNUSABLE_PASSWORD_SUFFIX_LENGTH`: random characters after the `!`. */
export const UNUSABLE_PASSWORD_SUFFIX_LENGTH = 40;

/** A raw password: text (hashed as UTF-8, as Django's `force_bytes`) or bytes. */
export type RawPassword = string | Uint8Array;

/**
 * An algorithm name that no configured hasher has (Django raises `ValueError`). The message is
 * Django's: "Unknown password hashing algorithm 'x'. Did you specify it in the
 * PASSWORD_HASHERS setting?"
 */
export class UnknownPasswordHasher extends Error {
  override name = 'UnknownPasswordHasher';
}

/**
 * A hasher whose algorithm Tango cannot compute (argon2, bcrypt): Django's
 * "Couldn't load 'Argon2PasswordHasher' algorithm library" error.
 */
export class PasswordHasherUnavailable extends Error {
  override name = 'PasswordHasherUnavailable';
}

/** Django's `ValueError`/`TypeError` for a bad `encode()` argument. */
export class PasswordHasherArgumentError extends TypeError {
  override name = 'PasswordHasherArgumentError';
}

/**
 * Django's `is_password_usable`: false only for an unusable password (`!...`, what
 * `setUnusablePassword()` stores); `null` and anything else count as usable.
 *
 * @example
 * isPasswordUsable('!d9Fj...'); // false
 */
export function isPasswordUsable(encoded: string | null | undefined): boolean {
  return encoded === null || encoded === undefined || !encoded.startsWith(UNUSABLE_PASSWORD_PREFIX);
}

/**
 * Django's `mask_hash`: the first `show` characters, the rest replaced by `char`.
 *
 * @example
 * maskHash('seasalt'); // 'seasal*'
 */
export function maskHash(hash: string, show = 6, char = '*'): string {
  return hash.slice(0, show) + char.repeat(Math.max(0, hash.length - show));
}

/**
 * Django's `must_update_salt`: true when `salt` carries less than `expectedEntropy` bits (each
 * character of `RANDOM_STRING_CHARS` gives log2(62) bits).
 *
 * @example
 * mustUpdateSalt('iodizedsalt', 128); // true
 */
export function mustUpdateSalt(salt: string, expectedEntropy: number): boolean {
  return salt.length * Math.log2(RANDOM_STRING_CHARS.length) < expectedEntropy;
}

const digestSizes = new Map<string, number>();

/** The size in bytes of a node:crypto digest's output. */
function digestSize(digest: string): number {
  let size = digestSizes.get(digest);
  if (size === undefined) digestSizes.set(digest, (size = createHash(digest).digest().length));
  return size;
}

function toBytes(value: RawPassword): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
}

/**
 * Django's `BasePasswordHasher`. A hasher is immutable; a subclass may change its work factor
 * (`class Fast extends PBKDF2PasswordHasher { override iterations = 1 }`) and be listed, as a
 * class, in `PASSWORD_HASHERS`.
 *
 * @example
 * class MyHasher extends BasePasswordHasher { readonly algorithm = 'mine'; ... }
 */
export abstract class BasePasswordHasher {
  /** The name stored before the first `$` (`pbkdf2_sha256`). */
  abstract readonly algorithm: string;
  /** Bits of entropy a salt must carry; `mustUpdate` is true below it. */
  saltEntropy = 128;

  /**
   * A salt of at least `saltEntropy` bits: 22 characters of `RANDOM_STRING_CHARS` by default.
   */
  salt(): string {
    const count = Math.ceil(this.saltEntropy / Math.log2(RANDOM_STRING_CHARS.length));
    return getRandomString(count, RANDOM_STRING_CHARS);
  }

  /** The encoded value for `password` with `salt` (`algorithm$...`). */
  abstract encode(password: RawPassword, salt: string): Promise<string>;

  /** The parts of an encoded value (`algorithm`, `salt`, `hash`, work factors). */
  abstract decode(encoded: string): Record<string, string | number>;

  /** True when `password` matches `encoded` (constant-time comparison). */
  abstract verify(password: RawPassword, encoded: string): Promise<boolean>;

  /** Django's `safe_summary`: the parts, with the salt and hash masked. */
  abstract safeSummary(encoded: string): Record<string, string | number>;

  /** True when `encoded` should be re-hashed (an old work factor or a weak salt). */
  mustUpdate(_encoded: string): boolean {
    return false;
  }

  /**
   * Spends the time the difference between `encoded`'s work factor and this hasher's would
   * have cost, so a failed login does not reveal that the stored hash is old.
   */
  async hardenRuntime(_password: RawPassword, _encoded: string): Promise<void> {}

  /** Django's `_check_encode_args`. */
  protected checkEncodeArgs(password: unknown, salt: unknown): void {
    if (password === null || password === undefined) {
      throw new PasswordHasherArgumentError('password must be provided.');
    }
    if (typeof salt !== 'string' || !salt || salt.includes('$')) {
      throw new PasswordHasherArgumentError('salt must be provided and cannot contain $.');
    }
  }

  /** Splits `encoded` on `$` into at most `parts` pieces, checking the algorithm (Django's assert). */
  protected split(encoded: string, parts: number): string[] {
    const pieces: string[] = [];
    let rest = encoded;
    for (let i = 1; i < parts; i++) {
      const at = rest.indexOf('$');
      if (at === -1) break;
      pieces.push(rest.slice(0, at));
      rest = rest.slice(at + 1);
    }
    pieces.push(rest);
    if (pieces.length !== parts || pieces[0] !== this.algorithm) {
      throw new PasswordHasherArgumentError(
        `The encoded password is not a valid ${this.algorithm} hash.`,
      );
    }
    return pieces;
  }
}

/**
 * Django's `PBKDF2PasswordHasher`, the default: PBKDF2-HMAC-SHA256 with 1,000,000 iterations
 * (Django 5.2), `pbkdf2_sha256$1000000$<salt>$<base64 of 32 bytes>`.
 *
 * @example
 * await new PBKDF2PasswordHasher().encode('lètmein', 'seasalt');
 */
export class PBKDF2PasswordHasher extends BasePasswordHasher {
  readonly algorithm: string = 'pbkdf2_sha256';
  /** Django 5.2's count. A different count makes `mustUpdate` true (rehash at login). */
  iterations = 1_000_000;
  /** The HMAC digest (node:crypto name). */
  digest = 'sha256';

  async encode(password: RawPassword, salt: string, iterations?: number): Promise<string> {
    this.checkEncodeArgs(password, salt);
    const count = iterations || this.iterations;
    // Python's pbkdf2_hmac with dklen=None: the digest's own size (32 bytes for SHA-256).
    const keyLength = digestSize(this.digest);
    const hash = await pbkdf2Async(toBytes(password), toBytes(salt), count, keyLength, this.digest);
    return `${this.algorithm}$${count}$${salt}$${hash.toString('base64')}`;
  }

  decode(encoded: string): { algorithm: string; hash: string; iterations: number; salt: string } {
    const [algorithm, iterations, salt, hash] = this.split(encoded, 4) as [
      string,
      string,
      string,
      string,
    ];
    const count = Number(iterations);
    if (!/^\d+$/.test(iterations) || !Number.isSafeInteger(count) || count < 1) {
      throw new PasswordHasherArgumentError(`The encoded password has a bad iteration count.`);
    }
    return { algorithm, hash, iterations: count, salt };
  }

  async verify(password: RawPassword, encoded: string): Promise<boolean> {
    const decoded = this.decode(encoded);
    const encoded2 = await this.encode(password, decoded.salt, decoded.iterations);
    return constantTimeCompare(encoded, encoded2);
  }

  safeSummary(encoded: string): Record<string, string | number> {
    const decoded = this.decode(encoded);
    return {
      algorithm: decoded.algorithm,
      iterations: decoded.iterations,
      salt: maskHash(decoded.salt),
      hash: maskHash(decoded.hash),
    };
  }

  override mustUpdate(encoded: string): boolean {
    const decoded = this.decode(encoded);
    return decoded.iterations !== this.iterations || mustUpdateSalt(decoded.salt, this.saltEntropy);
  }

  override async hardenRuntime(password: RawPassword, encoded: string): Promise<void> {
    const decoded = this.decode(encoded);
    const extra = this.iterations - decoded.iterations;
    if (extra > 0) await this.encode(password, decoded.salt, extra);
  }
}

/** Django's `PBKDF2SHA1PasswordHasher`: `pbkdf2_sha1$...`, PBKDF2-HMAC-SHA1, 20-byte hash. */
export class PBKDF2SHA1PasswordHasher extends PBKDF2PasswordHasher {
  override readonly algorithm: string = 'pbkdf2_sha1';
  override digest = 'sha1';
}

/**
 * Django's `ScryptPasswordHasher`: `scrypt$<n>$<salt>$<r>$<p>$<base64 of 64 bytes>`, with
 * Django's n = 2^14, r = 8, p = 5.
 */
export class ScryptPasswordHasher extends BasePasswordHasher {
  readonly algorithm: string = 'scrypt';
  blockSize = 8;
  parallelism = 5;
  workFactor = 2 ** 14;

  async encode(
    password: RawPassword,
    salt: string,
    n?: number,
    r?: number,
    p?: number,
  ): Promise<string> {
    this.checkEncodeArgs(password, salt);
    const N = n || this.workFactor;
    const R = r || this.blockSize;
    const P = p || this.parallelism;
    const hash = await scryptAsync(toBytes(password), toBytes(salt), 64, { N, r: R, p: P });
    return `${this.algorithm}$${N}$${salt}$${R}$${P}$${hash.toString('base64')}`;
  }

  decode(encoded: string): {
    algorithm: string;
    workFactor: number;
    salt: string;
    blockSize: number;
    parallelism: number;
    hash: string;
  } {
    const [algorithm, n, salt, r, p, hash] = this.split(encoded, 6) as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const numbers = [n, r, p].map(Number);
    if (![n, r, p].every((x) => /^\d+$/.test(x)) || numbers.some((x) => !(x >= 1))) {
      throw new PasswordHasherArgumentError('The encoded password has bad scrypt parameters.');
    }
    return {
      algorithm,
      workFactor: numbers[0]!,
      salt,
      blockSize: numbers[1]!,
      parallelism: numbers[2]!,
      hash,
    };
  }

  async verify(password: RawPassword, encoded: string): Promise<boolean> {
    const d = this.decode(encoded);
    const encoded2 = await this.encode(password, d.salt, d.workFactor, d.blockSize, d.parallelism);
    return constantTimeCompare(encoded, encoded2);
  }

  safeSummary(encoded: string): Record<string, string | number> {
    const d = this.decode(encoded);
    return {
      algorithm: d.algorithm,
      'work factor': d.workFactor,
      'block size': d.blockSize,
      parallelism: d.parallelism,
      salt: maskHash(d.salt),
      hash: maskHash(d.hash),
    };
  }

  override mustUpdate(encoded: string): boolean {
    const d = this.decode(encoded);
    return (
      d.workFactor !== this.workFactor ||
      d.blockSize !== this.blockSize ||
      d.parallelism !== this.parallelism
    );
  }
}

/** Django's `MD5PasswordHasher` (not recommended): `md5$<salt>$<hex md5(salt + password)>`. */
export class MD5PasswordHasher extends BasePasswordHasher {
  readonly algorithm: string = 'md5';

  async encode(password: RawPassword, salt: string): Promise<string> {
    this.checkEncodeArgs(password, salt);
    const hash = createHash('md5')
      .update(Buffer.concat([toBytes(salt), toBytes(password)]))
      .digest('hex');
    return `${this.algorithm}$${salt}$${hash}`;
  }

  decode(encoded: string): { algorithm: string; hash: string; salt: string } {
    const [algorithm, salt, hash] = this.split(encoded, 3) as [string, string, string];
    return { algorithm, hash, salt };
  }

  async verify(password: RawPassword, encoded: string): Promise<boolean> {
    const decoded = this.decode(encoded);
    return constantTimeCompare(encoded, await this.encode(password, decoded.salt));
  }

  safeSummary(encoded: string): Record<string, string | number> {
    const decoded = this.decode(encoded);
    return {
      algorithm: decoded.algorithm,
      salt: maskHash(decoded.salt, 2),
      hash: maskHash(decoded.hash),
    };
  }

  override mustUpdate(encoded: string): boolean {
    return mustUpdateSalt(this.decode(encoded).salt, this.saltEntropy);
  }
}

/**
 * A hasher of Django's list that Tango recognises but cannot compute: every operation throws
 * `PasswordHasherUnavailable` with Django's wording, naming what to do instead.
 */
abstract class UnavailableHasher extends BasePasswordHasher {
  protected abstract readonly className: string;
  protected abstract readonly library: string;

  #fail(): never {
    throw new PasswordHasherUnavailable(
      `Couldn't load '${this.className}' algorithm library: Tango cannot compute ${this.algorithm} hashes ` +
        `(node:crypto has no ${this.library}). Have Django re-hash these passwords with a PBKDF2 or scrypt hasher ` +
        `(list it first in Django's PASSWORD_HASHERS; each user's hash changes at their next login there), ` +
        `or set a new password with 'manage.ts changepassword'.`,
    );
  }

  override salt(): string {
    this.#fail();
  }
  encode(): Promise<string> {
    this.#fail();
  }
  decode(): Record<string, string | number> {
    this.#fail();
  }
  verify(): Promise<boolean> {
    this.#fail();
  }
  safeSummary(): Record<string, string | number> {
    this.#fail();
  }
}

/** Django's `Argon2PasswordHasher`: recognised (`argon2$...`), not computed (see the module doc). */
export class Argon2PasswordHasher extends UnavailableHasher {
  readonly algorithm: string = 'argon2';
  protected readonly className = 'Argon2PasswordHasher';
  protected readonly library = 'argon2';
}

/** Django's `BCryptSHA256PasswordHasher`: recognised (`bcrypt_sha256$...`), not computed. */
export class BCryptSHA256PasswordHasher extends UnavailableHasher {
  readonly algorithm: string = 'bcrypt_sha256';
  protected readonly className = 'BCryptSHA256PasswordHasher';
  protected readonly library = 'bcrypt';
}

/** Django's `BCryptPasswordHasher`: recognised (`bcrypt$...`), not computed. */
export class BCryptPasswordHasher extends UnavailableHasher {
  readonly algorithm: string = 'bcrypt';
  protected readonly className = 'BCryptPasswordHasher';
  protected readonly library = 'bcrypt';
}

/** A hasher class `PASSWORD_HASHERS` may list. */
export type PasswordHasherClass = new () => BasePasswordHasher;

/**
 * The built-in hashers by dotted path: Tango's (`tango.auth.hashers.X`) and Django's
 * (`django.contrib.auth.hashers.X`), so a Django `PASSWORD_HASHERS` value carries over.
 */
const BUILTIN_HASHERS = new Map<string, PasswordHasherClass>(
  (
    [
      ['PBKDF2PasswordHasher', PBKDF2PasswordHasher],
      ['PBKDF2SHA1PasswordHasher', PBKDF2SHA1PasswordHasher],
      ['Argon2PasswordHasher', Argon2PasswordHasher],
      ['BCryptSHA256PasswordHasher', BCryptSHA256PasswordHasher],
      ['BCryptPasswordHasher', BCryptPasswordHasher],
      ['ScryptPasswordHasher', ScryptPasswordHasher],
      ['MD5PasswordHasher', MD5PasswordHasher],
    ] as const
  ).flatMap(([name, cls]) => [
    [`tango.auth.hashers.${name}`, cls],
    [`django.contrib.auth.hashers.${name}`, cls],
  ]),
);

/** Resolved hashers per `PASSWORD_HASHERS` list (a settings object's array). */
const resolved = new WeakMap<readonly PasswordHasherEntry[], BasePasswordHasher[]>();
/** Project hashers (`./module.ts#X`) imported by `loadPasswordHashers`. */
const imported = new Map<string, PasswordHasherClass>();

function currentHasherList(): readonly PasswordHasherEntry[] {
  return isConfigured() ? getSettings().PASSWORD_HASHERS : DEFAULTS.PASSWORD_HASHERS;
}

function instantiate(entry: PasswordHasherEntry, cls: unknown): BasePasswordHasher {
  if (typeof cls !== 'function') {
    throw new ImproperlyConfigured(
      `PASSWORD_HASHERS entry ${JSON.stringify(String(entry))} is not a password hasher class.`,
    );
  }
  const hasher = new (cls as PasswordHasherClass)();
  if (!hasher.algorithm) {
    throw new ImproperlyConfigured(
      `hasher doesn't specify an algorithm name: ${typeof entry === 'string' ? entry : entry.name}`,
    );
  }
  return hasher;
}

/**
 * Imports the project hashers a `PASSWORD_HASHERS` list names as `'./module.ts#Export'` (the
 * built-ins and classes need no import). The auth app calls it at start-up; `makePassword` and
 * `checkPassword` call it too, so only the synchronous `getHasher`/`identifyHasher` depend on it.
 *
 * @example
 * await loadPasswordHashers(settings.PASSWORD_HASHERS, settings.BASE_DIR);
 */
export async function loadPasswordHashers(
  list: readonly PasswordHasherEntry[] = currentHasherList(),
  baseDir: string = isConfigured() ? getSettings().BASE_DIR : process.cwd(),
): Promise<void> {
  for (const entry of list) {
    if (typeof entry === 'string' && !BUILTIN_HASHERS.has(entry) && !imported.has(entry)) {
      if (!entry.startsWith('./')) {
        throw new ImproperlyConfigured(
          `PASSWORD_HASHERS entry '${entry}' is not a built-in hasher ('tango.auth.hashers.PBKDF2PasswordHasher', ...) nor './module.ts#Export'.`,
        );
      }
      imported.set(entry, (await importString(entry, 'PASSWORD_HASHERS', baseDir)) as never);
    }
  }
}

/**
 * Django's `get_hashers()`: the `PASSWORD_HASHERS` of the configured settings (Django's
 * defaults before `configure()`), instantiated once per list; the first is the preferred one.
 *
 * @example
 * getHashers()[0]!.algorithm; // 'pbkdf2_sha256'
 */
export function getHashers(
  list: readonly PasswordHasherEntry[] = currentHasherList(),
): BasePasswordHasher[] {
  let hashers = resolved.get(list);
  if (hashers) return hashers;
  if (list.length === 0) {
    throw new ImproperlyConfigured('The PASSWORD_HASHERS setting must list at least one hasher.');
  }
  hashers = list.map((entry) => {
    if (typeof entry !== 'string') return instantiate(entry, entry);
    const cls = BUILTIN_HASHERS.get(entry) ?? imported.get(entry);
    if (!cls) {
      throw new ImproperlyConfigured(
        `PASSWORD_HASHERS entry '${entry}' is not loaded: await loadPasswordHashers() first (the auth app does at start-up).`,
      );
    }
    return instantiate(entry, cls);
  });
  resolved.set(list, hashers);
  return hashers;
}

/**
 * Django's `get_hasher(algorithm)`: the preferred hasher for `'default'`, a hasher given as an
 * instance itself, else the configured one with that algorithm name; `UnknownPasswordHasher`
 * otherwise.
 *
 * @example
 * getHasher('md5').algorithm; // 'md5' (if PASSWORD_HASHERS lists it)
 */
export function getHasher(algorithm: string | BasePasswordHasher = 'default'): BasePasswordHasher {
  if (typeof algorithm !== 'string') return algorithm;
  const hashers = getHashers();
  if (algorithm === 'default') return hashers[0]!;
  const found = hashers.find((h) => h.algorithm === algorithm);
  if (!found) {
    throw new UnknownPasswordHasher(
      `Unknown password hashing algorithm '${algorithm}'. Did you specify it in the PASSWORD_HASHERS setting?`,
    );
  }
  return found;
}

/**
 * Django's `identify_hasher`: the configured hasher named by what precedes the first `$`.
 * Throws `UnknownPasswordHasher` for an algorithm no configured hasher has (Django 5.2 no
 * longer ships the unsalted MD5/SHA1 formats, so those are unknown too).
 *
 * @example
 * identifyHasher('pbkdf2_sha256$1000000$salt$hash').algorithm; // 'pbkdf2_sha256'
 */
export function identifyHasher(encoded: string): BasePasswordHasher {
  const at = encoded.indexOf('$');
  return getHasher(at === -1 ? encoded : encoded.slice(0, at));
}

/** Options of `makePassword`. */
export interface MakePasswordOptions {
  /** The salt; default: a fresh one from the hasher (22 characters for PBKDF2). */
  salt?: string | null;
  /** An algorithm name, a hasher instance, or `'default'` (the first of `PASSWORD_HASHERS`). */
  hasher?: string | BasePasswordHasher;
}

/**
 * Django's `make_password`: the hash to store for `password` (a fresh salt unless one is
 * given). `null` gives an unusable password (`!` and 40 random characters), which never
 * verifies. Anything but text, bytes or `null` is a `TypeError`, in Django's words.
 *
 * @example
 * const encoded = await makePassword('correct horse battery staple');
 * // 'pbkdf2_sha256$1000000$<22 characters>$<44 characters>'
 */
export async function makePassword(
  password: RawPassword | null,
  options: MakePasswordOptions = {},
): Promise<string> {
  if (password === null) {
    return UNUSABLE_PASSWORD_PREFIX + getRandomString(UNUSABLE_PASSWORD_SUFFIX_LENGTH);
  }
  if (typeof password !== 'string' && !(password instanceof Uint8Array)) {
    const type =
      typeof password === 'number' && Number.isInteger(password) ? 'int' : typeof password;
    throw new TypeError(`Password must be a string or bytes, got ${type}.`);
  }
  await loadPasswordHashers();
  const hasher = getHasher(options.hasher ?? 'default');
  return hasher.encode(password, options.salt || hasher.salt());
}

/**
 * Django's `verify_password`: `[isCorrect, mustUpdate]`. A `null` password, an unusable or
 * unrecognisable stored value still costs one hash with the preferred hasher (Django #20760),
 * so a failed login takes as long whatever the reason; a wrong password for an old-work-factor
 * hash is hardened up to the current factor (`hardenRuntime`).
 *
 * @example
 * const [ok, mustUpdate] = await verifyPassword('secret', user.password);
 */
export async function verifyPassword(
  password: RawPassword | null | undefined,
  encoded: string | null | undefined,
  preferred: string | BasePasswordHasher = 'default',
): Promise<[boolean, boolean]> {
  await loadPasswordHashers();
  const preferredHasher = getHasher(preferred);
  let fakeRuntime =
    password === null || password === undefined || !encoded || !isPasswordUsable(encoded);
  let hasher: BasePasswordHasher | undefined;
  if (!fakeRuntime) {
    try {
      hasher = identifyHasher(encoded!);
    } catch (error) {
      if (!(error instanceof UnknownPasswordHasher)) throw error;
      fakeRuntime = true;
    }
  }
  if (fakeRuntime || !hasher) {
    await makePassword(getRandomString(UNUSABLE_PASSWORD_SUFFIX_LENGTH));
    return [false, false];
  }
  let isCorrect: boolean;
  let mustUpdate: boolean;
  const hasherChanged = hasher.algorithm !== preferredHasher.algorithm;
  try {
    mustUpdate = hasherChanged || preferredHasher.mustUpdate(encoded!);
    isCorrect = await hasher.verify(password!, encoded!);
  } catch (error) {
    // A malformed stored value of a known algorithm ("pbkdf2_sha256$x"): a wrong password,
    // after the same work as any other failure. Django raises (ValueError/AssertionError).
    if (!(error instanceof PasswordHasherArgumentError)) throw error;
    await makePassword(getRandomString(UNUSABLE_PASSWORD_SUFFIX_LENGTH));
    return [false, false];
  }
  if (!isCorrect && !hasherChanged && mustUpdate) await hasher.hardenRuntime(password!, encoded!);
  return [isCorrect, mustUpdate];
}

/**
 * Django's `check_password`: true when `password` matches `encoded`. When it matches but the
 * hash is out of date (another algorithm than the preferred one, an old iteration count, a
 * weak salt), `setter(password)` is awaited so the caller can store a fresh hash.
 *
 * @example
 * const ok = await checkPassword(raw, user.password, async (raw) => { await user.setPassword(raw); await users.save(user); });
 */
export async function checkPassword(
  password: RawPassword | null | undefined,
  encoded: string | null | undefined,
  setter?: (password: RawPassword) => void | Promise<void>,
  preferred: string | BasePasswordHasher = 'default',
): Promise<boolean> {
  const [isCorrect, mustUpdate] = await verifyPassword(password, encoded, preferred);
  if (setter && isCorrect && mustUpdate) await setter(password!);
  return isCorrect;
}
