/**
 * Django 5.2's tests/auth_tests/test_hashers.py, ported to tables: each row names the Django
 * test it comes from. Expected encodings are Django 5.2.17's own output for the same inputs
 * (`make_password('lètmein', 'seasalt', 'pbkdf2_sha256')` and so on; Django's 5.2 test file
 * asserts the same values), and auth.django-interop.test.ts compares fresh hashes live.
 *
 * Adapted: Django's `PASSWORD_HASHERS` overrides become `configure(defineSettings(...))`, and
 * Django's mocked hashers (`mock.patch.object(hasher, 'iterations', 1)`) become subclasses.
 * Not ported: the SHA1, unsalted MD5/SHA1 and crypt rows (those hashers left Django in 5.1 and
 * 5.0), and the bcrypt/argon2 rows, whose hashers Tango recognises but cannot compute: their
 * rows here check the clear refusal instead.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  Argon2PasswordHasher,
  BasePasswordHasher,
  BCryptSHA256PasswordHasher,
  checkPassword,
  getHasher,
  identifyHasher,
  isPasswordUsable,
  makePassword,
  MD5PasswordHasher,
  PasswordHasherArgumentError,
  PasswordHasherUnavailable,
  PBKDF2PasswordHasher,
  PBKDF2SHA1PasswordHasher,
  ScryptPasswordHasher,
  UNUSABLE_PASSWORD_PREFIX,
  UNUSABLE_PASSWORD_SUFFIX_LENGTH,
  UnknownPasswordHasher,
  verifyPassword,
} from '../../../src/runtime/auth/hashers.js';
import { configure } from '../../../src/runtime/conf/current.js';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { DEFAULTS, type PasswordHasherEntry } from '../../../src/runtime/conf/settings.js';

/** Django's `PBKDF2SingleIterationHasher` (test_hashers.py). */
class PBKDF2SingleIterationHasher extends PBKDF2PasswordHasher {
  override iterations = 1;
}

/** Cheap stand-ins so the upgrade rows do not spend a million iterations each. */
class PBKDF2FiveIterationHasher extends PBKDF2PasswordHasher {
  override iterations = 5;
}

function useHashers(hashers: PasswordHasherEntry[]): void {
  configure(defineSettings({ BASE_DIR: '/tmp', SECRET_KEY: 'hashers', PASSWORD_HASHERS: hashers }));
}

const ALL = [
  'tango.auth.hashers.PBKDF2PasswordHasher',
  'tango.auth.hashers.PBKDF2SHA1PasswordHasher',
  'tango.auth.hashers.ScryptPasswordHasher',
  'tango.auth.hashers.MD5PasswordHasher',
];

beforeEach(() => useHashers(ALL));
afterAll(() => useHashers([...DEFAULTS.PASSWORD_HASHERS]));

// Real 1,000,000-iteration hashes: seconds per test on a loaded machine.
describe('TestUtilsHashPass (Django 5.2 test_hashers.py)', { timeout: 120_000 }, () => {
  it('test_simple: make_password/check_password round trip, blank passwords', async () => {
    const encoded = await makePassword('lètmein');
    expect(encoded.startsWith('pbkdf2_sha256$1000000$')).toBe(true);
    expect(isPasswordUsable(encoded)).toBe(true);
    expect(await checkPassword('lètmein', encoded)).toBe(true);
    expect(await checkPassword('lètmeinz', encoded)).toBe(false);
    const blank = await makePassword('');
    expect(blank.startsWith('pbkdf2_sha256$')).toBe(true);
    expect(isPasswordUsable(blank)).toBe(true);
    expect(await checkPassword('', blank)).toBe(true);
    expect(await checkPassword(' ', blank)).toBe(false);
  });

  it('test_bytes: a bytes password hashes and verifies as its text', async () => {
    const encoded = await makePassword(Buffer.from('bytes_password'));
    expect(encoded.startsWith('pbkdf2_sha256$')).toBe(true);
    expect(isPasswordUsable(encoded)).toBe(true);
    expect(await checkPassword(Buffer.from('bytes_password'), encoded)).toBe(true);
    expect(await checkPassword('bytes_password', encoded)).toBe(true);
  });

  it('test_invalid_password: anything but text or bytes is a TypeError', async () => {
    await expect(makePassword(1 as never)).rejects.toThrow(
      new TypeError('Password must be a string or bytes, got int.'),
    );
  });

  const vectors: [test: string, password: string, salt: string, hasher: string, encoded: string][] =
    [
      [
        'test_pbkdf2',
        'lètmein',
        'seasalt',
        'pbkdf2_sha256',
        'pbkdf2_sha256$1000000$seasalt$r1uLUxoxpP2Ued/qxvmje7UH9PUJBkRrvf9gGPL7Cps=',
      ],
      [
        'test_pbkdf2 (blank)',
        '',
        'seasalt',
        'pbkdf2_sha256',
        'pbkdf2_sha256$1000000$seasalt$pAUSyZaoLVTQI7m08WQqxhpi1U0Xw2Y4lwUxv2L4sSs=',
      ],
      ['test_md5', 'lètmein', 'seasalt', 'md5', 'md5$seasalt$3f86d0d3d465b7b458c231bf3555c0e3'],
      [
        'test_scrypt',
        'lètmein',
        'seasalt',
        'scrypt',
        'scrypt$16384$seasalt$8$5$ECMIUp+LMxMSK8xB/IVyba+KYGTI7FTnet025q/1f/vBAVnnP3hdYqJuRi+mJn6ji6ze3Fbb7JEFPKGpuEf5vw==',
      ],
    ];
  it.each(vectors)(
    "%s: make_password(%j, %j, '%s') is Django's encoding",
    async (_test, password, salt, hasher, encoded) => {
      expect(await makePassword(password, { salt, hasher })).toBe(encoded);
      expect(isPasswordUsable(encoded)).toBe(true);
      expect(await checkPassword(password, encoded)).toBe(true);
      expect(await checkPassword(password + 'z', encoded)).toBe(false);
      expect(await checkPassword(' ', encoded)).toBe(false);
      expect(identifyHasher(encoded).algorithm).toBe(hasher);
    },
  );

  it.each(['pbkdf2_sha256', 'md5'])(
    'test_pbkdf2 / test_md5 salt entropy check (%s): a weak salt must be updated',
    async (algorithm) => {
      const hasher = getHasher(algorithm);
      const weak = await makePassword('lètmein', { salt: 'iodizedsalt', hasher: algorithm });
      const strong = await makePassword('lètmein', { salt: hasher.salt(), hasher: algorithm });
      expect(hasher.mustUpdate(weak)).toBe(true);
      expect(hasher.mustUpdate(strong)).toBe(false);
      expect(hasher.salt()).toMatch(/^[A-Za-z0-9]{22}$/);
    },
  );

  it('test_scrypt_upgrade: other parameters must be updated, the same ones not', async () => {
    const cases: [keyof ScryptPasswordHasher, number][] = [
      ['workFactor', 2 ** 11],
      ['blockSize', 4],
      ['parallelism', 1],
    ];
    for (const [attribute, value] of cases) {
      class Old extends ScryptPasswordHasher {}
      const old = new Old();
      (old as unknown as Record<string, number>)[attribute] = value;
      const encoded = await old.encode('letmein', old.salt());
      expect(old.mustUpdate(encoded)).toBe(false);
      expect(new ScryptPasswordHasher().mustUpdate(encoded)).toBe(true);
      let upgraded = false;
      expect(await checkPassword('letmein', encoded, () => void (upgraded = true))).toBe(true);
      expect(upgraded).toBe(true);
    }
  });

  it('test_unusable: make_password(None) is ! and 40 random characters and never verifies', async () => {
    const encoded = await makePassword(null);
    expect(encoded).toHaveLength(UNUSABLE_PASSWORD_PREFIX.length + UNUSABLE_PASSWORD_SUFFIX_LENGTH);
    expect(isPasswordUsable(encoded)).toBe(false);
    expect(await checkPassword(null, encoded)).toBe(false);
    expect(await checkPassword(encoded, encoded)).toBe(false);
    expect(await checkPassword(UNUSABLE_PASSWORD_PREFIX, encoded)).toBe(false);
    expect(await checkPassword('', encoded)).toBe(false);
    expect(await checkPassword('lètmein', encoded)).toBe(false);
    expect(() => identifyHasher(encoded)).toThrow(UnknownPasswordHasher);
    expect(encoded).not.toBe(await makePassword(null));
  });

  it('test_unspecified_password: no password never matches', async () => {
    expect(await checkPassword(null, await makePassword('lètmein'))).toBe(false);
  });

  it("test_bad_algorithm: Django's message for an unknown algorithm", async () => {
    const message =
      "Unknown password hashing algorithm 'lolcat'. Did you specify it in the PASSWORD_HASHERS setting?";
    await expect(makePassword('lètmein', { hasher: 'lolcat' })).rejects.toThrow(message);
    expect(() => identifyHasher('lolcat$salt$hash')).toThrow(message);
  });

  it.each(['lètmein_badencoded', '', null])('test_is_password_usable: %j is usable', (value) => {
    expect(isPasswordUsable(value)).toBe(true);
  });

  it('test_low_level_pbkdf2', async () => {
    const hasher = new PBKDF2PasswordHasher();
    const encoded = await hasher.encode('lètmein', 'seasalt2');
    expect(encoded).toBe(
      'pbkdf2_sha256$1000000$seasalt2$egbhFghgsJVDo5Tpg/k9ZnfbySKQ1UQnBYXhR97a7sk=',
    );
    expect(await hasher.verify('lètmein', encoded)).toBe(true);
  });

  it('test_low_level_pbkdf2_sha1', async () => {
    const hasher = new PBKDF2SHA1PasswordHasher();
    const encoded = await hasher.encode('lètmein', 'seasalt2');
    expect(encoded).toBe('pbkdf2_sha1$1000000$seasalt2$3R9hvSAiAy5ARspAFy5GJ/2rjXo=');
    expect(await hasher.verify('lètmein', encoded)).toBe(true);
  });

  it('test_upgrade: a hash of another configured algorithm is re-hashed at a correct check', async () => {
    expect(getHasher('default').algorithm).toBe('pbkdf2_sha256');
    for (const algorithm of ['pbkdf2_sha1', 'md5']) {
      const encoded = await makePassword('lètmein', { hasher: algorithm });
      let upgraded = false;
      expect(await checkPassword('lètmein', encoded, () => void (upgraded = true))).toBe(true);
      expect(upgraded).toBe(true);
    }
  });

  it('test_no_upgrade: a wrong password calls no setter', async () => {
    const encoded = await makePassword('lètmein');
    let upgraded = false;
    expect(await checkPassword('WRONG', encoded, () => void (upgraded = true))).toBe(false);
    expect(upgraded).toBe(false);
  });

  it('test_no_upgrade_on_incorrect_pass: other algorithms, wrong password, no setter', async () => {
    for (const algorithm of ['pbkdf2_sha1', 'md5']) {
      const encoded = await makePassword('lètmein', { hasher: algorithm });
      let upgraded = false;
      expect(await checkPassword('WRONG', encoded, () => void (upgraded = true))).toBe(false);
      expect(upgraded).toBe(false);
    }
  });

  it('test_pbkdf2_upgrade: an old iteration count is re-hashed once the count changes', async () => {
    useHashers([PBKDF2SingleIterationHasher]);
    const encoded = await makePassword('letmein');
    expect(encoded.split('$')[1]).toBe('1');
    let upgraded = false;
    const setter = (): void => void (upgraded = true);
    // No upgrade is triggered.
    expect(await checkPassword('letmein', encoded, setter)).toBe(true);
    expect(upgraded).toBe(false);
    // Revert to the old iteration count and check the password would be updated.
    useHashers([PBKDF2FiveIterationHasher]);
    expect(await checkPassword('letmein', encoded, setter)).toBe(true);
    expect(upgraded).toBe(true);
  });

  it('test_pbkdf2_harden_runtime: a wrong password spends the missing iterations', async () => {
    const calls: unknown[][] = [];
    class Spy extends PBKDF2PasswordHasher {
      override iterations = 6;
      override encode(password: string | Uint8Array, salt: string, iterations?: number) {
        calls.push([password, salt, iterations]);
        return super.encode(password, salt, iterations);
      }
    }
    const encoded = await new PBKDF2SingleIterationHasher().encode('letmein', 'seasalt');
    await new Spy().hardenRuntime('wrong_password', encoded);
    // Encode gets called once, with the original salt and 5 iterations.
    expect(calls).toEqual([['wrong_password', 'seasalt', 5]]);
  });

  it('test_pbkdf2_upgrade_new_hasher: a preferred hasher with another count upgrades', async () => {
    useHashers([PBKDF2SingleIterationHasher]);
    const encoded = await makePassword('letmein');
    expect(encoded.split('$')[1]).toBe('1');
    let upgraded = false;
    const setter = (): void => void (upgraded = true);
    expect(await checkPassword('letmein', encoded, setter)).toBe(true);
    expect(upgraded).toBe(false);
    useHashers([PBKDF2FiveIterationHasher, PBKDF2SingleIterationHasher]);
    expect(await checkPassword('letmein', encoded, setter)).toBe(true);
    expect(upgraded).toBe(true);
  });

  it('test_check_password_calls_harden_runtime: only a wrong password is hardened', async () => {
    let hardened = 0;
    class Counting extends PBKDF2SingleIterationHasher {
      override mustUpdate(): boolean {
        return true;
      }
      override async hardenRuntime(): Promise<void> {
        hardened++;
      }
    }
    useHashers([Counting]);
    const encoded = await makePassword('letmein');
    // Correct password supplied, no hardening needed.
    await checkPassword('letmein', encoded);
    expect(hardened).toBe(0);
    // Wrong password supplied, hardening needed.
    await checkPassword('wrong_password', encoded);
    expect(hardened).toBe(1);
  });

  it.each([
    ['MD5PasswordHasher', MD5PasswordHasher],
    ['PBKDF2PasswordHasher', PBKDF2PasswordHasher],
    ['PBKDF2SHA1PasswordHasher', PBKDF2SHA1PasswordHasher],
    ['ScryptPasswordHasher', ScryptPasswordHasher],
  ] as const)(
    'test_encode_invalid_salt / test_encode_password_required: %s',
    async (_name, cls) => {
      const hasher = new cls();
      for (const salt of [null, '', 'sea$salt']) {
        await expect(hasher.encode('password', salt as string)).rejects.toThrow(
          'salt must be provided and cannot contain $.',
        );
      }
      await expect(hasher.encode(null as never, 'seasalt')).rejects.toThrow(
        new PasswordHasherArgumentError('password must be provided.'),
      );
    },
  );
});

describe('BasePasswordHasherTests (Django 5.2 test_hashers.py)', () => {
  class Plain extends BasePasswordHasher {
    readonly algorithm = 'plain';
    async encode(password: string, salt: string) {
      this.checkEncodeArgs(password, salt);
      return `plain$${salt}$${password}`;
    }
    decode(encoded: string) {
      const [algorithm, salt, hash] = this.split(encoded, 3) as [string, string, string];
      return { algorithm, salt, hash };
    }
    async verify(password: string, encoded: string) {
      return encoded === (await this.encode(password, this.decode(encoded).salt));
    }
    safeSummary(encoded: string) {
      return this.decode(encoded);
    }
  }

  it('test_must_update: the base hasher never asks for an update', () => {
    expect(new Plain().mustUpdate('plain$salt$x')).toBe(false);
  });

  it('a custom hasher class in PASSWORD_HASHERS is used and identified', async () => {
    useHashers([Plain, ...ALL]);
    const encoded = await makePassword('secret', { salt: 'abc' });
    expect(encoded).toBe('plain$abc$secret');
    expect(await checkPassword('secret', encoded)).toBe(true);
    expect(identifyHasher(encoded)).toBeInstanceOf(Plain);
  });
});

describe('hashers Tango recognises but cannot compute (Django needs argon2-cffi / bcrypt)', () => {
  const argon2 = 'argon2$argon2id$v=19$m=102400,t=2,p=8$Y041dExhNkljRUUy$TMa6A8fPJhCAUXRhJXCXdw';

  it("identifies Django's argon2 and bcrypt_sha256 hashes in the default list", () => {
    useHashers([...DEFAULTS.PASSWORD_HASHERS]);
    expect(identifyHasher(argon2)).toBeInstanceOf(Argon2PasswordHasher);
    expect(identifyHasher('bcrypt_sha256$$2b$12$abc')).toBeInstanceOf(BCryptSHA256PasswordHasher);
  });

  it("refuses to verify them with Django's 'Couldn't load' message and what to do", async () => {
    useHashers([...DEFAULTS.PASSWORD_HASHERS]);
    const check = checkPassword('secret', argon2);
    await expect(check).rejects.toThrow(PasswordHasherUnavailable);
    await expect(check).rejects.toThrow(
      /^Couldn't load 'Argon2PasswordHasher' algorithm library: .*changepassword/,
    );
    await expect(makePassword('x', { hasher: 'bcrypt_sha256' })).rejects.toThrow(
      /Couldn't load 'BCryptSHA256PasswordHasher' algorithm library/,
    );
  });
});

describe('verify_password timing paths (Django #20760)', () => {
  it('an unusable, unknown or malformed stored value still costs one default hash', async () => {
    let encodes = 0;
    class Counting extends PBKDF2SingleIterationHasher {
      override encode(password: string | Uint8Array, salt: string, iterations?: number) {
        encodes++;
        return super.encode(password, salt, iterations);
      }
    }
    useHashers([Counting]);
    for (const stored of ['!unusable', 'lolcat$x$y', 'pbkdf2_sha256$notanumber$salt$hash', '']) {
      encodes = 0;
      expect(await verifyPassword('pw', stored)).toEqual([false, false]);
      expect(encodes).toBe(1);
    }
    encodes = 0;
    expect(await verifyPassword(null, await new Counting().encode('pw', 'salt'))).toEqual([
      false,
      false,
    ]);
    expect(encodes).toBe(2);
  });
});
