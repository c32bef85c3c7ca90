// How rtmctl prints: aligned tables and key/value blocks for people, JSON for scripts.

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

type Cell = string | number | boolean | null | undefined;

const show = (value: Cell): string => (value === null || value === undefined || value === '' ? '-' : String(value));

/** Left-aligned columns separated by two spaces; a header row in capitals. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly Cell[]>): string {
  const cells = [headers.map((h) => h.toUpperCase()), ...rows.map((r) => r.map(show))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

/** `key: value` lines, keys aligned. */
export function keyValues(entries: ReadonlyArray<readonly [string, Cell]>): string {
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${show(v)}`).join('\n');
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
