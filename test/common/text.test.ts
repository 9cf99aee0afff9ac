/**
 * The close-match rule behind "Did you mean ...?" (Python's difflib.get_close_matches, which
 * Django's ManagementUtility uses) and Python's repr(), checked against values CPython computed
 * (3.11's difflib; re-run with `python3` below) and live against the local python3.
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { getCloseMatches, repr } from '../../src/common/text.js';

const COMMANDS = [
  'check',
  'clearsessions',
  'makemigrations',
  'migrate',
  'rotatesecretkey',
  'runserver',
  'showmigrations',
  'startapp',
  'test',
  'help',
  'version',
];
const STARTPROJECT = ['--template', '--dry-run', '--force', '--format', '--install'];
const STARTPROJECT_MORE = [...STARTPROJECT, '--no-install', '--app', '--tango', '--help'];

/** [word, possibilities, n, cutoff, difflib.get_close_matches(word, possibilities, n, cutoff)] */
const TABLE: [string, string[], number, number, string[]][] = [
  ['runserve', COMMANDS, 3, 0.6, ['runserver']],
  ['runserver', COMMANDS, 3, 0.6, ['runserver']],
  ['migrat', COMMANDS, 3, 0.6, ['migrate', 'showmigrations', 'makemigrations']],
  ['makemigration', COMMANDS, 3, 0.6, ['makemigrations', 'showmigrations', 'migrate']],
  ['shell', COMMANDS, 3, 0.6, ['help']],
  ['tset', COMMANDS, 3, 0.6, ['test']],
  ['chek', COMMANDS, 3, 0.6, ['check']],
  ['', COMMANDS, 3, 0.6, []],
  ['x', ['', 'x', 'xx'], 3, 0.6, ['x', 'xx']],
  ['appel', ['ape', 'apple', 'peach', 'puppy'], 3, 0.6, ['apple', 'ape']],
  ['wheel', ['while', 'for', 'if', 'with', 'except', 'yield', 'else', 'import'], 3, 0.6, ['while']],
  [
    'startprojet',
    ['startproject', 'startapp', 'help', 'version'],
    3,
    0.6,
    ['startproject', 'startapp'],
  ],
  [
    'startap',
    ['startproject', 'startapp', 'help', 'version'],
    3,
    0.6,
    ['startapp', 'startproject'],
  ],
  ['--instal', STARTPROJECT_MORE, 3, 0.6, ['--install', '--no-install']],
  ['--dryrun', STARTPROJECT_MORE, 3, 0.6, ['--dry-run']],
  ['--forse', STARTPROJECT, 3, 0.6, ['--force', '--format']],
  ['--deplyo', ['--deploy', '--help'], 3, 0.6, ['--deploy']],
  [
    '--no-reload',
    ['--noreload', '--workers', '--nothreading', '--ipv6', '-6', '--help'],
    3,
    0.6,
    ['--noreload', '--nothreading'],
  ],
  ['ab', ['ba', 'ab', 'ba'], 3, 0.6, ['ab']],
  // Equal scores come in descending string order (heapq.nlargest over (score, x) pairs).
  ['abc', ['acb', 'bac', 'cab', 'cba', 'bca'], 5, 0.0, ['cab', 'bca', 'bac', 'acb', 'cba']],
  ['ab', ['b', 'a'], 3, 0.0, ['b', 'a']],
  ['aaaa', ['aaab', 'aaba', 'abaa', 'baaa'], 2, 0.6, ['baaa', 'aaba']],
  ['aaaa', ['aaab', 'aaba', 'abaa', 'baaa'], 4, 0.6, ['baaa', 'aaba', 'aaab']],
  ['abcd', ['bcda', 'dabc', 'abdc'], 3, 0.6, ['dabc', 'bcda', 'abdc']],
  ['tutorail', ['tutorial', 'minimal'], 3, 0.6, ['tutorial']],
  // Unicode: compared by code point, ordered by code point (not by UTF-16 unit).
  ['café', ['cafe', 'café', 'caffè', 'cafés'], 3, 0.6, ['café', 'cafés', 'cafe']],
  ['naïve', ['naive', 'naïf', 'native'], 3, 0.5, ['naive', 'native', 'naïf']],
  ['😀x', ['😀y', '😁x', 'x'], 3, 0.3, ['x', '😁x', '😀y']],
  ['\ue000a', ['\u{1f600}a', '\ue001a'], 3, 0.3, ['\u{1f600}a', '\ue001a']],
  ['\ue000', ['\u{1f600}', '\ue001'], 3, 0.0, ['\u{1f600}', '\ue001']],
  // Python's tie-breaking inside find_longest_match, and its asymmetry.
  ['abxcd', ['abcd'], 1, 0.0, ['abcd']],
  ['qabxcd', ['abycdf'], 1, 0.0, ['abycdf']],
  [
    'private Thread currentThread;',
    ['private volatile Thread currentThread;', 'private Thread currentThread'],
    3,
    0.0,
    ['private Thread currentThread', 'private volatile Thread currentThread;'],
  ],
];

/** [candidate, word, SequenceMatcher(None, candidate, word).ratio()], autojunk at work. */
const LONG: [string, string, number][] = [
  ['a'.repeat(249) + 'b', 'a'.repeat(250) + 'b', 0.998003992015968],
  ['ab'.repeat(100), 'a'.repeat(250) + 'b', 0.008869179600886918],
  ['y'.repeat(300), 'x'.repeat(10) + 'y'.repeat(300), 0.0],
  ['xy'.repeat(150), 'x'.repeat(10) + 'y'.repeat(300), 0.003278688524590164],
  [
    'the quick brown dog jumps over the lazy fox '.repeat(5),
    'the quick brown fox jumps over the lazy dog '.repeat(5),
    0.07272727272727272,
  ],
];

describe('getCloseMatches (difflib.get_close_matches)', () => {
  it.each(TABLE)('%j in %j (n=%d, cutoff=%d)', (word, possibilities, n, cutoff, expected) => {
    expect(getCloseMatches(word, possibilities, n, cutoff)).toEqual(expected);
  });

  it('uses n=3 and cutoff=0.6 by default, as Django does', () => {
    expect(getCloseMatches('migrat', COMMANDS)).toEqual([
      'migrate',
      'showmigrations',
      'makemigrations',
    ]);
    expect(getCloseMatches('shel', ['shell', 'sh'])).toEqual(['shell', 'sh']);
    expect(getCloseMatches('shel', ['xyz'])).toEqual([]);
  });

  it.each(LONG)('treats popular elements of a 200+ long word as junk (%#)', (x, word, ratio) => {
    expect(getCloseMatches(word, [x], 1, 0.0)).toEqual([x]);
    expect(getCloseMatches(word, [x], 1, ratio)).toEqual([x]);
    expect(getCloseMatches(word, [x], 1, Math.min(1, ratio + 1e-9))).toEqual([]);
  });

  it('refuses what Python refuses', () => {
    expect(() => getCloseMatches('a', ['a'], 0)).toThrow(RangeError);
    expect(() => getCloseMatches('a', ['a'], 3, 1.5)).toThrow(RangeError);
  });

  it('agrees with the local python3 on 400 random words', async () => {
    const alphabet = ['a', 'b', 'c', 'd', '-', 'é', '😀', '\ue000'];
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const word = () =>
      Array.from(
        { length: Math.floor(random() * 7) },
        () => alphabet[Math.floor(random() * 8)],
      ).join('');
    const cases = Array.from({ length: 400 }, () => ({
      word: word(),
      possibilities: Array.from({ length: 1 + Math.floor(random() * 6) }, word),
      n: 1 + Math.floor(random() * 3),
      cutoff: [0, 0.3, 0.5, 0.6, 0.75][Math.floor(random() * 5)]!,
    }));
    const script =
      'import difflib, json, sys\n' +
      'cases = json.load(sys.stdin)\n' +
      "print(json.dumps([difflib.get_close_matches(c['word'], c['possibilities'], c['n'], c['cutoff']) for c in cases]))";
    const python = await new Promise<string>((resolve, reject) => {
      const child = execFile('python3', ['-c', script], (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      );
      child.stdin!.end(JSON.stringify(cases));
    });
    const expected = JSON.parse(python) as string[][];
    expect(cases.map((c) => getCloseMatches(c.word, c.possibilities, c.n, c.cutoff))).toEqual(
      expected,
    );
  });
});

/** [text, repr(text)] as CPython 3.11 prints them. */
const REPR: [string, string][] = [
  ['runserve', "'runserve'"],
  ["it's", `"it's"`],
  ['say "hi"', `'say "hi"'`],
  [`both ' and "`, `'both \\' and "'`],
  ['back\\slash', "'back\\\\slash'"],
  ['tab\there', "'tab\\there'"],
  ['new\nline', "'new\\nline'"],
  ['cr\r', "'cr\\r'"],
  ['nul\x00', "'nul\\x00'"],
  ['del\x7f', "'del\\x7f'"],
  ['esc\x1b[31m', "'esc\\x1b[31m'"],
  ['café', "'café'"],
  ['naïve space', "'naïve space'"],
  ['日本語', "'日本語'"],
  ['😀', "'😀'"],
  ['nbsp\xa0x', "'nbsp\\xa0x'"],
  ['soft\xadhyphen', "'soft\\xadhyphen'"],
  ['zwj\u200dx', "'zwj\\u200dx'"],
  ['line\u2028sep', "'line\\u2028sep'"],
  ['private\ue000use', "'private\\ue000use'"],
  ['ideographic\u3000space', "'ideographic\\u3000space'"],
  ['\x85nel', "'\\x85nel'"],
  ['', "''"],
  [' ', "' '"],
  ['--bogus', "'--bogus'"],
  ['-- "--bogus"', `'-- "--bogus"'`],
  ['x\u{e0001}tag', "'x\\U000e0001tag'"],
  ['unassigned\u0378', "'unassigned\\u0378'"],
];

describe("repr (Python's repr of a str)", () => {
  it.each(REPR)('%j is %s', (text, expected) => {
    expect(repr(text)).toBe(expected);
  });
});
