// Peer: fastify 5 + @fastify/cookie + @fastify/session with its default in-memory store.
// `form/` is the CSRF scenario: @fastify/csrf-protection (secret in a cookie, token from the
// form's `_csrf` field), the urlencoded body parsed by a content-type parser of two lines.
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifySession from '@fastify/session';
import Fastify from 'fastify';
import { HELLO, SECRET, formDone, formPage, loadPage } from './common.mjs';

const page = loadPage();
const app = Fastify({ logger: false });
await app.register(fastifyCookie);
await app.register(fastifySession, {
  secret: SECRET,
  saveUninitialized: false,
  cookie: { secure: false },
});
app.get('/hits/', (request, reply) => {
  const hit = (request.session.get('hit') ?? 0) + 1;
  request.session.set('hit', hit);
  reply.type('text/html; charset=utf-8').send(page.prefix + hit + page.suffix);
});
app.get('/hello/', (request, reply) => {
  reply.type('text/plain; charset=utf-8').send(HELLO);
});
await app.register(fastifyCsrf, { cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true } });
app.addContentTypeParser(
  'application/x-www-form-urlencoded',
  { parseAs: 'string' },
  (request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body))),
);
app.get('/form/', (request, reply) => {
  reply.type('text/html; charset=utf-8').send(formPage('_csrf', reply.generateCsrf()));
});
app.post('/form/', { preHandler: app.csrfProtection }, (request, reply) => {
  reply.type('text/html; charset=utf-8').send(formDone(request.body.name));
});
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT ?? 0) });
process.stdout.write(`listening at ${address}/\n`);
const stop = () => app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
