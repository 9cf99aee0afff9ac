// An open-loop load generator for latency at a fixed rate: requests are scheduled evenly
// (`rate` per second over `seconds`) on up to `connections` keep-alive connections, and each
// latency is measured from the request's *scheduled* time to the end of its response, so a
// stalled server is charged for the requests that queued behind the stall (no coordinated
// omission; autocannon's overallRate fires each second's requests in a burst instead).
// Argument: JSON { url, connections, seconds, cookie, rate }; prints one JSON line in the shape
// of bench/lib/wrk-report.lua.
import http from 'node:http';

const { url, connections, seconds, cookie, rate } = JSON.parse(process.argv[2]);
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const headers = cookie ? { cookie } : {};
const total = Math.round(rate * seconds);
const intervalNs = 1e9 / rate;
const latencies = [];
let status = 0;
let errors = 0;
let done = 0;
let sent = 0;

const start = process.hrtime.bigint();
await new Promise((resolve) => {
  const finish = () => {
    if (++done === total) resolve();
  };
  const send = (scheduled) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, agent, headers },
      (res) => {
        if (res.statusCode < 200 || res.statusCode >= 400) status++;
        res.resume();
        res.once('end', () => {
          latencies.push(Number(process.hrtime.bigint() - scheduled) / 1000);
          finish();
        });
      },
    );
    req.once('error', () => {
      errors++;
      finish();
    });
    req.end();
  };
  // Every millisecond, send whatever is due.
  const timer = setInterval(() => {
    const now = process.hrtime.bigint();
    while (sent < total) {
      const scheduled = start + BigInt(Math.round(sent * intervalNs));
      if (scheduled > now) break;
      sent++;
      send(scheduled);
    }
    if (sent === total) clearInterval(timer);
  }, 1);
});
const elapsedUs = Number(process.hrtime.bigint() - start) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) =>
  Math.round(
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0,
  );
agent.destroy();
process.stdout.write(
  '\n' +
    JSON.stringify({
      requests: latencies.length,
      duration_us: Math.round(elapsedUs),
      p50_us: pct(50),
      p99_us: pct(99),
      max_us: Math.round(latencies.at(-1) ?? 0),
      errors: { connect: 0, read: errors, write: 0, status, timeout: 0 },
    }) +
    '\n',
);
