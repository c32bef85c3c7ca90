// The REST reads over Kysely: runtime_records LEFT JOIN health_snapshots, so a record and
// its latest health (or a whole page of them) come back in one round trip.
import type { Kysely } from 'kysely';
import type { DB } from '../../../generated/db/types.js';
import type { RuntimeListQuery } from '../../ports/runtime-record.store.js';
import type { RuntimeReadStore, RuntimeWithHealth } from '../../ports/runtime-read.store.js';
import type { RuntimeStatus } from '../../domain/runtime-record.js';
import { RTM_SCHEMA } from './database.js';
import { PreparedQuery } from './prepared-query.js';
import { healthSnapshotFromRow } from './health-snapshot.store.js';
import { classifyPostgresFaults } from './postgres-fault.js';
import { runtimeRecordFromRow } from './runtime-record.store.js';

export class PostgresRuntimeReadStore implements RuntimeReadStore {
  private readonly db: Kysely<DB>;

  constructor(db: Kysely<DB>) {
    this.db = db.withSchema(RTM_SCHEMA);
    this.byGameId = new PreparedQuery(['game_id'], (v: { game_id: string }) => this.joined().where('r.game_id', '=', v.game_id));
  }

  /** Public for the row type only. */
  joined() {
    return this.db
      .selectFrom('runtime_records as r')
      .leftJoin('health_snapshots as h', 'h.game_id', 'r.game_id')
      .selectAll('r')
      .select(['h.container_id as h_container_id', 'h.event_type as h_event_type', 'h.details as h_details', 'h.observed_at as h_observed_at']);
  }

  /** The point read is the hottest query of the REST API: prepared once (prepared-query.ts). */
  private readonly byGameId: PreparedQuery<{ game_id: string }, JoinedRow>;

  async get(gameId: string): Promise<RuntimeWithHealth | null> {
    const { rows } = await classifyPostgresFaults('runtime read', () => this.db.executeQuery(this.byGameId.with({ game_id: gameId })));
    const row = rows[0];
    return row ? withHealthFromRow(row) : null;
  }

  async list(query: RuntimeListQuery): Promise<RuntimeWithHealth[]> {
    const values: PageValues = { limit: query.limit, ...(query.status !== undefined ? { status: query.status } : {}), ...(query.afterGameId !== undefined ? { after: query.afterGameId } : {}) };
    const compiled = this.pageQuery(values.status !== undefined, values.after !== undefined).with(values);
    const { rows } = await classifyPostgresFaults('runtime list', () => this.db.executeQuery(compiled));
    return rows.map(withHealthFromRow);
  }

  /** The page query, prepared once per shape (with/without status, with/without cursor). */
  private readonly pages = new Map<string, PreparedQuery<PageValues, JoinedRow>>();

  private pageQuery(byStatus: boolean, after: boolean): PreparedQuery<PageValues, JoinedRow> {
    const key = `${byStatus}|${after}`;
    let prepared = this.pages.get(key);
    if (!prepared) {
      const keys: (keyof PageValues & string)[] = [...(byStatus ? (['status'] as const) : []), ...(after ? (['after'] as const) : []), 'limit'];
      prepared = new PreparedQuery(keys, (v: PageValues) => {
        let q = this.joined();
        if (byStatus) q = q.where('r.status', '=', v.status as RuntimeStatus);
        if (after) q = q.where('r.game_id', '>', v.after as string);
        return q.orderBy('r.game_id', 'asc').limit(v.limit);
      });
      this.pages.set(key, prepared);
    }
    return prepared;
  }
}

interface PageValues extends Record<string, unknown> {
  status?: RuntimeStatus;
  after?: string;
  limit: number;
}

type JoinedRow = Awaited<ReturnType<ReturnType<PostgresRuntimeReadStore['joined']>['executeTakeFirstOrThrow']>>;

function withHealthFromRow(row: JoinedRow): RuntimeWithHealth {
  const record = runtimeRecordFromRow(row);
  const { h_container_id: containerId, h_event_type: eventType, h_details: details, h_observed_at: observedAt } = row;
  if (containerId === null || eventType === null || details === null || observedAt === null) return { record, health: null };
  const health = healthSnapshotFromRow({ game_id: row.game_id, container_id: containerId, event_type: eventType, details, observed_at: observedAt });
  return { record, health };
}
