/**
 * Handlebars as the runtime uses it: the package's own single-file build
 * (`handlebars/dist/handlebars.min.js`, same version and compiler as its `main`). The `main`
 * entry requires ~33 CommonJS files and the source-map library (~11 more), read on every
 * start of every command that touches templates; one file loads in a fraction of that
 * (bench/startup.mjs). The generator does the same (src/generator/render.ts).
 *
 * A `SafeString` made by the user's own `import Handlebars from 'handlebars'` is still safe
 * here: Handlebars recognises one by its `toHTML()` method, not by its class.
 */
import { createRequire } from 'node:module';
import type HandlebarsModule from 'handlebars';

const Handlebars = createRequire(import.meta.url)(
  'handlebars/dist/handlebars.min.js',
) as typeof HandlebarsModule;

export default Handlebars;
