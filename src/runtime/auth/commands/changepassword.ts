/**
 * `manage.ts changepassword [username]` (Django's `changepassword`): asks for a new password
 * twice (not echoed), checks it with `AUTH_PASSWORD_VALIDATORS` and saves it; three failed tries
 * abort. The username defaults to your login name. The new password changes the user's session
 * hash, so every session of that user is logged out at its next request.
 */
import os from 'node:os';
import { CommandError, type Command } from '../../management/base.js';
import { getUserManager } from '../models.js';
import { validatePassword, ValidationError } from '../password_validation.js';
import { type PromptIO, terminalPrompt } from './prompt.js';

const MAX_TRIES = 3;

/**
 * The command, with its input injectable.
 *
 * @example
 * const command = makeChangepassword(() => scripted(['new pw', 'new pw']));
 */
export function makeChangepassword(makePrompt: () => PromptIO = () => terminalPrompt()): Command {
  return {
    help: "Change a user's password for django.contrib.auth.",
    args: '[username]',
    options: {
      database: {
        type: 'string',
        description: 'Specifies the database to use. Default is "default".',
      },
    },
    async handle(args, { settings, stdout, stderr }) {
      if (args.positionals.length > 1) {
        throw new CommandError(`Unexpected arguments: ${args.positionals.slice(1).join(' ')}`, 2);
      }
      const username = args.positionals[0] || os.userInfo().username;
      const alias = (args.options['database'] as string | undefined) ?? 'default';
      const users = getUserManager(settings, alias);
      const user = await users.getByNaturalKey(username);
      if (!user) throw new CommandError(`user '${username}' does not exist`);
      stdout.write(`Changing password for user '${user}'\n`);
      const prompt = makePrompt();
      let password: string | undefined;
      try {
        let count = 0;
        while (password === undefined && count < MAX_TRIES) {
          const p1 = await prompt.password('Password: ');
          const p2 = await prompt.password('Password (again): ');
          if (p1 !== p2) {
            stdout.write('Passwords do not match. Please try again.\n');
            count++;
            continue;
          }
          try {
            validatePassword(p2, user);
            password = p1;
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            stderr.write(error.messages.join('\n') + '\n');
            count++;
          }
        }
        if (password === undefined) {
          throw new CommandError(
            `Aborting password change for user '${user}' after ${count} attempts`,
          );
        }
      } finally {
        prompt.close();
      }
      await user.setPassword(password);
      await users.save(user);
      stdout.write(`Password changed successfully for user '${user}'\n`);
      return 0;
    },
  };
}

/** `manage.ts changepassword` on the process's terminal. */
export const changepassword: Command = makeChangepassword();
