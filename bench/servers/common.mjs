// Shared by the peer servers of the benchmark (bench/run.mjs starts each in its own process).
import { readFileSync } from 'node:fs';

/**
 * The hits page every server sends: the bytes the generated Tango project renders for `hits/`,
 * split around the count (bench/run.mjs captures them into $BENCH_PAGE_FILE), so every server
 * sends the same body and only the framework differs. Without the file, a small page.
 */
export function loadPage() {
  const file = process.env.BENCH_PAGE_FILE;
  if (file) return JSON.parse(readFileSync(file, 'utf8'));
  return { prefix: '<!DOCTYPE html><title>hits</title><p>Number of Hits are: ', suffix: '</p>\n' };
}

export const HELLO = 'Hello, world!';

/**
 * The CSRF scenario (`/form/`): a GET sends a form carrying the framework's CSRF token (and its
 * CSRF cookie); a POST of it (the field `field`, plus `name=bench`) is answered with
 * `formDone(name)` once the token is verified, and refused with 403 otherwise.
 */
export function formPage(field, token) {
  return (
    '<!DOCTYPE html><title>form</title><form method="post" action="/form/">' +
    `<input type="hidden" name="${field}" value="${token}"><input name="name">` +
    '<button>Send</button></form>\n'
  );
}

export const formDone = (name) => `<p>Thanks, ${name}.</p>\n`;
export const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';

/** Listens on 127.0.0.1:$BENCH_PORT (0 = any free port) and prints the URL bench/run.mjs waits for. */
export function listen(server) {
  const port = Number(process.env.BENCH_PORT ?? 0);
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`listening at http://127.0.0.1:${server.address().port}/\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
