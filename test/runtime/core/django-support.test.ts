/**
 * test/support/django.ts, which finds Django 3.2 and builds or finds Django 5.2 for the live
 * interop tests: unavailable interpreters skip with a reason (and fail under CI), and the 5.2
 * venv is built once even when several test files ask at the same time. The venv build runs
 * against a fake `python3` (a shell script), so these tests need neither Python nor a network.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  django32Python,
  django52Python,
  djangoPythons,
  resetAnnouncements,
} from '../../support/django.js';

let dir: string;
let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tango-django-support-'));
  resetAnnouncements();
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  warn.mockRestore();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A fake base `python3`: `-m venv DIR` makes DIR/bin/python, which answers
 * `-m pip install ...` (counting installs in `builds`, after `delay` seconds) and
 * `-c 'import django...'` (printing `version` once installed).
 */
function fakeBasePython(version = '5.2.99', delay = 0.3): string {
  const venvPython = `#!/bin/sh
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
  sleep ${delay}
  echo x >> "${dir}/builds"
  touch "$here/installed"
  exit 0
fi
if [ "$1" = "-c" ]; then
  [ -f "$here/installed" ] || { echo "ModuleNotFoundError: No module named 'django'" >&2; exit 1; }
  echo "${version}"
  exit 0
fi
exit 2
`;
  const base = path.join(dir, 'python3');
  writeFileSync(
    base,
    `#!/bin/sh
[ "$1" = "-m" ] && [ "$2" = "venv" ] || exit 2
mkdir -p "$3/bin"
cat > "$3/bin/python" <<'PY'
${venvPython}PY
chmod +x "$3/bin/python"
`,
  );
  chmodSync(base, 0o755);
  return base;
}

const builds = (): number =>
  existsSync(path.join(dir, 'builds'))
    ? readFileSync(path.join(dir, 'builds'), 'utf8').trim().split('\n').length
    : 0;

describe('Django 3.2 lookup', () => {
  it('reports a missing interpreter as unavailable, with the reason, and warns once', async () => {
    const env = { TANGO_DJANGO32_PYTHON: '/nonexistent/python3' };
    expect(await django32Python({ env, ci: false })).toEqual({
      series: '3.2',
      available: false,
      reason: '/nonexistent/python3 was not found',
    });
    await django32Python({ env, ci: false });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toContain('SKIPPED');
  });

  it('reports an interpreter that cannot import django as unavailable', async () => {
    // /bin/false exists and exits 1, as `python3 -c "import django"` does without Django.
    expect(
      await django32Python({ env: { TANGO_DJANGO32_PYTHON: '/bin/false' }, ci: false }),
    ).toEqual({
      series: '3.2',
      available: false,
      reason: '/bin/false cannot import django',
    });
  });

  it('fails instead of skipping under CI, so the live suites cannot silently vanish there', async () => {
    await expect(
      django32Python({ env: { TANGO_DJANGO32_PYTHON: '/nonexistent/python3' }, ci: true }),
    ).rejects.toThrow(
      /CI=true and Django 3\.2 is unavailable \(\/nonexistent\/python3 was not found\): the live Django interop tests must not skip in CI/,
    );
    await expect(
      django32Python({ env: { CI: 'true', TANGO_DJANGO32_PYTHON: '/bin/false' } }),
    ).rejects.toThrow(/cannot import django/);
  });
});

describe('Django 5.2 lookup', () => {
  it('TANGO_DJANGO52_PYTHON is used as given, and must have Django 5.2', async () => {
    const base = fakeBasePython('5.2.17');
    const venv = path.join(dir, 'given');
    await new Promise((resolve) => spawn(base, ['-m', 'venv', venv]).on('close', resolve));
    const python = path.join(venv, 'bin', 'python');
    const env = { TANGO_DJANGO52_PYTHON: python };
    expect(await django52Python({ env, ci: false })).toMatchObject({
      available: false,
      reason: `${python} cannot import django`,
    });
    writeFileSync(path.join(venv, 'installed'), '');
    expect(await django52Python({ env, ci: false })).toEqual({
      series: '5.2',
      available: true,
      python,
      version: '5.2.17',
    });
    expect(
      await django52Python({ env: { TANGO_DJANGO52_PYTHON: '/bin/false' }, ci: false }),
    ).toMatchObject({ available: false, reason: '/bin/false cannot import django' });
  });

  it('refuses another Django version', async () => {
    const cacheDir = path.join(dir, 'cache');
    const result = await django52Python({
      env: {},
      ci: false,
      cacheDir,
      basePythons: [fakeBasePython('3.2.25')],
    });
    expect(result).toMatchObject({ available: false });
    expect(result.reason).toMatch(/has Django 3\.2\.25, not 5\.2\.x$/);
  });

  it('builds the venv once for parallel callers, then reuses it', async () => {
    const cacheDir = path.join(dir, 'cache');
    const options = { env: {}, ci: false, cacheDir, basePythons: [fakeBasePython()] };
    const results = await Promise.all([
      django52Python(options),
      django52Python(options),
      django52Python(options),
    ]);
    for (const result of results) {
      expect(result).toEqual({
        series: '5.2',
        available: true,
        python: path.join(cacheDir, 'venv', 'bin', 'python'),
        version: '5.2.99',
      });
    }
    expect(builds()).toBe(1);
    expect(JSON.parse(readFileSync(path.join(cacheDir, 'ready.json'), 'utf8'))).toMatchObject({
      requirement: 'django==5.2.*',
    });
    expect(existsSync(path.join(cacheDir, 'lock'))).toBe(false);
    await django52Python(options);
    expect(builds()).toBe(1);
    // Another requirement is another build.
    await django52Python({ ...options, requirement: 'django==5.2.99' });
    expect(builds()).toBe(2);
  });

  it('takes over a lock left by a dead process, and waits for a live one', async () => {
    const cacheDir = path.join(dir, 'cache');
    const lock = path.join(cacheDir, 'lock');
    mkdirSync(lock, { recursive: true });
    // PIDs above the kernel's pid_max do not exist.
    writeFileSync(
      path.join(lock, 'owner.json'),
      JSON.stringify({ pid: 2 ** 30, started: Date.now() }),
    );
    const options = { env: {}, ci: false, cacheDir, basePythons: [fakeBasePython()] };
    expect(await django52Python(options)).toMatchObject({ available: true });
    expect(builds()).toBe(1);

    rmSync(path.join(cacheDir, 'ready.json'));
    mkdirSync(lock);
    writeFileSync(
      path.join(lock, 'owner.json'),
      JSON.stringify({ pid: process.pid, started: Date.now() }),
    );
    const waited = await django52Python({ ...options, waitMs: 1_000 });
    expect(waited).toMatchObject({ available: false });
    expect(waited.reason).toMatch(/^timed out waiting for another process to build /);
    expect(builds()).toBe(1);
  });

  it('a venv that cannot be made is unavailable with the reason; under CI, an error', async () => {
    const options = {
      env: {},
      cacheDir: path.join(dir, 'cache'),
      basePythons: ['/nonexistent/python3', '/bin/false'],
    };
    const result = await django52Python({ ...options, ci: false });
    expect(result).toMatchObject({ available: false });
    expect(result.reason).toMatch(
      /^could not create a venv \(\/nonexistent\/python3 -m venv: .*; \/bin\/false -m venv: .*\)$/,
    );
    await expect(django52Python({ ...options, ci: true })).rejects.toThrow(
      /CI=true and Django 5\.2 is unavailable \(could not create a venv/,
    );
  });

  it('djangoPythons lists 3.2 then 5.2', async () => {
    const pythons = await djangoPythons({
      env: { TANGO_DJANGO32_PYTHON: '/bin/false', TANGO_DJANGO52_PYTHON: '/bin/false' },
      ci: false,
    });
    expect(pythons.map((p) => [p.series, p.available])).toEqual([
      ['3.2', false],
      ['5.2', false],
    ]);
  });
});
