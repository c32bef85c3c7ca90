// health_snapshots over Kysely: one row per game, the newest observation wins.
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { HealthSnapshots } from '../../../generated/db/types.js';
import type { HealthSnapshot } from '../../domain/health.js';
import { isHealthEventType } from '../../domain/health.js';
import type { HealthSnapshotStore } from '../../ports/health-snapshot.store.js';
import { RTM_SCHEMA, type RtmDatabase } from './database.js';
import { insertInto, setToExcluded, valuesInOrder, type NamedStatement } from './named-statement.js';
import { classifyPostgresFaults } from './postgres-fault.js';
import { storableJson } from './storable-text.js';

type HealthSnapshotRow = Selectable<HealthSnapshots>;

export function healthSnapshotFromRow(row: HealthSnapshotRow): HealthSnapshot {
  if (!isHealthEventType(row.event_type)) {
    throw new Error(`health_snapshots row ${row.game_id} has unknown event_type ${JSON.stringify(row.event_type)}`);
  }
  const details = row.details;
  if (details === null || typeof details !== 'object' || Array.isArray(details)) {
    throw new Error(`health_snapshots row ${row.game_id} has non-object details`);
  }
  return {
    gameId: row.game_id,
    containerId: row.container_id,
    eventType: row.event_type,
    details,
    observedAt: row.observed_at,
  };
}

type SnapshotRow = Required<Insertable<HealthSnapshots>>;

const SNAPSHOT_COLUMNS = ['game_id', 'container_id', 'event_type', 'details', 'observed_at'] as const satisfies readonly (keyof SnapshotRow)[];

export function healthSnapshotToRow(snapshot: HealthSnapshot): SnapshotRow {
  return {
    game_id: snapshot.gameId,
    container_id: snapshot.containerId,
    event_type: snapshot.eventType,
    details: storableJson(snapshot.details),
    observed_at: snapshot.observedAt,
  };
}

// Events from three sources arrive out of order; the WHERE keeps a late, older one from
// overwriting a newer snapshot in the same statement (no read-then-write race). Equal
// observed_at: the later write wins. Every health event writes one: named (named-statement.ts).
const SNAPSHOTS = `${RTM_SCHEMA}.health_snapshots`;
const SNAPSHOT_UPSERT: NamedStatement = {
  name: 'rtm_health_snapshot_upsert',
  text: `${insertInto(SNAPSHOTS, SNAPSHOT_COLUMNS)} ON CONFLICT (game_id) DO UPDATE SET ${setToExcluded(
    SNAPSHOT_COLUMNS.filter((c) => c !== 'game_id'),
  )} WHERE excluded.observed_at >= health_snapshots.observed_at`,
};

export class PostgresHealthSnapshotStore implements HealthSnapshotStore {
  constructor(private readonly database: RtmDatabase) {}

  async upsert(snapshot: HealthSnapshot): Promise<void> {
    const values = valuesInOrder(healthSnapshotToRow(snapshot), SNAPSHOT_COLUMNS);
    await classifyPostgresFaults('health snapshot upsert', () => this.database.run(SNAPSHOT_UPSERT, values));
  }

  async get(gameId: string): Promise<HealthSnapshot | null> {
    const row = await classifyPostgresFaults('health snapshot read', () =>
      this.database.rtm.selectFrom('health_snapshots').selectAll().where('game_id', '=', gameId).executeTakeFirst(),
    );
    return row ? healthSnapshotFromRow(row) : null;
  }
}
