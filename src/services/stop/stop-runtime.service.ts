// stop (CONTRACT §4): graceful docker stop, record `stopped`, keep the container (logs,
// TTL cleanup). Failure table and decisions: docs/services.md "stop".
import { checkStopReason, type StopReason } from '../../domain/operation.js';
import { succeeded, type OperationResult } from '../../domain/operation-result.js';
import type { Clock } from '../../ports/clock.js';
import type { ContainerIntents } from '../../ports/container-intents.js';
import { DockerError, type DockerRuntime } from '../../ports/docker-runtime.js';
import type { GameLease } from '../../ports/game-lease.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import { pickContext, type OperationContext } from '../operation-context.js';
import { classifyFault, storeStep } from '../pipeline/operation-failure.js';
import { answered, carrying, changeStatus, type KnownSoFar, type OperationPipeline, type OperationView } from '../pipeline/operation-pipeline.js';
import type { OperationOutcome } from '../pipeline/operation-recorder.js';
import { requireChecked } from '../pipeline/request-validation.js';

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

/** The pipeline's own deps (op log, lease, metrics, clock, logger) plus what the container work needs. */
export interface StopRuntimeDeps {
  /** The one pipeline (composition root): every operation's lease, row and metric. */
  pipeline: OperationPipeline;
  docker: Pick<DockerRuntime, 'stopContainer'>;
  records: Pick<RuntimeRecordStore, 'get' | 'updateStatus'>;
  containerIntents: ContainerIntents;
  clock: Clock;
  settings: StopRuntimeSettings;
}

export class StopRuntimeService {
  private readonly pipeline: OperationPipeline;

  constructor(private readonly deps: StopRuntimeDeps) {
    this.pipeline = deps.pipeline;
  }

  execute(input: StopRuntimeInput): Promise<OperationResult> {
    // The reason is the caller's input here; the inner stop of restart/patch names its own.
    return this.run(input, { validate: () => void requireChecked(checkStopReason(input.reason)) });
  }

  /** The whole stop under a lease the caller already holds (restart, patch). */
  runHeld(input: OperationContext & { gameId: string; reason: StopCause }, lease: GameLease): Promise<OperationResult> {
    return this.run(input, { heldLease: lease });
  }

  private run(input: OperationContext & { gameId: string; reason: StopCause }, how: { validate?: () => void; heldLease?: GameLease }): Promise<OperationResult> {
    return this.pipeline.run({
      gameId: input.gameId,
      opKind: 'stop',
      context: pickContext(input),
      ...how,
      details: { reason: input.reason },
      act: (lease, op) => this.act(input.gameId, lease, op),
    });
  }

  private async act(gameId: string, lease: GameLease, op: OperationView): Promise<OperationOutcome> {
    const found = await storeStep('reading the runtime record', () => this.deps.records.get(gameId));
    const known: KnownSoFar = { found, containerId: found?.currentContainerId ?? null, imageRef: found?.currentImageRef ?? null, details: {} };
    if (found === null || found.status !== 'running') return answered(known, succeeded(found, true));
    return carrying(known, async () => {
      const containerId = found.currentContainerId;
      if (containerId !== null && (await this.stopContainer(containerId, op)) === 'missing') known.details.container_missing = true;
      const at = this.deps.clock.now();
      const written = await changeStatus(lease, this.deps.records, { gameId, containerId, from: 'running', to: 'stopped', by: 'stop', at });
      return answered(known, succeeded(written), written);
    });
  }

  private async stopContainer(containerId: string, op: OperationView): Promise<'stopped' | 'missing'> {
    this.deps.containerIntents.expect(containerId, 'stop');
    try {
      await this.deps.docker.stopContainer(containerId, this.deps.settings.stopTimeoutSeconds);
      return 'stopped';
    } catch (err) {
      // Already gone (removed by hand, daemon lost it): nothing is running any more, which
      // is what stop promises. running -> stopped is the only transition stop makes; the
      // record keeps the dead id and TTL cleanup later marks it removed.
      if (err instanceof DockerError && err.kind === 'not_found') {
        op.log.warn({ container_id: containerId }, 'container already gone; recording the game as stopped');
        return 'missing';
      }
      throw classifyFault(err, 'stopping the container');
    }
  }
}
