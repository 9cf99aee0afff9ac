// Runs autocannon in its own process (bench/lib/load.mjs spawns it) and prints one JSON line in
// the same shape as bench/lib/wrk-report.lua. Argument: JSON { url, connections, seconds, cookie }.
import autocannon from 'autocannon';

const { url, connections, seconds, cookie } = JSON.parse(process.argv[2]);
const result = await autocannon({
  url,
  connections,
  duration: seconds,
  headers: cookie ? { cookie } : {},
});
const ms = (v) => Math.round((v ?? 0) * 1000);
process.stdout.write(
  '\n' +
    JSON.stringify({
      requests: result.requests.total,
      duration_us: Math.round(result.duration * 1e6),
      p50_us: ms(result.latency.p50),
      p99_us: ms(result.latency.p99),
      max_us: ms(result.latency.max),
      errors: {
        connect: 0,
        read: result.errors,
        write: 0,
        status: result.non2xx,
        timeout: result.timeouts,
      },
    }) +
    '\n',
);
