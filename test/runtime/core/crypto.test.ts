import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  constantTimeCompare,
  getRandomString,
  saltedHmac,
} from '../../../src/runtime/core/crypto.js';

/** Django's salted_hmac spelled with node's own primitives. */
function reference(salt: string, value: string | Uint8Array, secret: string): Buffer {
  const key = createHash('sha256')
    .update(salt + secret, 'utf8')
    .digest();
  return createHmac('sha256', key).update(value).digest();
}

describe('saltedHmac', () => {
  it('equals createHmac under sha256(salt + secret) for strings of every length up to several blocks', () => {
    for (let n = 0; n <= 300; n++) {
      const value = 'x'.repeat(n % 7) + randomBytes(n).toString('base64url').slice(0, n);
      expect(saltedHmac('salt', value, 'secret').equals(reference('salt', value, 'secret'))).toBe(
        true,
      );
    }
  });

  it('encodes strings as UTF-8, including characters outside Latin-1', () => {
    const value = 'Jürgen 🙂 ' + '\u00ff\u0100'.repeat(50);
    expect(saltedHmac('s', value, 'k')).toEqual(reference('s', value, 'k'));
  });

  it('hashes bytes as given', () => {
    const bytes = randomBytes(1000);
    expect(saltedHmac('s', bytes, 'k')).toEqual(reference('s', bytes, 'k'));
  });

  it('handles messages past the scratch buffer and keeps working after them', () => {
    const big = 'a'.repeat(40_000);
    expect(saltedHmac('s', big, 'k')).toEqual(reference('s', big, 'k'));
    const medium = 'b'.repeat(5_000);
    expect(saltedHmac('s', medium, 'k')).toEqual(reference('s', medium, 'k'));
    expect(saltedHmac('s', 'short', 'k')).toEqual(reference('s', 'short', 'k'));
  });

  it('keeps keys apart: salts and secrets both change the digest', () => {
    const a = saltedHmac('salt-a', 'v', 'secret');
    expect(saltedHmac('salt-b', 'v', 'secret').equals(a)).toBe(false);
    expect(saltedHmac('salt-a', 'v', 'other').equals(a)).toBe(false);
    // Django's derivation concatenates without a separator: ('ab','c') and ('a','bc') collide.
    expect(saltedHmac('ab', 'v', 'c')).toEqual(saltedHmac('a', 'v', 'bc'));
  });

  it('stays correct when more salts than the cache holds are used', () => {
    for (let i = 0; i < 1100; i++) {
      const salt = `salt-${i}`;
      expect(saltedHmac(salt, 'v', 'k')).toEqual(reference(salt, 'v', 'k'));
    }
    expect(saltedHmac('salt-0', 'v', 'k')).toEqual(reference('salt-0', 'v', 'k'));
  });
});

describe('constantTimeCompare and getRandomString', () => {
  it('compares strings', () => {
    expect(constantTimeCompare('abc', 'abc')).toBe(true);
    expect(constantTimeCompare('abc', 'abd')).toBe(false);
    expect(constantTimeCompare('abc', 'abcd')).toBe(false);
    expect(constantTimeCompare('', '')).toBe(true);
    expect(constantTimeCompare('清風é', '清風é')).toBe(true);
    expect(constantTimeCompare('清風é', '清風e')).toBe(false);
    expect(constantTimeCompare('xa', 'ya')).toBe(false);
  });

  it('draws from the allowed characters', () => {
    expect(getRandomString(64, 'ab')).toMatch(/^[ab]{64}$/);
  });
});
