// The PostgreSQL handle the stores share: the composition root's pg Pool, with Kysely over
// it for the statements built per call, and pg itself for the few hot statements, which
// run as named statements through pg's own query config `{ name, text, values }`
// (named-statement.ts). Both are public API of their library: no wrapper of pg's client or
// of Kysely's driver. Each store names and classifies its own calls (postgres-fault.ts).
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { DB } from '../../../generated/db/types.js';
import type { NamedStatement } from './named-statement.js';

/** Created by the migrations (CONTRACT §9); see docs/postgres-migration.md. */
export const RTM_SCHEMA = 'rtmanager';

export interface RtmDatabase {
  /** Query builder for statements built per call. */
  readonly kysely: Kysely<DB>;
  /** The same with schema `rtmanager` (RTM_SCHEMA) pinned: what the stores query through. */
  readonly rtm: Kysely<DB>;
  /** Runs one hot statement; PostgreSQL parses and plans it once per connection. */
  run<R>(statement: NamedStatement, values: readonly unknown[]): Promise<R[]>;
  /** Ends the pool (Kysely owns it from here on): call this once at shutdown instead of `pool.end()`. */
  destroy(): Promise<void>;
}

export function createRtmDatabase(pool: pg.Pool, onClientError: (err: Error) => void = () => undefined): RtmDatabase {
  // pg-pool listens for errors on idle clients only: a client checked out between two queries
  // when the server terminates its connection (57P01 on shutdown) would emit an unhandled
  // 'error' and crash the process. The query in flight still rejects, and is classified.
  pool.on('connect', (client) => client.on('error', onClientError));
  const kysely = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kysely,
    rtm: kysely.withSchema(RTM_SCHEMA),
    async run<R>(statement: NamedStatement, values: readonly unknown[]): Promise<R[]> {
      const result = await pool.query({ name: statement.name, text: statement.text, values: [...values] });
      return result.rows as R[];
    },
    destroy: () => kysely.destroy(),
  };
}
