// Plain constructor injection of everything RTM runs: adapters over the open clients, the
// lifecycle services, the background workers and the two Lobby job consumers.
import type { Logger } from 'pino';
import { FsStateDirectories } from '../adapters/filesystem/state-directories.adapter.js';
import { LobbyHttpClient } from '../adapters/lobby/lobby-http.client.js';
import { ContainerIntentsRegistry } from '../adapters/memory/container-intents.registry.js';
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
import { RedisStreamReader } from '../adapters/redis/stream-reader.adapter.js';
import { ObservedStreamPublisher } from '../adapters/telemetry/observed-stream-publisher.decorator.js';
import { PrometheusMetrics } from '../adapters/telemetry/prometheus.metrics.js';
import { withConsumerSpan } from '../adapters/telemetry/span-conventions.js';
import type { Clock } from '../ports/clock.js';
import { RecordHealthEventService } from '../services/health/record-health-event.service.js';
import { createLifecycleServices } from '../services/lifecycle-services.js';
import { createReconcileServices } from '../services/reconcile/reconcile-services.js';
import { RuntimeLogsService } from '../services/observe/runtime-logs.service.js';
import { RuntimeStatsService } from '../services/observe/runtime-stats.service.js';
import { ContainerCleanupWorker } from '../workers/container-cleanup/container-cleanup.worker.js';
import { DockerEventsWorker } from '../workers/docker-events/docker-events.worker.js';
import { DockerInspectWorker } from '../workers/docker-inspect/docker-inspect.worker.js';
import { HealthProbeWorker } from '../workers/health-probe/health-probe.worker.js';
import type { JobConsumerDeps } from '../workers/job-consumer/stream-job-consumer.js';
import { ReconcilerWorker } from '../workers/reconciler/reconciler.worker.js';
import { StartJobsConsumer } from '../workers/job-consumer/start-jobs.consumer.js';
import { StopJobsConsumer } from '../workers/job-consumer/stop-jobs.consumer.js';
import type { BuildInfo } from './build-info.js';
import type { Closers } from './closers.js';
import type { RtmConfig } from './config.js';
import type { Infrastructure } from './infrastructure.js';
import { lifecycleSettingsFromConfig } from './lifecycle-settings.js';

export type Adapters = ReturnType<typeof buildAdapters>;

/** This process among the instances: RTMANAGER_INSTANCE_ID and a boot id of its own. */
export interface InstanceIdentity {
  readonly instanceId: string;
  readonly bootId: string;
}

export function buildAdapters(infra: Infrastructure, config: RtmConfig, logger: Logger, closers: Closers, buildInfo: BuildInfo, identity: InstanceIdentity) {
  const { db, redis } = infra;
  const records = new PostgresRuntimeRecordStore(db);
  const snapshots = new PostgresHealthSnapshotStore(db);
  const metrics = new PrometheusMetrics(() => records.countByStatus(), logger, { buildInfo });
  // The health service (snapshot, stream, metric) queues writes while a store is down.
  // Each publisher under its telemetry decorator: a PRODUCER span per stream write.
  const stream = new ObservedStreamPublisher(new RedisHealthEventPublisher(redis, config.streams.healthEvents, config.streams.maxLen.healthEvents));
  const healthEvents = new RecordHealthEventService({ snapshots, stream, metrics, logger });
  closers.add(() => healthEvents.stop());
  return {
    records,
    reads: new PostgresRuntimeReadStore(db),
    operationLog: new PostgresOperationLogStore(db),
    pendingOperations: new PostgresPendingOperationStore(db),
    snapshots,
    metrics,
    leases: new RedisGameLeases(redis, { keyPrefix: config.redis.keyPrefix, ttlMs: config.coordination.leaseTtlMs, holder: identity }, logger),
    healthEvents,
    notificationIntents: new ObservedStreamPublisher(new RedisNotificationIntentPublisher(redis, config.streams.notificationIntents, config.streams.maxLen.notificationIntents)),
    jobResults: new ObservedStreamPublisher(new RedisJobResultPublisher(redis, config.streams.jobResults, config.streams.maxLen.jobResults)),
    offsets: new RedisStreamOffsetStore(redis, { keyPrefix: config.redis.keyPrefix }),
    stateDirectories: new FsStateDirectories({
      root: config.container.stateRoot,
      mode: config.container.stateDirMode,
      uid: config.container.stateDirUid,
      gid: config.container.stateDirGid,
    }),
    lobby: config.lobby.baseUrl ? new LobbyHttpClient({ baseUrl: config.lobby.baseUrl, timeoutMs: config.lobby.timeoutMs }) : null,
    containerIntents: new ContainerIntentsRegistry(),
  };
}

export function buildServices(infra: Infrastructure, adapters: Adapters, config: RtmConfig, clock: Clock, logger: Logger) {
  return createLifecycleServices({ ...adapters, docker: infra.docker, clock, logger }, lifecycleSettingsFromConfig(config));
}

type Services = ReturnType<typeof buildServices>;

/** The reads of what engines print and use (logs, stats): Docker and the record, no lease. */
export function buildEngineOutput(infra: Infrastructure, adapters: Adapters, config: RtmConfig, clock: Clock) {
  const { docker } = infra;
  return {
    logs: new RuntimeLogsService({ docker, records: adapters.records, logDriver: config.container.logDriver }),
    stats: new RuntimeStatsService({ docker, records: adapters.records, clock }),
  };
}

export function buildWorkers(infra: Infrastructure, adapters: Adapters, services: Services, config: RtmConfig, clock: Clock, logger: Logger) {
  const { records, healthEvents: health } = adapters;
  const { docker } = infra;
  const common = { records, operationLog: adapters.operationLog, leases: adapters.leases, metrics: adapters.metrics, clock, logger };
  const probe = config.health;
  const reconcile = createReconcileServices({
    ...common,
    docker,
    pendingOperations: adapters.pendingOperations,
    health,
    intents: adapters.containerIntents,
    stateDirectories: adapters.stateDirectories,
    settings: { graceMs: config.reconcile.graceMs, enginePort: config.container.enginePort },
  });
  const reconciler = new ReconcilerWorker({
    docker,
    records,
    pendingOperations: adapters.pendingOperations,
    reconcile: reconcile.game,
    metrics: adapters.metrics,
    clock,
    logger,
    settings: { intervalMs: config.reconcile.intervalMs },
  });
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
  const others = [
    new DockerEventsWorker({ records, docker, health, intents: adapters.containerIntents, vanished: reconcile.vanished, metrics: adapters.metrics, clock, logger, settings: { reconnectMaxMs: probe.eventsReconnectMaxMs } }),
    new HealthProbeWorker({ records, docker, health, metrics: adapters.metrics, clock, logger, settings: probeSettings }),
    new DockerInspectWorker({ records, docker, health, metrics: adapters.metrics, clock, logger, settings: { intervalMs: probe.inspectIntervalMs } }),
    new ContainerCleanupWorker({
      records,
      cleanup: services.cleanup,
      metrics: adapters.metrics,
      clock,
      logger,
      settings: { intervalMs: config.cleanup.intervalMs, retentionMs: config.cleanup.retentionMs },
    }),
  ];
  return { reconciler, workers: [reconciler, ...others] };
}

export function buildConsumers(infra: Infrastructure, adapters: Adapters, services: Services, config: RtmConfig, clock: Clock, logger: Logger) {
  const settings = {
    blockMs: config.streams.blockMs,
    batchSize: config.streams.batchSize,
    concurrency: config.streams.jobConcurrency,
    shutdownTimeoutMs: config.lifecycle.shutdownTimeoutMs,
    maxAgeMs: config.streams.jobMaxAgeMs,
  };
  const deps = (name: string, stream: string): JobConsumerDeps => ({
    reader: new RedisStreamReader(infra.blockingConnection(name), logger),
    offsets: adapters.offsets,
    results: adapters.jobResults,
    metrics: adapters.metrics,
    clock,
    logger,
    traceJob: (job, fn) => withConsumerSpan({ stream, messageId: job.messageId, gameId: job.gameId, attributes: { 'rtmanager.job_kind': job.jobKind } }, fn),
  });
  return [
    new StartJobsConsumer(deps('start-jobs', config.streams.startJobs), services.start, { ...settings, stream: config.streams.startJobs }),
    new StopJobsConsumer(deps('stop-jobs', config.streams.stopJobs), services.stop, { ...settings, stream: config.streams.stopJobs }),
  ];
}
