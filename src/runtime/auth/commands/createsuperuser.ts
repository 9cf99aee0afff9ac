/**
 * `manage.ts createsuperuser` (Django's `createsuperuser`): creates a user with `isStaff` and
 * `isSuperuser`. On a terminal it asks for the username (default: your login name), the email
 * and the password twice, validated with `AUTH_PASSWORD_VALIDATORS` (which you may bypass, as
 * in Django). With `--noinput` it reads Django's environment variables,
 * `DJANGO_SUPERUSER_USERNAME`, `DJANGO_SUPERUSER_EMAIL` and `DJANGO_SUPERUSER_PASSWORD`, or
 * Tango's `TANGO_SUPERUSER_*` (which win when both are set); without a password the user gets
 * an unusable one. Django's prompts and messages throughout.
 */
import os from 'node:os';
import { CommandError, type Command } from '../../management/base.js';
import { getUserManager, UsernameTaken, User, type UserManager } from '../models.js';
import { validatePassword, ValidationError } from '../password_validation.js';
import { validateEmail, validateUsername } from '../validators.js';
import { type PromptIO, terminalPrompt } from './prompt.js';

/** `TANGO_SUPERUSER_<NAME>`, else `DJANGO_SUPERUSER_<NAME>`, else `undefined`. */
export function superuserEnv(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return env[`TANGO_SUPERUSER_${name}`] ?? env[`DJANGO_SUPERUSER_${name}`];
}

/** Django's `_validate_username`: an error line, or `undefined` when the name is usable. */
async function usernameError(users: UserManager, username: string): Promise<string | undefined> {
  if (await users.getByNaturalKey(username)) return 'Error: That username is already taken.';
  if (!username) return 'Username cannot be blank.';
  const errors = validateUsername(username);
  return errors.length ? errors.join('; ') : undefined;
}

/** Django's `get_default_username`: the login name, ASCII-folded and lower-cased, if free and valid. */
async function defaultUsername(users: UserManager): Promise<string> {
  let name: string;
  try {
    name = os.userInfo().username;
  } catch {
    return '';
  }
  name = name
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/ /g, '')
    .toLowerCase();
  if (!name || validateUsername(name).length) return '';
  return (await users.getByNaturalKey(name)) ? '' : name;
}

/** Options of `makeCreatesuperuser` (tests hand in their own input and environment). */
export interface CreatesuperuserIO {
  /** Default: the process's terminal. */
  prompt?: () => PromptIO;
  /** Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The command, with its input injectable.
 *
 * @example
 * const command = makeCreatesuperuser({ prompt: () => scripted(['admin', '', 'pw', 'pw']) });
 */
export function makeCreatesuperuser(io: CreatesuperuserIO = {}): Command {
  return {
    help: 'Used to create a superuser.',
    options: {
      username: { type: 'string', description: 'Specifies the login for the superuser.' },
      email: { type: 'string', description: 'Specifies the email for the superuser.' },
      noinput: {
        type: 'boolean',
        description:
          'Tells Tango to NOT prompt the user for input of any kind. You must use --username with --noinput, along with an option for any other required field. Superusers created with --noinput will not be able to log in until they\u2019re given a valid password (DJANGO_SUPERUSER_PASSWORD).',
      },
      'no-input': { type: 'boolean', description: 'Same as --noinput.' },
      database: {
        type: 'string',
        description: 'Specifies the database to use. Default is "default".',
      },
    },
    async handle(args, { settings, stdout, stderr }) {
      const env = io.env ?? process.env;
      const alias = (args.options['database'] as string | undefined) ?? 'default';
      const users = getUserManager(settings, alias);
      const interactive = !(args.options['noinput'] === true || args.options['no-input'] === true);
      let username = args.options['username'] as string | undefined;
      const emailOption = args.options['email'] as string | undefined;
      let email: string;
      let password: string | null = null;
      try {
        if (interactive) {
          const prompt = (io.prompt ?? (() => terminalPrompt()))();
          try {
            if (!prompt.interactive) {
              stdout.write(
                'Superuser creation skipped due to not running in a TTY. You can run `manage.ts createsuperuser` in your project to create one manually.\n',
              );
              return 0;
            }
            const fallback = await defaultUsername(users);
            if (username) {
              const error = await usernameError(users, username);
              if (error) {
                stderr.write(error + '\n');
                username = undefined;
              }
            } else if (username === '') {
              throw new CommandError('Username cannot be blank.');
            }
            while (username === undefined) {
              let raw = await prompt.question(
                `Username${fallback ? ` (leave blank to use '${fallback}')` : ''}: `,
              );
              if (fallback && raw === '') raw = fallback;
              const errors = validateUsername(raw);
              if (errors.length) {
                stderr.write(`Error: ${errors.join('; ')}\n`);
                continue;
              }
              const error = await usernameError(users, raw);
              if (error) {
                stderr.write(error + '\n');
                continue;
              }
              username = raw;
            }
            if (emailOption !== undefined) {
              const errors = validateEmail(emailOption);
              if (errors.length) throw new CommandError(errors.join('; '));
              email = emailOption;
            } else {
              for (;;) {
                const raw = (await prompt.question('Email address: ')).trim();
                const errors = validateEmail(raw);
                if (!errors.length) {
                  email = raw;
                  break;
                }
                stderr.write(`Error: ${errors.join('; ')}\n`);
              }
            }
            while (password === null) {
              const first = await prompt.password('Password: ');
              const second = await prompt.password('Password (again): ');
              if (first !== second) {
                stderr.write("Error: Your passwords didn't match.\n");
                continue;
              }
              if (first.trim() === '') {
                stderr.write("Error: Blank passwords aren't allowed.\n");
                continue;
              }
              try {
                validatePassword(second, new User({ username, email }));
              } catch (error) {
                if (!(error instanceof ValidationError)) throw error;
                stderr.write(error.messages.join('\n') + '\n');
                const answer = await prompt.question(
                  'Bypass password validation and create user anyway? [y/N]: ',
                );
                if (answer.toLowerCase() !== 'y') continue;
              }
              password = first;
            }
          } finally {
            prompt.close();
          }
        } else {
          password = superuserEnv('PASSWORD', env) ?? null;
          username ??= superuserEnv('USERNAME', env);
          if (username === undefined)
            throw new CommandError('You must use --username with --noinput.');
          const error = await usernameError(users, username);
          if (error) throw new CommandError(error);
          const envEmail = superuserEnv('EMAIL', env);
          const value = emailOption || envEmail;
          if (!value) {
            if (emailOption !== '' && envEmail !== '')
              throw new CommandError('You must use --email with --noinput.');
            email = '';
          } else {
            const errors = validateEmail(value);
            if (errors.length) throw new CommandError(errors.join('; '));
            email = value;
          }
        }
        await users.createSuperuser(username, { email, password });
      } catch (error) {
        if (error instanceof UsernameTaken)
          throw new CommandError('Error: That username is already taken.');
        throw error;
      }
      stdout.write('Superuser created successfully.\n');
      return 0;
    },
  };
}

/** `manage.ts createsuperuser` on the process's terminal. */
export const createsuperuser: Command = makeCreatesuperuser();
