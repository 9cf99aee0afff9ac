/**
 * Colour for the command-line programs (`tango-admin`, `manage.ts`) and the development
 * server's log, as Django's `django.core.management.color` styles and
 * `django.utils.log.ServerFormatter` give it: on a terminal that supports colour, never when
 * the output is piped or `NO_COLOR` is set (https://no-color.org/); `FORCE_COLOR` forces it
 * on (or off with `0`/`false`) as it does for Node itself (https://force-color.org/). It lives
 * in src/common so both the CLI and the runtime use it (server/terminal.ts re-exports it).
 *
 * A dozen SGR codes need no library. `util.styleText` (Node 20.12+) is not used: whether it
 * checks the terminal at all changed between Node releases, and where it does it looks at
 * stdout by default, while the server writes its log to stderr (piping stdout alone would turn
 * the log's colours off).
 */

/** The subset of a stream that decides whether it gets colour (`tty.WriteStream` has both). */
export interface ColorTarget {
  isTTY?: boolean;
  hasColors?(env?: object): boolean;
}

type Paint = (text: string) => string;

/** Named styles, Django's palette names (termcolors.py, the default "dark" palette). */
export interface TerminalStyle {
  /** True when the styles add escape codes. */
  readonly enabled: boolean;
  /** ERROR: red bold. */
  error: Paint;
  /** WARNING: yellow bold. */
  warning: Paint;
  /** NOTICE: red. */
  notice: Paint;
  /** SUCCESS: green bold. */
  success: Paint;
  /** Bold, for emphasis inside a message (a file name). */
  bold: Paint;
  /** A whole access-log line, styled by its status code as Django's ServerFormatter does. */
  httpStatus(status: number, line: string): string;
}

const sgr =
  (open: string, close: string): Paint =>
  (text) =>
    `\x1b[${open}m${text}\x1b[${close}m`;
const bold = sgr('1', '22');
const red = sgr('31', '39');
const green = sgr('32', '39');
const yellow = sgr('33', '39');
const magenta = sgr('35', '39');
const cyan = sgr('36', '39');
const plain: Paint = (text) => text;

/** Django's ServerFormatter: 2xx plain, 1xx bold, 304 cyan, 3xx green, 404 yellow, 4xx red bold, the rest magenta bold. */
function httpStatus(status: number, line: string): string {
  if (status >= 200 && status < 300) return line;
  if (status >= 100 && status < 200) return bold(line);
  if (status === 304) return cyan(line);
  if (status >= 300 && status < 400) return green(line);
  if (status === 404) return yellow(line);
  if (status >= 400 && status < 500) return bold(red(line));
  return bold(magenta(line));
}

const COLORED: TerminalStyle = {
  enabled: true,
  error: (text) => bold(red(text)),
  warning: (text) => bold(yellow(text)),
  notice: red,
  success: (text) => bold(green(text)),
  bold,
  httpStatus,
};

const PLAIN: TerminalStyle = {
  enabled: false,
  error: plain,
  warning: plain,
  notice: plain,
  success: plain,
  bold: plain,
  httpStatus: (_status, line) => line,
};

/**
 * The styles for text written to `stream`. `NO_COLOR` (set and not empty) always means plain;
 * otherwise `FORCE_COLOR` decides when it is set (`0` and `false` plain, anything else
 * coloured, even through a pipe); otherwise the stream is coloured when it is a terminal that
 * supports colour (`hasColors()` also honours `NODE_DISABLE_COLORS` and `TERM=dumb`). Node
 * lets `FORCE_COLOR` win over `NO_COLOR`; here the user's "no colour" wins, as no-color.org
 * asks.
 *
 * @example
 * const style = terminalStyle(process.stderr);
 * process.stderr.write(style.error('SyntaxError') + ' in WebApp/views.ts\n');
 */
export function terminalStyle(
  stream: ColorTarget,
  env: Record<string, string | undefined> = process.env,
): TerminalStyle {
  if (env.NO_COLOR) return PLAIN;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force === '0' || force === 'false' ? PLAIN : COLORED;
  if (!stream.isTTY) return PLAIN;
  return stream.hasColors?.(env) ? COLORED : PLAIN;
}
