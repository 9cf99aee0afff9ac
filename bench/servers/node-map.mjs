// Baseline: raw node:http, the practical ceiling. `hits/` is a session hit counter kept in an
// in-memory Map: parse the Cookie header, look the id up, mint one (and Set-Cookie) when new.
// `hello/` is a constant page. `form/` is the CSRF scenario's floor: a double-submit check by
// hand (the form's token must equal the `csrftoken` cookie, compared in constant time).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { HELLO, formDone, formPage, listen, loadPage } from './common.mjs';

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

/** `form/`: GET issues the token (cookie + field); POST checks the field against the cookie. */
function form(req, res) {
  const cookie = readCookie(req.headers.cookie, 'csrftoken');
  if (req.method !== 'POST') {
    const token = cookie ?? randomBytes(16).toString('hex');
    const body = formPage('csrfmiddlewaretoken', token);
    const headers = {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    };
    if (!cookie) headers['Set-Cookie'] = `csrftoken=${token}; Path=/; SameSite=Lax`;
    res.writeHead(200, headers);
    res.end(body);
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const fields = new URLSearchParams(Buffer.concat(chunks).toString());
    const token = Buffer.from(fields.get('csrfmiddlewaretoken') ?? '');
    const expected = Buffer.from(cookie ?? '');
    const valid =
      expected.length > 0 && token.length === expected.length && timingSafeEqual(token, expected);
    const body = valid ? formDone(fields.get('name')) : 'CSRF verification failed';
    res.writeHead(valid ? 200 : 403, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  });
}

const server = http.createServer((req, res) => {
  if (req.url === '/form/') {
    form(req, res);
  } else if (req.url === '/hits/') {
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
