// All five lifecycle services wired to the in-memory fakes, plus the observations the
// service tests assert on (op-log rows, intents, events, metrics, Docker calls).
import pino from 'pino';
import type { ConfiguredCeilings, EngineHardening } from '../../../src/domain/container-spec.js';
import type { OpKind, OpSource, Outcome } from '../../../src/domain/operation.js';
import type { HealthEventType } from '../../../src/domain/health.js';
import { ContainerIntentsRegistry } from '../../../src/adapters/memory/container-intents.registry.js';
import type { ContainerIntentAction } from '../../../src/ports/container-intents.js';
import { NoopMetrics, noopMetrics, type CompletedOperation } from '../../../src/ports/metrics.js';
import { RecordHealthEventService } from '../../../src/services/health/record-health-event.service.js';
import {
  createLifecycleServices,
  type LifecycleServices,
  type LifecycleSettings,
} from '../../../src/services/service-graph.js';
import type { ImagePullPolicy } from '../../../src/domain/image-pull-policy.js';
import { FakeGameLeases } from '../../fakes/coordination.fake.js';
import { FakeDockerRuntime } from '../../fakes/docker-runtime.fake.js';
import { FakeLobbyClient, FakeStateDirectories, ManualClock } from '../../fakes/misc.fake.js';
import { FakeHealthEventPublisher, FakeNotificationIntentPublisher } from '../../fakes/publishers.fake.js';
import { FakeHealthSnapshotStore, FakeOperationLogStore, FakePendingOperationStore, FakeRuntimeRecordStore } from '../../fakes/stores.fake.js';
import { TEST_CEILINGS, TEST_HARDENING } from '../../support/test-env.js';

export const IMAGE = 'galaxy/game:1.0.0';
export const IMAGE_PATCH = 'galaxy/game:1.0.1';
export const IMAGE_MINOR = 'galaxy/game:1.1.0';
export const DEFAULT_LIMITS = { cpus: 1, memoryBytes: 512 * 1024 ** 2, pidsLimit: 512 };
export const STATE_ROOT = '/srv/galaxy-state';

/**
 * The real registry's rules (the ContainerIntents contract suite runs against both), and
 * each declaration remembered with how many Docker calls had happened by then.
 */
export class RecordingContainerIntents extends ContainerIntentsRegistry {
  readonly declared: Array<{ containerId: string; action: ContainerIntentAction; dockerCallIndex: number }> = [];
  constructor(
    private readonly docker: FakeDockerRuntime,
    opts: { ttlMs?: number; now?: () => number } = {},
  ) {
    super(opts.ttlMs, opts.now);
  }
  override expect(containerId: string, action: ContainerIntentAction): void {
    this.declared.push({ containerId, action, dockerCallIndex: this.docker.calls.length });
    super.expect(containerId, action);
  }
}

export class RecordingMetrics extends NoopMetrics {
  readonly operations: Array<{ opKind: OpKind; outcome: Outcome; seconds: number }> = [];
  readonly healthEvents: HealthEventType[] = [];
  /** The op_source of each, in order. */
  readonly opSources: OpSource[] = [];
  override operationCompleted({ opKind, opSource, outcome, durationSeconds: seconds }: CompletedOperation): void {
    this.operations.push({ opKind, outcome, seconds });
    this.opSources.push(opSource);
  }
  override healthEventPublished(eventType: HealthEventType): void {
    this.healthEvents.push(eventType);
  }
}

export interface HarnessOptions {
  pullPolicy?: ImagePullPolicy;
  allowlist?: string[];
  withLobby?: boolean;
  ceilings?: Partial<ConfiguredCeilings>;
  hardening?: Partial<EngineHardening>;
  /** Restart/patch replace a running engine in one step (the swarm backend's wiring). */
  replaceRunningInPlace?: boolean;
}

export function createHarness(opts: HarnessOptions = {}) {
  const docker = new FakeDockerRuntime();
  const records = new FakeRuntimeRecordStore();
  const operationLog = new FakeOperationLogStore();
  const leases = new FakeGameLeases();
  const pendingOperations = new FakePendingOperationStore();
  const stateDirectories = new FakeStateDirectories(STATE_ROOT);
  const healthEvents = new FakeHealthEventPublisher();
  const notificationIntents = new FakeNotificationIntentPublisher();
  const clock = new ManualClock();
  const containerIntents = new RecordingContainerIntents(docker, { now: () => clock.now().getTime() });
  const lobby = new FakeLobbyClient();
  const metrics = new RecordingMetrics();
  const logger = pino({ level: 'silent' });
  const settings: LifecycleSettings = {
    start: {
      pullPolicy: opts.pullPolicy ?? 'if_not_present',
      imageAllowlist: opts.allowlist ?? [],
      containerDefaults: {
        network: 'galaxy-net',
        enginePort: 8080,
        limits: DEFAULT_LIMITS,
        ceilings: { ...TEST_CEILINGS, ...opts.ceilings },
        hardening: { ...TEST_HARDENING, ...opts.hardening },
        logDriver: 'json-file',
        logOptions: { 'max-size': '10m' },
      },
    },
    stop: { stopTimeoutSeconds: 7 },
    replaceRunningInPlace: opts.replaceRunningInPlace === true,
  };
  const services: LifecycleServices = createLifecycleServices(
    {
      docker,
      records,
      operationLog,
      leases,
      pendingOperations,
      stateDirectories,
      // The real health service over fakes; its own metric is not this harness's concern
      // (the assertions on `metrics.healthEvents` check the lifecycle services never count).
      healthEvents: new RecordHealthEventService({ snapshots: new FakeHealthSnapshotStore(), stream: healthEvents, metrics: noopMetrics, logger }),
      notificationIntents,
      containerIntents,
      lobby: opts.withLobby === false ? null : lobby,
      metrics,
      clock,
      logger,
    },
    settings,
  );

  const h = {
    docker,
    records,
    operationLog,
    leases,
    pendingOperations,
    stateDirectories,
    healthEvents,
    notificationIntents,
    containerIntents,
    lobby,
    metrics,
    clock,
    services,
    ...services,

    rows(gameId: string) {
      return operationLog.forGame(gameId);
    },

    /** Forget what happened so far: the next assertions see only the operation under test. */
    resetObservations(): void {
      operationLog.entries.length = 0;
      docker.calls.length = 0;
      healthEvents.published.length = 0;
      notificationIntents.published.length = 0;
      containerIntents.declared.length = 0;
      metrics.operations.length = 0;
      metrics.healthEvents.length = 0;
    },

    /** A running game started through the service itself; observations reset afterwards. */
    async seedRunning(gameId: string, imageRef = IMAGE) {
      if (!docker.images.has(imageRef)) docker.addImage(imageRef);
      const r = await services.start.execute({ gameId, imageRef, opSource: 'lobby_stream' });
      if (r.outcome !== 'success' || !r.record) throw new Error(`seed start failed: ${r.errorCode} ${r.errorMessage}`);
      clock.advance(1000);
      h.resetObservations();
      return r.record;
    },

    async seedStopped(gameId: string, imageRef = IMAGE) {
      await h.seedRunning(gameId, imageRef);
      const r = await services.stop.execute({ gameId, reason: 'finished', opSource: 'lobby_stream' });
      if (r.outcome !== 'success' || !r.record) throw new Error(`seed stop failed: ${r.errorCode}`);
      clock.advance(1000);
      h.resetObservations();
      return r.record;
    },

    /** Every stop/remove Docker call was preceded by the matching ContainerIntents declaration. */
    assertIntentsDeclaredBeforeStopAndRemove(): void {
      docker.calls.forEach((call, index) => {
        const action = call.method === 'stopContainer' ? 'stop' : call.method === 'removeContainer' ? 'remove' : null;
        if (action === null) return;
        const id = call.args[0] as string;
        const declared = containerIntents.declared.some(
          (d) => d.containerId === id && d.action === action && d.dockerCallIndex <= index,
        );
        if (!declared) throw new Error(`${call.method}(${id}) at call #${index} without a prior ContainerIntents.expect(…, '${action}')`);
      });
    },

    /** The lease is free again after every operation. */
    assertNoLeaseHeld(): void {
      if (leases.held.size > 0) throw new Error(`leases still held: ${[...leases.held.keys()].join(', ')}`);
    },
  };
  return h;
}

export type Harness = ReturnType<typeof createHarness>;
