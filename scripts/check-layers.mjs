// Checks the layer rules of scripts/runtime-layers.mjs on the whole of src/runtime: builds the
// graph of value imports (dpdm parses each file after TypeScript erased its type-only imports;
// dynamic import() counts) between first-level folders, then reports every import that points
// up or sideways and every cycle. Exits 1 on any finding.
//
//   node scripts/check-layers.mjs           # check
//   node scripts/check-layers.mjs --graph   # also print the folder graph
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAYER_OF, RUNTIME_LAYERS } from './runtime-layers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The runtime folder of a file (`sessions` for src/runtime/sessions/x.ts), or null outside it. */
export function folderOf(file, runtimeDir) {
  const rel = path.relative(runtimeDir, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const parts = rel.split(path.sep);
  return parts.length === 1 ? parts[0].replace(/\.[cm]?[jt]s$/, '') : parts[0];
}

/**
 * Folder graph of value imports: Map<from, Map<to, string[] (file: request)>>.
 * `tree` is dpdm's dependency tree (file -> [{ request, id }]), paths relative to `context`.
 */
export function folderGraph(tree, context, runtimeDir) {
  const graph = new Map();
  for (const [file, deps] of Object.entries(tree)) {
    const from = folderOf(path.resolve(context, file), runtimeDir);
    if (!from || !deps) continue;
    for (const dep of deps) {
      if (!dep.id) continue;
      const to = folderOf(path.resolve(context, dep.id), runtimeDir);
      if (!to || to === from) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      const edges = graph.get(from);
      if (!edges.has(to)) edges.set(to, []);
      edges.get(to).push(`${file}: '${dep.request}'`);
    }
  }
  return graph;
}

/** Every strongly connected set of more than one folder (Tarjan), each sorted. */
export function findCycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  let next = 0;
  const visit = (node) => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node)?.keys() ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node), low.get(to)));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node), index.get(to)));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

/** Imports that break the layer order: to a folder of the same or a higher row, or unknown. */
export function layerViolations(graph, layerOf = LAYER_OF) {
  const found = [];
  for (const [from, edges] of graph) {
    for (const [to, where] of edges) {
      const a = layerOf.get(from);
      const b = layerOf.get(to);
      if (a === undefined || b === undefined) {
        found.push({
          from,
          to,
          where,
          why: `'${a === undefined ? from : to}' is in no layer of scripts/runtime-layers.mjs`,
        });
      } else if (b >= a) {
        found.push({ from, to, where, why: b === a ? 'same layer' : 'points up' });
      }
    }
  }
  return found;
}

/** Parses src/runtime and returns { graph, cycles, violations }. */
export async function checkRuntime(runtimeDir = path.join(root, 'src', 'runtime')) {
  const { parseDependencyTree } = await import('dpdm');
  const tree = await parseDependencyTree([path.join(path.relative(root, runtimeDir), '**/*.ts')], {
    context: root,
    transform: true,
    skipDynamicImports: false,
    tsconfig: path.join(root, 'tsconfig.json'),
  });
  const graph = folderGraph(tree, root, runtimeDir);
  return { graph, cycles: findCycles(graph), violations: layerViolations(graph) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { graph, cycles, violations } = await checkRuntime();
  if (process.argv.includes('--graph')) {
    for (const row of RUNTIME_LAYERS.toReversed()) {
      for (const from of row) {
        const targets = [...(graph.get(from)?.keys() ?? [])].sort();
        console.log(`${from.padEnd(11)} -> ${targets.join(', ') || '(nothing)'}`);
      }
    }
  }
  for (const cycle of cycles)
    console.error(`import cycle between runtime folders: ${cycle.join(' <-> ')}`);
  for (const v of violations)
    console.error(`${v.from} -> ${v.to} (${v.why}): ${v.where.join('; ')}`);
  if (cycles.length || violations.length) process.exit(1);
  console.log(`runtime layers: ${graph.size} folders, no cycle, every import points down`);
}
