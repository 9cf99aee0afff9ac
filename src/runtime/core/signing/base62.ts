/**
 * Django's base62 (`django.core.signing.b62_encode`/`b62_decode`), the encoding of
 * `TimestampSigner` timestamps.
 */
const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BASE62_VALUE = new Map<string, number>(Array.from(BASE62_ALPHABET, (c, i) => [c, i]));

/**
 * Django's `b62_encode` (alphabet `0-9A-Za-z`, `-` for negatives), used for timestamps.
 *
 * @example
 * b62encode(1700000000); // '1r31eq'
 */
export function b62encode(n: number): string {
  if (!Number.isSafeInteger(n)) throw new TypeError(`b62encode() needs a safe integer, got ${n}`);
  if (n === 0) return '0';
  const sign = n < 0 ? '-' : '';
  let rest = Math.abs(n);
  let encoded = '';
  while (rest > 0) {
    encoded = BASE62_ALPHABET[rest % 62]! + encoded;
    rest = Math.floor(rest / 62);
  }
  return sign + encoded;
}

/**
 * Django's `b62_decode`. Throws `TypeError` for a character outside the alphabet (Python
 * raises `ValueError` from `str.index`).
 *
 * @example
 * b62decode('1r31eq'); // 1700000000
 */
export function b62decode(s: string): number {
  if (s === '0') return 0;
  let sign = 1;
  let digits = s;
  if (digits.startsWith('-')) {
    sign = -1;
    digits = digits.slice(1);
  }
  let decoded = 0;
  for (const c of digits) {
    const v = BASE62_VALUE.get(c);
    if (v === undefined)
      throw new TypeError(`b62decode(): invalid base62 digit ${JSON.stringify(c)}`);
    decoded = decoded * 62 + v;
  }
  return sign * decoded;
}
