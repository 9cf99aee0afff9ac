/** `runserver --workers N` helpers; the processes themselves are in test/e2e/scale-out.test.ts. */
import { describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/index.js';
import type { SettingsInput } from '../../../src/runtime/conf/settings.js';
import { CommandError } from '../../../src/runtime/management/base.js';
import { parseWorkers } from '../../../src/runtime/management/commands/runserver.js';
import { locmemSessionWarning } from '../../../src/runtime/server/workers.js';

const settings = (overrides: Partial<SettingsInput>) =>
  defineSettings({ BASE_DIR: '/srv/site', SECRET_KEY: 'x', ...overrides });

describe('parseWorkers', () => {
  it('defaults to one process and takes a whole number from 1 to 256', () => {
    expect(parseWorkers(undefined)).toBe(1);
    expect(parseWorkers('1')).toBe(1);
    expect(parseWorkers('8')).toBe(8);
    for (const bad of ['0', '-2', '1.5', 'two', '', '257']) {
      expect(() => parseWorkers(bad)).toThrow(CommandError);
      expect(() => parseWorkers(bad)).toThrow(
        `--workers must be a whole number of processes from 1 to 256, got '${bad}'.`,
      );
    }
  });
});

describe('locmemSessionWarning', () => {
  it('warns when several workers would keep cache or cached_db sessions in a locmem cache', () => {
    const cache = locmemSessionWarning(settings({ SESSION_ENGINE: 'cache' }), 4);
    expect(cache).toContain("SESSION_ENGINE 'cache' uses the locmem cache CACHES['default']");
    expect(cache).toContain('sessions will not be shared across workers');
    const cachedDb = locmemSessionWarning(
      settings({
        SESSION_ENGINE: 'cached_db',
        SESSION_CACHE_ALIAS: 'sessions',
        CACHES: { sessions: { BACKEND: 'locmem' } },
      }),
      2,
    );
    expect(cachedDb).toContain("CACHES['sessions']");
    expect(cachedDb).toContain('read stale through another');
  });

  it('is silent for one worker, a shared cache, or an engine without a cache', () => {
    expect(locmemSessionWarning(settings({ SESSION_ENGINE: 'cache' }), 1)).toBeUndefined();
    const redis = { default: { BACKEND: 'redis' as const, LOCATION: 'redis://127.0.0.1:6379/0' } };
    expect(
      locmemSessionWarning(settings({ SESSION_ENGINE: 'cache', CACHES: redis }), 4),
    ).toBeUndefined();
    expect(locmemSessionWarning(settings({ SESSION_ENGINE: 'db' }), 4)).toBeUndefined();
    expect(locmemSessionWarning(settings({ SESSION_ENGINE: 'file' }), 4)).toBeUndefined();
  });
});
