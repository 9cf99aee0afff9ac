import { CommandError } from './errors.js';
import { installArguments, shellQuote, type PackageManager } from './package-manager.js';

/**
 * Installs a new project's dependencies with `pm` (`npm install`, `pnpm install`, ...),
 * showing the package manager's own progress (stdio inherited). execa is imported here,
 * lazily: it is the slowest module the CLI uses and `--no-install` never needs it. On failure
 * the files stay where they are and the error says how to retry.
 *
 * @example
 * await installDependencies('pnpm', '/tmp/mysite', 'mysite');
 */
export async function installDependencies(
  pm: PackageManager,
  projectDir: string,
  cdPath: string,
): Promise<void> {
  const { execa } = await import('execa');
  const args = installArguments(pm);
  const retry = `cd ${shellQuote(cdPath)} && ${pm} ${args[0]}`;
  try {
    const result = await execa(pm, [...args], {
      cwd: projectDir,
      stdio: 'inherit',
      reject: false,
    });
    if (result.failed) {
      const why =
        result.exitCode === undefined ? result.shortMessage : `exit code ${result.exitCode}`;
      throw new CommandError(
        `${pm} install failed (${why}). The project files are in place; to retry: ${retry}`,
      );
    }
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw new CommandError(
      `${pm} install could not run (${error instanceof Error ? error.message : String(error)}). The project files are in place; to retry: ${retry}`,
    );
  }
}
