// The REST reads over Kysely: runtime_records LEFT JOIN health_snapshots, so a record and
// its latest health (or a whole page of them) come back in one round trip, each row
// already the wire's JSON (runtime-json.renderer.ts).
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../../generated/db/types.js';
import type { RuntimeListQuery } from '../../ports/runtime-record.store.js';
import type { RenderedRuntime, RuntimeReadStore } from '../../ports/runtime-read.store.js';
import type { RuntimeStatus } from '../../domain/runtime-record.js';
import { RTM_SCHEMA } from './database.js';
import { PreparedQuery } from './prepared-query.js';
import { classifyPostgresFaults } from './postgres-fault.js';
import { RUNTIME_JSON_SQL } from './runtime-json.renderer.js';

export class PostgresRuntimeReadStore implements RuntimeReadStore {
  private readonly db: Kysely<DB>;

  constructor(db: Kysely<DB>) {
    this.db = db.withSchema(RTM_SCHEMA);
    this.byGameId = new PreparedQuery(['game_id'], (v: { game_id: string }) => this.rendered().where('r.game_id', '=', v.game_id), { named: true });
  }

  private rendered() {
    return this.db
      .selectFrom('runtime_records as r')
      .leftJoin('health_snapshots as h', 'h.game_id', 'r.game_id')
      .select(['r.game_id as gameId', sql<string>`${sql.raw(RUNTIME_JSON_SQL)}`.as('json')]);
  }

  /**
   * The point read is the hottest query of the REST API: compiled once and prepared on the
   * server (prepared-query.ts); its long rendering expression would otherwise be parsed and
   * planned again on every call.
   */
  private readonly byGameId: PreparedQuery<{ game_id: string }, RenderedRuntime>;

  async get(gameId: string): Promise<string | null> {
    const { rows } = await classifyPostgresFaults('runtime read', () => this.db.executeQuery(this.byGameId.with({ game_id: gameId })));
    return rows[0]?.json ?? null;
  }

  async list(query: RuntimeListQuery): Promise<RenderedRuntime[]> {
    const values: PageValues = { limit: query.limit, ...(query.status !== undefined ? { status: query.status } : {}), ...(query.afterGameId !== undefined ? { after: query.afterGameId } : {}) };
    const compiled = this.pageQuery(values.status !== undefined, values.after !== undefined).with(values);
    const { rows } = await classifyPostgresFaults('runtime list', () => this.db.executeQuery(compiled));
    return rows;
  }

  /** The page query, prepared once per shape (with/without status, with/without cursor). */
  private readonly pages = new Map<string, PreparedQuery<PageValues, RenderedRuntime>>();

  private pageQuery(byStatus: boolean, after: boolean): PreparedQuery<PageValues, RenderedRuntime> {
    const key = `${byStatus}|${after}`;
    let prepared = this.pages.get(key);
    if (!prepared) {
      const keys: (keyof PageValues & string)[] = [...(byStatus ? (['status'] as const) : []), ...(after ? (['after'] as const) : []), 'limit'];
      prepared = new PreparedQuery(keys, (v: PageValues) => {
        let q = this.rendered();
        if (byStatus) q = q.where('r.status', '=', v.status as RuntimeStatus);
        if (after) q = q.where('r.game_id', '>', v.after as string);
        return q.orderBy('r.game_id', 'asc').limit(v.limit);
      }, { named: true });
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
