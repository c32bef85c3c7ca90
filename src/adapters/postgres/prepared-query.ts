// Kysely builds and compiles a query on every call; with the schema plugin that is a visible
// share of a store call's CPU (the startup reconcile's adoptions, the REST point read). A hot
// statement whose shape never changes is built once with marker values; each call reuses the
// compiled SQL and puts its own values where the markers were.
//
// A statement can also be prepared on the server (`named`): PostgreSQL then parses and
// plans it once per connection instead of on every call (~0.2–0.45 ms of PostgreSQL CPU per
// call here for the REST reads). Only for statements whose result columns are listed: a
// named `SELECT *` fails with "cached plan must not change result type" once a migration
// adds a column under a running process.
import type { Compilable, CompiledQuery } from 'kysely';

/**
 * Leads the SQL of a statement to run as a named one; the pool Kysely draws from
 * (database.ts) sees it and names the statement after its text. A comment, so the
 * statement is the same SQL either way, and pg_stat_statements shows which are named.
 */
export const NAMED_STATEMENT_MARK = '/* rtm:named */ ';

type Slot<P> = { key: keyof P } | { constant: unknown };

export class PreparedQuery<P extends Record<string, unknown>, R> {
  private readonly compiled: CompiledQuery<R>;
  private readonly slots: Slot<P>[];

  /**
   * `keys`: every value the statement takes, each used once by `build` as a plain value (a
   * key that changes the query's shape, such as an optional filter, cannot be prepared).
   */
  constructor(keys: readonly (keyof P & string)[], build: (values: P) => Compilable<R>, options: { named?: boolean } = {}) {
    const markers = Object.fromEntries(keys.map((k) => [k, `\u0000rtm-prepared:${k}\u0000`])) as Record<string, string>;
    const keyOfMarker = new Map<unknown, keyof P>(keys.map((k) => [markers[k], k]));
    const compiled = build(markers as unknown as P).compile();
    this.compiled = options.named ? { ...compiled, sql: NAMED_STATEMENT_MARK + compiled.sql } : compiled;
    this.slots = this.compiled.parameters.map((p) => {
      const key = keyOfMarker.get(p);
      return key === undefined ? { constant: p } : { key };
    });
    const used = this.slots.filter((s): s is { key: keyof P } => 'key' in s).map((s) => s.key);
    if (used.length !== keys.length || new Set(used).size !== keys.length)
      throw new Error(`prepared query uses its values ${JSON.stringify(used)}, not each of ${JSON.stringify(keys)} once: ${this.compiled.sql}`);
  }

  /** The statement with `values` in place, ready for `db.executeQuery`. */
  with(values: P): CompiledQuery<R> {
    return { ...this.compiled, parameters: this.slots.map((s) => ('key' in s ? values[s.key] : s.constant)) };
  }
}
