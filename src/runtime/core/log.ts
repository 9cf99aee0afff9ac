/**
 * Minimal named loggers (Django's `logging` names: `tango.request`, `tango.server`,
 * `tango.security.<Name>`). One line per record on stderr: the message as it is (Django's
 * text format), or with `LOGGING.format: 'json'` one JSON object per line
 * (`{"time","level","logger","message","requestId"?}`) for a log collector. Tests swap the sink.
 *
 * Not pino: measured with bench/logging.mjs (formatting plus writing to /dev/null, ns per
 * line, two runs): Tango's hand-built JSON access line 2,012-2,865, `JSON.stringify` of the
 * same object 2,729-5,093, pino 9.14 with its sonic-boom destination 7,731-10,252; the text
 * line 664-1,083. pino would cost more and add a dependency; the server already batches its
 * writes once per turn of the event loop, which is what pino's async destination offers.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

export type LogSink = (logger: string, level: LogLevel, message: string) => void;

/** `LOGGING.format`. */
export type LogFormat = 'text' | 'json';

/** The request a record is logged for (its id), while a request runs. */
const requestContext = new AsyncLocalStorage<string>();

/**
 * Runs `fn` with `requestId` as the id every record logged inside it carries (the JSON
 * format's `requestId` field). The server calls it when `LOGGING.requestIdHeader` is set.
 *
 * @example
 * await withRequestId('7f3c...', () => app.handle(request));
 */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return requestContext.run(requestId, fn);
}

/** The id of the request being handled, if one was set with `withRequestId`. */
export function currentRequestId(): string | undefined {
  return requestContext.getStore();
}

/** Where the default sinks write; tests replace it. */
let write = (text: string): void => {
  process.stderr.write(text);
};

const textSink: LogSink = (_logger, _level, message) => {
  write(message.endsWith('\n') ? message : message + '\n');
};

/**
 * One JSON object per line. Keys in a fixed order; `message` is the text as the text format
 * prints it (a trailing newline dropped), so a stack trace stays one field.
 */
export function formatJsonRecord(
  logger: string,
  level: LogLevel,
  message: string,
  when: Date = new Date(),
  requestId: string | undefined = currentRequestId(),
): string {
  const record: Record<string, string> = {
    time: when.toISOString(),
    level,
    logger,
    message: message.endsWith('\n') ? message.slice(0, -1) : message,
  };
  if (requestId !== undefined) record.requestId = requestId;
  return JSON.stringify(record);
}

const jsonSink: LogSink = (logger, level, message) => {
  write(formatJsonRecord(logger, level, message) + '\n');
};

let format: LogFormat = 'text';
let sink: LogSink = textSink;
let custom = false;

/**
 * Chooses the default sink's format (`LOGGING.format`), once at start-up. A sink set with
 * `setLogSink` stays in place.
 *
 * @example
 * configureLogging('json');
 */
export function configureLogging(next: LogFormat, output?: (text: string) => void): void {
  format = next;
  if (output) write = output;
  if (!custom) sink = format === 'json' ? jsonSink : textSink;
}

/** The configured `LOGGING.format`. */
export function logFormat(): LogFormat {
  return format;
}

/**
 * Replaces where log records go (tests capture them); returns a function restoring the old sink.
 *
 * @example
 * const lines: string[] = [];
 * const restore = setLogSink((name, level, msg) => lines.push(`${level} ${name} ${msg}`));
 */
export function setLogSink(next: LogSink): () => void {
  const previous = sink;
  const previousCustom = custom;
  sink = next;
  custom = true;
  return () => {
    custom = previousCustom;
    sink = custom ? previous : format === 'json' ? jsonSink : textSink;
  };
}

/** A named logger. */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

/**
 * Returns the logger with this name.
 *
 * @example
 * getLogger('tango.request').error('Internal Server Error: /hits/');
 */
export function getLogger(name: string): Logger {
  return {
    info: (message) => sink(name, 'INFO', message),
    warning: (message) => sink(name, 'WARNING', message),
    error: (message) => sink(name, 'ERROR', message),
  };
}
