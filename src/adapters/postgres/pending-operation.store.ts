// pending_operations over Kysely: the in-flight markers of restart and patch.
import type { Kysely, Selectable } from 'kysely';
import type { PendingOperations } from '../../../generated/db/types.js';
import { OP_SOURCES, type OpSource } from '../../domain/operation.js';
import type { PendingOperation, PendingOperationStore } from '../../ports/pending-operation.store.js';
import type { RtmDatabase } from './database.js';
import { classifyPostgresFaults } from './postgres-fault.js';

function pendingOperationFromRow(row: Selectable<PendingOperations>): PendingOperation {
  // CHECK constraints hold these; anything else means code and schema disagree.
  if (row.op_kind !== 'restart' && row.op_kind !== 'patch')
    throw new Error(`pending_operations row ${row.game_id} has unknown op_kind ${JSON.stringify(row.op_kind)}`);
  if (!(OP_SOURCES as readonly string[]).includes(row.op_source))
    throw new Error(`pending_operations row ${row.game_id} has unknown op_source ${JSON.stringify(row.op_source)}`);
  return {
    gameId: row.game_id,
    opKind: row.op_kind,
    opSource: row.op_source as OpSource,
    correlationId: row.correlation_id,
    imageRef: row.image_ref,
    startedAt: row.started_at,
  };
}

export class PostgresPendingOperationStore implements PendingOperationStore {
  constructor(private readonly database: RtmDatabase) {}

  async begin(marker: PendingOperation): Promise<void> {
    const row = {
      game_id: marker.gameId,
      op_kind: marker.opKind,
      op_source: marker.opSource,
      correlation_id: marker.correlationId,
      image_ref: marker.imageRef,
      started_at: marker.startedAt,
    };
    await classifyPostgresFaults('pending operation begin', () =>
      this.database.rtm
        .insertInto('pending_operations')
        .values(row)
        .onConflict((oc) => oc.column('game_id').doUpdateSet(row))
        .execute(),
    );
  }

  async end(gameId: string, correlationId: string): Promise<void> {
    await classifyPostgresFaults('pending operation end', () =>
      this.database.rtm.deleteFrom('pending_operations').where('game_id', '=', gameId).where('correlation_id', '=', correlationId).execute(),
    );
  }

  async list(limit: number): Promise<PendingOperation[]> {
    const rows = await classifyPostgresFaults('pending operations list', () =>
      this.database.rtm.selectFrom('pending_operations').selectAll().orderBy('started_at', 'asc').orderBy('game_id', 'asc').limit(limit).execute(),
    );
    return rows.map(pendingOperationFromRow);
  }
}
