// restart (CONTRACT §4): stop (if running) then start with the current image_ref, under
// ONE lease. Writes an outer `restart` row plus the inner stop/start rows, all sharing a
// fresh correlation_id; the outer row carries the overall result. docs/services.md "restart".
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { OpSource } from '../../domain/operation.js';
import type { OperationResult } from '../../domain/operation-result.js';
import type { RuntimeRecord } from '../../domain/runtime-record.js';
import type { Clock } from '../../ports/clock.js';
import type { GameLeases } from '../../ports/game-lease.js';
import type { Metrics } from '../../ports/metrics.js';
import type { OperationLogStore } from '../../ports/operation-log.store.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import { LeaseRunner, type HeldContext } from '../shared/lease-runner.js';
import { OperationFailure, asOperationFailure, storeStep } from '../shared/operation-failure.js';
import { OperationRecorder, type RecordedOperation } from '../shared/operation-recorder.js';
import { refuseInvalidGameId } from '../shared/request-validation.js';
import type { StartRuntimeService } from '../start/start-runtime.service.js';
import type { StopRuntimeService } from '../stop/stop-runtime.service.js';

export interface RestartRuntimeInput {
  gameId: string;
  opSource: OpSource;
}

export interface RestartRuntimeDeps {
  records: RuntimeRecordStore;
  operationLog: OperationLogStore;
  leases: GameLeases;
  start: Pick<StartRuntimeService, 'runHeld'>;
  stop: Pick<StopRuntimeService, 'runHeld'>;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  /** Injectable for tests; a fresh UUID per restart. */
  newCorrelationId?: () => string;
}

export class RestartRuntimeService {
  private readonly recorder: OperationRecorder;
  private readonly leaseRunner: LeaseRunner;
  private readonly newCorrelationId: () => string;

  constructor(private readonly deps: RestartRuntimeDeps) {
    this.recorder = new OperationRecorder(deps);
    this.leaseRunner = new LeaseRunner(deps.leases, deps.logger);
    this.newCorrelationId = deps.newCorrelationId ?? randomUUID;
  }

  async execute(input: RestartRuntimeInput): Promise<OperationResult> {
    const refused = refuseInvalidGameId(input.gameId, 'restart', this.deps.logger);
    if (refused) return refused;
    const correlationId = this.newCorrelationId();
    return this.leaseRunner.run(
      input.gameId,
      (lease) => this.restartHeld(input, { lease, correlationId }),
      (failure) => this.begin(input, correlationId).fail(failure, null),
    );
  }

  private async restartHeld(input: RestartRuntimeInput, ctx: HeldContext): Promise<OperationResult> {
    const op = this.begin(input, ctx.correlationId);
    let found: RuntimeRecord | null = null;
    try {
      found = await storeStep('reading the runtime record', () => this.deps.records.get(input.gameId));
      if (found === null || found.status === 'removed')
        throw new OperationFailure('not_found', `game ${input.gameId} has no container to restart`);
      const imageRef = found.currentImageRef;
      if (imageRef === null) throw new OperationFailure('internal_error', 'the runtime record has no image_ref to restart with');
      op.imageRef = imageRef;
      op.containerId = found.currentContainerId;
      op.details.previous_container_id = found.currentContainerId;
      op.details.previous_status = found.status;

      if (found.status === 'running') {
        const stopped = await this.deps.stop.runHeld({ gameId: input.gameId, reason: 'restart', opSource: input.opSource }, ctx);
        if (stopped.outcome === 'failure') return await this.finishWith(op, stopped, 'stop');
      }
      const started = await this.deps.start.runHeld({ gameId: input.gameId, imageRef, opSource: input.opSource }, ctx);
      if (started.outcome === 'failure') return await this.finishWith(op, started, 'start');
      op.containerId = started.record?.currentContainerId ?? null;
      return await op.succeed(started.record);
    } catch (err) {
      return op.fail(asOperationFailure(err), found);
    }
  }

  /** The outer row repeats the inner step's failure: the overall result. */
  private finishWith(op: RecordedOperation, inner: OperationResult, step: 'stop' | 'start'): Promise<OperationResult> {
    op.details.failed_step = step;
    return op.finish(inner);
  }

  private begin(input: RestartRuntimeInput, correlationId: string | null): RecordedOperation {
    return this.recorder.begin({ gameId: input.gameId, opKind: 'restart', opSource: input.opSource, correlationId });
  }
}
