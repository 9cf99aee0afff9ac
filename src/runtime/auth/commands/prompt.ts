/**
 * Terminal input for `createsuperuser` and `changepassword` (Python's `input()` and
 * `getpass.getpass()`): a question echoes what is typed, a password does not. On a terminal
 * stdin is read in raw mode, so nothing of the password reaches the screen; piped input is read
 * line by line (as `getpass` falls back to). Ctrl-C or Ctrl-D at a prompt cancels the command.
 */
import { CommandError } from '../../management/base.js';

/** What the commands read through; tests hand in a scripted one. */
export interface PromptIO {
  /** True when the user can answer (stdin is a terminal). */
  readonly interactive: boolean;
  /** Asks `prompt` and returns the line typed (without the newline). */
  question(prompt: string): Promise<string>;
  /** Asks `prompt` without echoing what is typed. */
  password(prompt: string): Promise<string>;
  /** Releases stdin so the process can exit. */
  close(): void;
}

/** Ctrl-C or end of input at a prompt (Python's `KeyboardInterrupt`/`EOFError`). */
export class PromptCancelled extends CommandError {
  override name = 'PromptCancelled';
  constructor() {
    super('Operation cancelled.', 1);
  }
}

/**
 * The process's stdin and stdout as a `PromptIO`.
 *
 * @example
 * const io = terminalPrompt();
 * try { const name = await io.question('Username: '); } finally { io.close(); }
 */
export function terminalPrompt(
  stdin: NodeJS.ReadStream = process.stdin,
  stdout: NodeJS.WriteStream = process.stdout,
): PromptIO {
  let buffered = '';
  let ended = false;
  const waiting: (() => void)[] = [];
  let listening = false;

  const onData = (chunk: Buffer | string): void => {
    buffered += chunk.toString();
    for (const wake of waiting.splice(0)) wake();
  };
  const onEnd = (): void => {
    ended = true;
    for (const wake of waiting.splice(0)) wake();
  };
  const listen = (): void => {
    if (listening) return;
    listening = true;
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  };
  const next = (): Promise<void> =>
    new Promise((resolve) => {
      waiting.push(resolve);
    });

  /**
   * Shows `prompt` and reads one line; on a terminal, character by character with our own echo.
   * The terminal leaves its echoing mode before the prompt is shown, so nothing typed in answer
   * to it (a password) can be echoed by the terminal itself.
   */
  async function readLine(prompt: string, echo: boolean): Promise<string> {
    listen();
    const raw = stdin.isTTY === true;
    if (raw) stdin.setRawMode(true);
    stdout.write(prompt);
    try {
      let line = '';
      for (;;) {
        while (buffered === '') {
          if (ended) throw new PromptCancelled();
          await next();
        }
        const text = buffered;
        buffered = '';
        for (let i = 0; i < text.length; i++) {
          const c = text[i]!;
          if (c === '\r' || c === '\n') {
            // Keep what follows for the next prompt (a paste of several lines).
            buffered = text.slice(c === '\r' && text[i + 1] === '\n' ? i + 2 : i + 1);
            if (raw) stdout.write('\n');
            return line;
          }
          if (raw && (c === '\u0003' || (c === '\u0004' && line === ''))) {
            stdout.write('\n');
            throw new PromptCancelled();
          }
          if (raw && (c === '\u007f' || c === '\b')) {
            if (line) {
              line = [...line].slice(0, -1).join('');
              if (echo) stdout.write('\b \b');
            }
            continue;
          }
          line += c;
          if (raw && echo) stdout.write(c);
        }
        if (ended && buffered === '') return line;
      }
    } finally {
      if (raw) stdin.setRawMode(false);
    }
  }

  return {
    interactive: stdin.isTTY === true,
    async question(prompt) {
      return readLine(prompt, true);
    },
    async password(prompt) {
      return readLine(prompt, false);
    },
    close() {
      if (!listening) return;
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      listening = false;
    },
  };
}
