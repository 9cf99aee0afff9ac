/**
 * The messages both command-line programs print about a mistyped command line
 * (src/common/did-you-mean.ts): "Unknown command: 'x'. Did you mean y?", "Type '<program> help'
 * for usage." and "unrecognized option '--x'. Did you mean --y?". Checked by value, and live
 * against Django's own `ManagementUtility.fetch_command` (3.2 and 5.2, test/support/django.ts),
 * given the same candidates: the two must write the same bytes. The programs' own wording is
 * checked end to end in test/cli/did-you-mean.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  didYouMean,
  unknownCommand,
  unknownCommandLine,
  unrecognizedOption,
  usageHint,
} from '../../src/common/did-you-mean.js';
import { djangoPythons, runPythonJson } from '../support/django.js';

const COMMANDS = ['check', 'clearsessions', 'makemigrations', 'migrate', 'runserver'];
const OPTIONS = ['--help', '--version'];

describe('didYouMean', () => {
  it.each([
    ['close match', '--deplyo', ['--deploy', '--help'], '. Did you mean --deploy?'],
    ['no match', '--bogus', ['--deploy', '--help'], ''],
    ['no candidates', 'x', [], ''],
    // get_close_matches gives migrate, showmigrations, makemigrations: Django prints the first.
    [
      'several: the closest',
      'migrat',
      ['makemigrations', 'migrate', 'showmigrations'],
      '. Did you mean migrate?',
    ],
    ['the candidate printed unquoted', "it'", ["it's"], ". Did you mean it's?"],
  ])('%s', (_, word, candidates, expected) => {
    expect(didYouMean(word, candidates)).toBe(expected);
  });

  it('takes any iterable, once', () => {
    expect(didYouMean('chek', new Set(COMMANDS))).toBe('. Did you mean check?');
    expect(didYouMean('chek', new Map([['check', 1]]).keys())).toBe('. Did you mean check?');
  });
});

describe('unrecognizedOption', () => {
  it.each([
    ['--deplyo', ['--deploy', '--help'], "unrecognized option '--deplyo'. Did you mean --deploy?"],
    ['--bogus', ['--deploy', '--help'], "unrecognized option '--bogus'"],
    [
      '--instal',
      ['--install', '--no-install'],
      "unrecognized option '--instal'. Did you mean --install?",
    ],
    ["--it's", ['--input', '--help'], `unrecognized option "--it's". Did you mean --input?`],
    ['--a\tb', ['--help'], "unrecognized option '--a\\tb'"],
  ])('%j among %j', (option, spellings, expected) => {
    expect(unrecognizedOption(option, spellings)).toBe(expected);
  });
});

describe('usageHint', () => {
  it("is Django's last line, the program unquoted", () => {
    expect(usageHint('manage.ts')).toBe("Type 'manage.ts help' for usage.");
    expect(usageHint('tango-admin')).toBe("Type 'tango-admin help' for usage.");
  });
});

/** [name, the first line with COMMANDS and OPTIONS] */
const LINES: [string, string][] = [
  ['runserve', "Unknown command: 'runserve'. Did you mean runserver?"],
  // Several close matches: the closest only.
  ['migrat', "Unknown command: 'migrat'. Did you mean migrate?"],
  ['clearsession', "Unknown command: 'clearsession'. Did you mean clearsessions?"],
  // help and version are candidates in both programs.
  ['shell', "Unknown command: 'shell'. Did you mean help?"],
  ['versoin', "Unknown command: 'versoin'. Did you mean version?"],
  ['deploy', "Unknown command: 'deploy'"],
  // The options count only for a name that starts with '-'.
  ['--verison', "Unknown command: '--verison'. Did you mean --version?"],
  ['--bogus', "Unknown command: '--bogus'"],
  ['-', "Unknown command: '-'"],
  ['', "Unknown command: ''"],
  // Quoted as Python's %r quotes them, so the quotes pair up.
  ["it's", `Unknown command: "it's"`],
  ['say "hi"', `Unknown command: 'say "hi"'`],
  [`both ' and "`, `Unknown command: 'both \\' and "'`],
  ['tab\there', "Unknown command: 'tab\\there'"],
  ['new\nline', "Unknown command: 'new\\nline'"],
  ['esc\x1b[31m', "Unknown command: 'esc\\x1b[31m'"],
  ['back\\slash', "Unknown command: 'back\\\\slash'"],
  ['café', "Unknown command: 'café'"],
  ['nbsp\xa0x', "Unknown command: 'nbsp\\xa0x'"],
  ['😀', "Unknown command: '😀'"],
  ["migrat'", `Unknown command: "migrat'". Did you mean migrate?`],
];

describe('unknownCommandLine', () => {
  it.each(LINES)('%j', (name, expected) => {
    expect(unknownCommandLine(name, COMMANDS, OPTIONS)).toBe(expected);
  });

  it('suggests options only when given, and only for a name with a dash', () => {
    expect(unknownCommandLine('--verison', COMMANDS)).toBe(
      "Unknown command: '--verison'. Did you mean version?",
    );
    expect(unknownCommandLine('-help', COMMANDS, OPTIONS)).toBe(
      "Unknown command: '-help'. Did you mean --help?",
    );
    // --version would be closer, but the name does not start with '-'.
    expect(unknownCommandLine('x--version', COMMANDS, OPTIONS)).toBe(
      "Unknown command: 'x--version'. Did you mean version?",
    );
    expect(unknownCommandLine('-version', ['check'], ['--version', '-v'])).toBe(
      "Unknown command: '-version'. Did you mean --version?",
    );
    expect(unknownCommandLine('--helpp', ['check'], [])).toBe(
      "Unknown command: '--helpp'. Did you mean help?",
    );
  });

  it('never suggests the name itself (help version: version is a word, not a command)', () => {
    expect(unknownCommandLine('version', ['check'], OPTIONS)).toBe("Unknown command: 'version'");
    expect(unknownCommandLine('help', ['helps'], OPTIONS)).toBe(
      "Unknown command: 'help'. Did you mean helps?",
    );
    expect(unknownCommandLine('--help', ['check'], OPTIONS)).toBe(
      "Unknown command: '--help'. Did you mean help?",
    );
  });
});

describe('unknownCommand', () => {
  it("is Django's two lines, each ending with a newline", () => {
    expect(unknownCommand('runserve', { program: 'manage.ts', commands: COMMANDS })).toBe(
      "Unknown command: 'runserve'. Did you mean runserver?\nType 'manage.ts help' for usage.\n",
    );
    expect(unknownCommand('deploy', { program: 'tango-admin', commands: ['startapp'] })).toBe(
      "Unknown command: 'deploy'\nType 'tango-admin help' for usage.\n",
    );
  });

  it('passes the options on', () => {
    const context = { program: 'manage.ts', commands: COMMANDS, options: OPTIONS };
    expect(unknownCommand('--verison', context)).toBe(
      "Unknown command: '--verison'. Did you mean --version?\nType 'manage.ts help' for usage.\n",
    );
  });

  it('colours the first line only', () => {
    const style = { error: (text: string) => `<${text}>` };
    expect(unknownCommand("it's", { program: 'manage.ts', commands: COMMANDS, style })).toBe(
      `<Unknown command: "it's">\nType 'manage.ts help' for usage.\n`,
    );
  });
});

/**
 * Django's fetch_command with get_commands() answering `candidates`: [exit status, stderr].
 * DJANGO_SETTINGS_MODULE is dropped and settings configured, so nothing but the message is
 * written ("No Django settings specified." otherwise).
 */
const FETCH_COMMAND = `
import io, json, os, sys
from contextlib import redirect_stderr
os.environ.pop('DJANGO_SETTINGS_MODULE', None)
from django.conf import settings
settings.configure()
import django.core.management as management
answers = []
for case in json.load(sys.stdin):
    management.get_commands = lambda case=case: {name: 'django.core' for name in case['candidates']}
    stderr = io.StringIO()
    try:
        with redirect_stderr(stderr):
            management.ManagementUtility([case['program'], case['name']]).fetch_command(case['name'])
        answers.append([None, stderr.getvalue()])
    except SystemExit as exit:
        answers.append([exit.code, stderr.getvalue()])
print(json.dumps(answers))
`;

describe.each(await djangoPythons())('as Django $series writes it', (django) => {
  it.skipIf(!django.available)(
    'every name above, with the same candidates, is the same bytes and exit status 1',
    async () => {
      const cases = LINES.map(([name]) => ({
        program: name.startsWith('-') ? 'manage.ts' : 'tango-admin',
        name,
        // What unknownCommandLine considers: the commands, help, version, the options for a
        // name with a dash, never the name itself.
        candidates: [
          ...COMMANDS,
          'help',
          'version',
          ...(name.startsWith('-') ? OPTIONS : []),
        ].filter((candidate) => candidate !== name),
      }));
      const answers = await runPythonJson<[number | null, string][]>(django, FETCH_COMMAND, cases);
      expect(answers).toEqual(
        cases.map(({ program, name }) => [
          1,
          unknownCommand(name, { program, commands: COMMANDS, options: OPTIONS }),
        ]),
      );
    },
  );
});
