// The layers of src/runtime (DESIGN.md §3, refined in docs/architecture.md "Layers"), lowest
// first. A first-level folder of src/runtime (or a top-level file such as shortcuts.ts) may
// value-import only folders of LOWER rows; a folder in the same row or above is refused, so no
// import cycle between folders can form. Type-only imports are erased and not counted: they
// may point anywhere inside the runtime. Read by eslint.config.js (no-restricted-imports) and
// scripts/check-layers.mjs (the whole graph, run by npm test).
export const RUNTIME_LAYERS = [
  ['conf'], // leaf: settings types, Django defaults, validation of their own values
  ['core'], // foundation: exceptions, signing, crypto, log, import-string
  ['http'], // foundation: requests, responses, cookies
  ['urls', 'db', 'cache'], // services
  ['template'], // services: Handlebars, whose {{url}} helper reverses urls
  ['views'], // framework: default error views, debug pages
  ['middleware', 'shortcuts', 'apps'], // framework
  ['handlers'], // framework: the request handler (apps, middleware chain, urlconf, templates)
  ['server', 'test'], // framework: node:http adapter, workers; test client
  ['management'], // framework: manage.ts commands (runserver uses server)
  ['sessions', 'messages'], // contrib apps, each self-contained like django.contrib.*
  ['auth'], // contrib: users and logins, on top of the sessions
  ['admin'], // contrib: the admin site, on top of auth, sessions and messages
];

/** Row index of each folder. */
export const LAYER_OF = new Map(
  RUNTIME_LAYERS.flatMap((row, i) => row.map((folder) => [folder, i])),
);

/** The folders `folder` must not value-import: its own row (but itself) and every row above. */
export function forbiddenImports(folder) {
  const row = LAYER_OF.get(folder);
  return RUNTIME_LAYERS.slice(row)
    .flat()
    .filter((other) => other !== folder);
}
