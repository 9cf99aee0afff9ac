/**
 * A small seeded PRNG for the robustness suite, so a failing input can be generated again:
 * sfc32 (Chris Doty-Humphrey's Small Fast Counter), seeded through splitmix32. Not for secrets.
 *
 * The run's seed comes from `ROBUSTNESS_SEED` (decimal or 0x-hex) or is drawn at random; the
 * suite prints it, and every failure message names it with the input's index.
 *
 * @example
 * const rng = Prng.for(suiteSeed(), 'cookies/db', 42);
 * rng.int(10); // 0..9
 */
import { randomInt } from 'node:crypto';

/** splitmix32: spreads a 32-bit state into well-mixed outputs (used to seed sfc32). */
function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a over a string: turns a stream label into a 32-bit number. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

let seed: number | undefined;

/**
 * The run's seed: `ROBUSTNESS_SEED` when set, else a random 32-bit number (fixed for the
 * process, so every file of one run that shares a worker reports the same one).
 */
export function suiteSeed(): number {
  if (seed !== undefined) return seed;
  const given = process.env.ROBUSTNESS_SEED;
  if (given !== undefined && given !== '') {
    const parsed = Number(given);
    if (!Number.isInteger(parsed) || parsed < 0 || parsed > 0xffffffff) {
      throw new TypeError(
        `ROBUSTNESS_SEED must be an integer from 0 to 4294967295 (or 0x-hex), got '${given}'`,
      );
    }
    seed = parsed;
  } else {
    seed = randomInt(0, 0xffffffff);
  }
  return seed;
}

/** sfc32 with helpers for picking inputs. */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seedValue: number) {
    const mix = splitmix32(seedValue);
    this.#a = mix();
    this.#b = mix();
    this.#c = mix();
    this.#d = mix();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** An independent stream for `(seed, label, index)`: input `index` regenerates alone. */
  static for(seedValue: number, label: string, index = 0): Prng {
    const mix = splitmix32((seedValue ^ fnv1a(label)) >>> 0);
    for (let i = 0; i < (index & 7); i++) mix();
    return new Prng((mix() ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  }

  /** The next 32-bit unsigned integer. */
  next(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next() / 0x1_0000_0000;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** An integer in [min, max]. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** `length` characters drawn from `alphabet`. */
  string(length: number, alphabet: string): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }

  /** `length` random bytes. */
  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    for (let i = 0; i < length; i++) out[i] = this.next() & 0xff;
    return out;
  }
}
