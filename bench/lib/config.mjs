// Options of bench/run.mjs: flags override environment variables, which override the defaults.
import { parseArgs } from 'node:util';

const FULL = { rounds: 3, duration: 5, warmup: 2, memory: 60, scale: 1_000_000 };
const QUICK = { rounds: 1, duration: 1, warmup: 1, memory: 10, scale: 100_000 };

export const USAGE = `Usage: npm run bench -- [options]   (or: node bench/run.mjs [options])

  --quick               1 round x 1 s (1 s warm-up), 10 s memory runs, 100,000-row scale test;
                        about 2-3 minutes; does not rewrite docs/ unless --write-docs
  --rounds N            interleaved rounds (default 3; env BENCH_ROUNDS)
  --duration S          seconds measured per server and scenario (default 5; env BENCH_DURATION)
  --warmup S            warm-up seconds before each measurement (default 2; env BENCH_WARMUP)
  --connections N       concurrent connections (default 50; env BENCH_CONNECTIONS)
  --rate N              offered req/s of the paced returning-client measurement (latency at a
                        load every server sustains), 0 skips it (default 1000; env BENCH_RATE)
  --memory S            seconds of load for the RSS test, 0 skips it (default 60; env BENCH_MEMORY)
  --scale N             stored sessions for the scale and clearsessions tests, 0 skips them
                        (default 1000000; env BENCH_SCALE)
  --only a,b            servers to run (names or prefixes, e.g. node-map,tango-db,express)
  --scenarios a,b       scenarios to measure: returning, new, hello, paced, csrf (default all;
                        env BENCH_SCENARIOS)
  --tool wrk|autocannon load generator (default: wrk when installed, else autocannon; env BENCH_TOOL)
  --no-services         skip the Redis and PostgreSQL servers
  --no-build            do not run \`npm run build\` first (benchmark the existing dist/)
  --write-docs          write docs/benchmarks.md and docs/benchmarks.svg (default unless --quick)
  --no-docs             never write docs/
  --report FILE         only rewrite docs/ from a saved results file (bench/results/latest.json)
  --keep                keep the temp dir (generated project, databases, results.json)
  --help`;

export function readConfig(argv = process.argv.slice(2), env = process.env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      memory: { type: 'string' },
      rate: { type: 'string' },
      scale: { type: 'string' },
      only: { type: 'string' },
      scenarios: { type: 'string' },
      tool: { type: 'string' },
      'no-services': { type: 'boolean' },
      'no-build': { type: 'boolean' },
      'write-docs': { type: 'boolean' },
      'no-docs': { type: 'boolean' },
      keep: { type: 'boolean' },
      report: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  const quick = Boolean(values.quick) || env.BENCH_QUICK === '1';
  const base = quick ? QUICK : FULL;
  const num = (flag, envName, fallback) => {
    const raw = values[flag] ?? env[envName];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0)
      throw new Error(`--${flag} must be a non-negative number, got '${raw}'`);
    return n;
  };
  const tool = values.tool ?? env.BENCH_TOOL;
  if (tool !== undefined && tool !== 'wrk' && tool !== 'autocannon') {
    throw new Error(`--tool must be wrk or autocannon, got '${tool}'`);
  }
  return {
    help: Boolean(values.help),
    quick,
    rounds: Math.max(1, Math.round(num('rounds', 'BENCH_ROUNDS', base.rounds))),
    duration: Math.max(1, Math.round(num('duration', 'BENCH_DURATION', base.duration))),
    warmup: Math.round(num('warmup', 'BENCH_WARMUP', base.warmup)),
    connections: Math.max(1, Math.round(num('connections', 'BENCH_CONNECTIONS', 50))),
    memory: num('memory', 'BENCH_MEMORY', base.memory),
    rate: Math.round(num('rate', 'BENCH_RATE', 1000)),
    scale: Math.round(num('scale', 'BENCH_SCALE', base.scale)),
    only: (values.only ?? env.BENCH_ONLY ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    scenarios: (values.scenarios ?? env.BENCH_SCENARIOS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    tool,
    services: !values['no-services'] && env.BENCH_NO_SERVICES !== '1',
    build: !values['no-build'],
    writeDocs: values['no-docs'] ? false : values['write-docs'] || !quick,
    keep: Boolean(values.keep),
    report: values.report,
    argv,
  };
}
