/**
 * The session engines a new project can be given (startproject --session-engine and its
 * question): the runtime's whole list, each rendered as the one SESSION_ENGINE setting of
 * settings.ts with the others as comments, and loadable by the runtime.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PROJECT_SESSION_ENGINES,
  generateProject,
  readTemplateTree,
  textOf,
} from '../../src/generator/index.js';
import { SESSION_ENGINES } from '../../src/runtime/conf/settings.js';
import fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const TEMPLATES = fileURLToPath(new URL('../../templates/project', import.meta.url));

async function settingsFor(sessionEngine?: (typeof PROJECT_SESSION_ENGINES)[number]['name']) {
  const tree = await generateProject(await readTemplateTree(TEMPLATES, fs), {
    name: 'mysite',
    secretKey: 'tango-insecure-' + 'x'.repeat(50),
    tangoSpec: '^0.1.0',
    ...(sessionEngine ? { sessionEngine } : {}),
  });
  return textOf(tree.get(path.posix.join('mysite', 'settings.ts'))!);
}

describe('PROJECT_SESSION_ENGINES', () => {
  it("are the runtime's SESSION_ENGINES, db first (Django's default)", () => {
    expect(PROJECT_SESSION_ENGINES.map((e) => e.name)).toEqual([...SESSION_ENGINES]);
    expect(PROJECT_SESSION_ENGINES[0]!.name).toBe('db');
  });

  it.each(PROJECT_SESSION_ENGINES.map((e) => [e.name]))(
    "%s is the project's one SESSION_ENGINE, the others stay as comments",
    async (engine) => {
      const settings = await settingsFor(engine);
      const active = settings.match(/^ {2}SESSION_ENGINE: '(\w+)'/gm);
      expect(active).toEqual([`  SESSION_ENGINE: '${engine}'`]);
      for (const other of PROJECT_SESSION_ENGINES.filter((e) => e.name !== engine)) {
        expect(settings).toContain(
          `  // SESSION_ENGINE: '${other.name}', // ${other.description}\n`,
        );
      }
    },
  );

  it('defaults to db, as before the option existed', async () => {
    expect(await settingsFor()).toBe(await settingsFor('db'));
  });

  it('refuses an engine the runtime does not have', async () => {
    await expect(
      settingsFor('redis' as (typeof PROJECT_SESSION_ENGINES)[number]['name']),
    ).rejects.toThrow(/option sessionEngine is invalid: redis/);
  });
});
