// restart (CONTRACT §4): stop (if running) then start with the current image_ref, under
// ONE lease. Writes an outer `restart` row plus the inner stop/start rows, all sharing a
// fresh correlation_id; the outer row carries the overall result. docs/services.md "restart".
import { randomUUID } from 'node:crypto';
import { succeeded, type OperationResult } from '../../domain/operation-result.js';
import type { GameLease } from '../../ports/game-lease.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import { pickContext, type OperationContext } from '../operation-context.js';
import { OperationFailure, storeStep } from '../pipeline/operation-failure.js';
import { answered, carrying, type KnownSoFar, type OperationPipeline } from '../pipeline/operation-pipeline.js';
import type { OperationOutcome } from '../pipeline/operation-recorder.js';
import type { StartRuntimeService } from '../start/start-runtime.service.js';
import type { StopRuntimeService } from '../stop/stop-runtime.service.js';

export interface RestartRuntimeInput extends OperationContext {
  gameId: string;
}

export interface RestartRuntimeSettings {
  /** A running engine is replaced in one step (Swarm's forced update): no inner stop (service-graph.ts). */
  inPlace: boolean;
}

export interface RestartRuntimeDeps {
  /** The one pipeline (composition root): every operation's lease, row and metric. */
  pipeline: OperationPipeline;
  records: Pick<RuntimeRecordStore, 'get'>;
  start: Pick<StartRuntimeService, 'runHeld'>;
  stop: Pick<StopRuntimeService, 'runHeld'>;
  settings?: RestartRuntimeSettings;
  /** Injectable for tests; a fresh UUID per restart. */
  newCorrelationId?: () => string;
}

export class RestartRuntimeService {
  private readonly pipeline: OperationPipeline;
  private readonly newCorrelationId: () => string;

  constructor(private readonly deps: RestartRuntimeDeps) {
    this.pipeline = deps.pipeline;
    this.newCorrelationId = deps.newCorrelationId ?? randomUUID;
  }

  execute(input: RestartRuntimeInput): Promise<OperationResult> {
    const context = { ...pickContext(input), correlationId: this.newCorrelationId() };
    return this.pipeline.run({
      gameId: input.gameId,
      opKind: 'restart',
      context,
      pending: true,
      act: (lease) => this.act(input.gameId, context, lease),
    });
  }

  /** Steps: stop (when running), then start on the same image; the outer row repeats a failed step's result. */
  private async act(gameId: string, context: OperationContext, lease: GameLease): Promise<OperationOutcome> {
    const found = await storeStep('reading the runtime record', () => this.deps.records.get(gameId));
    const known: KnownSoFar = { found, containerId: null, details: {} };
    return carrying(known, async () => {
      if (found === null || found.status === 'removed') throw new OperationFailure('not_found', `game ${gameId} has no container to restart`);
      const imageRef = found.currentImageRef;
      if (imageRef === null) throw new OperationFailure('internal_error', 'the runtime record has no image_ref to restart with');
      const before: KnownSoFar = {
        found,
        imageRef,
        containerId: found.currentContainerId,
        details: { previous_container_id: found.currentContainerId, previous_status: found.status },
      };
      const inPlace = found.status === 'running' && this.deps.settings?.inPlace === true;
      if (found.status === 'running' && !inPlace) {
        const stopped = await this.deps.stop.runHeld({ ...context, gameId, reason: 'restart' }, lease);
        if (stopped.outcome === 'failure') return failedStep(before, stopped, 'stop');
      }
      const started = await this.deps.start.runHeld({ ...context, gameId, imageRef, keepLimitsOverride: true, replaceRunning: inPlace }, lease);
      if (started.outcome === 'failure') return failedStep(before, started, 'start');
      return answered({ ...before, containerId: started.record?.currentContainerId ?? null }, succeeded(started.record), started.record);
    });
  }
}

/** The outer row repeats the inner step's failure: the overall result, naming the step. */
export function failedStep(known: KnownSoFar, inner: OperationResult, step: 'stop' | 'start'): OperationOutcome {
  return answered({ ...known, details: { ...known.details, failed_step: step } }, inner);
}
