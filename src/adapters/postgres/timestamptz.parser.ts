// timestamptz columns as Dates, without postgres-date's three regular expressions per value:
// the REST list reads seven timestamps per row, and parsing them was the largest single
// cost of a page. PostgreSQL's text output (DateStyle ISO) is fixed-width for the years RTM
// writes; those are parsed by position with the same arithmetic as postgres-date (Date.UTC,
// fractional milliseconds truncated), anything else (BC, infinity, years before 1000) is
// handed to pg's own parser.
import pg from 'pg';

const TIMESTAMPTZ_OID = 1184;

const digit = (s: string, i: number): number => s.charCodeAt(i) - 48;
const two = (s: string, i: number): number => digit(s, i) * 10 + digit(s, i + 1);
const isDigit = (s: string, i: number): boolean => {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
};

/** `2026-12-01 13:16:26.301234+00` (offset `+HH`, `+HH:MM` or `+HH:MM:SS`); null when not of that form. */
export function parseIsoTimestamptz(s: string): Date | null {
  if (s.length < 22 || s[4] !== '-' || s[7] !== '-' || s[10] !== ' ' || s[13] !== ':' || s[16] !== ':') return null;
  for (const i of [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]) if (!isDigit(s, i)) return null;
  const year = digit(s, 0) * 1000 + digit(s, 1) * 100 + two(s, 2);
  if (year < 1000) return null;
  let i = 19;
  let ms = 0;
  if (s[i] === '.') {
    const start = i;
    i += 1;
    while (i < s.length && isDigit(s, i)) i += 1;
    if (i === start + 1) return null;
    ms = 1000 * Number(s.slice(start, i));
  }
  const sign = s[i];
  if (sign !== '+' && sign !== '-') return null;
  const o = i + 1;
  const parts = s.length - o === 2 ? 1 : s.length - o === 5 ? 2 : s.length - o === 8 ? 3 : 0;
  if (parts === 0) return null;
  let offsetS = 0;
  for (let p = 0; p < parts; p++) {
    const at = o + p * 3;
    if (!isDigit(s, at) || !isDigit(s, at + 1) || (p > 0 && s[at - 1] !== ':')) return null;
    offsetS = offsetS * 60 + two(s, at);
  }
  const offsetMs = offsetS * (parts === 1 ? 3600 : parts === 2 ? 60 : 1) * 1000;
  const utc = Date.UTC(year, two(s, 5) - 1, two(s, 8), two(s, 11), two(s, 14), two(s, 17), ms);
  return new Date(sign === '+' ? utc - offsetMs : utc + offsetMs);
}

const fallback = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (value: string) => unknown;

export function parseTimestamptz(value: string): unknown {
  return parseIsoTimestamptz(value) ?? fallback(value);
}

/** The type parsers of RTM's pool: pg's own, but timestamptz by parseTimestamptz. */
export const rtmPostgresTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ_OID && (format ?? 'text') === 'text' ? parseTimestamptz : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};
