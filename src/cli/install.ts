import { CommandError } from './errors.js';

/**
 * Runs `npm install` in a new project, showing npm's own progress (stdio inherited). execa is
 * imported here, lazily: it is the slowest module the CLI uses and `--no-install` never needs
 * it. On failure the files stay where they are and the error says how to retry.
 *
 * @example
 * await npmInstall('/tmp/mysite', 'mysite');
 */
export async function npmInstall(projectDir: string, cdPath: string): Promise<void> {
  const { execa } = await import('execa');
  const retry = `cd ${cdPath} && npm install`;
  try {
    const result = await execa('npm', ['install', '--no-audit', '--no-fund'], {
      cwd: projectDir,
      stdio: 'inherit',
      reject: false,
    });
    if (result.failed) {
      const why =
        result.exitCode === undefined ? result.shortMessage : `exit code ${result.exitCode}`;
      throw new CommandError(
        `npm install failed (${why}). The project files are in place; to retry: ${retry}`,
      );
    }
  } catch (error) {
    if (error instanceof CommandError) throw error;
    throw new CommandError(
      `npm install could not run (${error instanceof Error ? error.message : String(error)}). The project files are in place; to retry: ${retry}`,
    );
  }
}
