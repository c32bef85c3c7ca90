// runtime_records over Kysely. Decision record (CAS shape, created_at): docs/postgres-migration.md.
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { RuntimeRecords } from '../../../generated/db/types.js';
import type { RuntimeRecord, RuntimeStatus } from '../../domain/runtime-record.js';
import { isRuntimeStatus, RUNTIME_STATUSES } from '../../domain/runtime-record.js';
import { ALLOWED_TRANSITIONS } from '../../domain/runtime-transitions.js';
import { limitsFromWire, limitsToWire } from '../../domain/runtime-limits.js';
import type { FleetLimits, RuntimeLimitsChange, RuntimeListQuery, RuntimeRecordStore, RuntimeStatusChange } from '../../ports/runtime-record.store.js';
import { RTM_SCHEMA, type RtmDatabase } from './database.js';
import type { LeaderFence } from '../../ports/leader-fence.js';
import { epochIsCurrentSql, fenceMiss, fencedInsertInto, rejectedWrite } from './leader-fence.sql.js';
import { insertInto, setToExcluded, valuesInOrder, type NamedStatement } from './named-statement.js';
import { classifyPostgresFaults } from './postgres-fault.js';

type RuntimeRecordRow = Selectable<RuntimeRecords>;

export function runtimeRecordFromRow(row: RuntimeRecordRow): RuntimeRecord {
  // The column has a CHECK constraint: anything else means code and schema disagree.
  if (!isRuntimeStatus(row.status)) {
    throw new Error(`runtime_records row ${row.game_id} has unknown status ${JSON.stringify(row.status)}`);
  }
  return {
    gameId: row.game_id,
    status: row.status,
    currentContainerId: row.current_container_id,
    currentImageRef: row.current_image_ref,
    engineEndpoint: row.engine_endpoint,
    statePath: row.state_path,
    createdAt: row.created_at,
    startedAt: row.started_at,
    stoppedAt: row.stopped_at,
    removedAt: row.removed_at,
    lastOpAt: row.last_op_at,
    limits: limitsFromWire(row.limits),
  };
}

type RecordRow = Required<Insertable<RuntimeRecords>>;

const RECORD_COLUMNS = [
  'game_id', 'status', 'current_container_id', 'current_image_ref', 'engine_endpoint', 'state_path',
  'created_at', 'started_at', 'stopped_at', 'removed_at', 'last_op_at', 'limits',
] as const satisfies readonly (keyof RecordRow)[];

export function runtimeRecordToRow(record: RuntimeRecord): RecordRow {
  return {
    game_id: record.gameId,
    status: record.status,
    current_container_id: record.currentContainerId,
    current_image_ref: record.currentImageRef,
    engine_endpoint: record.engineEndpoint,
    state_path: record.statePath,
    created_at: record.createdAt,
    started_at: record.startedAt,
    stopped_at: record.stoppedAt,
    removed_at: record.removedAt,
    last_op_at: record.lastOpAt,
    // Stored in the contract's shape: the read path renders the column as it is.
    limits: record.limits ? JSON.stringify(limitsToWire(record.limits)) : null,
  };
}

/**
 * The statuses a row may be in for a status update to `to` (CONTRACT §3). A status update
 * never goes from a status to itself (adoption's running -> running is an upsert), which
 * is what makes the CAS single-winner: once the first
 * writer has moved the row, the second one's guard no longer matches.
 */
export function statusesAllowedBefore(to: RuntimeStatus): RuntimeStatus[] {
  return ALLOWED_TRANSITIONS.filter((t) => t.to === to && t.from !== null && t.from !== to).map((t) => t.from as RuntimeStatus);
}

// The two statements of every operation (and of each adoption), named (named-statement.ts).
const RECORDS = `${RTM_SCHEMA}.runtime_records`;
const RECORD_BY_GAME_ID: NamedStatement = {
  name: 'rtm_runtime_record_by_game_id',
  text: `SELECT ${RECORD_COLUMNS.join(', ')} FROM ${RECORDS} WHERE game_id = $1`,
};
// Every column but game_id and created_at: the first insert's created_at stays.
const ON_CONFLICT_UPDATE = `ON CONFLICT (game_id) DO UPDATE SET ${setToExcluded(
  RECORD_COLUMNS.filter((c) => c !== 'game_id' && c !== 'created_at'),
)} RETURNING ${RECORD_COLUMNS.join(', ')}`;
const RECORD_UPSERT: NamedStatement = {
  name: 'rtm_runtime_record_upsert',
  text: `${insertInto(RECORDS, RECORD_COLUMNS)} ${ON_CONFLICT_UPDATE}`,
};
const TS = 'timestamptz';
const RECORD_TYPES = {
  game_id: 'text', status: 'text', current_container_id: 'text', current_image_ref: 'text', engine_endpoint: 'text', state_path: 'text',
  created_at: TS, started_at: TS, stopped_at: TS, removed_at: TS, last_op_at: TS, limits: 'jsonb',
} as const satisfies Record<(typeof RECORD_COLUMNS)[number], string>;
/** The upsert of a leader-only trigger: nothing is written once its epoch is stale (leader-fence.sql.ts). */
const RECORD_UPSERT_FENCED: NamedStatement = {
  name: 'rtm_runtime_record_upsert_fenced',
  text: `${fencedInsertInto(RECORDS, RECORD_COLUMNS, RECORD_TYPES)} ${ON_CONFLICT_UPDATE}`,
};

// Read at scrape time: one pass over the running rows (the status index), no per-game output.
const RUNNING_LIMITS: NamedStatement = {
  name: 'rtm_running_limits',
  text: `SELECT count(limits) AS engines, coalesce(sum((limits->>'memory_bytes')::bigint), 0) AS memory_bytes,
    coalesce(sum((limits->>'cpus')::numeric), 0) AS cpus, count(*) - count(limits) AS without_limits
    FROM ${RECORDS} WHERE status = 'running'`,
};

export class PostgresRuntimeRecordStore implements RuntimeRecordStore {
  /** `fence`: writes made inside a leader term check its epoch (docs/leader-election.md). */
  constructor(
    private readonly database: RtmDatabase,
    private readonly fence?: LeaderFence,
  ) {}

  async get(gameId: string): Promise<RuntimeRecord | null> {
    const [row] = await classifyPostgresFaults('runtime record read', () => this.database.run<RuntimeRecordRow>(RECORD_BY_GAME_ID, [gameId]));
    return row ? runtimeRecordFromRow(row) : null;
  }

  async upsert(record: RuntimeRecord): Promise<RuntimeRecord> {
    const values = valuesInOrder(runtimeRecordToRow(record), RECORD_COLUMNS);
    const token = this.fence?.current();
    const [row] = await classifyPostgresFaults('runtime record upsert', () =>
      token ? this.database.run<RuntimeRecordRow>(RECORD_UPSERT_FENCED, [...values, token.epoch]) : this.database.run<RuntimeRecordRow>(RECORD_UPSERT, values),
    );
    if (!row && token && this.fence) throw rejectedWrite(this.fence, token, 'runtime record upsert');
    if (!row) throw new Error('runtime record upsert returned no row');
    return runtimeRecordFromRow(row);
  }

  async updateStatus(change: RuntimeStatusChange): Promise<RuntimeRecord | null> {
    const allowedFrom =
      change.expectedStatus === undefined
        ? statusesAllowedBefore(change.to)
        : statusesAllowedBefore(change.to).filter((s) => s === change.expectedStatus);
    if (allowedFrom.length === 0) return null;
    const token = this.fence?.current();
    // One statement: the guard and the write are atomic. A concurrent writer blocked on the
    // row lock re-evaluates the WHERE against the winner's row (READ COMMITTED) and misses.
    const row = await classifyPostgresFaults('runtime record status update', () =>
      this.database.rtm
        .updateTable('runtime_records')
        .set({
          status: change.to,
          last_op_at: change.at,
          ...(change.to === 'running' ? { started_at: change.at } : {}),
          ...(change.to === 'stopped' ? { stopped_at: change.at } : {}),
          ...(change.to === 'removed' ? { removed_at: change.at } : {}),
        })
        .where('game_id', '=', change.gameId)
        .where('current_container_id', 'is not distinct from', change.expectedContainerId)
        .where('status', 'in', allowedFrom)
        .$if(token !== undefined, (q) => q.where(epochIsCurrentSql(token!.epoch)))
        .returningAll()
        .executeTakeFirst(),
    );
    if (!row && token && this.fence) {
      const lost = await classifyPostgresFaults('leader epoch read', () => fenceMiss(this.database, this.fence!, token, 'runtime record status update'));
      if (lost) throw lost;
    }
    return row ? runtimeRecordFromRow(row) : null;
  }

  async updateLimits(change: RuntimeLimitsChange): Promise<RuntimeRecord | null> {
    const row = await classifyPostgresFaults('runtime record limits update', () =>
      this.database.rtm
        .updateTable('runtime_records')
        .set({ limits: JSON.stringify(limitsToWire(change.limits)), last_op_at: change.at })
        .where('game_id', '=', change.gameId)
        .where('current_container_id', '=', change.expectedContainerId)
        .where('status', '=', change.expectedStatus)
        .returningAll()
        .executeTakeFirst(),
    );
    return row ? runtimeRecordFromRow(row) : null;
  }

  async list(query: RuntimeListQuery): Promise<RuntimeRecord[]> {
    let q = this.database.rtm.selectFrom('runtime_records').selectAll();
    if (query.status !== undefined) q = q.where('status', '=', query.status);
    if (query.afterGameId !== undefined) q = q.where('game_id', '>', query.afterGameId);
    const rows = await classifyPostgresFaults('runtime record list', () => q.orderBy('game_id', 'asc').limit(query.limit).execute());
    return rows.map(runtimeRecordFromRow);
  }

  async listStoppedBefore(olderThan: Date, limit: number): Promise<RuntimeRecord[]> {
    const rows = await classifyPostgresFaults('stopped runtime records list', () =>
      this.database.rtm
        .selectFrom('runtime_records')
        .selectAll()
        .where('status', '=', 'stopped')
        .where('last_op_at', '<', olderThan)
        .orderBy('last_op_at', 'asc')
        .orderBy('game_id', 'asc')
        .limit(limit)
        .execute(),
    );
    return rows.map(runtimeRecordFromRow);
  }

  async runningLimits(): Promise<FleetLimits> {
    const [row] = await classifyPostgresFaults('running limits sum', () =>
      this.database.run<{ engines: string; memory_bytes: string; cpus: string; without_limits: string }>(RUNNING_LIMITS, []),
    );
    return {
      engines: Number(row?.engines ?? 0),
      memoryBytes: Number(row?.memory_bytes ?? 0),
      cpus: Number(row?.cpus ?? 0),
      withoutLimits: Number(row?.without_limits ?? 0),
    };
  }

  async countByStatus(): Promise<Record<RuntimeStatus, number>> {
    const rows = await classifyPostgresFaults('runtime records count', () =>
      this.database.rtm
        .selectFrom('runtime_records')
        .select((eb) => ['status', eb.fn.countAll<string>().as('count')])
        .groupBy('status')
        .execute(),
    );
    const counts = Object.fromEntries(RUNTIME_STATUSES.map((s) => [s, 0])) as Record<RuntimeStatus, number>;
    for (const row of rows) {
      if (!isRuntimeStatus(row.status)) throw new Error(`runtime_records has unknown status ${JSON.stringify(row.status)}`);
      counts[row.status] = Number(row.count);
    }
    return counts;
  }
}
