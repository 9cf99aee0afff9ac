/**
 * A real pseudo-terminal for CLI tests: python3's `pty` module runs the command with a
 * terminal as its stdin, stdout and stderr (100 columns), and relays between that terminal
 * and pipes the test reads and writes, as a person's terminal emulator would. Keys are sent
 * as typed (`'\r'` is Enter, `'\x1b[B'` the down arrow, `'\x03'` Ctrl-C).
 */
import { spawn } from 'node:child_process';

const DRIVER = `
import os, pty, select, signal, struct, sys, fcntl, termios
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 30, 100, 0, 0))
    os.execvp(sys.argv[1], sys.argv[1:])
stdin_open = True
while True:
    ready, _, _ = select.select([fd] + ([0] if stdin_open else []), [], [])
    if fd in ready:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if not data:
            break
        os.write(1, data)
    if 0 in ready:
        data = os.read(0, 65536)
        if data:
            os.write(fd, data)
        else:
            stdin_open = False
_, status = os.waitpid(pid, 0)
sys.exit(128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))
`;

/** Escape sequences (colours, cursor moves), removed to read the screen's text. */
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-Za-z]|\x1b[=>]/g;

/** A command running on a pseudo-terminal. */
export interface TerminalSession {
  /** Everything the command wrote so far, escape sequences included. */
  raw(): string;
  /** The same without escape sequences. */
  text(): string;
  /** Resolves once `text()` contains `expected` (after what `since` had), or rejects after `timeout` ms. */
  waitFor(expected: string | RegExp, options?: { since?: number; timeout?: number }): Promise<void>;
  /** Types keys. */
  type(keys: string): void;
  /** Resolves with the exit status (128 + N for signal N). */
  exit: Promise<number>;
}

/**
 * Runs `command args` on a pseudo-terminal in `cwd` with `env` added to the environment.
 *
 * @example
 * const session = runInTerminal(process.execPath, ['cli.js'], dir);
 * await session.waitFor('Project name');
 * session.type('mysite\r');
 */
export function runInTerminal(
  command: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): TerminalSession {
  const child = spawn('python3', ['-c', DRIVER, command, ...args], {
    cwd,
    // A terminal as a user has it: Node reports 2 colours (hasColors() false) on a TTY when
    // CI is set, which the test run itself may be (CI=true in .ci/run).
    env: { ...process.env, CI: undefined, TERM: 'xterm-256color', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  });
  const exit = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
  const text = () => output.replace(ANSI, '');
  return {
    raw: () => output,
    text,
    exit,
    type: (keys) => {
      child.stdin.write(keys);
    },
    waitFor(expected, { since = 0, timeout = 15_000 } = {}) {
      const found = () => {
        const seen = text().slice(since);
        return typeof expected === 'string' ? seen.includes(expected) : expected.test(seen);
      };
      if (found()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(
            new Error(`timed out waiting for ${String(expected)}; the terminal shows:\n${text()}`),
          );
        }, timeout);
        const check = () => {
          if (!found()) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        listeners.add(check);
        void exit.then(() => setTimeout(check, 50));
      });
    },
  };
}
