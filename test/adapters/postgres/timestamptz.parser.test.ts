import fc from 'fast-check';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { parseIsoTimestamptz, parseTimestamptz } from '../../../src/adapters/postgres/timestamptz.parser.js';

// pg's own timestamptz parser (postgres-date) is the reference.
const parsePostgresDate = pg.types.getTypeParser(1184, 'text') as (value: string) => unknown;
const pad = (n: number, w: number) => String(n).padStart(w, '0');

// PostgreSQL's text output of timestamptz under DateStyle ISO, in any session time zone.
const pgText = fc
  .record({
    year: fc.integer({ min: 1000, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.integer({ min: 0, max: 59 }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: undefined }),
    sign: fc.constantFrom('+', '-'),
    offH: fc.integer({ min: 0, max: 15 }),
    offM: fc.option(fc.constantFrom(0, 30, 45), { nil: undefined }),
    offS: fc.option(fc.integer({ min: 0, max: 59 }), { nil: undefined }),
  })
  .map((t) => {
    const offset = `${t.sign}${pad(t.offH, 2)}${t.offM !== undefined ? `:${pad(t.offM, 2)}${t.offS !== undefined ? `:${pad(t.offS, 2)}` : ''}` : ''}`;
    return `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)} ${pad(t.hour, 2)}:${pad(t.minute, 2)}:${pad(t.second, 2)}${t.fraction !== undefined ? `.${t.fraction}` : ''}${offset}`;
  });

describe('timestamptz parser', () => {
  it('agrees with postgres-date on every ISO timestamptz text', () => {
    fc.assert(
      fc.property(pgText, (text) => {
        const fast = parseIsoTimestamptz(text);
        expect(fast, text).not.toBeNull();
        expect(fast?.getTime(), text).toBe((parsePostgresDate(text) as Date).getTime());
      }),
      { numRuns: 2000 },
    );
  });

  it('hands every other form to pg (BC, infinity, short years, no offset)', () => {
    for (const text of ['infinity', '-infinity', '0099-01-01 00:00:00+00', '2026-12-01 13:16:26.3+00 BC', '2026-12-01 13:16:26', '2026-12-01T13:16:26Z', '2026-12-01 13:16:26.+00']) {
      expect(parseIsoTimestamptz(text), text).toBeNull();
      expect(parseTimestamptz(text), text).toEqual(parsePostgresDate(text));
    }
  });
});
