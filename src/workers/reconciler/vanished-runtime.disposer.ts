// The one way a `running` record whose container vanished becomes `removed` (CONTRACT §3,
// `reconcile_dispose`). Shared by the reconciler and the Docker events listener so that
// whichever of them wins the compare-and-swap is the only one that publishes
// `container_disappeared` (docs/workers.md, "single ownership").
import type { Logger } from 'pino';
import type { RuntimeRecord } from '../../domain/runtime-record.js';
import type { Clock } from '../../ports/clock.js';
import type { Metrics } from '../../ports/metrics.js';
import type { OperationLogStore } from '../../ports/operation-log.store.js';
import type { HealthEventPublisher } from '../../ports/publishers.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';

/** Which path noticed the disappearance; published as `details.source`. */
export type DisappearanceSource = 'docker_event' | 'reconcile';

export interface VanishedRuntimeDisposerDeps {
  records: Pick<RuntimeRecordStore, 'updateStatus'>;
  operationLog: OperationLogStore;
  publisher: HealthEventPublisher;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
}

export class VanishedRuntimeDisposer {
  constructor(private readonly deps: VanishedRuntimeDisposerDeps) {}

  /**
   * The caller holds the game's lease and read `record` under it. Returns true when this
   * call made the running -> removed transition (and so logged and published it); false
   * when the record changed in between (someone else acted; nothing is published).
   */
  async dispose(record: RuntimeRecord, containerId: string, source: DisappearanceSource): Promise<boolean> {
    const { records, operationLog, publisher, metrics, clock } = this.deps;
    const log = this.deps.logger.child({ game_id: record.gameId, op_kind: 'reconcile_dispose', container_id: containerId });
    const startedAt = clock.now();
    let updated: RuntimeRecord | null;
    try {
      updated = await records.updateStatus({
        gameId: record.gameId,
        expectedContainerId: containerId,
        expectedStatus: 'running',
        to: 'removed',
        at: startedAt,
      });
    } catch (err) {
      metrics.operationCompleted('reconcile_dispose', 'failure', (clock.now().getTime() - startedAt.getTime()) / 1000);
      // Best effort: the store that just failed is often the one the row goes to.
      await operationLog
        .append({
          gameId: record.gameId,
          opKind: 'reconcile_dispose',
          opSource: 'auto_reconcile',
          outcome: 'failure',
          errorCode: 'internal_error',
          errorMessage: err instanceof Error ? err.message : String(err),
          imageRef: record.currentImageRef,
          containerId,
          correlationId: null,
          details: { source, previous_status: 'running' },
          startedAt,
          finishedAt: clock.now(),
        })
        .catch((logErr: unknown) => log.error({ err: logErr }, 'could not record the failed reconcile_dispose'));
      throw err;
    }
    if (!updated) {
      log.info('record changed before dispose; nothing to do');
      return false;
    }
    const finishedAt = clock.now();
    metrics.operationCompleted('reconcile_dispose', 'success', (finishedAt.getTime() - startedAt.getTime()) / 1000);
    // The transition is done; the log row and the event are each attempted even if the other fails.
    try {
      await operationLog.append({
        gameId: record.gameId,
        opKind: 'reconcile_dispose',
        opSource: 'auto_reconcile',
        outcome: 'success',
        errorCode: null,
        errorMessage: null,
        imageRef: record.currentImageRef,
        containerId,
        correlationId: null,
        details: { source, previous_status: 'running' },
        startedAt,
        finishedAt,
      });
    } catch (err) {
      log.error({ err }, 'could not append the reconcile_dispose operation_log row');
    }
    try {
      await publisher.publish({
        gameId: record.gameId,
        containerId,
        eventType: 'container_disappeared',
        occurredAt: startedAt,
        details: { source },
      });
    } catch (err) {
      log.error({ err }, 'could not publish container_disappeared');
    }
    log.warn({ source }, 'running record whose container vanished marked removed');
    return true;
  }
}
