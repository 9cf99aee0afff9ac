/**
 * Key rotation without logging anyone out. A store that opens session data only with a key
 * from `SECRET_KEY_FALLBACKS` (the signature verified, or the cookie decrypted, under an old
 * key) marks the data object it returns; `Session.load()` notes the mark, and
 * `SessionMiddleware` then saves the session on the way out even if the view changed nothing,
 * so the data leaves under `SECRET_KEY`: the cookie engines re-issue the cookie, the
 * server-side engines re-encode the record. Once every active visitor has been back, the
 * fallback can go without anyone losing a session (docs/sessions-beyond-django.md).
 *
 * A mark, not a new return type: the store contract (`load(key) -> data | null`) stays as it
 * is, and a store that never marks simply never triggers the re-save.
 */
import { BadSignature, SignatureExpired } from '../core/signing/index.js';

/** Data objects a store opened with a fallback key. Weak: the mark lives as long as the data. */
const openedWithFallback = new WeakSet<object>();

/**
 * Marks `data` as opened with a key from `SECRET_KEY_FALLBACKS`; returns it.
 *
 * @example
 * return fallback ? markFallbackKey(data) : data;
 */
export function markFallbackKey<T>(data: T): T {
  if (typeof data === 'object' && data !== null) openedWithFallback.add(data);
  return data;
}

/**
 * True when a store marked `data` with `markFallbackKey`.
 *
 * @example
 * if (openedWithFallbackKey(await store.load(key))) await session.save();
 */
export function openedWithFallbackKey(data: unknown): boolean {
  return typeof data === 'object' && data !== null && openedWithFallback.has(data);
}

/**
 * Verifies with the current key first and only then with the fallbacks, so the caller learns
 * which one it was: `current()` checks under `SECRET_KEY` alone; when it throws `BadSignature`
 * (but not `SignatureExpired`: that signature verified, it is just old), `fallback()` checks
 * under the fallback keys, and what it returns is marked. Costs nothing extra for data signed
 * with the current key.
 *
 * @example
 * const data = verifyRotating(
 *   () => loads(value, { key, fallbackKeys: [] }),
 *   old.length > 0 ? () => loads(value, { key: old[0], fallbackKeys: old.slice(1) }) : null,
 * );
 */
export function verifyRotating<T>(current: () => T, fallback: (() => T) | null): T {
  try {
    return current();
  } catch (error) {
    if (fallback === null || !(error instanceof BadSignature) || error instanceof SignatureExpired)
      throw error;
  }
  return markFallbackKey(fallback());
}
