// The one composition root (issue 19 item 4): plain constructor injection, in this order —
//   ports     adapters over the open clients, each port under its telemetry decorator
//   pipeline  the one operation pipeline (lease, row, metric) every operation runs through
//   services  health events, the five lifecycle services, the reconcile services, the work queue
//   triggers  the leader-only group (job consumers, Docker events / probe / inspect /
//             reconciler / TTL cleanup workers); REST is built by rtm.ts over `services`.
// Nothing here decides anything: the settings are read from the one config object.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { FsStateDirectories } from '../adapters/filesystem/state-directories.adapter.js';
import { LobbyHttpClient } from '../adapters/lobby/lobby-http.client.js';
import { LeaderFencedDockerRuntime } from '../adapters/docker/leader-fenced-docker-runtime.decorator.js';
import { ContainerIntentsRegistry } from '../adapters/memory/container-intents.registry.js';
import { AsyncLeaderFence } from '../adapters/memory/leader-fence.scope.js';
import { PostgresLeaderLeaseStore } from '../adapters/postgres/leader-lease.store.js';
import { RedisEpochFence } from '../adapters/redis/leader-epoch.fence.js';
import { PostgresHealthSnapshotStore } from '../adapters/postgres/health-snapshot.store.js';
import { PostgresOperationLogStore } from '../adapters/postgres/operation-log.store.js';
import { PostgresPendingOperationStore } from '../adapters/postgres/pending-operation.store.js';
import { PostgresRuntimeReadStore } from '../adapters/postgres/runtime-read.store.js';
import { PostgresRuntimeRecordStore } from '../adapters/postgres/runtime-record.store.js';
import { RedisGameLeases } from '../adapters/redis/game-lease.adapter.js';
import { RedisHealthEventPublisher } from '../adapters/redis/health-event.publisher.js';
import { RedisJobResultPublisher } from '../adapters/redis/job-result.publisher.js';
import { RedisNotificationIntentPublisher } from '../adapters/redis/notification-intent.publisher.js';
import { RedisStreamOffsetStore } from '../adapters/redis/stream-offset.store.js';
import { classifyingRedisFaults } from '../adapters/redis/redis-fault.js';
import { RedisStreamReader } from '../adapters/redis/stream-reader.adapter.js';
import { ObservedDockerRuntime } from '../adapters/telemetry/observed-docker-runtime.decorator.js';
import { ObservedStreamPublisher } from '../adapters/telemetry/observed-stream-publisher.decorator.js';
import { PrometheusMetrics } from '../adapters/telemetry/prometheus.metrics.js';
import { withConsumerSpan } from '../adapters/telemetry/span-conventions.js';
import { RuntimeEventsFeed } from '../api/runtime-events.feed.js';
import type { Clock } from '../ports/clock.js';
import { RecordHealthEventService } from '../services/health/record-health-event.service.js';
import { OperationPipeline } from '../services/pipeline/operation-pipeline.js';
import { createLifecycleServices, createReconcileServices, type LifecycleSettings } from '../services/service-graph.js';
import { GameWorkQueue } from '../services/sync/game-work-queue.js';
import { RuntimeLogsService } from '../services/observe/runtime-logs.service.js';
import { RuntimeStatsService } from '../services/observe/runtime-stats.service.js';
import type { BackgroundWorker } from '../workers/background-worker.js';
import { ContainerCleanupWorker } from '../workers/container-cleanup/container-cleanup.worker.js';
import { DockerEventsWorker } from '../workers/docker-events/docker-events.worker.js';
import { DockerInspectWorker } from '../workers/docker-inspect/docker-inspect.worker.js';
import { HealthProbeWorker } from '../workers/health-probe/health-probe.worker.js';
import { StreamJobConsumer, type JobConsumerDeps } from '../workers/job-consumer/stream-job-consumer.js';
import { startJobs, stopJobs } from '../workers/job-consumer/lobby-jobs.js';
import { ReconcilerWorker } from '../workers/reconciler/reconciler.worker.js';
import type { BuildInfo } from './build-info.js';
import type { Closers } from './closers.js';
import type { RtmConfig } from './config.js';
import type { Infrastructure } from './infrastructure.js';
import { LeaderTriggers, type Triggers } from './trigger-group.js';

/** This process among the instances: RTMANAGER_INSTANCE_ID and a boot id of its own. */
export interface InstanceIdentity {
  readonly instanceId: string;
  readonly bootId: string;
}

export interface CompositionContext {
  infra: Infrastructure;
  config: RtmConfig;
  clock: Clock;
  logger: Logger;
  closers: Closers;
  buildInfo: BuildInfo;
  identity: InstanceIdentity;
  /** The trigger members now running (for /readyz), or [] once the group stopped. */
  onTriggersRunning?: (members: readonly BackgroundWorker[]) => void;
}

export type Ports = ReturnType<typeof buildPorts>;
export type Services = ReturnType<typeof buildServices>;
export type Composition = ReturnType<typeof compose>;

export function compose(ctx: CompositionContext) {
  const ports = buildPorts(ctx);
  // Fleet gauges (no per-game label): the running engines' limits against the Docker host, at scrape time.
  ports.metrics.exportFleet(async () => ({ limits: await ports.records.runningLimits(), host: await ports.docker.hostResources().catch(() => null) }));
  // One place per game: its operations (REST, jobs, TTL cleanup) and its syncs take turns.
  const queue = new GameWorkQueue();
  const pipeline = new OperationPipeline({ ...ports, queue, clock: ctx.clock, logger: ctx.logger });
  const services = buildServices(ctx, ports, pipeline, queue);
  // Shutdown: a sync or operation still in its turn finishes before the health service and the clients close.
  ctx.closers.add(() => queue.idle());
  const triggers = new LeaderTriggers({
    build: () => buildTriggers(ctx, ports, services),
    logger: ctx.logger,
    ...(ctx.onTriggersRunning ? { onRunning: ctx.onTriggersRunning } : {}),
  });
  return { ports, services, triggers };
}

function buildPorts({ infra, config, logger, buildInfo, identity }: CompositionContext) {
  const { db, redis } = infra;
  // Writes made inside a leader term check its epoch (docs/leader-election.md).
  const fence = new AsyncLeaderFence();
  const epochFence = new RedisEpochFence(redis, { keyPrefix: config.redis.keyPrefix }, fence);
  const records = new PostgresRuntimeRecordStore(db, fence);
  const metrics = new PrometheusMetrics(() => records.countByStatus(), logger, { buildInfo });
  const { streams } = config;
  const jobResults = new RedisJobResultPublisher(redis, streams.jobResults, streams.maxLen.jobResults, { epochFence, answersKey: `${config.redis.keyPrefix}rtmanager:job_answers` });
  return {
    fence,
    epochFence,
    leaderLease: new PostgresLeaderLeaseStore(db),
    records,
    reads: new PostgresRuntimeReadStore(db),
    operationLog: new PostgresOperationLogStore(db, fence),
    pendingOperations: new PostgresPendingOperationStore(db),
    snapshots: new PostgresHealthSnapshotStore(db),
    metrics,
    // Every Docker call is measured (rtmanager_docker_api_*), the readiness checks' included, and traced under an RTM span.
    // Inside a leader term, container changes are refused once the term is over (leader-fenced-docker-runtime.decorator.ts).
    docker: new LeaderFencedDockerRuntime(new ObservedDockerRuntime(infra.docker, metrics), fence),
    leases: new RedisGameLeases(redis, { keyPrefix: config.redis.keyPrefix, ttlMs: config.coordination.leaseTtlMs, holder: identity }, logger),
    // Each publisher under its telemetry decorator: a PRODUCER span per stream write.
    healthStream: new ObservedStreamPublisher(new RedisHealthEventPublisher(redis, streams.healthEvents, streams.maxLen.healthEvents, epochFence)),
    notificationIntents: new ObservedStreamPublisher(new RedisNotificationIntentPublisher(redis, streams.notificationIntents, streams.maxLen.notificationIntents)),
    jobResults: new ObservedStreamPublisher(jobResults),
    jobAnswers: jobResults,
    offsets: new RedisStreamOffsetStore(redis, { keyPrefix: config.redis.keyPrefix }, epochFence),
    stateDirectories: new FsStateDirectories({
      root: config.container.stateRoot,
      mode: config.container.stateDirMode,
      uid: config.container.stateDirUid,
      gid: config.container.stateDirGid,
    }),
    lobby: config.lobby.baseUrl ? new LobbyHttpClient({ baseUrl: config.lobby.baseUrl, timeoutMs: config.lobby.timeoutMs }) : null,
    containerIntents: new ContainerIntentsRegistry(),
    events: runtimeEventsFeed(redis, config, logger),
  };
}

/**
 * GET /api/v1/internal/events: non-blocking reads on the shared connection, polled every
 * 250 ms; a Redis that does not answer is classified (503 service_unavailable, not 500).
 */
export function runtimeEventsFeed(redis: Redis, config: RtmConfig, logger: Logger): RuntimeEventsFeed {
  const reader = new RedisStreamReader(redis, logger);
  return new RuntimeEventsFeed({
    reader: {
      readAfter: (stream, afterId, opts) => classifyingRedisFaults(() => reader.readAfter(stream, afterId, opts)),
      lastEntryId: (stream) => classifyingRedisFaults(() => reader.lastEntryId(stream)),
    },
    keys: { 'runtime:health_events': config.streams.healthEvents, 'runtime:job_results': config.streams.jobResults },
    pollMs: 250,
  });
}

function buildServices({ config, clock, logger, closers }: CompositionContext, ports: Ports, pipeline: OperationPipeline, queue: GameWorkQueue) {
  // Snapshot, stream, metric; queues writes while a store is down (flushed until shutdown).
  const healthEvents = new RecordHealthEventService({ snapshots: ports.snapshots, stream: ports.healthStream, metrics: ports.metrics, logger });
  closers.add(() => healthEvents.stop());
  const lifecycle = createLifecycleServices({ ...ports, healthEvents, clock, logger }, lifecycleSettingsFromConfig(config), pipeline);
  const reconcile = createReconcileServices(
    {
      ...ports,
      health: healthEvents,
      intents: ports.containerIntents,
      clock,
      logger,
      settings: { graceMs: config.reconcile.graceMs, enginePort: config.container.enginePort },
    },
    { pipeline, queue },
  );
  // The reads of what engines print and use (logs, stats): Docker and the record, no lease.
  const engineOutput = {
    logs: new RuntimeLogsService({ docker: ports.docker, records: ports.records, logDriver: config.container.logDriver }),
    stats: new RuntimeStatsService({ docker: ports.docker, records: ports.records, clock }),
  };
  return { ...lifecycle, healthEvents, reconcile, engineOutput };
}

/** One term of the leader-only triggers (a leadership change builds the next term's). */
function buildTriggers({ infra, config, clock, logger }: CompositionContext, ports: Ports, services: Services): Triggers {
  const { records, docker, metrics } = ports;
  const { healthEvents: health, reconcile } = services;
  const reconciler = new ReconcilerWorker({ ...ports, reconcile: reconcile.sync, clock, logger, settings: { intervalMs: config.reconcile.intervalMs } });
  const probe = config.health;
  const probeSettings = {
    intervalMs: probe.probeIntervalMs,
    timeoutMs: probe.probeTimeoutMs,
    failuresThreshold: probe.probeFailuresThreshold,
    startPeriodMs: probe.probeStartPeriodMs,
    target: probe.probeTarget,
    concurrency: probe.probeConcurrency,
    network: config.docker.network,
    enginePort: config.container.enginePort,
  };
  const workers = [
    reconciler,
    new DockerEventsWorker({ records, docker, health, intents: ports.containerIntents, vanished: reconcile.vanished, sync: reconcile.sync, metrics, clock, logger, settings: { reconnectMaxMs: probe.eventsReconnectMaxMs } }),
    new HealthProbeWorker({ records, docker, health, sync: reconcile.sync, metrics, clock, logger, settings: probeSettings }),
    new DockerInspectWorker({ records, docker, health, sync: reconcile.sync, metrics, clock, logger, settings: { intervalMs: probe.inspectIntervalMs } }),
    new ContainerCleanupWorker({ records, cleanup: services.cleanup, metrics, clock, logger, settings: { intervalMs: config.cleanup.intervalMs, retentionMs: config.cleanup.retentionMs } }),
  ];
  const settings = {
    blockMs: config.streams.blockMs,
    batchSize: config.streams.batchSize,
    concurrency: config.streams.jobConcurrency,
    shutdownTimeoutMs: config.lifecycle.shutdownTimeoutMs,
    maxAgeMs: config.streams.jobMaxAgeMs,
  };
  const deps = (name: string, stream: string): JobConsumerDeps => ({
    reader: new RedisStreamReader(infra.blockingConnection(name), logger),
    offsets: ports.offsets,
    results: ports.jobResults,
    answers: ports.jobAnswers,
    metrics,
    clock,
    logger,
    traceJob: (job, fn) => withConsumerSpan({ stream, messageId: job.messageId, gameId: job.gameId, attributes: { 'rtmanager.job_kind': job.jobKind } }, fn),
  });
  const consumers = [
    new StreamJobConsumer(deps('start-jobs', config.streams.startJobs), startJobs(services.start), { ...settings, stream: config.streams.startJobs }),
    new StreamJobConsumer(deps('stop-jobs', config.streams.stopJobs), stopJobs(services.stop), { ...settings, stream: config.streams.stopJobs }),
  ];
  return { reconcileAtStartup: () => reconciler.reconcileOnce({ startup: true }), consumers, workers };
}

/** The lifecycle services' settings, from the one config object. */
export function lifecycleSettingsFromConfig(config: RtmConfig): LifecycleSettings {
  const { docker, container } = config;
  return {
    start: {
      pullPolicy: docker.pullPolicy,
      imageAllowlist: docker.imageAllowlist,
      containerDefaults: {
        network: docker.network,
        enginePort: container.enginePort,
        limits: container.defaultLimits,
        ceilings: container.ceilings,
        hardening: container.hardening,
        logDriver: container.logDriver,
        logOptions: container.logOptions,
      },
    },
    stop: { stopTimeoutSeconds: container.stopTimeoutSeconds },
    replaceRunningInPlace: docker.engineBackend === 'swarm',
  };
}
