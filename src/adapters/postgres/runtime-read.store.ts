// The REST reads over Kysely: runtime_records LEFT JOIN health_snapshots, so a record and
// its latest health (or a whole page of them) come back in one round trip.
import type { CompiledQuery, Kysely } from 'kysely';
import type { DB } from '../../../generated/db/types.js';
import type { RuntimeListQuery } from '../../ports/runtime-record.store.js';
import type { RuntimeReadStore, RuntimeWithHealth } from '../../ports/runtime-read.store.js';
import { RTM_SCHEMA } from './database.js';
import { healthSnapshotFromRow } from './health-snapshot.store.js';
import { classifyPostgresFaults } from './postgres-fault.js';
import { runtimeRecordFromRow } from './runtime-record.store.js';

export class PostgresRuntimeReadStore implements RuntimeReadStore {
  private readonly db: Kysely<DB>;

  constructor(db: Kysely<DB>) {
    this.db = db.withSchema(RTM_SCHEMA);
    this.byGameId = this.joined().where('r.game_id', '=', '').compile();
  }

  /** Public for the row type only. */
  joined() {
    return this.db
      .selectFrom('runtime_records as r')
      .leftJoin('health_snapshots as h', 'h.game_id', 'r.game_id')
      .selectAll('r')
      .select(['h.container_id as h_container_id', 'h.event_type as h_event_type', 'h.details as h_details', 'h.observed_at as h_observed_at']);
  }

  /**
   * The point read is the hottest query of the REST API: compiled once, executed with the
   * id as its one parameter (building and compiling it per request was a visible share
   * of a GET's CPU time).
   */
  private readonly byGameId: CompiledQuery<JoinedRow>;

  async get(gameId: string): Promise<RuntimeWithHealth | null> {
    const query: CompiledQuery<JoinedRow> = { ...this.byGameId, parameters: [gameId] };
    const { rows } = await classifyPostgresFaults('runtime read', () => this.db.executeQuery(query));
    const row = rows[0];
    return row ? withHealthFromRow(row) : null;
  }

  async list(query: RuntimeListQuery): Promise<RuntimeWithHealth[]> {
    const byStatus = query.status !== undefined;
    const after = query.afterGameId !== undefined;
    // Parameters in the order the variant was compiled with: status, cursor, limit.
    const parameters = [...(byStatus ? [query.status] : []), ...(after ? [query.afterGameId] : []), query.limit];
    const compiled: CompiledQuery<JoinedRow> = { ...this.listVariant(byStatus, after), parameters };
    const { rows } = await classifyPostgresFaults('runtime list', () => this.db.executeQuery(compiled));
    return rows.map(withHealthFromRow);
  }

  /** The page query is compiled once per shape (with/without status, with/without cursor), like the point read. */
  private readonly listVariants = new Map<string, CompiledQuery<JoinedRow>>();

  private listVariant(byStatus: boolean, after: boolean): CompiledQuery<JoinedRow> {
    const key = `${byStatus}|${after}`;
    let compiled = this.listVariants.get(key);
    if (!compiled) {
      let q = this.joined();
      if (byStatus) q = q.where('r.status', '=', 'running');
      if (after) q = q.where('r.game_id', '>', '');
      compiled = q.orderBy('r.game_id', 'asc').limit(1).compile();
      this.listVariants.set(key, compiled);
    }
    return compiled;
  }
}

type JoinedRow = Awaited<ReturnType<ReturnType<PostgresRuntimeReadStore['joined']>['executeTakeFirstOrThrow']>>;

function withHealthFromRow(row: JoinedRow): RuntimeWithHealth {
  const record = runtimeRecordFromRow(row);
  const { h_container_id: containerId, h_event_type: eventType, h_details: details, h_observed_at: observedAt } = row;
  if (containerId === null || eventType === null || details === null || observedAt === null) return { record, health: null };
  const health = healthSnapshotFromRow({ game_id: row.game_id, container_id: containerId, event_type: eventType, details, observed_at: observedAt });
  return { record, health };
}
