// The operation_log row and metric of one reconcile operation (reconcile_adopt,
// reconcile_mark_stopped, reconcile_dispose; op_source auto_reconcile), for the reconciler
// and the vanished-runtime disposer alike.
import type { Logger } from 'pino';
import type { OpKind } from '../../domain/operation.js';
import type { Clock } from '../../ports/clock.js';
import type { Metrics } from '../../ports/metrics.js';
import type { OperationLogStore } from '../../ports/operation-log.store.js';

export interface ReconcileRow {
  opKind: OpKind;
  gameId: string;
  imageRef: string | null;
  containerId: string;
  details: Record<string, unknown>;
  startedAt: Date;
}

export class ReconcileOperationLog {
  constructor(private readonly deps: { operationLog: OperationLogStore; metrics: Metrics; clock: Clock }) {}

  /** Metric, then the success row. Throws when the row cannot be appended. */
  async succeeded(row: ReconcileRow): Promise<void> {
    const finishedAt = this.deps.clock.now();
    this.deps.metrics.operationCompleted(row.opKind, 'success', (finishedAt.getTime() - row.startedAt.getTime()) / 1000);
    await this.deps.operationLog.append({
      ...this.common(row),
      outcome: 'success',
      errorCode: null,
      errorMessage: null,
      finishedAt,
    });
  }

  /** Metric, then a best-effort failure row: the store that just failed is often the one the row goes to. Never throws. */
  async failed(row: ReconcileRow, cause: unknown, log: Logger): Promise<void> {
    const finishedAt = this.deps.clock.now();
    this.deps.metrics.operationCompleted(row.opKind, 'failure', (finishedAt.getTime() - row.startedAt.getTime()) / 1000);
    await this.deps.operationLog
      .append({
        ...this.common(row),
        outcome: 'failure',
        errorCode: 'internal_error',
        errorMessage: cause instanceof Error ? cause.message : String(cause),
        finishedAt,
      })
      .catch((err: unknown) => log.error({ err, game_id: row.gameId, op_kind: row.opKind }, `could not record the failed ${row.opKind}`));
  }

  private common(row: ReconcileRow) {
    return {
      gameId: row.gameId,
      opKind: row.opKind,
      opSource: 'auto_reconcile' as const,
      imageRef: row.imageRef,
      containerId: row.containerId,
      correlationId: null,
      details: row.details,
      startedAt: row.startedAt,
    };
  }
}
