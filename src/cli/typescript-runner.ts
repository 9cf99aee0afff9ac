import type { TypeScriptRunner } from '../generator/index.js';

/**
 * What runs a new project's TypeScript, decided by the Node that runs the CLI (the one the
 * user has): `'node'` where `node file.ts` works out of the box, that is Node 22.18+ and 23.6+
 * with type stripping not turned off (`--no-experimental-strip-types`); `'tsx'` otherwise
 * (Node 20). https://nodejs.org/api/typescript.html#type-stripping
 *
 * @example
 * typescriptRunner('20.19.0'); // 'tsx'
 * typescriptRunner('24.11.0', 'strip'); // 'node'
 */
export function typescriptRunner(
  version: string = process.versions.node,
  typescript: unknown = (process.features as { typescript?: unknown }).typescript,
): TypeScriptRunner {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const byDefault = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
  return byDefault && typeof typescript === 'string' && typescript !== '' ? 'node' : 'tsx';
}
