// start (CONTRACT §4): bring a game's engine container up on the image the producer
// named. Failure table and decisions: docs/services.md "start".
import type { ImagePullPolicy } from '../../domain/image-pull-policy.js';
import type { Logger } from 'pino';
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
import type { ErrorCode } from '../../domain/error-codes.js';
import type { OperationResult } from '../../domain/operation-result.js';
import { containerNameFor, engineEndpointFor, type RuntimeRecord } from '../../domain/runtime-record.js';
import type { Clock } from '../../ports/clock.js';
import type { ContainerIntents } from '../../ports/container-intents.js';
import { DockerError, type DockerRuntime, type ImageInfo } from '../../ports/docker-runtime.js';
import type { GameLease, GameLeases } from '../../ports/game-lease.js';
import type { LobbyClient } from '../../ports/lobby-client.js';
import type { Metrics } from '../../ports/metrics.js';
import type { OperationLogStore } from '../../ports/operation-log.store.js';
import type {
  NotificationIntentPublisher,
  NotificationIntentType,
} from '../../ports/publishers.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import type { StateDirectories } from '../../ports/state-directory.js';
import type { HealthEventRecorder } from '../health/record-health-event.service.js';
import { LeaseRunner, assertLeaseHeld, type HeldContext } from '../shared/lease-runner.js';
import {
  OperationFailure,
  asOperationFailure,
  describeError,
  dockerStep,
  fromDockerError,
  storeStep,
} from '../shared/operation-failure.js';
import type { OperationContext } from '../operation-context.js';
import { OperationRecorder, type RecordedOperation } from '../shared/operation-recorder.js';
import { checkImageRef, refuseInvalidGameId } from '../shared/request-validation.js';

export interface StartRuntimeInput extends OperationContext {
  gameId: string;
  imageRef: string;
}


export interface StartRuntimeSettings {
  pullPolicy: ImagePullPolicy;
  /** Allowed image_ref prefixes; empty allows every image. */
  imageAllowlist: readonly string[];
  containerDefaults: ContainerDefaults;
}

export interface StartRuntimeDeps {
  docker: DockerRuntime;
  records: RuntimeRecordStore;
  operationLog: OperationLogStore;
  leases: GameLeases;
  stateDirectories: StateDirectories;
  healthEvents: HealthEventRecorder;
  notificationIntents: NotificationIntentPublisher;
  containerIntents: ContainerIntents;
  /** Diagnostics only; null when RTMANAGER_LOBBY_BASE_URL is not set. */
  lobby: LobbyClient | null;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  settings: StartRuntimeSettings;
}

/** The three start failures an admin is told about (CONTRACT §6 notification:intents). */
const INTENT_BY_CODE: Partial<Record<ErrorCode, NotificationIntentType>> = {
  image_pull_failed: 'runtime.image_pull_failed',
  container_start_failed: 'runtime.container_start_failed',
  start_config_invalid: 'runtime.start_config_invalid',
};

export class StartRuntimeService {
  private readonly recorder: OperationRecorder;
  private readonly leaseRunner: LeaseRunner;

  constructor(private readonly deps: StartRuntimeDeps) {
    this.recorder = new OperationRecorder(deps);
    this.leaseRunner = new LeaseRunner(deps.leases, deps.logger);
  }

  async execute(input: StartRuntimeInput): Promise<OperationResult> {
    const refused = refuseInvalidGameId(input.gameId, 'start', this.deps.logger);
    if (refused) return refused;
    try {
      checkImageRef(input.imageRef, this.deps.settings.imageAllowlist);
    } catch (err) {
      return this.begin(input, null).fail(asOperationFailure(err), null);
    }
    return this.leaseRunner.run(
      input.gameId,
      (lease) => this.runHeld(input, { lease, correlationId: null }),
      (failure) => this.begin(input, null).fail(failure, null),
    );
  }

  /**
   * The whole start under a lease the caller already holds (restart, patch). Writes its
   * own operation_log row, tagged with the caller's correlation id.
   */
  async runHeld(input: StartRuntimeInput, ctx: HeldContext): Promise<OperationResult> {
    const op = this.begin(input, ctx.correlationId);
    let found: RuntimeRecord | null = null;
    let createdId: string | null = null;
    let stored: RuntimeRecord;
    try {
      checkImageRef(input.imageRef, this.deps.settings.imageAllowlist);
      found = await storeStep('reading the runtime record', () => this.deps.records.get(input.gameId));
      if (found?.status === 'running') {
        if (found.currentImageRef === input.imageRef) {
          op.containerId = found.currentContainerId;
          return await op.succeed(found, true);
        }
        throw new OperationFailure(
          'conflict',
          `game ${input.gameId} is already running ${found.currentImageRef ?? '(unknown image)'}; stop or patch it instead`,
        );
      }
      this.logLobbyView(input.gameId, op.log);

      const image = await this.ensureImage(input.imageRef, op);
      const host = await dockerStep('reading the Docker host resources', 'container_start_failed', () => this.deps.docker.hostResources());
      const limits = this.limitsFrom(image, host);
      op.details.limits = { cpus: limits.cpus, memory_bytes: limits.memoryBytes, pids_limit: limits.pidsLimit };
      const statePath = await this.ensureStateDirectory(input.gameId);
      await this.clearLeftoverContainer(input.gameId, op);

      assertLeaseHeld(ctx.lease);
      const spec = buildContainerSpec({
        gameId: input.gameId,
        imageRef: input.imageRef,
        hostStatePath: statePath,
        limits,
        defaults: this.deps.settings.containerDefaults,
      });
      createdId = await this.createContainer(spec);
      op.containerId = createdId;
      const containerId = createdId;
      await dockerStep('starting the container', 'container_start_failed', () => this.deps.docker.startContainer(containerId));

      stored = await this.writeRunningRecord(input, containerId, statePath, ctx.lease);
    } catch (err) {
      return this.failStart(op, asOperationFailure(err), found, createdId);
    }
    const result = await op.succeed(stored);
    await this.publishStarted(stored, input.imageRef, op);
    return result;
  }

  private begin(input: StartRuntimeInput, correlationId: string | null): RecordedOperation {
    return this.recorder.begin({
      gameId: input.gameId,
      opKind: 'start',
      opSource: input.opSource,
      correlationId,
      retries: input.retries,
      deferRetryable: input.deferRetryable,
      imageRef: typeof input.imageRef === 'string' ? input.imageRef : null,
    });
  }

  private async createContainer(spec: ContainerSpec): Promise<string> {
    try {
      return await this.deps.docker.createContainer(spec);
    } catch (err) {
      // The name was free a moment ago: someone created one since. Never touch theirs.
      if (err instanceof DockerError && err.kind === 'conflict')
        throw new OperationFailure('conflict', `container name ${spec.name} was taken concurrently: ${err.message}`);
      throw fromDockerError(err, 'creating the container', 'container_start_failed');
    }
  }

  private async ensureImage(imageRef: string, op: RecordedOperation): Promise<ImageInfo> {
    const { docker, settings } = this.deps;
    const inspect = () => dockerStep('inspecting the image', 'image_pull_failed', () => docker.inspectImage(imageRef));
    const pull = () => dockerStep(`pulling ${imageRef}`, 'image_pull_failed', () => docker.pullImage(imageRef));
    op.details.pull_policy = settings.pullPolicy;
    let info: ImageInfo | null = null;
    if (settings.pullPolicy === 'always') {
      await pull();
      op.details.pulled = true;
      info = await inspect();
    } else {
      info = await inspect();
      if (info === null && settings.pullPolicy === 'if_not_present') {
        await pull();
        op.details.pulled = true;
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
   * a leftover (a stopped engine, a crashed attempt): removed, then recreated. Anyone
   * else's is never touched: conflict.
   */
  private async clearLeftoverContainer(gameId: string, op: RecordedOperation): Promise<void> {
    const name = containerNameFor(gameId);
    const existing = await dockerStep('inspecting the container name', 'container_start_failed', () =>
      this.deps.docker.inspectContainer(name),
    );
    if (existing === null) return;
    if (existing.labels[OWNER_LABEL] !== OWNER_VALUE)
      throw new OperationFailure(
        'conflict',
        `a container named ${name} (${existing.id.slice(0, 12)}) exists and is not owned by rtmanager; it is left alone`,
      );
    this.deps.containerIntents.expect(existing.id, 'remove');
    await dockerStep('removing the leftover container', 'container_start_failed', () =>
      this.deps.docker.removeContainer(existing.id, { force: true }),
    );
    op.details.replaced_container_id = existing.id;
  }

  private async writeRunningRecord(
    input: StartRuntimeInput,
    containerId: string,
    statePath: string,
    lease: GameLease,
  ): Promise<RuntimeRecord> {
    assertLeaseHeld(lease);
    const now = this.deps.clock.now();
    return storeStep('writing the runtime record', () =>
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
      }),
    );
  }

  private async failStart(
    op: RecordedOperation,
    failure: OperationFailure,
    found: RuntimeRecord | null,
    createdId: string | null,
  ): Promise<OperationResult> {
    if (createdId !== null) await this.removeCreated(createdId, op);
    const result = await op.fail(failure, found);
    const intentType = INTENT_BY_CODE[failure.code];
    if (intentType) await this.publishIntent(intentType, failure, op);
    return result;
  }

  /** Rollback: what this attempt created does not outlive it. */
  private async removeCreated(containerId: string, op: RecordedOperation): Promise<void> {
    try {
      this.deps.containerIntents.expect(containerId, 'remove');
      await this.deps.docker.removeContainer(containerId, { force: true });
      op.details.rolled_back = true;
    } catch (err) {
      // Left behind: the reconciler adopts or the next start removes it (owned, same name).
      op.details.rolled_back = false;
      op.log.error({ container_id: containerId, err: describeError(err) }, 'rollback: removing the created container failed');
    }
  }

  private async publishIntent(intentType: NotificationIntentType, failure: OperationFailure, op: RecordedOperation): Promise<void> {
    try {
      await this.deps.notificationIntents.publish({
        intentType,
        idempotencyKey: `${intentType}:${op.scope.gameId}:${op.attemptId}`,
        gameId: op.scope.gameId,
        imageRef: op.imageRef ?? '',
        errorCode: failure.code,
        errorMessage: failure.message,
        attemptedAt: op.startedAt,
      });
    } catch (err) {
      op.log.error({ intent_type: intentType, err: describeError(err) }, 'publishing the admin notification intent failed');
    }
  }

  private async publishStarted(record: RuntimeRecord, imageRef: string, op: RecordedOperation): Promise<void> {
    try {
      await this.deps.healthEvents.record({
        gameId: record.gameId,
        containerId: record.currentContainerId ?? '',
        eventType: 'container_started',
        occurredAt: this.deps.clock.now(),
        details: { image_ref: imageRef },
      });
      // Counted by the health service (rtmanager_health_events_total), like every other event.
    } catch (err) {
      // The game is up and recorded; a lost event is not a failed start.
      op.log.error({ err: describeError(err) }, 'publishing container_started failed');
    }
  }

  /** Diagnostics only: never awaited by the start, never fails it. */
  private logLobbyView(gameId: string, log: Logger): void {
    const lobby = this.deps.lobby;
    if (lobby === null) return;
    lobby.getGame(gameId).then(
      (game) => {
        if (game === null) log.warn('lobby does not know this game');
        else log.debug({ lobby_status: game.status }, 'lobby view of the game');
      },
      (err: unknown) => log.warn({ err: describeError(err) }, 'lobby diagnostics fetch failed'),
    );
  }
}
