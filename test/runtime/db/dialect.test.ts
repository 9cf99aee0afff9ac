import { describe, expect, it } from 'vitest';
import {
  getDialect,
  numberedPlaceholders,
  parseSqliteDatetime,
  sqliteDatetime,
} from '../../../src/runtime/db/index.js';

describe('sqliteDatetime', () => {
  it("formats naive UTC text as Django's SQLite backend stores it", () => {
    expect(sqliteDatetime(new Date('2026-12-06T07:10:15.540Z'))).toBe('2026-12-06 07:10:15.540000');
    expect(sqliteDatetime(new Date('0999-01-02T03:04:05.000Z'))).toBe('0999-01-02 03:04:05.000000');
  });

  it('orders as text in the same order as time, including against Django values without a fraction', () => {
    const a = sqliteDatetime(new Date('2026-12-06T07:10:15.000Z'));
    const b = sqliteDatetime(new Date('2026-12-06T07:10:15.001Z'));
    const c = sqliteDatetime(new Date('2026-12-06T07:10:16.000Z'));
    expect([c, b, a].sort()).toEqual([a, b, c]);
    expect('2026-12-06 07:10:15' < b).toBe(true); // Django writes no fraction when it is zero
  });

  it('rejects an invalid Date', () => {
    expect(() => sqliteDatetime(new Date(NaN))).toThrow(TypeError);
  });
});

describe('parseSqliteDatetime', () => {
  it('reads Django text (naive means UTC), ISO forms and offsets', () => {
    expect(parseSqliteDatetime('2026-12-06 07:10:15.540964')?.toISOString()).toBe(
      '2026-12-06T07:10:15.540Z',
    );
    expect(parseSqliteDatetime('2026-12-06 07:10:15')?.toISOString()).toBe(
      '2026-12-06T07:10:15.000Z',
    );
    expect(parseSqliteDatetime('2026-12-06T07:10:15.5Z')?.toISOString()).toBe(
      '2026-12-06T07:10:15.500Z',
    );
    expect(parseSqliteDatetime('2026-12-06 08:10:15+01:00')?.toISOString()).toBe(
      '2026-12-06T07:10:15.000Z',
    );
  });

  it('gives undefined for anything else', () => {
    expect(parseSqliteDatetime('yesterday')).toBeUndefined();
    expect(parseSqliteDatetime(42)).toBeUndefined();
  });
});

describe('numberedPlaceholders', () => {
  it('rewrites ? to $n outside literals, identifiers and comments', () => {
    expect(numberedPlaceholders('SELECT 1 WHERE a = ? AND b = ?')).toBe(
      'SELECT 1 WHERE a = $1 AND b = $2',
    );
    expect(numberedPlaceholders(`SELECT '?', "a?" -- why?\nWHERE x = ?`)).toBe(
      `SELECT '?', "a?" -- why?\nWHERE x = $1`,
    );
  });

  it('is the PostgreSQL dialect, while SQLite keeps ?', () => {
    expect(getDialect('postgresql').placeholders('a = ?')).toBe('a = $1');
    expect(getDialect('sqlite').placeholders('a = ?')).toBe('a = ?');
    expect(getDialect('postgresql').types.datetime).toBe('timestamp with time zone');
    expect(getDialect('sqlite').types.datetime).toBe('datetime');
  });
});
