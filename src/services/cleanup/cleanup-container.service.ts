// cleanup (CONTRACT §4, §8): remove a stopped game's container and record `removed`.
// Called by REST and by the TTL cleanup worker (op_source auto_ttl). Never touches the
// game's state directory. Failure table: docs/services.md "cleanup".
import type { Logger } from 'pino';
import type { OpSource } from '../../domain/operation.js';
import type { OperationResult } from '../../domain/operation-result.js';
import type { RuntimeRecord } from '../../domain/runtime-record.js';
import type { Clock } from '../../ports/clock.js';
import type { ContainerIntents } from '../../ports/container-intents.js';
import { DockerError, type DockerRuntime } from '../../ports/docker-runtime.js';
import type { GameLeases } from '../../ports/game-lease.js';
import type { Metrics } from '../../ports/metrics.js';
import type { OperationLogStore } from '../../ports/operation-log.store.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import { LeaseRunner, assertLeaseHeld } from '../shared/lease-runner.js';
import { OperationFailure, asOperationFailure, fromDockerError, storeStep } from '../shared/operation-failure.js';
import { OperationRecorder, type RecordedOperation } from '../shared/operation-recorder.js';
import { refuseInvalidGameId } from '../shared/request-validation.js';

export interface CleanupContainerInput {
  gameId: string;
  opSource: OpSource;
}

export interface CleanupContainerDeps {
  docker: DockerRuntime;
  records: RuntimeRecordStore;
  operationLog: OperationLogStore;
  leases: GameLeases;
  containerIntents: ContainerIntents;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
}

export class CleanupContainerService {
  private readonly recorder: OperationRecorder;
  private readonly leaseRunner: LeaseRunner;

  constructor(private readonly deps: CleanupContainerDeps) {
    this.recorder = new OperationRecorder(deps);
    this.leaseRunner = new LeaseRunner(deps.leases, deps.logger);
  }

  async execute(input: CleanupContainerInput): Promise<OperationResult> {
    const refused = refuseInvalidGameId(input.gameId, 'cleanup_container', this.deps.logger);
    if (refused) return refused;
    return this.leaseRunner.run(
      input.gameId,
      async (lease) => {
        const op = this.begin(input);
        let found: RuntimeRecord | null = null;
        try {
          found = await storeStep('reading the runtime record', () => this.deps.records.get(input.gameId));
          if (found === null) throw new OperationFailure('not_found', `no runtime record for game ${input.gameId}`);
          op.containerId = found.currentContainerId;
          op.imageRef = found.currentImageRef;
          if (found.status === 'removed') return await op.succeed(found, true);
          if (found.status === 'running')
            throw new OperationFailure('conflict', `game ${input.gameId} is running; stop it before cleaning up its container`);

          if (found.currentContainerId !== null) await this.removeContainer(found.currentContainerId);
          assertLeaseHeld(lease);
          const containerId = found.currentContainerId;
          const removed = await storeStep('writing the runtime record', () =>
            this.deps.records.updateStatus({
              gameId: input.gameId,
              expectedContainerId: containerId,
              expectedStatus: 'stopped',
              to: 'removed',
              at: this.deps.clock.now(),
            }),
          );
          if (removed === null)
            throw new OperationFailure('conflict', 'the runtime record changed during cleanup; it was not overwritten');
          return await op.succeed(removed);
        } catch (err) {
          return op.fail(asOperationFailure(err), found);
        }
      },
      (failure) => this.begin(input).fail(failure, null),
    );
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
      throw fromDockerError(err, 'removing the container', 'internal_error');
    }
  }

  private begin(input: CleanupContainerInput): RecordedOperation {
    return this.recorder.begin({ gameId: input.gameId, opKind: 'cleanup_container', opSource: input.opSource, correlationId: null });
  }
}
