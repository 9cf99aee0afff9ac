/**
 * Django 5.2's tests/auth_tests/test_validators.py, ported to tables (each row names its Django
 * test), plus the username and email field validation createsuperuser uses
 * (UnicodeUsernameValidator, EmailValidator rows of test_validators.py/validators tests).
 * With Django 5.2 available, every password and user below is also validated by Django's own
 * validators and the messages must be the same.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  CommonPasswordValidator,
  getDefaultPasswordValidators,
  getPasswordValidators,
  MinimumLengthValidator,
  NumericPasswordValidator,
  passwordValidatorsHelpTexts,
  quickRatio,
  User,
  UserAttributeSimilarityValidator,
  validatePassword,
  ValidationError,
  validateEmail,
  validateUsername,
} from '../../../src/runtime/auth/index.js';
import { configure } from '../../../src/runtime/conf/current.js';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { ImproperlyConfigured } from '../../../src/runtime/conf/errors.js';
import { django52Python, runPythonJson } from '../../support/django.js';

const FOUR = [
  { NAME: 'django.contrib.auth.password_validation.UserAttributeSimilarityValidator' },
  { NAME: 'tango.auth.password_validation.MinimumLengthValidator', OPTIONS: { min_length: 12 } },
  { NAME: 'tango.auth.password_validation.CommonPasswordValidator' },
  { NAME: 'tango.auth.password_validation.NumericPasswordValidator' },
];

function messages(fn: () => void): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.messages;
    throw error;
  }
  return [];
}

afterAll(() => {
  configure(defineSettings({ BASE_DIR: '/tmp', SECRET_KEY: 'x' }));
});

describe('PasswordValidationTest (Django 5.2 test_validators.py)', () => {
  it('test_get_default_password_validators', () => {
    configure(
      defineSettings({ BASE_DIR: '/tmp', SECRET_KEY: 'x', AUTH_PASSWORD_VALIDATORS: FOUR }),
    );
    const validators = getDefaultPasswordValidators();
    expect(validators.map((v) => v.constructor.name)).toEqual([
      'UserAttributeSimilarityValidator',
      'MinimumLengthValidator',
      'CommonPasswordValidator',
      'NumericPasswordValidator',
    ]);
    expect((validators[1] as MinimumLengthValidator).minLength).toBe(12);
  });

  it('test_get_password_validators_custom / test_empty_password_validator_help_text_html', () => {
    const validators = getPasswordValidators([
      { NAME: 'tango.auth.password_validation.CommonPasswordValidator' },
    ]);
    expect(validators).toHaveLength(1);
    expect(getPasswordValidators([])).toEqual([]);
    expect(passwordValidatorsHelpTexts([])).toEqual([]);
  });

  it('test_validate_password: every failure, in order', () => {
    configure(
      defineSettings({ BASE_DIR: '/tmp', SECRET_KEY: 'x', AUTH_PASSWORD_VALIDATORS: FOUR }),
    );
    expect(messages(() => validatePassword('sufficiently-long-password'))).toEqual([]);
    expect(messages(() => validatePassword('django4242'))).toEqual([
      'This password is too short. It must contain at least 12 characters.',
    ]);
    expect(messages(() => validatePassword('password'))).toEqual([
      'This password is too short. It must contain at least 12 characters.',
      'This password is too common.',
    ]);
    expect(messages(() => validatePassword('12345'))).toEqual([
      'This password is too short. It must contain at least 12 characters.',
      'This password is too common.',
      'This password is entirely numeric.',
    ]);
    const user = new User({ username: 'testclient', email: 'testclient@example.com' });
    expect(messages(() => validatePassword('testclient', user))).toEqual([
      'The password is too similar to the username.',
      'This password is too short. It must contain at least 12 characters.',
    ]);
    expect(messages(() => validatePassword('password', null, []))).toEqual([]);
  });

  it('test_password_validators_help_texts', () => {
    configure(
      defineSettings({ BASE_DIR: '/tmp', SECRET_KEY: 'x', AUTH_PASSWORD_VALIDATORS: FOUR }),
    );
    expect(passwordValidatorsHelpTexts()).toEqual([
      'Your password can\u2019t be too similar to your other personal information.',
      'Your password must contain at least 12 characters.',
      'Your password can\u2019t be a commonly used password.',
      'Your password can\u2019t be entirely numeric.',
    ]);
  });

  it('an unknown NAME is ImproperlyConfigured with Django\u2019s message', () => {
    expect(() => getPasswordValidators([{ NAME: 'tango.auth.password_validation.Nope' }])).toThrow(
      new ImproperlyConfigured(
        'The module in NAME could not be imported: tango.auth.password_validation.Nope. Check your AUTH_PASSWORD_VALIDATORS setting.',
      ),
    );
  });
});

describe('MinimumLengthValidatorTest (Django 5.2 test_validators.py)', () => {
  it('test_validate', () => {
    expect(messages(() => new MinimumLengthValidator().validate('12345678'))).toEqual([]);
    expect(messages(() => new MinimumLengthValidator({ min_length: 3 }).validate('123'))).toEqual(
      [],
    );
    expect(messages(() => new MinimumLengthValidator().validate('1234567'))).toEqual([
      'This password is too short. It must contain at least 8 characters.',
    ]);
    try {
      new MinimumLengthValidator().validate('1234567');
    } catch (error) {
      expect((error as ValidationError).errorList[0]!.code).toBe('password_too_short');
    }
    expect(messages(() => new MinimumLengthValidator({ min_length: 1 }).validate(''))).toEqual([
      'This password is too short. It must contain at least 1 character.',
    ]);
    // Code points, as Python counts: four emoji are four characters.
    expect(
      messages(() => new MinimumLengthValidator({ min_length: 4 }).validate('🔑🔑🔑🔑')),
    ).toEqual([]);
  });

  it('test_help_text', () => {
    expect(new MinimumLengthValidator().getHelpText()).toBe(
      'Your password must contain at least 8 characters.',
    );
  });
});

describe('UserAttributeSimilarityValidatorTest (Django 5.2 test_validators.py)', () => {
  const user = new User({
    username: 'testclient',
    firstName: 'Test',
    lastName: 'Client',
    email: 'testclient@example.com',
  });

  it('test_validate', () => {
    const v = new UserAttributeSimilarityValidator();
    expect(messages(() => v.validate('testclient', user))).toEqual([
      'The password is too similar to the username.',
    ]);
    expect(messages(() => v.validate('example.com', user))).toEqual([
      'The password is too similar to the email address.',
    ]);
    expect(
      messages(() =>
        new UserAttributeSimilarityValidator({
          user_attributes: ['first_name'],
          max_similarity: 0.3,
        }).validate('testclient', user),
      ),
    ).toEqual(['The password is too similar to the first name.']);
    // max_similarity=1 doesn't allow passwords that are identical to the attribute's value.
    expect(
      messages(() =>
        new UserAttributeSimilarityValidator({
          user_attributes: ['first_name'],
          max_similarity: 1,
        }).validate(user.firstName, user),
      ),
    ).toEqual(['The password is too similar to the first name.']);
    // Very low max_similarity is rejected.
    expect(() => new UserAttributeSimilarityValidator({ max_similarity: 0.09 })).toThrow(
      'max_similarity must be at least 0.1',
    );
    // Passes validation.
    expect(
      messages(() =>
        new UserAttributeSimilarityValidator({ user_attributes: ['first_name'] }).validate(
          'testclient',
          user,
        ),
      ),
    ).toEqual([]);
    expect(messages(() => v.validate('anything', null))).toEqual([]);
  });

  it('test_validate_property / an attribute that is not a string is skipped', () => {
    const odd = { username: 'foobar', email: 42 } as never;
    expect(messages(() => new UserAttributeSimilarityValidator().validate('foobar', odd))).toEqual([
      'The password is too similar to the username.',
    ]);
  });

  it("quick_ratio is Python's SequenceMatcher.quick_ratio", () => {
    expect(quickRatio('testclient', 'testclient')).toBe(1);
    expect(quickRatio('abcd', 'bcde')).toBe(0.75);
    expect(quickRatio('', '')).toBe(1);
  });

  it('test_help_text', () => {
    expect(new UserAttributeSimilarityValidator().getHelpText()).toBe(
      'Your password can\u2019t be too similar to your other personal information.',
    );
  });
});

describe('CommonPasswordValidatorTest (Django 5.2 test_validators.py)', () => {
  it("test_validate: Django's list", () => {
    const v = new CommonPasswordValidator();
    expect(v.passwords.size).toBe(19640); // Django 5.2.17's file, deduplicated
    expect(messages(() => v.validate('a-safe-password'))).toEqual([]);
    expect(messages(() => v.validate('godzilla'))).toEqual(['This password is too common.']);
  });

  it('test_validate_django_supplied_file: lower-cased and trimmed', () => {
    const v = new CommonPasswordValidator();
    for (const password of v.passwords) expect(password).toBe(password.toLowerCase());
    expect(messages(() => v.validate(' GODZILLA '))).toEqual(['This password is too common.']);
  });

  it('a missing custom list is a clear ImproperlyConfigured', () => {
    expect(
      () => new CommonPasswordValidator({ password_list_path: '/nonexistent/list.txt' }),
    ).toThrow(ImproperlyConfigured);
  });

  it('test_help_text', () => {
    expect(new CommonPasswordValidator().getHelpText()).toBe(
      'Your password can\u2019t be a commonly used password.',
    );
  });
});

describe('NumericPasswordValidatorTest (Django 5.2 test_validators.py)', () => {
  it('test_validate: Python isdigit, superscripts included', () => {
    const v = new NumericPasswordValidator();
    expect(messages(() => v.validate('a-safe-password'))).toEqual([]);
    expect(messages(() => v.validate('42424242'))).toEqual(['This password is entirely numeric.']);
    expect(messages(() => v.validate('\u0664\u0662\u00b2'))).toEqual([
      'This password is entirely numeric.',
    ]);
    expect(messages(() => v.validate('42a'))).toEqual([]);
  });

  it('test_help_text', () => {
    expect(new NumericPasswordValidator().getHelpText()).toBe(
      'Your password can\u2019t be entirely numeric.',
    );
  });
});

describe('UsernameValidatorsTests / email (Django 5.2 test_validators.py)', () => {
  it.each(['joe', 'René', 'ᴮᴵᴳᴮᴵᴿᴰ', 'أحمد', 'a.b@c+d-e_f'])(
    'test_unicode_validator: %s is valid',
    (name) => {
      expect(validateUsername(name)).toEqual([]);
    },
  );

  it.each([
    "o'connell",
    'عبد ال',
    'zerowidth\u200bspace',
    'nonbreaking\u00a0space',
    'en\u2013dash',
    'trailingnewline\u000a',
  ])('test_unicode_validator: %j is invalid', (name) => {
    expect(validateUsername(name)).toEqual([
      'Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.',
    ]);
  });

  it('blank and too long', () => {
    expect(validateUsername('')).toEqual(['This field cannot be blank.']);
    expect(validateUsername('a'.repeat(151))).toEqual([
      'Ensure this value has at most 150 characters (it has 151).',
    ]);
  });

  it.each([
    'email@here.com',
    'weirder-email@here.and.there.com',
    'email@localhost',
    'email@[127.0.0.1]',
    'example@valid-----hyphens.com',
    '',
  ])('EmailValidator accepts %j', (email) => {
    expect(validateEmail(email)).toEqual([]);
  });

  it.each([
    'abc',
    'abc@',
    '@abc',
    'abc@bar',
    'a @x.cz',
    'something@@somewhere.com',
    'email@127.0.0.1',
    'example@invalid-.com',
  ])('EmailValidator refuses %j', (email) => {
    expect(validateEmail(email)).toEqual(['Enter a valid email address.']);
  });
});

const django = await django52Python();

describe.skipIf(!django.available)('the same messages as Django 5.2, live', () => {
  it('validate_password with the four validators on a set of passwords and users', async () => {
    const rows: [string, Record<string, string> | null][] = [
      ['password', null],
      ['12345', null],
      [
        'testclient',
        {
          username: 'testclient',
          first_name: 'Test',
          last_name: 'Client',
          email: 'testclient@example.com',
        },
      ],
      [
        'example.com',
        { username: 'x', first_name: '', last_name: '', email: 'someone@example.com' },
      ],
      ['\u0664\u0662\u00b2', null],
      [
        'correct horse battery staple',
        { username: 'horse', first_name: 'Correct', last_name: 'Staple', email: '' },
      ],
      [
        'Staple-Battery',
        { username: 'horse', first_name: 'Correct', last_name: 'Staple', email: '' },
      ],
      ['🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑', null],
    ];
    const script = `
import json, sys
from django.conf import settings
settings.configure(INSTALLED_APPS=['django.contrib.contenttypes', 'django.contrib.auth'], AUTH_PASSWORD_VALIDATORS=json.loads(sys.argv[1]))
import django; django.setup()
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
out = []
for password, user in json.load(sys.stdin):
    try:
        validate_password(password, User(**user) if user else None)
        out.append([])
    except ValidationError as e:
        out.append(list(e.messages))
json.dump(out, sys.stdout)
`;
    const config = FOUR.map((v) => ({
      ...v,
      NAME: v.NAME.replace('tango.auth', 'django.contrib.auth'),
    }));
    const expected = await runPythonJson<string[][]>(django, script, rows, [
      JSON.stringify(config),
    ]);
    const validators = getPasswordValidators(FOUR);
    const ours = rows.map(([password, user]) =>
      messages(() => validatePassword(password, user, validators)),
    );
    expect(ours).toEqual(expected);
  });
});
