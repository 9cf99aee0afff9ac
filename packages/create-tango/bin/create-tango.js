#!/usr/bin/env node
// `npm create tango@latest mysite` runs this. Shim only: lib/ is a copy of Tango's built CLI,
// generator and templates, made by the repository's scripts/build.mjs.
import { create } from '../lib/cli/create.js';

process.exitCode = await create(process.argv.slice(2));
