// cleanup (CONTRACT §4, §8): remove a stopped game's container and record `removed`.
// Called by REST and by the TTL cleanup worker (op_source auto_ttl). Never touches the
// game's state directory. Failure table: docs/services.md "cleanup".
import { succeeded, type OperationResult } from '../../domain/operation-result.js';
import type { Clock } from '../../ports/clock.js';
import type { ContainerIntents } from '../../ports/container-intents.js';
import { DockerError, type DockerRuntime } from '../../ports/docker-runtime.js';
import type { GameLease } from '../../ports/game-lease.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import { pickContext, type OperationContext } from '../operation-context.js';
import { OperationFailure, classifyFault, storeStep } from '../pipeline/operation-failure.js';
import { answered, carrying, changeStatus, type KnownSoFar, type OperationPipeline } from '../pipeline/operation-pipeline.js';
import type { OperationOutcome } from '../pipeline/operation-recorder.js';

export interface CleanupContainerInput extends OperationContext {
  gameId: string;
}

/** The pipeline's own deps (op log, lease, metrics, clock, logger) plus what the container work needs. */
export interface CleanupContainerDeps {
  /** The one pipeline (composition root): every operation's lease, row and metric. */
  pipeline: OperationPipeline;
  docker: Pick<DockerRuntime, 'removeContainer'>;
  records: Pick<RuntimeRecordStore, 'get' | 'updateStatus'>;
  containerIntents: ContainerIntents;
  clock: Clock;
}

export class CleanupContainerService {
  private readonly pipeline: OperationPipeline;

  constructor(private readonly deps: CleanupContainerDeps) {
    this.pipeline = deps.pipeline;
  }

  execute(input: CleanupContainerInput): Promise<OperationResult> {
    return this.pipeline.run({
      gameId: input.gameId,
      opKind: 'cleanup_container',
      context: pickContext(input),
      act: (lease) => this.act(input.gameId, lease),
    });
  }

  private async act(gameId: string, lease: GameLease): Promise<OperationOutcome> {
    const found = await storeStep('reading the runtime record', () => this.deps.records.get(gameId));
    if (found === null) throw new OperationFailure('not_found', `no runtime record for game ${gameId}`);
    const known: KnownSoFar = { found, containerId: found.currentContainerId, imageRef: found.currentImageRef, details: {} };
    return carrying(known, async () => {
      if (found.status === 'removed') return answered(known, succeeded(found, true));
      if (found.status === 'running') throw new OperationFailure('conflict', `game ${gameId} is running; stop it before cleaning up its container`);
      const containerId = found.currentContainerId;
      if (containerId !== null) await this.removeContainer(containerId);
      const at = this.deps.clock.now();
      const written = await changeStatus(lease, this.deps.records, { gameId, containerId, from: 'stopped', to: 'removed', by: 'cleanup', at });
      return answered(known, succeeded(written), written);
    });
  }

  /**
   * Not forced: a container Docker reports running although the record says stopped is
   * drift for the reconciler, not something cleanup kills. A missing one is fine.
   */
  private async removeContainer(containerId: string): Promise<void> {
    this.deps.containerIntents.expect(containerId, 'remove');
    try {
      await this.deps.docker.removeContainer(containerId, { force: false });
    } catch (err) {
      if (err instanceof DockerError && err.kind === 'conflict')
        throw new OperationFailure('conflict', `container ${containerId.slice(0, 12)} is running in Docker although the record says stopped; left alone: ${err.message}`);
      throw classifyFault(err, 'removing the container');
    }
  }
}
