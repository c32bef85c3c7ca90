// The one way a `running` record whose container vanished becomes `removed` (CONTRACT §3,
// `reconcile_dispose`). Shared by the reconciler and the Docker events listener so that
// whichever of them wins the compare-and-swap is the only one that publishes
// `container_disappeared` (docs/workers.md, "single ownership").
import type { Logger } from 'pino';
import type { RuntimeRecord } from '../../domain/runtime-record.js';
import type { Clock } from '../../ports/clock.js';
import type { Metrics } from '../../ports/metrics.js';
import type { OperationLogStore } from '../../ports/operation-log.store.js';
import type { HealthEventRecorder } from '../../services/health/record-health-event.service.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import { ReconcileOperationLog, type ReconcileRow } from './reconcile-operation.log.js';

/** Which path noticed the disappearance; published as `details.source`. */
export type DisappearanceSource = 'docker_event' | 'reconcile';

export interface VanishedRuntimeDisposerDeps {
  records: Pick<RuntimeRecordStore, 'updateStatus'>;
  operationLog: OperationLogStore;
  health: HealthEventRecorder;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
}

export class VanishedRuntimeDisposer {
  private readonly operations: ReconcileOperationLog;

  constructor(private readonly deps: VanishedRuntimeDisposerDeps) {
    this.operations = new ReconcileOperationLog(deps);
  }

  /**
   * The caller holds the game's lease and read `record` under it. Returns true when this
   * call made the running -> removed transition (and so logged and published it); false
   * when the record changed in between (someone else acted; nothing is published).
   */
  async dispose(record: RuntimeRecord, containerId: string, source: DisappearanceSource): Promise<boolean> {
    const { records, health, clock } = this.deps;
    const log = this.deps.logger.child({ game_id: record.gameId, op_kind: 'reconcile_dispose', container_id: containerId });
    const startedAt = clock.now();
    const row: ReconcileRow = {
      opKind: 'reconcile_dispose',
      gameId: record.gameId,
      imageRef: record.currentImageRef,
      containerId,
      details: { source, previous_status: 'running' },
      startedAt,
    };
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
      await this.operations.failed(row, err, log);
      throw err;
    }
    if (!updated) {
      log.info('record changed before dispose; nothing to do');
      return false;
    }
    // The transition is done; the log row and the event are each attempted even if the other fails.
    try {
      await this.operations.succeeded(row);
    } catch (err) {
      log.error({ err }, 'could not append the reconcile_dispose operation_log row');
    }
    try {
      await health.record({
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
