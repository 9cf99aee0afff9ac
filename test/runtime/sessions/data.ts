/**
 * Session data in tests: `d({...})` builds the `Map` a store takes (`sessionData`), and
 * `plain(map)` turns what a store returns back into an object to compare, failing unless it
 * is a `Map` (or `null`). Key order is checked with `[...map.keys()]`.
 */
import { sessionData, type SessionData } from '../../../src/runtime/sessions/store.js';

/** The `Map` of a plain object's entries, in their order. */
export function d(data: Readonly<Record<string, unknown>>): SessionData {
  return sessionData(data);
}

/** A store's data as an object, `null` as `null`; anything but a `Map` fails the test. */
export function plain(data: unknown): Record<string, unknown> | null {
  if (data === null) return null;
  if (!(data instanceof Map)) {
    throw new Error(`expected session data as a Map, got ${JSON.stringify(data)}`);
  }
  return Object.fromEntries(data as SessionData);
}
