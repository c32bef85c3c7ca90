// The REST reads: runtime_records LEFT JOIN health_snapshots, so a record and its latest
// health (or a whole page of them) come back in one round trip, each row already the wire's
// JSON (runtime-json.renderer.ts). The hottest statements of the REST API, and the longest
// to parse: named statements (named-statement.ts), one per filter shape of a page.
import type { RuntimeListQuery } from '../../ports/runtime-record.store.js';
import type { RenderedRuntime, RuntimeReadStore } from '../../ports/runtime-read.store.js';
import { RTM_SCHEMA, type RtmDatabase } from './database.js';
import type { NamedStatement } from './named-statement.js';
import { classifyPostgresFaults } from './postgres-fault.js';
import { RUNTIME_JSON_SQL } from './runtime-json.renderer.js';

const RENDERED = `SELECT r.game_id AS "gameId", ${RUNTIME_JSON_SQL} AS json FROM ${RTM_SCHEMA}.runtime_records AS r LEFT JOIN ${RTM_SCHEMA}.health_snapshots AS h ON h.game_id = r.game_id`;

const RUNTIME_BY_GAME_ID: NamedStatement = { name: 'rtm_runtime_json_by_game_id', text: `${RENDERED} WHERE r.game_id = $1` };

/** The page statement of one filter shape: its values are status (if filtered), cursor (if any), limit. */
function pageStatement(byStatus: boolean, after: boolean): NamedStatement {
  const conditions = [...(byStatus ? ['r.status = $1'] : []), ...(after ? [`r.game_id > $${byStatus ? 2 : 1}`] : [])];
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  return {
    name: `rtm_runtime_json_page${byStatus ? '_by_status' : ''}${after ? '_after' : ''}`,
    text: `${RENDERED}${where} ORDER BY r.game_id ASC LIMIT $${conditions.length + 1}`,
  };
}

const PAGES = new Map([false, true].flatMap((byStatus) => [false, true].map((after) => [`${byStatus}|${after}`, pageStatement(byStatus, after)] as const)));

export class PostgresRuntimeReadStore implements RuntimeReadStore {
  constructor(private readonly database: RtmDatabase) {}

  async get(gameId: string): Promise<string | null> {
    const [row] = await classifyPostgresFaults('runtime read', () => this.database.run<RenderedRuntime>(RUNTIME_BY_GAME_ID, [gameId]));
    return row?.json ?? null;
  }

  async list(query: RuntimeListQuery): Promise<RenderedRuntime[]> {
    const statement = PAGES.get(`${query.status !== undefined}|${query.afterGameId !== undefined}`) as NamedStatement;
    const values = [...(query.status !== undefined ? [query.status] : []), ...(query.afterGameId !== undefined ? [query.afterGameId] : []), query.limit];
    return classifyPostgresFaults('runtime list', () => this.database.run<RenderedRuntime>(statement, values));
  }
}
