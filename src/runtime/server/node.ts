import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Application } from '../handlers/base.js';
import { responseForException } from '../handlers/base.js';
import { RequestDataTooBig } from '../http/errors.js';
import { HttpRequest } from '../http/request.js';
import type { HttpResponse } from '../http/response.js';
import { randomUUID } from 'node:crypto';
import { formatRequestJson, formatRequestLine, requestIdFrom } from './request-log.js';
import { terminalStyle } from './terminal.js';
import { configureLogging, getLogger, withRequestId } from '../core/log.js';
import { serverError } from '../views/defaults.js';

const serverLogger = getLogger('tango.server');

/** Options of `serve()`. */
export interface ServeOptions {
  /** Default `'127.0.0.1'`. */
  host?: string;
  /** Default 8000; 0 picks a free port. */
  port?: number;
  /**
   * Where access lines go; default stderr like Django's runserver, coloured by status code
   * when stderr is a terminal. `null` disables the log.
   */
  log?: ((line: string) => void) | null;
}

/** A running server. */
export interface RunningServer {
  readonly server: http.Server;
  readonly host: string;
  readonly port: number;
  readonly url: string;
  /**
   * Stops accepting connections, closes idle keep-alive connections, lets in-flight requests
   * finish (their responses carry `Connection: close`), then closes the app (its databases,
   * caches and session stores). With `timeout` (seconds), requests still running by then have
   * their connections closed and are logged; without it, they are awaited however long.
   */
  close(options?: CloseOptions): Promise<void>;
}

/** Options of `RunningServer.close()`. */
export interface CloseOptions {
  /** Seconds to wait for in-flight requests before closing their connections. */
  timeout?: number;
}

const STATUS_WITHOUT_BODY = new Set([204, 304]);

/**
 * Serves `app` on node:http, like Django's runserver: reads the body (up to
 * `DATA_UPLOAD_MAX_MEMORY_SIZE`, 413 beyond), builds an `HttpRequest`, writes the response
 * with one `Set-Cookie` per cookie, and logs one line per request.
 *
 * @example
 * const running = await serve(app, { port: 0 });
 * console.log(running.url);
 */
export async function serve(app: Application, options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log === undefined ? stderrLog() : options.log;
  // Django's ServerFormatter colours the default log by status; a custom log gets plain lines.
  const paint = options.log === undefined ? terminalStyle(process.stderr) : undefined;
  // LOGGING: 'json' makes every access line and tango.* record one JSON object; with
  // requestIdHeader, each request's lines carry its id (from that header, or a new UUID).
  const json = app.settings.LOGGING?.format === 'json';
  configureLogging(json ? 'json' : 'text');
  const idHeader = app.settings.LOGGING?.requestIdHeader?.toLowerCase() || undefined;
  const limit = app.settings.DATA_UPLOAD_MAX_MEMORY_SIZE;
  let inFlight = 0;
  // Set by close(): every response from then on carries `Connection: close`, so a keep-alive
  // client learns that its connection ends after this answer and node:http closes it.
  let draining = false;
  // Responses completed during one turn of the event loop are written together at its end
  // (setImmediate runs right after the poll phase, so an idle server adds no delay). On
  // loopback a write also runs the client's receive path and wakes it; back-to-back writes
  // find it awake. Measured with bench/ab.mjs: -20..-32 % CPU per request. Order is kept.
  let pending: (() => void)[] = [];
  const flushPending = (): void => {
    const batch = pending;
    pending = [];
    for (const write of batch) write();
  };

  // Connections, and those with a response not yet flushed to the kernel: the drain closes a
  // connection only when it is idle. Node's closeIdleConnections() (also run by
  // http.Server.close()) counts a response as done once end() is called, and would cut off a
  // large body still going out to a slow client.
  const sockets = new Set<Socket>();
  const busy = new Set<Socket>();
  let allClosed: (() => void) | undefined;
  const closeIdle = () => {
    for (const socket of sockets) if (!busy.has(socket)) socket.destroy();
  };
  const server = http.createServer(async (req, res) => {
    inFlight++;
    // Busy until the response is flushed ('close' follows 'finish', or a dropped connection).
    const socket = req.socket;
    busy.add(socket);
    res.once('close', () => {
      busy.delete(socket);
      if (draining && !socket.destroyed) closeIdle();
    });
    const started = json ? performance.now() : 0;
    const requestId = idHeader ? requestIdFrom(req.headers[idHeader], randomUUID) : undefined;
    let body: Buffer | undefined;
    let bodyError: unknown;
    if (hasNoBody(req)) {
      // Most requests (every GET): no promise, no extra trip through the microtask queue.
      body = EMPTY_BODY;
    } else {
      try {
        body = await readBody(req, limit);
      } catch (error) {
        if (error instanceof ClientDisconnected) {
          // Nobody is left to answer, and nothing failed on this side: one short line at a
          // low level (as Django's runserver logs "Broken pipe" at INFO), no stack, no access
          // line claiming a 500. Otherwise any client could fill the error log.
          serverLogger.info(
            `Client disconnected before sending the request body: ${req.method ?? '?'} ${shorten(req.url ?? '')} (${error.received} of ${req.headers['content-length'] ?? '?'} bytes)`,
          );
          res.destroy();
          inFlight--;
          return;
        }
        bodyError = error;
        res.setHeader('Connection', 'close');
      }
    }
    const request = new HttpRequest({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers as Record<string, string | undefined>,
      body,
      encrypted: 'encrypted' in req.socket && Boolean(req.socket.encrypted),
      remoteAddress: req.socket.remoteAddress,
      httpVersion: req.httpVersion,
    });
    const response: HttpResponse =
      bodyError === undefined
        ? await (requestId === undefined
            ? app.handle(request)
            : withRequestId(requestId, () => app.handle(request)))
        : responseForException(request, bodyError, app.settings, app.resolver);
    const write = (): void => {
      let sent = { status: response.status, length: 0 };
      try {
        if (draining) response.headers.set('Connection', 'close');
        writeResponse(res, request.method, response);
        sent.length = response.contentLength;
      } catch (error) {
        // A response that cannot be written (an invalid header from a view, a cookie that
        // cannot be serialized) is the server failing: the client gets a 500, the access
        // log says 500, and the error log says why (hardening 1).
        const err = error instanceof Error ? error : new Error(String(error));
        serverLogger.error(
          `Could not send the response to ${request.method} ${request.path}: ${err.stack ?? err.message}`,
        );
        sent = sendServerError(res, request, err, app.settings.DEBUG);
      } finally {
        if (log && json) {
          log(
            formatRequestJson(
              new Date(),
              request.method,
              request.url,
              request.httpVersion,
              sent.status,
              sent.length,
              performance.now() - started,
              requestId,
            ),
          );
        } else if (log) {
          const line = formatRequestLine(
            new Date(),
            request.method,
            request.url,
            request.httpVersion,
            sent.status,
            sent.length,
          );
          log(paint?.enabled ? paint.httpStatus(sent.status, line) : line);
        }
        inFlight--;
      }
    };
    // Writes run in a batch (flushPending): each under its own request id.
    pending.push(requestId === undefined ? write : () => withRequestId(requestId, write));
    if (pending.length === 1) setImmediate(flushPending);
  });
  server.keepAliveTimeout = 5000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      busy.delete(socket);
      if (sockets.size === 0) allClosed?.();
    });
    if (draining) socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8000, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    server,
    host,
    port: address.port,
    url: `http://${urlHost}:${address.port}`,
    close(options: CloseOptions = {}) {
      closing ??= (async () => {
        draining = true;
        // Stop listening without http.Server.close()'s own sweep of "idle" connections (see
        // `busy` above); connections close as their responses are flushed (`Connection:
        // close` on responses written from now on, the sweep for idle keep-alive ones).
        const closed = new Promise<void>((resolve) => {
          net.Server.prototype.close.call(server, () => resolve());
        });
        const connectionsGone =
          sockets.size === 0 ? Promise.resolve() : new Promise<void>((r) => (allClosed = r));
        closeIdle();
        const sweep = setInterval(closeIdle, 20);
        const deadline =
          options.timeout === undefined ? Infinity : performance.now() + options.timeout * 1000;
        const drained = await within(deadline, connectionsGone);
        clearInterval(sweep);
        if (!drained) {
          serverLogger.warning(
            `${Math.max(inFlight, busy.size)} request(s) still in flight after ${options.timeout} s (the shutdown timeout): closing their connections.`,
          );
          for (const socket of sockets) socket.destroy();
        }
        await closed;
        await app.close();
      })();
      return closing;
    },
  };
}

/** Whether `promise` settles before `deadline` (a `performance.now()` time; Infinity: waits). */
async function within(deadline: number, promise: Promise<void>): Promise<boolean> {
  if (deadline === Infinity) {
    await promise;
    return true;
  }
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - performance.now()));
  });
  try {
    return await Promise.race([promise.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Answers 500 in place of a response that could not be written, with none of its headers
 * (some may already be set on `res` when `writeHead` threw half-way). If even that fails, or
 * the head is already out, the connection is dropped: nothing else can tell the client.
 */
function sendServerError(
  res: http.ServerResponse,
  request: HttpRequest,
  error: Error,
  debug: boolean,
): { status: number; length: number } {
  if (!res.headersSent) {
    try {
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      // The failed writeHead may have set the status line's text ("OK") already.
      res.statusMessage = http.STATUS_CODES[500]!;
      const fallback = serverError(request, { debug, error });
      fallback.headers.set('Connection', 'close');
      writeResponse(res, request.method, fallback);
      return { status: fallback.status, length: fallback.contentLength };
    } catch (second) {
      serverLogger.error(`Could not send the 500 page either: ${String(second)}`);
    }
  }
  res.destroy();
  return { status: 500, length: 0 };
}

/** A request target cut to a length fit for one log line (the client chooses it). */
function shorten(target: string): string {
  return target.length > 200 ? target.slice(0, 200) + '…' : target;
}

/** The client went away before the whole request body arrived. */
class ClientDisconnected extends Error {
  override name = 'ClientDisconnected';
  constructor(readonly received: number) {
    super(`The client disconnected after ${received} bytes of the request body.`);
  }
}

/** The body of a request that declares none (shared: a zero-length Buffer cannot change). */
const EMPTY_BODY = Buffer.alloc(0);

/** No `Content-Length` (or 0) and no `Transfer-Encoding`: there is no body to read. */
function hasNoBody(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined;
}

/**
 * The default access log: lines go to stderr, written once per turn of the event loop rather
 * than one write(2) per request (under load several responses finish in one turn). Order is
 * kept; `setImmediate` flushes before the loop waits for I/O again, so a line is never held
 * back while the server is idle.
 */
function stderrLog(): (line: string) => void {
  let pending = '';
  const flush = (): void => {
    const text = pending;
    pending = '';
    process.stderr.write(text);
  };
  return (line) => {
    if (pending === '') setImmediate(flush);
    pending += line + '\n';
  };
}

/**
 * Reads the whole body, rejecting with `RequestDataTooBig` past `limit` bytes, and with
 * `ClientDisconnected` when the connection closes before the body is complete.
 */
function readBody(req: http.IncomingMessage, limit: number | null): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (limit !== null && declared > limit) {
    req.resume();
    return Promise.reject(
      new RequestDataTooBig('Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.'),
    );
  }
  if (declared === 0 && req.headers['transfer-encoding'] === undefined) {
    return Promise.resolve(Buffer.alloc(0));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (limit !== null && size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(
          new RequestDataTooBig('Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.'),
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    // A client that disconnects mid-body: node:http emits 'error' (ECONNRESET, "aborted") and
    // 'close' with `complete` still false.
    req.on('error', (error) => reject(req.complete ? error : new ClientDisconnected(size)));
    req.on('close', () => {
      if (!req.complete) reject(new ClientDisconnected(size));
    });
  });
}

/** Any character outside ASCII. */
// eslint-disable-next-line no-control-regex -- the test is "anything above 0x7f"
const NON_ASCII = /[^\x00-\x7f]/;

/** Any character node:http cannot write as one Latin-1 byte. */
// eslint-disable-next-line no-control-regex -- the test is "anything above 0xff"
const BEYOND_LATIN1 = /[^\x00-\xff]/;

/**
 * node:http writes header strings as Latin-1 and rejects characters above U+00FF. Cookie values
 * may hold such characters unescaped (as Python's Morsel leaves them), so they go out as UTF-8
 * bytes, which is what browsers send back and what `parseCookie` decodes. Called only for a
 * line with some non-ASCII character.
 */
function toWire(value: string): string {
  return BEYOND_LATIN1.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value;
}

function writeResponse(res: http.ServerResponse, method: string, response: HttpResponse): void {
  const headers: Record<string, string | string[]> = {};
  // node:http joins the head and a string body into one UTF-8 write; header bytes above 0x7f
  // (written as Latin-1) would then be re-encoded, so such a response sends a Buffer body.
  let asciiHead = true;
  for (const [name, value] of response.headers) {
    headers[name] = value;
    if (asciiHead && NON_ASCII.test(value)) asciiHead = false;
  }
  const cookies = response.setCookieHeaders();
  if (cookies.length > 0) {
    // One scan per line: ASCII lines (the usual case) go out as they are.
    headers['Set-Cookie'] = cookies.map((line) => {
      if (!NON_ASCII.test(line)) return line;
      asciiHead = false;
      return toWire(line);
    });
  }
  const noBody = STATUS_WITHOUT_BODY.has(response.status);
  if (!noBody) headers['Content-Length'] = String(response.contentLength);
  res.writeHead(response.status, headers);
  if (method === 'HEAD' || noBody) res.end();
  else res.end(asciiHead ? response.body : response.content);
}
