// operation_log over Kysely: append-only history, newest first by id.
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { OperationLog } from '../../../generated/db/types.js';
import type { ResultCode } from '../../domain/error-codes.js';
import { isErrorCode, REPLAY_NO_OP } from '../../domain/error-codes.js';
import type { OperationLogEntry, StoredOperationLogEntry } from '../../domain/operation.js';
import { OP_KINDS, OP_SOURCES, OUTCOMES } from '../../domain/operation.js';
import type { OperationLogStore } from '../../ports/operation-log.store.js';
import { RTM_SCHEMA, type RtmDatabase } from './database.js';
import type { LeaderFence } from '../../ports/leader-fence.js';
import { fencedInsertInto, rejectedWrite } from './leader-fence.sql.js';
import { insertInto, valuesInOrder, type NamedStatement } from './named-statement.js';
import { classifyPostgresFaults } from './postgres-fault.js';
import { storableJson, storableText } from './storable-text.js';

type OperationLogRow = Selectable<OperationLog>;

function oneOf<T extends string>(allowed: readonly T[], value: string, column: string, id: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`operation_log row ${id} has unknown ${column} ${JSON.stringify(value)}`);
}

function resultCode(value: string | null, id: string): ResultCode | null {
  if (value === null || value === REPLAY_NO_OP || isErrorCode(value)) return value;
  throw new Error(`operation_log row ${id} has unknown error_code ${JSON.stringify(value)}`);
}

export function operationLogEntryFromRow(row: OperationLogRow): StoredOperationLogEntry {
  const details = row.details;
  if (details === null || typeof details !== 'object' || Array.isArray(details)) {
    throw new Error(`operation_log row ${row.id} has non-object details`);
  }
  return {
    id: row.id,
    gameId: row.game_id,
    opKind: oneOf(OP_KINDS, row.op_kind, 'op_kind', row.id),
    opSource: oneOf(OP_SOURCES, row.op_source, 'op_source', row.id),
    outcome: oneOf(OUTCOMES, row.outcome, 'outcome', row.id),
    errorCode: resultCode(row.error_code, row.id),
    errorMessage: row.error_message,
    imageRef: row.image_ref,
    containerId: row.container_id,
    correlationId: row.correlation_id,
    details,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

type OperationLogInsert = Omit<Required<Insertable<OperationLog>>, 'id'>;

const OPERATION_LOG_COLUMNS = [
  'game_id', 'op_kind', 'op_source', 'outcome', 'error_code', 'error_message', 'image_ref',
  'container_id', 'correlation_id', 'details', 'started_at', 'finished_at',
] as const satisfies readonly (keyof OperationLogInsert)[];

export function operationLogEntryToRow(entry: OperationLogEntry): OperationLogInsert {
  return {
    game_id: entry.gameId,
    op_kind: entry.opKind,
    op_source: entry.opSource,
    outcome: entry.outcome,
    error_code: entry.errorCode,
    error_message: storableText(entry.errorMessage),
    image_ref: storableText(entry.imageRef),
    container_id: entry.containerId,
    correlation_id: entry.correlationId,
    details: storableJson(entry.details),
    started_at: entry.startedAt,
    finished_at: entry.finishedAt,
  };
}

/** One row per operation: named (named-statement.ts). */
const OPERATION_LOG_APPEND: NamedStatement = {
  name: 'rtm_operation_log_append',
  text: `${insertInto(`${RTM_SCHEMA}.operation_log`, OPERATION_LOG_COLUMNS)} RETURNING id`,
};
const TS = 'timestamptz';
const OPERATION_LOG_TYPES = {
  game_id: 'text', op_kind: 'text', op_source: 'text', outcome: 'text', error_code: 'text', error_message: 'text', image_ref: 'text',
  container_id: 'text', correlation_id: 'text', details: 'jsonb', started_at: TS, finished_at: TS,
} as const satisfies Record<(typeof OPERATION_LOG_COLUMNS)[number], string>;
/** The append of a leader-only trigger: nothing is written once its epoch is stale (leader-fence.sql.ts). */
const OPERATION_LOG_APPEND_FENCED: NamedStatement = {
  name: 'rtm_operation_log_append_fenced',
  text: `${fencedInsertInto(`${RTM_SCHEMA}.operation_log`, OPERATION_LOG_COLUMNS, OPERATION_LOG_TYPES)} RETURNING id`,
};

export class PostgresOperationLogStore implements OperationLogStore {
  /** `fence`: appends made inside a leader term check its epoch (docs/leader-election.md). */
  constructor(
    private readonly database: RtmDatabase,
    private readonly fence?: LeaderFence,
  ) {}

  async append(entry: OperationLogEntry): Promise<string> {
    const values = valuesInOrder(operationLogEntryToRow(entry), OPERATION_LOG_COLUMNS);
    const token = this.fence?.current();
    const [row] = await classifyPostgresFaults('operation log append', () =>
      token ? this.database.run<{ id: string }>(OPERATION_LOG_APPEND_FENCED, [...values, token.epoch]) : this.database.run<{ id: string }>(OPERATION_LOG_APPEND, values),
    );
    if (row === undefined && token && this.fence) throw rejectedWrite(this.fence, token, 'operation log append');
    if (row === undefined) throw new Error('operation log append returned no id');
    // int8 comes back from pg as a string already; String() keeps that explicit.
    return String(row.id);
  }

  async listByGame(gameId: string, limit: number): Promise<StoredOperationLogEntry[]> {
    const rows = await classifyPostgresFaults('operation log read', () =>
      this.database.rtm.selectFrom('operation_log').selectAll().where('game_id', '=', gameId).orderBy('id', 'desc').limit(limit).execute(),
    );
    return rows.map(operationLogEntryFromRow);
  }
}
