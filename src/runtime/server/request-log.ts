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
