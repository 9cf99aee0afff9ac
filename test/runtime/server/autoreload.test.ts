/**
 * The reloader's process handling with a plain Node child (the whole thing with tsx and a
 * generated project is test/e2e/autoreload.test.ts): a change restarts the child; a child
 * that fails is started again by the next change instead of ending the reloader; a child that
 * ignores SIGTERM is killed; a child can have more folders watched.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runWithReloader, WATCH_MESSAGE } from '../../../src/runtime/server/autoreload.js';
import { terminalStyle } from '../../../src/runtime/server/terminal.js';
import { tempDir } from '../../e2e/helpers.js';

/**
 * The child: records each start in starts.log (not a watched file), then does what mode.json
 * says: serve until SIGTERM, fail with 1, exit 0, ignore SIGTERM, or ask to watch a folder.
 */
const CHILD = `
import { appendFileSync, readFileSync } from 'node:fs';
const dir = process.argv[2];
const { mode, folder } = JSON.parse(readFileSync(dir + '/mode.json', 'utf8'));
appendFileSync(dir + '/starts.log', mode + ' ' + process.pid + '\\n');
if (mode === 'fail') process.exit(1);
if (mode === 'exit0') process.exit(0);
if (mode === 'watch') process.send({ type: ${JSON.stringify(WATCH_MESSAGE)}, folders: [folder] });
process.on('SIGTERM', () => { if (mode !== 'stubborn') process.exit(0); });
setInterval(() => {}, 1000);
`;

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('runWithReloader', () => {
  let root: Awaited<ReturnType<typeof tempDir>>;
  let lines: string[];
  let starts: () => Promise<string[]>;
  let running: Promise<number> | undefined;

  const setMode = (mode: object) =>
    writeFile(path.join(root.dir, 'mode.json'), JSON.stringify(mode));
  const startsReach = (n: number) =>
    until(async () => ((await starts()).length >= n ? await starts() : undefined), `${n} starts`);

  beforeEach(async () => {
    root = await tempDir('tango-reloader-');
    lines = [];
    await writeFile(path.join(root.dir, 'child.mjs'), CHILD);
    starts = async () =>
      (await readFile(path.join(root.dir, 'starts.log'), 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean);
  });

  afterEach(async () => {
    // A test that failed half-way leaves a child serving: make it exit 0 and let the reloader end.
    if (running) {
      await setMode({ mode: 'exit0' });
      await running;
    }
    await root.cleanup();
  });

  const start = (extra: { stopTimeoutMs?: number } = {}) => {
    running = runWithReloader({
      roots: [root.dir],
      log: (line) => lines.push(line),
      style: terminalStyle({ isTTY: false }),
      command: { script: path.join(root.dir, 'child.mjs'), args: [root.dir], execArgv: [] },
      debounceMs: 50,
      ...extra,
    });
    return running;
  };

  it('restarts on a change, waits after a failure, comes back on the fix, ends when the child exits 0', async () => {
    await setMode({ mode: 'serve' });
    const done = start();
    await startsReach(1);
    await setMode({ mode: 'serve', n: 2 });
    await startsReach(2);
    expect(lines).toContain('mode.json changed, reloading.');

    await setMode({ mode: 'fail' });
    await startsReach(3);
    await until(
      async () => (lines.some((l) => l.startsWith('Watching for file changes')) ? true : undefined),
      'the waiting line',
    );
    // Nothing restarts it until a file changes.
    await new Promise((r) => setTimeout(r, 300));
    expect(await starts()).toHaveLength(3);

    await setMode({ mode: 'serve' });
    await startsReach(4);
    await setMode({ mode: 'exit0' });
    expect(await done).toBe(0);
    running = undefined;
    expect((await starts()).map((l) => l.split(' ')[0])).toEqual([
      'serve',
      'serve',
      'fail',
      'serve',
      'exit0',
    ]);
  });

  it('kills a child that ignores SIGTERM', async () => {
    await setMode({ mode: 'stubborn' });
    start({ stopTimeoutMs: 200 });
    await startsReach(1);
    await setMode({ mode: 'serve' });
    const [, second] = await startsReach(2);
    expect(second).toMatch(/^serve /);
  });

  it('watches the folders a child asks for', async () => {
    const other = await tempDir('tango-reloader-other-');
    try {
      await setMode({ mode: 'watch', folder: other.dir });
      start();
      await startsReach(1);
      // The message arrives asynchronously; give it a moment before editing there.
      await new Promise((r) => setTimeout(r, 200));
      await writeFile(path.join(other.dir, 'late.ts'), 'export {};\n');
      await startsReach(2);
      expect(lines.some((l) => l.endsWith('late.ts changed, reloading.'))).toBe(true);
    } finally {
      await other.cleanup();
    }
  });
});
