// patch (CONTRACT §4): recreate a game's container on a new patch release of the same
// engine, under ONE lease, keeping its state directory and record (created_at). Outer
// `patch` row + inner stop/start rows share a correlation_id. docs/services.md "patch".
import { randomUUID } from 'node:crypto';
import { checkAllowedImageRef } from '../../domain/image-ref.js';
import { checkPatchTarget, patchRefusal, type SemverImage } from '../../domain/semver-patch.js';
import { succeeded, type OperationResult } from '../../domain/operation-result.js';
import type { RuntimeRecord } from '../../domain/runtime-record.js';
import type { GameLease } from '../../ports/game-lease.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import { pickContext, type OperationContext } from '../operation-context.js';
import { OperationFailure, storeStep } from '../pipeline/operation-failure.js';
import { answered, carrying, type KnownSoFar, type OperationPipeline } from '../pipeline/operation-pipeline.js';
import type { OperationOutcome } from '../pipeline/operation-recorder.js';
import { requireChecked } from '../pipeline/request-validation.js';
import { failedStep } from '../restart/restart-runtime.service.js';
import type { StartRuntimeService } from '../start/start-runtime.service.js';
import type { StopRuntimeService } from '../stop/stop-runtime.service.js';

export interface PatchRuntimeInput extends OperationContext {
  gameId: string;
  imageRef: string;
}

export interface PatchRuntimeSettings {
  imageAllowlist: readonly string[];
  /** A running engine is replaced in one step (Swarm's image update): no inner stop (service-graph.ts). */
  inPlace?: boolean;
}

export interface PatchRuntimeDeps {
  /** The one pipeline (composition root): every operation's lease, row and metric. */
  pipeline: OperationPipeline;
  records: Pick<RuntimeRecordStore, 'get'>;
  start: Pick<StartRuntimeService, 'runHeld'>;
  stop: Pick<StopRuntimeService, 'runHeld'>;
  settings: PatchRuntimeSettings;
  newCorrelationId?: () => string;
}


export class PatchRuntimeService {
  private readonly pipeline: OperationPipeline;
  private readonly newCorrelationId: () => string;

  constructor(private readonly deps: PatchRuntimeDeps) {
    this.pipeline = deps.pipeline;
    this.newCorrelationId = deps.newCorrelationId ?? randomUUID;
  }

  execute(input: PatchRuntimeInput): Promise<OperationResult> {
    const context = { ...pickContext(input), correlationId: this.newCorrelationId() };
    let target: SemverImage | null = null;
    return this.pipeline.run({
      gameId: input.gameId,
      opKind: 'patch',
      context,
      imageRef: input.imageRef,
      pending: true,
      validate: () => {
        target = requireChecked(checkPatchTarget(requireChecked(checkAllowedImageRef(input.imageRef, this.deps.settings.imageAllowlist))));
      },
      act: (lease) => this.act({ ...context, gameId: input.gameId }, target as SemverImage, lease),
    });
  }

  /** Steps: stop (when running), start on the target image, and on its failure the recovery. */
  private async act(input: OperationContext & { gameId: string }, target: SemverImage, lease: GameLease): Promise<OperationOutcome> {
    const found = await storeStep('reading the runtime record', () => this.deps.records.get(input.gameId));
    const known: KnownSoFar = { found, containerId: null, details: {} };
    return carrying(known, async () => {
      if (found === null || found.status === 'removed') throw new OperationFailure('not_found', `game ${input.gameId} has no container to patch`);
      const before: KnownSoFar = {
        found,
        containerId: found.currentContainerId,
        details: { from_image_ref: found.currentImageRef, previous_status: found.status },
      };
      return carrying(before, () => this.steps(input, target, found, before, lease));
    });
  }

  private async steps(input: OperationContext & { gameId: string }, target: SemverImage, found: RuntimeRecord, before: KnownSoFar, lease: GameLease): Promise<OperationOutcome> {
    if (found.currentImageRef === target.ref.raw) return answered(before, succeeded(found, true));
    const refusal = patchRefusal(found.currentImageRef, target);
    if (refusal !== null) throw new OperationFailure(refusal.errorCode, refusal.message);

    const previousImage = found.currentImageRef as string; // checked non-null above
    const inPlace = found.status === 'running' && this.deps.settings.inPlace === true;
    if (found.status === 'running' && !inPlace) {
      const stopped = await this.deps.stop.runHeld({ ...input, reason: 'patch' }, lease);
      if (stopped.outcome === 'failure') return failedStep(before, stopped, 'stop');
    }
    // start removes the old (owned) container only once the new image is pulled and its labels
    // are valid, so a bad image leaves the old container in place (running, when in place).
    const started = await this.deps.start.runHeld({ ...input, imageRef: target.ref.raw, keepLimitsOverride: true, replaceRunning: inPlace }, lease);
    if (started.outcome === 'success') return answered({ ...before, containerId: started.record?.currentContainerId ?? null }, succeeded(started.record), started.record);
    return this.recover(input, previousImage, before, started, lease);
  }

  /**
   * The new image failed to start. A game that was running before the patch is brought
   * back on its previous image (another inner start row) so a bad release does not leave
   * it down; the patch still fails with the new start's error. A game that was stopped
   * stays stopped.
   */
  private async recover(
    input: OperationContext & { gameId: string },
    previousImage: string,
    before: KnownSoFar,
    failedStart: OperationResult,
    lease: GameLease,
  ): Promise<OperationOutcome> {
    if (before.found?.status !== 'running') return failedStep({ ...before, details: { ...before.details, recovery: 'not_attempted' } }, failedStart, 'start');
    // In place: a replacement that failed before the old engine went left it running (start
    // answers "already running" on it); one that failed after recorded the game stopped.
    const restored = await this.deps.start.runHeld({ ...input, imageRef: previousImage, keepLimitsOverride: true }, lease);
    const recovery = {
      recovery: restored.outcome === 'success' ? 'restored_previous_image' : 'failed',
      ...(restored.outcome === 'failure' ? { recovery_error_code: restored.errorCode } : {}),
    };
    const suffix = restored.outcome === 'success'
      ? `; the game was restored on ${previousImage}`
      : `; restoring ${previousImage} also failed (${restored.errorCode ?? 'unknown'}): the game is down`;
    const result = { ...failedStart, errorMessage: `${failedStart.errorMessage ?? ''}${suffix}`, record: restored.record ?? failedStart.record };
    const containerId = restored.record?.currentContainerId ?? before.containerId;
    return failedStep({ ...before, containerId, details: { ...before.details, ...recovery } }, result, 'start');
  }
}
