/**
 * zlibCompress must equal CPython's zlib.compress byte for byte (Django's signing compresses
 * with it). Expected digests come from test/django/vectors.json ("zlib"), generated with REAL
 * CPython/Django by:
 *
 *   /usr/bin/python3 test/django/make_vectors.py > test/django/vectors.json
 *
 * The inputs are rebuilt here by zlibInput(), a mirror of zlib_input() in make_vectors.py.
 */
import { createHash } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { zlibCompress, zlibSizeLowerBound } from '../../../src/runtime/core/deflate.js';
import { vectors } from '../../django/vectors.js';

const WORDS = [
  'alpha',
  'beta',
  'gamma',
  '"_auth_user_id"',
  ':',
  '{',
  '}',
  '1',
  '22',
  'hello world',
  '\\u00e9',
].map((w) => Buffer.from(w, 'latin1'));

function zlibInput(kind: 'words' | 'random' | 'pattern', seed: number, size: number): Buffer {
  const out = Buffer.alloc(size + 32);
  let length = 0;
  let x = seed;
  while (length < size) {
    // (x * 1103515245 + 12345) mod 2^31, exactly (a plain multiply would exceed 2^53).
    x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
    if (kind === 'words') {
      const word = WORDS[x % WORDS.length]!;
      length += word.copy(out, length);
      if (x % 5 === 0) out[length++] = (x >> 8) % 128;
    } else if (kind === 'random') {
      out[length++] = (x >> 16) & 0xff;
    } else {
      out[length] = (length * 7 + (x % 3 === 0 ? 1 : 0)) & 0xff;
      length++;
    }
  }
  return out.subarray(0, size);
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

describe('zlibCompress', () => {
  it.each(vectors.zlib)(
    'item 131: $kind input of $size bytes compresses exactly as CPython',
    (v) => {
      const input = zlibInput(v.kind, v.seed, v.size);
      expect(sha256(input)).toBe(v.inputSha256);
      const compressed = zlibCompress(input);
      expect(compressed.length).toBe(v.length);
      expect(sha256(compressed)).toBe(v.sha256);
      expect(inflateSync(compressed).equals(input)).toBe(true);
    },
  );

  it("differs from node:zlib's output (Chromium's zlib), which is why it exists", () => {
    const data = Buffer.from(
      JSON.stringify(vectors.dumps.find((d) => d.compress && d.signed.startsWith('.'))!.obj),
    );
    const ours = zlibCompress(data);
    expect(inflateSync(ours)).toEqual(data);
    // If this starts failing, Node's zlib became canonical and deflate.ts could go.
    expect(deflateSync(data).equals(ours)).toBe(false);
  });

  it('reuses its state safely: interleaved inputs give independent, correct streams', () => {
    const a = zlibInput('words', 11, 90_000);
    const b = zlibInput('pattern', 12, 300);
    const first = zlibCompress(a);
    const small = zlibCompress(b);
    expect(zlibCompress(a)).toEqual(first);
    expect(zlibCompress(b)).toEqual(small);
    expect(inflateSync(small)).toEqual(b);
  });
});

describe('zlibSizeLowerBound', () => {
  /** Deterministic inputs: random bytes over alphabets of 1 to 256 symbols, lengths 0-400. */
  function* samples(): Generator<Buffer> {
    let x = 12345;
    const next = () => (x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff);
    for (let i = 0; i < 3000; i++) {
      const length = next() % 400;
      const alphabet = 1 + (next() % 256);
      const skew = next() % 4; // 0: uniform; higher: a few symbols dominate
      const out = Buffer.alloc(length);
      for (let j = 0; j < length; j++) {
        const r = next() % alphabet;
        out[j] = skew && next() % (skew + 1) !== 0 ? r % 3 : r;
      }
      yield out;
    }
  }

  it('never exceeds the real compressed length (so skipping an attempt never changes the output)', () => {
    let provedUseless = 0;
    for (const input of samples()) {
      const bound = zlibSizeLowerBound(input);
      const actual = zlibCompress(input).length;
      expect(bound, input.toString('hex')).toBeLessThanOrEqual(actual);
      if (bound >= input.length - 1) provedUseless++;
    }
    // The bound is not vacuous: it rules out compression for a share of the inputs.
    expect(provedUseless).toBeGreaterThan(100);
  });

  it('rules out compression for short session payloads, and not for repetitive ones', () => {
    for (const json of ['{"hit":1}', '{"hit":12345}', '{"visits":3}', '{}']) {
      const data = Buffer.from(json, 'latin1');
      expect(zlibSizeLowerBound(data), json).toBeGreaterThanOrEqual(data.length - 1);
    }
    const repetitive = Buffer.from(JSON.stringify({ a: 'x'.repeat(40) }), 'latin1');
    expect(zlibSizeLowerBound(repetitive)).toBeLessThan(repetitive.length - 1);
    expect(zlibCompress(repetitive).length).toBeLessThan(repetitive.length - 1);
  });

  it('gives the trivial bound past one block', () => {
    expect(zlibSizeLowerBound(Buffer.alloc(5000, 1))).toBe(8);
  });
});
