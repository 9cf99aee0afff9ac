/** `executeFromCommandLine`: help, unknown commands, CommandError output, check. */
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/runtime/conf/index.js';
import { executeFromCommandLine } from '../../../src/runtime/management/index.js';
import { parseAddrPort } from '../../../src/runtime/management/commands/runserver.js';
import { FIXTURE_SETTINGS } from '../fixture.js';

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await executeFromCommandLine(argv, {
    settings: await loadSettings(FIXTURE_SETTINGS),
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

describe('manage.ts', () => {
  it('lists built-in and app commands on help', async () => {
    const { code, stdout } = await run(['help']);
    expect(code).toBe(0);
    for (const name of [
      'check',
      'clearsessions',
      'makemigrations',
      'migrate',
      'runserver',
      'showmigrations',
      'startapp',
      'test',
    ]) {
      expect(stdout).toMatch(new RegExp(`^    ${name} `, 'm'));
    }
  });

  it("says Django's message for an unknown command (checklist #151)", async () => {
    const { code, stderr } = await run(['nosuchcommand']);
    expect(code).toBe(1);
    expect(stderr).toBe("Unknown command: 'nosuchcommand'\nType 'manage.ts help' for usage.\n");
  });

  it('reports a bad option as one CommandError line with exit 2', async () => {
    const { code, stderr } = await run(['check', '--bogus']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^CommandError: .*--bogus.*\n$/);
  });

  it('check loads the whole project and finds no issues (checklist #150)', async () => {
    const { code, stdout } = await run(['check']);
    expect(code).toBe(0);
    expect(stdout).toBe('System check identified no issues (0 silenced).\n');
  });

  it('check --deploy warns about development settings without failing', async () => {
    const { code, stdout } = await run(['check', '--deploy']);
    expect(code).toBe(0);
    expect(stdout).toContain('security.W012');
  });

  it('shows help for one command', async () => {
    const { stdout } = await run(['help', 'runserver']);
    expect(stdout).toContain('usage: manage.ts runserver [addrport]');
    expect(stdout).toContain('--noreload');
  });
});

describe('runserver address parsing (checklist #146)', () => {
  it.each([
    [undefined, '127.0.0.1', 8000],
    ['8080', '127.0.0.1', 8080],
    ['0.0.0.0:9000', '0.0.0.0', 9000],
    ['[::1]:8001', '::1', 8001],
    ['localhost:8002', '127.0.0.1', 8002],
  ])('%s -> %s:%d', (input, host, port) => {
    expect(parseAddrPort(input)).toEqual({ host, port });
  });

  it.each(['notaport', '1:2:3', '99999'])("rejects %s with Django's message", (input) => {
    expect(() => parseAddrPort(input)).toThrow(
      `"${input}" is not a valid port number or address:port pair.`,
    );
  });
});
