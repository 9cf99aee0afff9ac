/**
 * The runtime's layer rules (DESIGN.md §3, docs/architecture.md "Layers"): every value import
 * between first-level folders of src/runtime points down the layers of
 * scripts/runtime-layers.mjs, so no import cycle between folders exists; and the registries of
 * built-in names in conf match the modules that implement them.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkRuntime,
  findCycles,
  folderGraph,
  layerViolations,
  // @ts-expect-error -- a plain .mjs script without types
} from '../../scripts/check-layers.mjs';
import { BUILTIN_APPS } from '../../src/runtime/conf/settings.js';

const runtimeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/runtime');

type Graph = Map<string, Map<string, string[]>>;
const graphOf = (edges: [string, string][]): Graph =>
  folderGraph(
    Object.fromEntries(
      edges.map(([from, to]) => [
        `src/runtime/${from}/a.ts`,
        [{ request: `../${to}/b.js`, id: `src/runtime/${to}/b.ts` }],
      ]),
    ),
    path.resolve(runtimeDir, '../..'),
    runtimeDir,
  ) as Graph;

describe('runtime layers', () => {
  it('the runtime has no import cycle between folders and every import points down', async () => {
    const { graph, cycles, violations } = await checkRuntime(runtimeDir);
    expect(cycles).toEqual([]);
    expect(violations).toEqual([]);
    // The graph was really read: the handler imports the apps, templates, urls and views.
    expect([...(graph as Graph).get('handlers')!.keys()]).toEqual(
      expect.arrayContaining(['apps', 'template', 'urls', 'views']),
    );
  }, 60_000);

  it('finds a cycle through several folders and names every folder in it', () => {
    const graph = graphOf([
      ['core', 'http'],
      ['http', 'urls'],
      ['urls', 'core'],
      ['conf', 'core'],
    ]);
    expect(findCycles(graph)).toEqual([['core', 'http', 'urls']]);
  });

  it('reports an import that points up or sideways, and a folder in no layer', () => {
    const graph = graphOf([
      ['http', 'core'],
      ['core', 'sessions'],
      ['db', 'cache'],
      ['newthing', 'conf'],
    ]);
    expect(
      layerViolations(graph).map((v: { from: string; to: string; why: string }) => [
        v.from,
        v.to,
        v.why,
      ]),
    ).toEqual([
      ['core', 'sessions', 'points up'],
      ['db', 'cache', 'same layer'],
      ['newthing', 'conf', "'newthing' is in no layer of scripts/runtime-layers.mjs"],
    ]);
  });

  it("BUILTIN_APPS names exactly the runtime folders that have an apps module, as 'tango.<folder>'", () => {
    for (const name of BUILTIN_APPS) {
      expect(existsSync(path.join(runtimeDir, name.replace(/^tango\./, ''), 'apps.ts'))).toBe(true);
    }
    const withApps = readdirSync(runtimeDir)
      .filter((folder) => existsSync(path.join(runtimeDir, folder, 'apps.ts')))
      .map((folder) => `tango.${folder}`);
    expect([...BUILTIN_APPS].sort()).toEqual(withApps.sort());
  });
});
