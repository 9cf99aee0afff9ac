// Baseline: raw node:http, the practical ceiling. `hits/` is a session hit counter kept in an
// in-memory Map: parse the Cookie header, look the id up, mint one (and Set-Cookie) when new.
// `hello/` is a constant page.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { HELLO, listen, loadPage } from './common.mjs';

const page = loadPage();
const sessions = new Map();
const COOKIE = 'sid';

/** The value of cookie `name` in a Cookie header, or undefined (a minimal, lenient parser). */
function readCookie(header, name) {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const server = http.createServer((req, res) => {
  if (req.url === '/hits/') {
    let id = readCookie(req.headers.cookie, COOKIE);
    let session = id === undefined ? undefined : sessions.get(id);
    const headers = { 'Content-Type': 'text/html; charset=utf-8' };
    if (session === undefined) {
      id = randomBytes(16).toString('hex');
      session = { hit: 0 };
      sessions.set(id, session);
      headers['Set-Cookie'] = `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax`;
    }
    session.hit++;
    const body = page.prefix + session.hit + page.suffix;
    headers['Content-Length'] = Buffer.byteLength(body);
    res.writeHead(200, headers);
    res.end(body);
  } else if (req.url === '/hello/') {
    res.writeHead(200, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': HELLO.length,
    });
    res.end(HELLO);
  } else {
    res.writeHead(404, { 'Content-Length': 0 });
    res.end();
  }
});
listen(server);
