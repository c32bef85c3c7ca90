// The Docker events worker's removal: a `destroy` of the container a running record names
// disposes the record (reconcile_dispose, container_disappeared), under the game's lease,
// through the same operation the reconciler runs. Whichever of them wins the
// compare-and-swap is the only one that records and publishes (docs/workers.md).
import type { Logger } from 'pino';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import { describeError, storeStep } from '../pipeline/operation-failure.js';
import type { OperationPipeline } from '../pipeline/operation-pipeline.js';
import type { DisappearanceSource, ReconcileOperations } from './reconcile-operations.js';

export interface ContainerVanished {
  gameId: string;
  containerId: string;
  source: DisappearanceSource;
}

export type VanishedOutcome = 'disposed' | 'unchanged' | 'busy' | 'failed';

export class VanishedRuntimeService {
  constructor(
    private readonly operations: ReconcileOperations,
    private readonly pipeline: Pick<OperationPipeline, 'withLease'>,
    private readonly records: Pick<RuntimeRecordStore, 'get'>,
    private readonly logger: Logger,
  ) {}

  /**
   * `disposed`: this call made the transition (row, container_disappeared). `unchanged`: the
   * record no longer names the container as running. `busy`: an operation holds the lease
   * (the reconciler catches up). `failed`: a store or lease fault (logged; the caller may
   * re-derive it later, e.g. by a resync).
   */
  async containerVanished(event: ContainerVanished): Promise<VanishedOutcome> {
    const log = this.logger.child({ game_id: event.gameId, container_id: event.containerId });
    try {
      return await this.pipeline.withLease<VanishedOutcome>(
        event.gameId,
        async (lease) => {
          const fresh = await storeStep('reading the runtime record', () => this.records.get(event.gameId));
          if (!fresh || fresh.status !== 'running' || fresh.currentContainerId !== event.containerId) return 'unchanged';
          return (await this.operations.disposeVanished(lease, fresh, event.source)).outcome === 'success' ? 'disposed' : 'failed';
        },
        async (failure) => {
          log.info({ error_code: failure.code }, 'game lease not available; leaving the vanished container to the reconciler');
          return failure.code === 'conflict' ? 'busy' : 'failed';
        },
      );
    } catch (err) {
      log.error({ err: describeError(err) }, 'disposing the vanished runtime failed');
      return 'failed';
    }
  }
}
