#!/usr/bin/env node
// Shim only: all logic lives in src/cli (built to dist/cli).
import module from 'node:module';

// Node 22.1+: V8's compiled code of the CLI's modules is kept on disk (Node's compile cache,
// under the OS temp dir) and reused by the next run; Node 20 has no such cache. The CLI is
// imported after, so that its modules are cached too.
module.enableCompileCache?.();
const { main } = await import('../dist/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
