// update_limits (CONTRACT §11): change a game's CPU, memory or pids limit on its container
// in place (`docker update`, no restart), under the game's lease, one operation_log row.
// The values are checked against the same ceilings as image labels; the result is stored
// with the record as an override that restart and patch keep. Docs: docs/services.md
// "update_limits".
import {
  effectiveCeilings,
  resolveEngineLaunch,
  type ContainerDefaults,
} from '../../domain/container-spec.js';
import { succeeded, type OperationResult } from '../../domain/operation-result.js';
import {
  launchLimits,
  limitsToWire,
  parseLimitsRequest,
  withOverride,
  type LimitsRequest,
  type RuntimeLimits,
} from '../../domain/runtime-limits.js';
import type { RuntimeRecord } from '../../domain/runtime-record.js';
import type { DockerRuntime } from '../../ports/docker-runtime.js';
import type { GameLease } from '../../ports/game-lease.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import { pickContext, type OperationContext } from '../operation-context.js';
import { assertLeaseHeld } from '../pipeline/lease-runner.js';
import { OperationFailure, dockerStep, storeStep } from '../pipeline/operation-failure.js';
import { answered, carrying, type KnownSoFar, type OperationPipeline, type OperationPipelineDeps } from '../pipeline/operation-pipeline.js';
import type { OperationOutcome } from '../pipeline/operation-recorder.js';

export interface UpdateLimitsInput extends OperationContext {
  gameId: string;
  request: LimitsRequest;
}

export interface UpdateLimitsDeps extends OperationPipelineDeps {
  /** The one pipeline (composition root): every operation's lease, row and metric. */
  pipeline: OperationPipeline;
  docker: DockerRuntime;
  records: RuntimeRecordStore;
  settings: { containerDefaults: ContainerDefaults };
}

export class UpdateLimitsService {
  private readonly pipeline: OperationPipeline;

  constructor(private readonly deps: UpdateLimitsDeps) {
    this.pipeline = deps.pipeline;
  }

  execute(input: UpdateLimitsInput): Promise<OperationResult> {
    return this.pipeline.run({
      gameId: input.gameId,
      opKind: 'update_limits',
      context: pickContext(input),
      details: { requested: { ...input.request } },
      act: (lease) => this.act(input, lease),
    });
  }

  private async act(input: UpdateLimitsInput, lease: GameLease): Promise<OperationOutcome> {
    const found = await storeStep('reading the runtime record', () => this.deps.records.get(input.gameId));
    if (found === null || found.status === 'removed') throw new OperationFailure('not_found', `game ${input.gameId} has no container whose limits could change`);
    const containerId = found.currentContainerId;
    if (containerId === null) throw new OperationFailure('not_found', `game ${input.gameId}'s record names no container`);
    const known: KnownSoFar = { found, containerId, imageRef: found.currentImageRef, details: { requested: { ...input.request } } };
    return carrying(known, async () => {
      const host = await dockerStep('reading the Docker host resources', 'internal_error', () => this.deps.docker.hostResources());
      const parsed = parseLimitsRequest(input.request, effectiveCeilings(this.deps.settings.containerDefaults.ceilings, host));
      if (!parsed.ok) throw new OperationFailure('invalid_request', `${parsed.message}; nothing was changed`);
      const before = found.limits ?? (await this.limitsAtLaunch(found, host));
      const after = withOverride(before, parsed.override);
      known.details.previous_limits = limitsToWire(before);
      known.details.limits = limitsToWire(after);

      assertLeaseHeld(lease);
      // The daemon refusing the values (e.g. memory below what the engine uses) is `conflict`.
      await dockerStep('updating the container limits', 'conflict', () => this.deps.docker.updateContainer(containerId, parsed.override));
      const at = this.deps.clock.now();
      const written = await storeStep('writing the runtime limits', () =>
        this.deps.records.updateLimits({ gameId: input.gameId, expectedContainerId: containerId, expectedStatus: found.status, limits: after, at }),
      );
      // Only a writer without the lease could have moved the record: the container has the new limits, the record does not.
      if (written === null)
        throw new OperationFailure('conflict', `the runtime record of game ${input.gameId} changed during update_limits; the container has the new limits, the record was not overwritten`);
      return answered(known, succeeded(written), written);
    });
  }

  /**
   * A record written before 1.2 (or adopted) does not know its limits: they are what a
   * start of its image would choose, which is what its container was created with.
   */
  private async limitsAtLaunch(found: RuntimeRecord, host: { cpus: number; memoryBytes: number }): Promise<RuntimeLimits> {
    const imageRef = found.currentImageRef ?? '';
    const image = await dockerStep('inspecting the image', 'internal_error', () => this.deps.docker.inspectImage(imageRef));
    if (image === null) throw new OperationFailure('conflict', `the image ${imageRef} of game ${found.gameId} is not present, so its current limits are unknown`);
    const launch = resolveEngineLaunch(image, this.deps.settings.containerDefaults, host);
    if (!launch.ok) throw new OperationFailure('conflict', `the current limits of game ${found.gameId} are unknown: ${launch.message}`);
    return launchLimits(launch.limits, image.labels);
  }
}
