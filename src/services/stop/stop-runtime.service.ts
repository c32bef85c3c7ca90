// stop (CONTRACT §4): graceful docker stop, record `stopped`, keep the container (logs,
// TTL cleanup). Failure table and decisions: docs/services.md "stop".
import type { Logger } from 'pino';
import { STOP_REASONS, type OpSource, type StopReason } from '../../domain/operation.js';
import type { OperationResult } from '../../domain/operation-result.js';
import type { RuntimeRecord } from '../../domain/runtime-record.js';
import type { Clock } from '../../ports/clock.js';
import type { ContainerIntents } from '../../ports/container-intents.js';
import { DockerError, type DockerRuntime } from '../../ports/docker-runtime.js';
import type { GameLeases } from '../../ports/game-lease.js';
import type { Metrics } from '../../ports/metrics.js';
import type { OperationLogStore } from '../../ports/operation-log.store.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import { LeaseRunner, assertLeaseHeld, type HeldContext } from '../shared/lease-runner.js';
import { OperationFailure, asOperationFailure, fromDockerError, storeStep } from '../shared/operation-failure.js';
import type { OperationContext } from '../operation-context.js';
import { OperationRecorder, type RecordedOperation } from '../shared/operation-recorder.js';
import { refuseInvalidGameId } from '../shared/request-validation.js';

export interface StopRuntimeInput extends OperationContext {
  gameId: string;
  reason: StopReason;
}

/** Why an inner stop ran: a caller's reason, or the outer operation that needed it. */
export type StopCause = StopReason | 'restart' | 'patch';

export interface StopRuntimeSettings {
  /** RTMANAGER_STOP_TIMEOUT: seconds docker waits after SIGTERM before SIGKILL. */
  stopTimeoutSeconds: number;
}

export interface StopRuntimeDeps {
  docker: DockerRuntime;
  records: RuntimeRecordStore;
  operationLog: OperationLogStore;
  leases: GameLeases;
  containerIntents: ContainerIntents;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  settings: StopRuntimeSettings;
}

export class StopRuntimeService {
  private readonly recorder: OperationRecorder;
  private readonly leaseRunner: LeaseRunner;

  constructor(private readonly deps: StopRuntimeDeps) {
    this.recorder = new OperationRecorder(deps);
    this.leaseRunner = new LeaseRunner(deps.leases, deps.logger);
  }

  async execute(input: StopRuntimeInput): Promise<OperationResult> {
    const refused = refuseInvalidGameId(input.gameId, 'stop', this.deps.logger);
    if (refused) return refused;
    if (!(STOP_REASONS as readonly string[]).includes(input.reason)) {
      const op = this.begin(input.gameId, input.reason, input.opSource, null);
      return op.fail(
        new OperationFailure('invalid_request', `reason ${JSON.stringify(input.reason)} is not one of ${STOP_REASONS.join(', ')}`),
        null,
      );
    }
    return this.leaseRunner.run(
      input.gameId,
      (lease) => this.runHeld(input, { lease, correlationId: null }),
      (failure) => this.begin(input.gameId, input.reason, input.opSource, null, input).fail(failure, null),
    );
  }

  /** The whole stop under a lease the caller already holds (restart, patch). */
  async runHeld(
    input: OperationContext & { gameId: string; reason: StopCause },
    ctx: HeldContext,
  ): Promise<OperationResult> {
    const op = this.begin(input.gameId, input.reason, input.opSource, ctx.correlationId, input);
    let found: RuntimeRecord | null = null;
    try {
      found = await storeStep('reading the runtime record', () => this.deps.records.get(input.gameId));
      if (found === null || found.status !== 'running') {
        op.containerId = found?.currentContainerId ?? null;
        op.imageRef = found?.currentImageRef ?? null;
        return await op.succeed(found, true);
      }
      op.containerId = found.currentContainerId;
      op.imageRef = found.currentImageRef;
      if (found.currentContainerId !== null) await this.stopContainer(found.currentContainerId, op);

      assertLeaseHeld(ctx.lease);
      const containerId = found.currentContainerId;
      const stopped = await storeStep('writing the runtime record', () =>
        this.deps.records.updateStatus({
          gameId: input.gameId,
          expectedContainerId: containerId,
          expectedStatus: 'running',
          to: 'stopped',
          at: this.deps.clock.now(),
        }),
      );
      if (stopped === null)
        throw new OperationFailure('conflict', 'the runtime record changed while stopping; it was not overwritten');
      return await op.succeed(stopped);
    } catch (err) {
      return op.fail(asOperationFailure(err), found);
    }
  }

  private async stopContainer(containerId: string, op: RecordedOperation): Promise<void> {
    this.deps.containerIntents.expect(containerId, 'stop');
    try {
      await this.deps.docker.stopContainer(containerId, this.deps.settings.stopTimeoutSeconds);
    } catch (err) {
      // Already gone (removed by hand, daemon lost it): nothing is running any more, which
      // is what stop promises. running -> stopped is the only transition stop makes; the
      // record keeps the dead id and TTL cleanup later marks it removed.
      if (err instanceof DockerError && err.kind === 'not_found') {
        op.details.container_missing = true;
        op.log.warn({ container_id: containerId }, 'container already gone; recording the game as stopped');
        return;
      }
      throw fromDockerError(err, 'stopping the container', 'internal_error');
    }
  }

  private begin(gameId: string, reason: string, opSource: OpSource, correlationId: string | null, context?: OperationContext): RecordedOperation {
    const op = this.recorder.begin({ gameId, opKind: 'stop', opSource, correlationId, retries: context?.retries, deferRetryable: context?.deferRetryable });
    op.details.reason = reason;
    return op;
  }
}
