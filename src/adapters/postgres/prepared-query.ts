// Kysely builds and compiles a query on every call; with the schema plugin that is a visible
// share of a store call's CPU (the startup reconcile's adoptions, the REST point read). A hot
// statement whose shape never changes is built once with marker values; each call reuses the
// compiled SQL and puts its own values where the markers were.
import type { Compilable, CompiledQuery } from 'kysely';

type Slot<P> = { key: keyof P } | { constant: unknown };

export class PreparedQuery<P extends Record<string, unknown>, R> {
  private readonly compiled: CompiledQuery<R>;
  private readonly slots: Slot<P>[];

  /**
   * `keys`: every value the statement takes, each used once by `build` as a plain value (a
   * key that changes the query's shape, such as an optional filter, cannot be prepared).
   */
  constructor(keys: readonly (keyof P & string)[], build: (values: P) => Compilable<R>) {
    const markers = Object.fromEntries(keys.map((k) => [k, `\u0000rtm-prepared:${k}\u0000`])) as Record<string, string>;
    const keyOfMarker = new Map<unknown, keyof P>(keys.map((k) => [markers[k], k]));
    this.compiled = build(markers as unknown as P).compile();
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
