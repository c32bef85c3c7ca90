// health_snapshots over Kysely: one row per game, the newest observation wins.
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { DB, HealthSnapshots } from '../../../generated/db/types.js';
import type { HealthSnapshot } from '../../domain/health.js';
import { isHealthEventType } from '../../domain/health.js';
import type { HealthSnapshotStore } from '../../ports/health-snapshot.store.js';
import { RTM_SCHEMA } from './database.js';
import { PreparedQuery } from './prepared-query.js';
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

export class PostgresHealthSnapshotStore implements HealthSnapshotStore {
  private readonly db: Kysely<DB>;

  /** Every health event writes one: prepared once. */
  private readonly upsertRow;

  constructor(db: Kysely<DB>) {
    this.db = db.withSchema(RTM_SCHEMA);
    // Events from three sources arrive out of order; the WHERE keeps a late, older one
    // from overwriting a newer snapshot in the same statement (no read-then-write race).
    // Equal observed_at: the later write wins.
    this.upsertRow = new PreparedQuery(SNAPSHOT_COLUMNS, (row: SnapshotRow) =>
      this.db
        .insertInto('health_snapshots')
        .values(row)
        .onConflict((oc) =>
          oc
            .column('game_id')
            .doUpdateSet((eb) => ({
              container_id: eb.ref('excluded.container_id'),
              event_type: eb.ref('excluded.event_type'),
              details: eb.ref('excluded.details'),
              observed_at: eb.ref('excluded.observed_at'),
            }))
            .whereRef('excluded.observed_at', '>=', 'health_snapshots.observed_at'),
        ),
      { named: true },
    );
  }

  async upsert(snapshot: HealthSnapshot): Promise<void> {
    await this.db.executeQuery(this.upsertRow.with(healthSnapshotToRow(snapshot)));
  }

  async get(gameId: string): Promise<HealthSnapshot | null> {
    const row = await classifyPostgresFaults('health snapshot read', () =>
      this.db.selectFrom('health_snapshots').selectAll().where('game_id', '=', gameId).executeTakeFirst(),
    );
    return row ? healthSnapshotFromRow(row) : null;
  }
}
