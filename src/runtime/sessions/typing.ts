/**
 * Typed session data: a project declares the shape of its session once, and every
 * `request.session.get`/`set` is checked against it. Django's sessions are a dict of anything;
 * express-session offers the same declaration merging (`interface SessionData`), iron-session
 * a generic.
 *
 * ```ts
 * // anywhere in the project, e.g. WebApp/session.d.ts or settings.ts
 * declare module 'tango/sessions' {
 *   interface SessionFields {
 *     hit: number;
 *     user?: string;
 *   }
 * }
 *
 * request.session.get('hit'); // number | undefined
 * request.session.get('hit', 0); // number
 * request.session.set('hit', 'x'); // type error: 'x' is not a number
 * request.session.get('other'); // unknown: keys not declared stay untyped
 * ```
 *
 * Or per use, without touching the global type: `request.session as Session<MyData>`. Types
 * are erased at run time; to check stored data too, set `SESSION_SCHEMA` (sessions/schema.ts)
 * and derive the declaration from it: `interface SessionFields extends z.infer<typeof s> {}`.
 */

/**
 * The declared shape of the session data: empty here, filled in by the project through
 * declaration merging (see the module comment). Each property types one key: its value for
 * `get`, `set`, `setDefault`, `pop` and `update`. A declared key takes only its declared
 * type; an undeclared key takes anything, as before.
 *
 * @example
 * declare module 'tango/sessions' {
 *   interface SessionFields { hit: number }
 * }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled in by declaration merging
export interface SessionFields {}

/**
 * The keys `D` declares (string keys only: session keys are strings).
 *
 * @example
 * type K = DeclaredKey<{ hit: number }>; // 'hit'
 */
export type DeclaredKey<D> = keyof D & string;

/**
 * The value type of key `K` in data shaped `D`: the declared type, or `unknown` for a key `D`
 * does not declare (or a key only known as `string`).
 *
 * @example
 * type V = SessionValue<{ hit: number }, 'hit'>; // number
 */
export type SessionValue<D, K extends string> = K extends keyof D ? D[K] : unknown;

/**
 * `K` when `D` does not declare it, else `never`: the parameter type of the untyped
 * overloads, so that a declared key can only take its declared overload.
 *
 * @example
 * type A = UndeclaredKey<{ hit: number }, 'other'>; // 'other'
 * type B = UndeclaredKey<{ hit: number }, 'hit'>; // never
 */
export type UndeclaredKey<D, K extends string> = K extends keyof D ? never : K;
