/**
 * The session engines a new project can start with (`tango-admin startproject
 * --session-engine`, and the question startproject asks on a terminal): the runtime's
 * `SESSION_ENGINES` (src/runtime/conf/settings.ts; a test keeps the two lists equal, as the
 * generator does not import the runtime), each with the comment settings.ts gives it. The
 * first is the default, Django's own (`django.contrib.sessions.backends.db`).
 */
export const PROJECT_SESSION_ENGINES = [
  { name: 'db', description: 'the database (DATABASES.default)' },
  { name: 'file', description: 'one file per session in SESSION_FILE_PATH' },
  {
    name: 'cache',
    description: 'the SESSION_CACHE_ALIAS cache only: fast, lost when it is cleared',
  },
  { name: 'cached_db', description: 'the database, with a write-through cache in front' },
  { name: 'signed_cookies', description: 'the cookie itself, signed (readable by the browser)' },
  {
    name: 'encrypted_cookies',
    description: 'the cookie itself, encrypted with SECRET_KEY (unreadable by the browser)',
  },
] as const;

/** A `SESSION_ENGINE` a generated project can be given. */
export type ProjectSessionEngine = (typeof PROJECT_SESSION_ENGINES)[number]['name'];

/** The default `SESSION_ENGINE` of a generated project. */
export const DEFAULT_SESSION_ENGINE: ProjectSessionEngine = 'db';

/**
 * The template variable `sessionEngines`: every engine with its comment, the chosen one
 * `selected` (settings.ts.hbs writes it as the setting and the others as comments).
 *
 * @example
 * sessionEnginesContext('file')[1]; // { name: 'file', description: '...', selected: true }
 */
export function sessionEnginesContext(
  chosen: ProjectSessionEngine = DEFAULT_SESSION_ENGINE,
): { name: string; description: string; selected: boolean }[] {
  if (!PROJECT_SESSION_ENGINES.some((engine) => engine.name === chosen)) {
    throw new TypeError(
      `option sessionEngine is invalid: ${String(chosen)} (use one of ${PROJECT_SESSION_ENGINES.map((e) => e.name).join(', ')})`,
    );
  }
  return PROJECT_SESSION_ENGINES.map((engine) => ({ ...engine, selected: engine.name === chosen }));
}
