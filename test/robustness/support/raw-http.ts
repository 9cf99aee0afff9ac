/**
 * A minimal HTTP/1.1 client over node:net for the robustness suite. node's own client refuses
 * to send control characters, NUL or arbitrary bytes in a header; this one writes the request
 * exactly as given and keeps the connection alive between requests (so thousands of requests
 * do not use thousands of ports). One request at a time per connection, no pipelining.
 */
import net from 'node:net';

/** A parsed response. */
export interface RawResponse {
  status: number;
  /** Header lines as `[lower-case name, value]`, in order (latin-1). */
  headers: [string, string][];
  body: Buffer;
  /** Milliseconds from the write to the last byte. */
  ms: number;
  /** The server closes the connection after this response. */
  closes: boolean;
}

/** No complete response within the deadline: the server hung. */
export class NoAnswer extends Error {
  override name = 'NoAnswer';
}

/** The connection closed before a complete response arrived. */
export class Dropped extends Error {
  override name = 'Dropped';
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection to `127.0.0.1:port`. */
export class RawConnection {
  readonly #socket: net.Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #closed = false;
  #wake: (() => void) | undefined;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#wake?.();
    });
    const onEnd = () => {
      this.#closed = true;
      this.#wake?.();
    };
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    // A reset after the server's 400 is routine; the pending request sees the close.
    socket.on('error', onEnd);
  }

  /** Connects to `127.0.0.1:port`. */
  static open(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** False once the server closed (or reset) the connection. */
  get usable(): boolean {
    return !this.#closed && !this.#socket.destroyed;
  }

  /**
   * Writes `request` and reads one response. Rejects with `NoAnswer` after `timeoutMs`, and
   * with `Dropped` when the connection closes before a complete response.
   */
  async request(request: Buffer, timeoutMs: number): Promise<RawResponse> {
    if (this.#buffer.length > 0) throw new Error('unexpected bytes before the request');
    const started = performance.now();
    const deadline = started + timeoutMs;
    this.#socket.write(request);
    for (;;) {
      const response = this.#parse(started);
      if (response) return response;
      if (this.#closed) {
        throw new Dropped(
          `connection closed after ${this.#buffer.length} bytes of the response: ${JSON.stringify(this.#buffer.subarray(0, 120).toString('latin1'))}`,
        );
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new NoAnswer(`no complete response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /** A complete response at the front of the buffer (consumed), or undefined. */
  #parse(started: number): RawResponse | undefined {
    const end = this.#buffer.indexOf(HEAD_END);
    if (end === -1) return undefined;
    const lines = this.#buffer.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
    if (!Number.isInteger(status)) throw new Error(`not an HTTP response: ${lines[0]}`);
    const headers: [string, string][] = [];
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers.push([line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()]);
    }
    const header = (name: string) => headers.find(([n]) => n === name)?.[1];
    const closes = header('connection')?.toLowerCase() === 'close';
    const length = header('content-length');
    const bodyStart = end + HEAD_END.length;
    let bodyEnd: number;
    if (length !== undefined) {
      bodyEnd = bodyStart + Number(length);
      if (this.#buffer.length < bodyEnd) return undefined;
    } else if (header('transfer-encoding') !== undefined) {
      throw new Error('chunked responses are not expected from this server');
    } else {
      // No length: the body runs to the end of the connection.
      if (!this.#closed) return undefined;
      bodyEnd = this.#buffer.length;
    }
    const body = Buffer.from(this.#buffer.subarray(bodyStart, bodyEnd));
    this.#buffer = this.#buffer.subarray(bodyEnd);
    if (this.#buffer.length === 0) this.#buffer = Buffer.alloc(0);
    return { status, headers, body, ms: performance.now() - started, closes };
  }

  /** Closes the connection. */
  close(): void {
    this.#socket.destroy();
  }
}

/**
 * The `Set-Cookie` value for `name` in a response, or undefined: `''` for a deletion
 * (`name=""; ...Max-Age=0`).
 */
export function setCookieValue(response: RawResponse, name: string): string | undefined {
  for (const [header, value] of response.headers) {
    if (header !== 'set-cookie' || !value.startsWith(`${name}=`)) continue;
    const pair = value.split(';', 1)[0]!.slice(name.length + 1);
    if (/;\s*max-age=0(;|$)/i.test(value)) return '';
    return pair === '""' ? '' : pair;
  }
  return undefined;
}
