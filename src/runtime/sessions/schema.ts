/**
 * `SESSION_SCHEMA`: session data validated as it loads, with any Standard Schema library
 * (zod 3.24+, valibot 1+, arktype 2+, ...; https://standardschema.dev). Data that fails is
 * treated as corrupt data is: `load` finds nothing, so the session starts empty (and gets a
 * new key), and a WARNING goes to `tango.security.SuspiciousSession`. Django has no
 * counterpart: its sessions hold whatever was stored.
 *
 * The schema only judges: the data is kept as stored, not replaced by the schema's output, so
 * keys the schema does not mention (`_session_expiry`, the CSRF secret, messages) survive a
 * schema that strips unknown keys, and no transform or default is applied behind the view's
 * back. Types come from `SessionFields` (sessions/typing.ts), which can be derived from the
 * schema: `interface SessionFields extends z.infer<typeof schema> {}`.
 */
import { securityLogger } from './encoding.js';
import type { SessionStore } from './store.js';

/**
 * One problem a Standard Schema reports (`StandardSchemaV1.Issue`).
 *
 * @example
 * const issue: SessionSchemaIssue = { message: 'Expected number', path: ['hit'] };
 */
export interface SessionSchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** What a Standard Schema's `validate` returns (`StandardSchemaV1.Result`). */
export type SessionSchemaResult =
  | { readonly value: unknown; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<SessionSchemaIssue> };

/**
 * A Standard Schema v1 (the `StandardSchemaV1` interface of `@standard-schema/spec`, the part
 * Tango uses): what zod, valibot and arktype schemas are. `SESSION_SCHEMA` takes one.
 *
 * @example
 * import { z } from 'zod';
 * const schema: SessionSchema = z.object({ hit: z.number().int().optional() });
 */
export interface SessionSchema {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => SessionSchemaResult | Promise<SessionSchemaResult>;
  };
}

/** The issues, as one log line: `hit: Expected number; cart.0: Required` (at most 3, escaped). */
function describeIssues(issues: ReadonlyArray<SessionSchemaIssue>): string {
  const shown = issues.slice(0, 3).map((issue) => {
    const path = (issue.path ?? [])
      .map((segment) =>
        String(typeof segment === 'object' && segment !== null ? segment.key : segment),
      )
      .join('.');
    return (path ? `${path}: ` : '') + String(issue.message).slice(0, 200);
  });
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  // JSON escaping: keys are data, and a key may hold a newline (no forged log lines).
  return JSON.stringify(shown.join('; ')) + more;
}

/**
 * `store` with every `load` (and `exists`, which answers what `load` would) checked against
 * `schema`: data that fails gives `null` and a WARNING
 * `Session data failed SESSION_SCHEMA validation: "..."` on
 * `tango.security.SuspiciousSession`; data that passes is returned as the store gave it (the
 * same object, so a key-rotation mark survives). Every other property is the store's own.
 * `createSessionStore` applies it when `SESSION_SCHEMA` is set.
 *
 * @example
 * const store = validateSessionData(await createSessionStore(settings), schema);
 */
export function validateSessionData<S extends SessionStore>(store: S, schema: SessionSchema): S {
  const validate = schema['~standard'].validate;
  async function load(key: string) {
    const data = await store.load(key);
    if (data === null) return null;
    // A schema describes an object; the data is a Map (or, from an older engine, an object).
    const value: unknown = data instanceof Map ? Object.fromEntries(data) : data;
    let result = validate(value);
    if (result instanceof Promise) result = await result;
    if (result.issues) {
      securityLogger.warning(
        `Session data failed SESSION_SCHEMA validation: ${describeIssues(result.issues)}`,
      );
      return null;
    }
    return data;
  }
  async function exists(key: string) {
    return (await load(key)) !== null;
  }
  // A Proxy rather than a wrapper class: every other method (update, lock, close, and any a
  // store adds) is the store's own, called on the store itself (engines use private fields).
  const bound = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property) {
      if (property === 'load') return load;
      if (property === 'exists') return exists;
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      let method = bound.get(property);
      if (method === undefined) bound.set(property, (method = value.bind(target)));
      return method;
    },
  });
}
