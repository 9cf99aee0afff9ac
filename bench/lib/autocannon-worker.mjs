// Runs autocannon in its own process (bench/lib/load.mjs spawns it) and prints one JSON line in
// the same shape as bench/lib/wrk-report.lua. Argument: JSON { url, connections, seconds, cookie,
// form } (form: a urlencoded body, sent as a POST).
import autocannon from 'autocannon';

const { url, connections, seconds, cookie, form } = JSON.parse(process.argv[2]);
const headers = cookie ? { cookie } : {};
if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
const result = await autocannon({
  url,
  connections,
  duration: seconds,
  headers,
  ...(form ? { method: 'POST', body: form } : {}),
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
