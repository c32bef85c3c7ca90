// patch (CONTRACT §4): recreate a game's container on a new patch release of the same
// engine, under ONE lease, keeping its state directory and record (created_at). Outer
// `patch` row + inner stop/start rows share a correlation_id. docs/services.md "patch".
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { parseImageRef, parseSemverTag, type ImageRef, type SemVer } from '../../domain/image-ref.js';
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
import { checkImageRef, refuseInvalidGameId } from '../shared/request-validation.js';
import type { StartRuntimeService } from '../start/start-runtime.service.js';
import type { StopRuntimeService } from '../stop/stop-runtime.service.js';

export interface PatchRuntimeInput {
  gameId: string;
  imageRef: string;
  opSource: OpSource;
}

export interface PatchRuntimeSettings {
  imageAllowlist: readonly string[];
}

export interface PatchRuntimeDeps {
  records: RuntimeRecordStore;
  operationLog: OperationLogStore;
  leases: GameLeases;
  start: Pick<StartRuntimeService, 'runHeld'>;
  stop: Pick<StopRuntimeService, 'runHeld'>;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  settings: PatchRuntimeSettings;
  newCorrelationId?: () => string;
}

function semverOf(ref: ImageRef, which: 'new' | 'current'): SemVer {
  const version = parseSemverTag(ref.tag);
  if (version === null)
    throw new OperationFailure(
      'image_ref_not_semver',
      which === 'new'
        ? `image_ref ${ref.raw} has no semver tag (MAJOR.MINOR.PATCH)`
        : `the current image_ref ${ref.raw} has no semver tag, so a patch cannot be checked against it`,
    );
  return version;
}

export class PatchRuntimeService {
  private readonly recorder: OperationRecorder;
  private readonly leaseRunner: LeaseRunner;
  private readonly newCorrelationId: () => string;

  constructor(private readonly deps: PatchRuntimeDeps) {
    this.recorder = new OperationRecorder(deps);
    this.leaseRunner = new LeaseRunner(deps.leases, deps.logger);
    this.newCorrelationId = deps.newCorrelationId ?? randomUUID;
  }

  async execute(input: PatchRuntimeInput): Promise<OperationResult> {
    const refused = refuseInvalidGameId(input.gameId, 'patch', this.deps.logger);
    if (refused) return refused;
    const correlationId = this.newCorrelationId();
    let target: { ref: ImageRef; version: SemVer };
    try {
      const ref = checkImageRef(input.imageRef, this.deps.settings.imageAllowlist);
      target = { ref, version: semverOf(ref, 'new') };
    } catch (err) {
      return this.begin(input, correlationId).fail(asOperationFailure(err), null);
    }
    return this.leaseRunner.run(
      input.gameId,
      (lease) => this.patchHeld(input, target, { lease, correlationId }),
      (failure) => this.begin(input, correlationId).fail(failure, null),
    );
  }

  private async patchHeld(
    input: PatchRuntimeInput,
    target: { ref: ImageRef; version: SemVer },
    ctx: HeldContext,
  ): Promise<OperationResult> {
    const op = this.begin(input, ctx.correlationId);
    let found: RuntimeRecord | null = null;
    try {
      found = await storeStep('reading the runtime record', () => this.deps.records.get(input.gameId));
      if (found === null || found.status === 'removed')
        throw new OperationFailure('not_found', `game ${input.gameId} has no container to patch`);
      op.containerId = found.currentContainerId;
      op.details.from_image_ref = found.currentImageRef;
      op.details.previous_status = found.status;
      if (found.currentImageRef === target.ref.raw) return await op.succeed(found, true);
      this.checkPatchOnly(found.currentImageRef, target);

      const previousImage = found.currentImageRef as string; // checked non-null above
      if (found.status === 'running') {
        const stopped = await this.deps.stop.runHeld({ gameId: input.gameId, reason: 'patch', opSource: input.opSource }, ctx);
        if (stopped.outcome === 'failure') {
          op.details.failed_step = 'stop';
          return await op.finish(stopped);
        }
      }
      // start removes the old (owned, now stopped) container only once the new image is
      // pulled and its labels are valid, so a bad image leaves the old container in place.
      const started = await this.deps.start.runHeld({ gameId: input.gameId, imageRef: target.ref.raw, opSource: input.opSource }, ctx);
      if (started.outcome === 'success') {
        op.containerId = started.record?.currentContainerId ?? null;
        return await op.succeed(started.record);
      }
      op.details.failed_step = 'start';
      return await op.finish(await this.recover(input, previousImage, found, started, op, ctx));
    } catch (err) {
      return op.fail(asOperationFailure(err), found);
    }
  }

  private checkPatchOnly(currentImageRef: string | null, target: { ref: ImageRef; version: SemVer }): void {
    const current = parseImageRef(currentImageRef);
    if (current === null)
      throw new OperationFailure('image_ref_not_semver', `the current image_ref ${String(currentImageRef)} cannot be parsed`);
    const from = semverOf(current, 'current');
    if (current.repository !== target.ref.repository)
      throw new OperationFailure(
        'semver_patch_only',
        `patch keeps the engine's repository: ${current.repository} cannot become ${target.ref.repository}`,
      );
    if (from.major !== target.version.major || from.minor !== target.version.minor)
      throw new OperationFailure(
        'semver_patch_only',
        `patch only changes the patch version: ${from.major}.${from.minor}.x cannot become ${target.version.major}.${target.version.minor}.${target.version.patch}`,
      );
  }

  /**
   * The new image failed to start. A game that was running before the patch is brought
   * back on its previous image (another inner start row) so a bad release does not leave
   * it down; the patch still fails with the new start's error. A game that was stopped
   * stays stopped.
   */
  private async recover(
    input: PatchRuntimeInput,
    previousImage: string,
    before: RuntimeRecord,
    failedStart: OperationResult,
    op: RecordedOperation,
    ctx: HeldContext,
  ): Promise<OperationResult> {
    if (before.status !== 'running') {
      op.details.recovery = 'not_attempted';
      return failedStart;
    }
    const restored = await this.deps.start.runHeld({ gameId: input.gameId, imageRef: previousImage, opSource: input.opSource }, ctx);
    op.details.recovery = restored.outcome === 'success' ? 'restored_previous_image' : 'failed';
    if (restored.outcome === 'failure') op.details.recovery_error_code = restored.errorCode;
    op.containerId = restored.record?.currentContainerId ?? op.containerId;
    const suffix = restored.outcome === 'success'
      ? `; the game was restored on ${previousImage}`
      : `; restoring ${previousImage} also failed (${restored.errorCode ?? 'unknown'}): the game is down`;
    return {
      ...failedStart,
      errorMessage: `${failedStart.errorMessage ?? ''}${suffix}`,
      record: restored.record ?? failedStart.record,
    };
  }

  private begin(input: PatchRuntimeInput, correlationId: string | null): RecordedOperation {
    return this.recorder.begin({
      gameId: input.gameId,
      opKind: 'patch',
      opSource: input.opSource,
      correlationId,
      imageRef: typeof input.imageRef === 'string' ? input.imageRef : null,
    });
  }
}
