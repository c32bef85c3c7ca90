// The Docker events worker's removal: a `destroy` of the container a running record names
// disposes the record (reconcile_dispose, container_disappeared), under the game's lease,
// through the same operation the reconciler runs. Whichever of them wins the
// compare-and-swap is the only one that records and publishes (docs/workers.md).
import type { Logger } from 'pino';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import { describeError, storeStep } from '../pipeline/operation-failure.js';
import type { DisappearanceSource, ReconcileOperations } from './reconcile-operations.js';

export interface ContainerVanished {
  gameId: string;
  containerId: string;
  source: DisappearanceSource;
}

export class VanishedRuntimeService {
  constructor(
    private readonly operations: ReconcileOperations,
    private readonly records: Pick<RuntimeRecordStore, 'get'>,
    private readonly logger: Logger,
  ) {}

  /**
   * True when this call disposed the record. False when the record no longer names the
   * container as running, or an operation holds the lease (the reconciler catches up).
   */
  async containerVanished(event: ContainerVanished): Promise<boolean> {
    const log = this.logger.child({ game_id: event.gameId, container_id: event.containerId });
    try {
      return await this.operations.pipeline.withLease(
        event.gameId,
        async (lease) => {
          const fresh = await storeStep('reading the runtime record', () => this.records.get(event.gameId));
          if (!fresh || fresh.status !== 'running' || fresh.currentContainerId !== event.containerId) return false;
          return (await this.operations.disposeVanished(lease, fresh, event.source)).outcome === 'success';
        },
        async (failure) => {
          log.info({ error_code: failure.code }, 'game lease not available; leaving the vanished container to the reconciler');
          return false;
        },
      );
    } catch (err) {
      log.error({ err: describeError(err) }, 'disposing the vanished runtime failed; the reconciler retries');
      return false;
    }
  }
}
