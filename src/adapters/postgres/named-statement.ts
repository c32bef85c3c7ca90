// The hot statements (a record's read and upsert, the operation_log append, the snapshot
// upsert, the REST point read and pages) are plain SQL run by pg as named statements:
// PostgreSQL parses and plans each once per connection instead of on every call (the REST
// reads' rendering expression alone cost ~0.45 ms of PostgreSQL per call unnamed), and no
// query builder compiles them per call. Their text is built once, here, from the column
// lists the generated types check.
//
// Rules of a named statement: a name unique in the process (pg refuses one name for two
// texts), result columns listed — a named `SELECT *` fails with "cached plan must not
// change result type" once a migration adds a column under a running process — and a text
// that does not depend on the values (a filter that may be absent is a statement per shape).

export interface NamedStatement {
  /** Unique in the process; PostgreSQL's prepared statement name on each connection. */
  readonly name: string;
  /** SQL with $1..$n, in the order of the values each call passes. */
  readonly text: string;
}

/** `$from, $from+1, …` for `count` values. */
export function placeholders(count: number, from = 1): string {
  return Array.from({ length: count }, (_, i) => `$${from + i}`).join(', ');
}

/** The values of `row` in the order of `columns`: the parameters of a statement built from the same list. */
export function valuesInOrder<K extends string>(row: Readonly<Record<K, unknown>>, columns: readonly K[]): unknown[] {
  return columns.map((column) => row[column]);
}

/** `INSERT INTO table (c1, …) VALUES ($1, …)` for `columns`, in that order. */
export function insertInto(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders(columns.length)})`;
}

/** `c = excluded.c, …`: an upsert's update of `columns` to the inserted row's values. */
export function setToExcluded(columns: readonly string[]): string {
  return columns.map((column) => `${column} = excluded.${column}`).join(', ');
}
