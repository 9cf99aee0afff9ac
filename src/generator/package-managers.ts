import type { JsonValue } from './json.js';

/** The package managers a generated project can be installed with. */
export const PACKAGE_MANAGERS = ['npm', 'pnpm', 'yarn', 'bun'] as const;

/** One of `PACKAGE_MANAGERS`. */
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];

/**
 * The package.json fields with which `pm` runs the install scripts the project needs (the
 * names `allowScripts` approves for npm: better-sqlite3 builds or downloads its native addon).
 * pnpm 10 runs no dependency's install script unless `pnpm.onlyBuiltDependencies` lists it,
 * and bun only those of its own default list and `trustedDependencies`; npm and yarn run them
 * all, so they get nothing (an npm project's package.json is unchanged).
 *
 * @example
 * packageManagerFields('pnpm', { 'better-sqlite3': true });
 * // { pnpm: { onlyBuiltDependencies: ['better-sqlite3'] } }
 */
export function packageManagerFields(
  pm: PackageManager | undefined,
  allowScripts: Readonly<Record<string, boolean>>,
): Record<string, JsonValue> {
  const names = Object.keys(allowScripts).filter((name) => allowScripts[name]);
  if (pm === 'pnpm') return { pnpm: { onlyBuiltDependencies: names } };
  if (pm === 'bun') return { trustedDependencies: names };
  return {};
}
