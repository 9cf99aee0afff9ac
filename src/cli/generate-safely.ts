import { FormatError, InvalidNameError, TemplateRenderError } from '../generator/index.js';
import { CommandError } from './errors.js';

/**
 * Runs a generator call, turning its named errors (a bad template, output prettier cannot
 * parse, a rejected name) into one-line `CommandError`s; anything else is a bug and keeps its
 * stack.
 *
 * @example
 * const tree = await generateSafely(() => generateApp(templates, { name }), 'app');
 */
export async function generateSafely<T>(
  run: () => Promise<T>,
  kind: 'project' | 'app',
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TemplateRenderError || error instanceof FormatError) {
      throw new CommandError(`couldn't render the ${kind} template: ${error.message}`);
    }
    if (error instanceof InvalidNameError) throw new CommandError(error.message);
    throw error;
  }
}
