/**
 * core/encryption.ts: AES-256-GCM under a key derived per message with HKDF-SHA256, checked
 * against node:crypto's own `hkdfSync` and an independent decryption, then every way a token
 * can be wrong.
 */
import { createDecipheriv, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecryptionFailed, Encrypter } from '../../../src/runtime/core/encryption.js';

const PURPOSE = 'tests.encryption';
const NOW = Date.UTC(2026, 10, 22, 7, 9, 4);
const box = (key = 'the-key', fallbackKeys: string[] = [], purpose = PURPOSE) =>
  new Encrypter({ key, fallbackKeys, purpose, now: () => NOW });

/** Decrypts a token with node:crypto directly, from the documented construction. */
function referenceDecrypt(token: string, secret: string, purpose: string): Buffer {
  const bytes = Buffer.from(token, 'base64url');
  const header = bytes.subarray(0, 31);
  const info = Buffer.concat([Buffer.from(purpose), Buffer.from([0]), header.subarray(7, 19)]);
  const key = Buffer.from(hkdfSync('sha256', secret, 'tango.core.encryption', info, 32));
  const decipher = createDecipheriv('aes-256-gcm', key, header.subarray(19, 31));
  decipher.setAAD(header);
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(31, bytes.length - 16)), decipher.final()]);
}

describe('Encrypter', () => {
  it('round-trips bytes and text, with the issuing time', () => {
    const token = box().encrypt('hello, 世界');
    const opened = box().decrypt(token);
    expect(opened.plaintext.toString('utf8')).toBe('hello, 世界');
    expect(opened.issuedAt).toBe(Math.floor(NOW / 1000));
    expect(opened.fallback).toBe(false);
    const bytes = Buffer.from([0, 1, 2, 255]);
    expect(box().decrypt(box().encrypt(bytes)).plaintext).toEqual(bytes);
    expect(box().decrypt(box().encrypt('')).plaintext).toEqual(Buffer.alloc(0));
  });

  it('is the documented construction: HKDF-SHA256 (as node:crypto computes it), then AES-256-GCM', () => {
    const token = box('secret-one').encrypt('{"hit":1}');
    expect(referenceDecrypt(token, 'secret-one', PURPOSE).toString()).toBe('{"hit":1}');
    const bytes = Buffer.from(token, 'base64url');
    expect(bytes[0]).toBe(1); // version
    expect(bytes.readIntBE(1, 6)).toBe(Math.floor(NOW / 1000));
    // 1 + 6 + 24 bytes of header, the ciphertext (as long as the plaintext), a 16-byte tag.
    expect(bytes.length).toBe(31 + 9 + 16);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(token).toHaveLength(Math.ceil(((31 + 9 + 16) * 4) / 3));
  });

  it('hides the plaintext and never repeats a token (a fresh nonce each time)', () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 200; i++) tokens.add(box().encrypt('same plaintext'));
    expect(tokens.size).toBe(200);
    const nonces = new Set(
      [...tokens].map((t) => Buffer.from(t, 'base64url').subarray(7, 31).toString('hex')),
    );
    expect(nonces.size).toBe(200);
    for (const token of tokens) {
      expect(Buffer.from(token, 'base64url').includes('plaintext')).toBe(false);
      expect(token).not.toContain('plaintext');
    }
  });

  it('refuses a token changed anywhere: every bit of every byte', () => {
    const token = box().encrypt('{"user":"alice"}');
    const bytes = Buffer.from(token, 'base64url');
    for (let i = 0; i < bytes.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const flipped = Buffer.from(bytes);
        flipped[i]! ^= 1 << bit;
        expect(() => box().decrypt(flipped.toString('base64url')), `byte ${i} bit ${bit}`).toThrow(
          DecryptionFailed,
        );
      }
    }
    // Truncated or extended.
    expect(() => box().decrypt(bytes.subarray(0, -1).toString('base64url'))).toThrow(
      DecryptionFailed,
    );
    expect(() =>
      box().decrypt(Buffer.concat([bytes, Buffer.from([0])]).toString('base64url')),
    ).toThrow(DecryptionFailed);
  });

  it('refuses malformed input with DecryptionFailed, never another error', () => {
    const token = box().encrypt('x');
    const bad: unknown[] = [
      '',
      'x',
      'AQ',
      token + '=',
      token + '.',
      ' ' + token,
      token.slice(0, 40),
      'A'.repeat(200),
      '%2e%2e%2f',
      'eyJoaXQiOjF9:1xV1k1:UMJ_forged_signature',
      null,
      42,
    ];
    for (const value of bad) {
      expect(() => box().decrypt(value as string), String(value)).toThrow(DecryptionFailed);
    }
    // Another version byte.
    const v2 = Buffer.from(token, 'base64url');
    v2[0] = 2;
    expect(() => box().decrypt(v2.toString('base64url'))).toThrow('Unknown token version 2');
  });

  it('a token opens only under its secret and its purpose', () => {
    const token = box('key-a').encrypt('secret data');
    expect(() => box('key-b').decrypt(token)).toThrow(DecryptionFailed);
    expect(() => box('key-a', [], 'another.purpose').decrypt(token)).toThrow(DecryptionFailed);
  });

  it('SECRET_KEY_FALLBACKS decrypt, and say so; encrypting always uses the current key', () => {
    const old = box('old-key').encrypt('data');
    const rotated = box('new-key', ['older-key', 'old-key']);
    const opened = rotated.decrypt(old);
    expect(opened.plaintext.toString()).toBe('data');
    expect(opened.fallback).toBe(true);
    const fresh = rotated.encrypt('data');
    expect(rotated.decrypt(fresh).fallback).toBe(false);
    expect(box('new-key').decrypt(fresh).plaintext.toString()).toBe('data');
    expect(() => box('old-key').decrypt(fresh)).toThrow(DecryptionFailed);
    // Once the fallback is gone, the old token no longer opens.
    expect(() => box('new-key').decrypt(old)).toThrow(DecryptionFailed);
  });

  it('requires a purpose', () => {
    expect(() => new Encrypter({ key: 'k', purpose: '' })).toThrow('option purpose is required');
  });
});
