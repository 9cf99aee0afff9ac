// Peer: fastify 5 + @fastify/cookie + @fastify/session with its default in-memory store.
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import Fastify from 'fastify';
import { HELLO, SECRET, loadPage } from './common.mjs';

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
const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT ?? 0) });
process.stdout.write(`listening at ${address}/\n`);
const stop = () => app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
