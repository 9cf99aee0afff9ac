#!/usr/bin/env node
// Shim only: all logic lives in src/cli (built to dist/cli).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
