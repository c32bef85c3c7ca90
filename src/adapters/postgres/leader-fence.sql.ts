// The epoch check of a fenced PostgreSQL write (docs/leader-election.md), in the write's own
// statement: FOR SHARE on the lease row makes a concurrent takeover (which updates the row)
// wait until the write has committed, and makes the write miss once the takeover committed.
import { sql, type RawBuilder } from 'kysely';
import { LeadershipLost, type FenceToken, type LeaderFence } from '../../ports/leader-fence.js';
import { RTM_SCHEMA, type RtmDatabase } from './database.js';

/** `EXISTS (…)` true while `$n` is the current epoch; `param` is the placeholder, e.g. `$12`. */
export function epochIsCurrent(param: string): string {
  return `EXISTS (SELECT 1 FROM ${RTM_SCHEMA}.leader_lease WHERE id = 1 AND epoch = ${param} FOR SHARE)`;
}

/** The same check for a statement built with Kysely. */
export function epochIsCurrentSql(epoch: number): RawBuilder<boolean> {
  return sql<boolean>`EXISTS (SELECT 1 FROM ${sql.raw(RTM_SCHEMA)}.leader_lease WHERE id = 1 AND epoch = ${epoch} FOR SHARE)`;
}

const CURRENT_EPOCH = { name: 'rtm_leader_lease_epoch', text: `SELECT epoch FROM ${RTM_SCHEMA}.leader_lease WHERE id = 1` };

/** After a fenced write that matched no row: LeadershipLost when the epoch moved on, else null (a plain miss). */
export async function fenceMiss(database: RtmDatabase, fence: LeaderFence, token: FenceToken, what: string): Promise<LeadershipLost | null> {
  const [row] = await database.run<{ epoch: string }>(CURRENT_EPOCH, []);
  if (row !== undefined && Number(row.epoch) === token.epoch) return null;
  return rejectedWrite(fence, token, what);
}

/** The error of a rejected write, announced to the fence (its elector steps down). */
export function rejectedWrite(fence: LeaderFence, token: FenceToken, what: string): LeadershipLost {
  const error = new LeadershipLost('postgres', token.epoch, what);
  fence.rejected(error);
  return error;
}

/**
 * `INSERT INTO table (c1, …) SELECT $1::t1, … WHERE <epoch $n+1 is current>`: an insert that
 * writes nothing once the epoch moved on (the casts type the parameters as VALUES would).
 */
export function fencedInsertInto<K extends string>(table: string, columns: readonly K[], types: Readonly<Record<K, string>>): string {
  const values = columns.map((c, i) => `$${i + 1}::${types[c]}`).join(', ');
  return `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${values} WHERE ${epochIsCurrent(`$${columns.length + 1}`)}`;
}
