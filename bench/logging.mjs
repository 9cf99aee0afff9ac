#!/usr/bin/env node
// What an access line costs per request, by format (LOGGING.format), and whether pino would
// make the JSON line cheaper: each variant formats N lines for varying requests and writes
// them to /dev/null the way it would in production (Tango: one write per batch of 64 lines,
// as the server writes a turn of the event loop's lines at once; pino: its own destination,
// sonic-boom, with its default buffering). Also the cost of carrying a request id through
// AsyncLocalStorage (LOGGING.requestIdHeader). Median of 7 rounds, ns per line.
//
//   npx tsx bench/logging.mjs [--lines 200000]
import { openSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { formatRequestJson, formatRequestLine } from '../src/runtime/server/request-log.ts';
import { withRequestId, currentRequestId } from '../src/runtime/core/log.ts';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '200000' } } });
const N = Number(values.lines);
const devnull = openSync('/dev/null', 'w');
const paths = Array.from({ length: 64 }, (_, i) => `/hits/${i}/?page=${i * 7}`);
const ids = Array.from({ length: 64 }, () => randomUUID());

function batched(format) {
  let pending = '';
  for (let i = 0; i < N; i++) {
    pending += format(i) + '\n';
    if ((i & 63) === 63) {
      writeSync(devnull, pending);
      pending = '';
    }
  }
  if (pending) writeSync(devnull, pending);
}

const variants = {
  'text (Django runserver line)': () =>
    batched((i) => formatRequestLine(new Date(), 'GET', paths[i & 63], '1.1', 200, 113)),
  'json, hand-built (formatRequestJson)': () =>
    batched((i) =>
      formatRequestJson(new Date(), 'GET', paths[i & 63], '1.1', 200, 113, 1.234, ids[i & 63]),
    ),
  'json, JSON.stringify(object)': () =>
    batched((i) =>
      JSON.stringify({
        time: new Date().toISOString(),
        level: 'INFO',
        logger: 'tango.server',
        method: 'GET',
        path: paths[i & 63],
        protocol: 'HTTP/1.1',
        status: 200,
        size: 113,
        durationMs: 1.234,
        requestId: ids[i & 63],
      }),
    ),
  'json, pino 9 (sonic-boom to /dev/null)': (() => {
    const logger = pino(
      { base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
      pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 }),
    );
    return () => {
      for (let i = 0; i < N; i++) {
        logger.info({
          logger: 'tango.server',
          method: 'GET',
          path: paths[i & 63],
          protocol: 'HTTP/1.1',
          status: 200,
          size: 113,
          durationMs: 1.234,
          requestId: ids[i & 63],
        });
      }
      logger.flush();
    };
  })(),
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

for (const [name, run] of Object.entries(variants)) {
  run(); // warm up
  const times = [];
  for (let r = 0; r < 7; r++) {
    const t = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - t) / N);
  }
  console.log(`${name.padEnd(42)} ${median(times).toFixed(0).padStart(6)} ns/line`);
}

// AsyncLocalStorage: an async "request" with and without a request id in context.
async function handle() {
  await null;
  return currentRequestId();
}
for (const [name, run] of [
  ['request without an id (no ALS)', () => handle()],
  ['request with withRequestId (ALS run)', (i) => withRequestId(ids[i & 63], handle)],
]) {
  const times = [];
  for (let r = 0; r < 8; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await run(i);
    if (r > 0) times.push(Number(process.hrtime.bigint() - t) / N);
  }
  console.log(`${name.padEnd(42)} ${median(times).toFixed(0).padStart(6)} ns/request`);
}
