// start (CONTRACT §4): bring a game's engine container up on the image the producer
// named. Failure table and decisions: docs/services.md "start".
import type { ImagePullPolicy } from '../../domain/image-pull-policy.js';
import {
  OWNER_LABEL,
  OWNER_VALUE,
  buildContainerSpec,
  resolveEngineLaunch,
  type ContainerDefaults,
  type ContainerSpec,
  type HostResources,
  type ResourceLimits,
} from '../../domain/container-spec.js';
import { checkAllowedImageRef } from '../../domain/image-ref.js';
import { succeeded, type OperationResult } from '../../domain/operation-result.js';
import { launchLimits, limitsToWire, overrideOf, resourceLimitsOf, withOverride, type RuntimeLimits } from '../../domain/runtime-limits.js';
import { containerNameFor, engineEndpointFor, type RuntimeRecord } from '../../domain/runtime-record.js';
import type { ContainerIntents } from '../../ports/container-intents.js';
import { DockerError, type DockerRuntime, type ImageInfo } from '../../ports/docker-runtime.js';
import type { GameLease } from '../../ports/game-lease.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import type { StateDirectories } from '../../ports/state-directory.js';
import { pickContext, type OperationContext } from '../operation-context.js';
import { assertLeaseHeld } from '../pipeline/lease-runner.js';
import { OperationFailure, classifyFault, describeError, dockerStep, storeStep } from '../pipeline/operation-failure.js';
import { answered, carrying, changeStatus, writeRecord, type KnownSoFar, type OperationPipeline, type OperationView } from '../pipeline/operation-pipeline.js';
import type { OperationOutcome } from '../pipeline/operation-recorder.js';
import { requireChecked } from '../pipeline/request-validation.js';
import { StartAnnouncements, type StartAnnouncementsDeps } from './start-announcements.js';

export interface StartRuntimeInput extends OperationContext {
  gameId: string;
  imageRef: string;
  /**
   * Restart and patch keep a limits update (update_limits) whatever the image; a plain
   * start keeps it only on the same image (CONTRACT §11).
   */
  keepLimitsOverride?: boolean;
  /**
   * Restart and patch on a backend that replaces a running engine in one step (Swarm: a forced
   * update of the service): a running game is replaced, not answered "already running".
   */
  replaceRunning?: boolean;
}


export interface StartRuntimeSettings {
  pullPolicy: ImagePullPolicy;
  /** Allowed image_ref prefixes; empty allows every image. */
  imageAllowlist: readonly string[];
  containerDefaults: ContainerDefaults;
}

/** What start announces through (StartAnnouncements), plus the ports its steps call. */
export interface StartRuntimeDeps extends StartAnnouncementsDeps {
  /** The one pipeline (composition root): every operation's lease, row and metric. */
  pipeline: OperationPipeline;
  docker: DockerRuntime;
  records: RuntimeRecordStore;
  stateDirectories: StateDirectories;
  containerIntents: ContainerIntents;
  settings: StartRuntimeSettings;
}

export class StartRuntimeService {
  private readonly pipeline: OperationPipeline;
  private readonly announcements: StartAnnouncements;

  constructor(private readonly deps: StartRuntimeDeps) {
    this.pipeline = deps.pipeline;
    this.announcements = new StartAnnouncements(deps);
  }

  execute(input: StartRuntimeInput): Promise<OperationResult> {
    return this.run(input, undefined);
  }

  /**
   * The whole start under a lease the caller already holds (restart, patch). Writes its
   * own operation_log row, tagged with the caller's correlation id (in `input`).
   */
  runHeld(input: StartRuntimeInput, lease: GameLease): Promise<OperationResult> {
    return this.run(input, lease);
  }

  private run(input: StartRuntimeInput, heldLease: GameLease | undefined): Promise<OperationResult> {
    return this.pipeline.run({
      gameId: input.gameId,
      opKind: 'start',
      context: pickContext(input),
      imageRef: input.imageRef,
      validate: () => void requireChecked(checkAllowedImageRef(input.imageRef, this.deps.settings.imageAllowlist)),
      ...(heldLease ? { heldLease } : {}),
      act: (lease, op) => this.act(input, lease, op),
      after: (result, outcome, op) => this.announcements.outcome(result, outcome, op),
    });
  }

  private async act(input: StartRuntimeInput, lease: GameLease, op: OperationView): Promise<OperationOutcome> {
    const found = await storeStep('reading the runtime record', () => this.deps.records.get(input.gameId));
    const known: KnownSoFar = { found, containerId: null, details: {} };
    return carrying(known, async () => {
      if (found?.status === 'running' && input.replaceRunning !== true) {
        if (found.currentImageRef !== input.imageRef)
          throw new OperationFailure('conflict', `game ${input.gameId} is already running ${found.currentImageRef ?? '(unknown image)'}; stop or patch it instead`);
        return answered({ ...known, containerId: found.currentContainerId }, succeeded(found, true));
      }
      this.announcements.logLobbyView(input.gameId, op.log);
      return this.create(input, found, known, lease, op);
    });
  }

  /** Image, limits, state directory, leftover, then create + start + record (rolled back on failure). */
  private async create(input: StartRuntimeInput, found: RuntimeRecord | null, known: KnownSoFar, lease: GameLease, op: OperationView): Promise<OperationOutcome> {
    known.details.pull_policy = this.deps.settings.pullPolicy;
    const image = await this.ensureImage(input.imageRef, () => (known.details.pulled = true));
    const host = await dockerStep('reading the Docker host resources', 'container_start_failed', () => this.deps.docker.hostResources());
    const keepOverride = input.keepLimitsOverride === true || found?.currentImageRef === input.imageRef;
    const limits = withOverride(launchLimits(this.limitsFrom(image, host), image.labels), keepOverride ? overrideOf(found?.limits) : {});
    known.details.limits = limitsToWire(limits);
    const statePath = await this.ensureStateDirectory(input.gameId);
    const leftoverId = await this.leftoverContainer(input.gameId);
    if (leftoverId !== null) known.details.replaced_container_id = leftoverId;

    assertLeaseHeld(lease);
    const spec = buildContainerSpec({
      gameId: input.gameId,
      imageRef: input.imageRef,
      hostStatePath: statePath,
      limits: resourceLimitsOf(limits),
      defaults: this.deps.settings.containerDefaults,
    });
    // In place (restart/patch on Swarm): the running engine is the leftover, replaced by one update.
    const inPlace = found?.status === 'running' ? found : null;
    if (inPlace !== null) known.details.in_place = true;
    let createdId: string;
    try {
      createdId = leftoverId === null ? await this.createContainer(spec) : await this.replaceContainer(leftoverId, spec);
    } catch (err) {
      if (inPlace !== null && leftoverId !== null) await this.afterFailedReplacement(inPlace, leftoverId, known, lease, op);
      throw err;
    }
    known.containerId = createdId;
    try {
      // Swarm: the service was created, the record keeps its task's container.
      const containerId = await dockerStep('starting the container', 'container_start_failed', () => this.deps.docker.startContainer(createdId));
      known.containerId = containerId;
      const written = await this.writeRunningRecord(input, found, { containerId, statePath, limits }, lease);
      return answered(known, succeeded(written), written);
    } catch (err) {
      known.details.rolled_back = await this.removeCreated(createdId, op);
      if (inPlace !== null) await this.recordStopped(inPlace, lease, op);
      throw err;
    }
  }

  /** In-place replacement failed: old engine still running = nothing changed; else roll back, record stopped. */
  private async afterFailedReplacement(found: RuntimeRecord, leftoverId: string, known: KnownSoFar, lease: GameLease, op: OperationView): Promise<void> {
    const old = await this.deps.docker.inspectContainer(leftoverId).catch(() => null);
    if (old?.running === true) return;
    known.details.rolled_back = await this.removeCreated(leftoverId, op);
    await this.recordStopped(found, lease, op);
  }

  private async recordStopped(found: RuntimeRecord, lease: GameLease, op: OperationView): Promise<void> {
    const at = this.deps.clock.now();
    try {
      await changeStatus(lease, this.deps.records, { gameId: found.gameId, containerId: found.currentContainerId, from: 'running', to: 'stopped', by: 'start', at });
    } catch (err) {
      // The start's own failure is what the caller gets; the sync corrects the record later.
      op.log.error({ err: describeError(err) }, 'a failed in-place replacement could not record the game as stopped');
    }
  }

  private async createContainer(spec: ContainerSpec): Promise<string> {
    try {
      return await this.deps.docker.createContainer(spec);
    } catch (err) {
      // The name was free a moment ago: someone created one since. Never touch theirs.
      if (err instanceof DockerError && err.kind === 'conflict')
        throw new OperationFailure('conflict', `container name ${spec.name} was taken concurrently: ${err.message}`);
      throw classifyFault(err, 'creating the container', 'container_start_failed');
    }
  }

  private async replaceContainer(leftoverId: string, spec: ContainerSpec): Promise<string> {
    try {
      return await this.deps.docker.replaceContainer(leftoverId, spec);
    } catch (err) {
      if (err instanceof DockerError && err.kind === 'conflict')
        throw new OperationFailure('conflict', `container name ${spec.name} was taken concurrently: ${err.message}`);
      throw classifyFault(err, 'replacing the leftover container', 'container_start_failed');
    }
  }

  /** `pulled`: told once the image was pulled (a later failure's row still says so). */
  private async ensureImage(imageRef: string, pulled: () => void): Promise<ImageInfo> {
    const { docker, settings } = this.deps;
    const inspect = () => dockerStep('inspecting the image', 'image_pull_failed', () => docker.inspectImage(imageRef));
    const pull = async () => {
      await dockerStep(`pulling ${imageRef}`, 'image_pull_failed', () => docker.pullImage(imageRef));
      pulled();
    };
    let info: ImageInfo | null = null;
    if (settings.pullPolicy === 'always') {
      await pull();
      info = await inspect();
    } else {
      info = await inspect();
      if (info === null && settings.pullPolicy === 'if_not_present') {
        await pull();
        info = await inspect();
      }
    }
    if (info === null)
      throw new OperationFailure(
        'image_pull_failed',
        settings.pullPolicy === 'never'
          ? `image ${imageRef} is not present locally and the pull policy is never`
          : `image ${imageRef} is not present after pulling it`,
      );
    return info;
  }

  /** Root refusal and ceilings (domain rules), before anything is created. */
  private limitsFrom(image: ImageInfo, host: HostResources): ResourceLimits {
    const launch = resolveEngineLaunch(image, this.deps.settings.containerDefaults, host);
    if (!launch.ok) throw new OperationFailure('start_config_invalid', launch.message);
    return launch.limits;
  }

  private async ensureStateDirectory(gameId: string): Promise<string> {
    try {
      return await this.deps.stateDirectories.ensure(gameId);
    } catch (err) {
      // A host problem (permissions, full disk) that prevents the container from
      // starting: an admin must act, so it is container_start_failed with its intent.
      throw new OperationFailure('container_start_failed', `preparing the state directory failed: ${describeError(err)}`, { cause: err });
    }
  }

  /**
   * A container already carrying the game's name. Ours (owned) with no running record is
   * a leftover (a stopped engine, a crashed attempt): its id, replaced once the spec is built
   * (Swarm: the service is updated, not recreated). Anyone else's is never touched: conflict.
   */
  private async leftoverContainer(gameId: string): Promise<string | null> {
    const name = containerNameFor(gameId);
    const existing = await dockerStep('inspecting the container name', 'container_start_failed', () =>
      this.deps.docker.inspectContainer(name),
    );
    if (existing === null) return null;
    if (existing.labels[OWNER_LABEL] !== OWNER_VALUE)
      throw new OperationFailure(
        'conflict',
        `a container named ${name} (${existing.id.slice(0, 12)}) exists and is not owned by rtmanager; it is left alone`,
      );
    this.deps.containerIntents.expect(existing.id, 'remove');
    return existing.id;
  }

  private writeRunningRecord(
    input: StartRuntimeInput,
    found: RuntimeRecord | null,
    { containerId, statePath, limits }: { containerId: string; statePath: string; limits: RuntimeLimits },
    lease: GameLease,
  ): Promise<RuntimeRecord> {
    const now = this.deps.clock.now();
    return writeRecord(lease, { from: found?.status ?? null, to: 'running', by: 'start' }, () =>
      this.deps.records.upsert({
        gameId: input.gameId,
        status: 'running',
        currentContainerId: containerId,
        currentImageRef: input.imageRef,
        engineEndpoint: engineEndpointFor(input.gameId, this.deps.settings.containerDefaults.enginePort),
        statePath,
        createdAt: now, // the store keeps an existing row's created_at
        startedAt: now,
        stoppedAt: null,
        removedAt: null,
        lastOpAt: now,
        limits,
      }),
    );
  }

  /** Rollback: what this attempt created does not outlive it. Whether it is gone (the row's `rolled_back`). */
  private async removeCreated(containerId: string, op: OperationView): Promise<boolean> {
    try {
      this.deps.containerIntents.expect(containerId, 'remove');
      await this.deps.docker.removeContainer(containerId, { force: true });
      return true;
    } catch (err) {
      // Left behind: the reconciler adopts or the next start removes it (owned, same name).
      op.log.error({ container_id: containerId, err: describeError(err) }, 'rollback: removing the created container failed');
      return false;
    }
  }
}
