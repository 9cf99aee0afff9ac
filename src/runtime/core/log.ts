/**
 * Minimal named loggers (Django's `logging` names: `tango.request`, `tango.server`,
 * `tango.security.<Name>`). One line per record on stderr; tests swap the sink.
 */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

export type LogSink = (logger: string, level: LogLevel, message: string) => void;

const defaultSink: LogSink = (_logger, _level, message) => {
  process.stderr.write(message.endsWith('\n') ? message : message + '\n');
};

let sink: LogSink = defaultSink;

/**
 * Replaces where log records go (tests capture them); returns a function restoring the old sink.
 *
 * @example
 * const lines: string[] = [];
 * const restore = setLogSink((name, level, msg) => lines.push(`${level} ${name} ${msg}`));
 */
export function setLogSink(next: LogSink): () => void {
  const previous = sink;
  sink = next;
  return () => {
    sink = previous;
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
