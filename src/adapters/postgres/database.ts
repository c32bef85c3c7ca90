// The Kysely handle the stores share. The composition root owns the pg Pool and builds
// this once; each store pins schema `rtmanager` itself (RTM_SCHEMA), so the handle passed
// in may be plain or already `.withSchema(...)`: the stores cannot end up in `public`.
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { DB } from '../../../generated/db/types.js';

/** Created by the migrations (CONTRACT §9); see docs/postgres-migration.md. */
export const RTM_SCHEMA = 'rtmanager';

/**
 * `db.destroy()` ends `pool` (Kysely's driver owns it from here on): at shutdown call
 * that once instead of `pool.end()`.
 */
export function createRtmDatabase(pool: pg.Pool): Kysely<DB> {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}
