const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad = (n: number): string => (n < 10 ? '0' + n : String(n));

/**
 * One access-log line like Django's runserver (`django.server` logger):
 * `[22/Nov/2026 07:09:04] "GET /hits/ HTTP/1.1" 200 113`. Local time, as Django prints it.
 *
 * @example
 * formatRequestLine(new Date(), 'GET', '/hits/', '1.1', 200, 113);
 */
export function formatRequestLine(
  when: Date,
  method: string,
  url: string,
  httpVersion: string,
  status: number,
  size: number,
): string {
  const stamp = `${pad(when.getDate())}/${MONTHS[when.getMonth()]}/${when.getFullYear()} ${pad(when.getHours())}:${pad(when.getMinutes())}:${pad(when.getSeconds())}`;
  return `[${stamp}] "${method} ${url} HTTP/${httpVersion}" ${status} ${size}`;
}

/**
 * One access-log record as a JSON line (`LOGGING.format: 'json'`): the request line's fields,
 * the status, the bytes sent, the time from the request's arrival to the response's write in
 * milliseconds, and the request id when `LOGGING.requestIdHeader` is set. Built by hand: the
 * strings are escaped with `JSON.stringify`, the rest are numbers: 25-45 % cheaper than
 * stringifying an object and about 1.4-1.8 µs per request more than the text line
 * (bench/logging.mjs).
 *
 * @example
 * formatRequestJson(new Date(), 'GET', '/hits/', '1.1', 200, 113, 1.25);
 * // {"time":"2026-11-22T07:09:04.000Z","level":"INFO","logger":"tango.server","method":"GET",...}
 */
export function formatRequestJson(
  when: Date,
  method: string,
  url: string,
  httpVersion: string,
  status: number,
  size: number,
  durationMs: number,
  requestId?: string,
): string {
  return (
    `{"time":"${when.toISOString()}","level":"${status >= 500 ? 'ERROR' : status >= 400 ? 'WARNING' : 'INFO'}","logger":"tango.server"` +
    `,"method":${JSON.stringify(method)},"path":${JSON.stringify(url)},"protocol":"HTTP/${httpVersion}"` +
    `,"status":${status},"size":${size},"durationMs":${Math.round(durationMs * 1000) / 1000}` +
    (requestId === undefined ? '' : `,"requestId":${JSON.stringify(requestId)}`) +
    '}'
  );
}

/** Longest request id carried over from a client's header; longer ones are replaced. */
const MAX_REQUEST_ID = 200;
/** Visible ASCII only: the id goes into log lines and must not forge or break one. */
const REQUEST_ID = /^[\x21-\x7e]+$/;

/**
 * The request id for `LOGGING.requestIdHeader`: the header's value when it is a sane token
 * (visible ASCII, at most 200 characters; a proxy such as nginx's `$request_id` or a load
 * balancer's `X-Request-ID` sets it), otherwise a fresh random UUID, so every line of a
 * request can be correlated even when no proxy set one.
 *
 * @example
 * requestIdFrom(req.headers['x-request-id'], newId); // '7f3c...' or a new UUID
 */
export function requestIdFrom(value: string | string[] | undefined, fresh: () => string): string {
  const first = Array.isArray(value) ? value[0] : value;
  return first !== undefined && first.length <= MAX_REQUEST_ID && REQUEST_ID.test(first)
    ? first
    : fresh();
}
