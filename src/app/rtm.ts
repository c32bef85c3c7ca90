// The one composition root. Order (docs/runtime.md):
//   migrations (before any listener) -> adapters -> services -> workers -> HTTP listener
//   -> blocking startup reconcile (retried until Docker answers) -> workers and consumers.
// Shutdown runs it backwards: stop taking work, let in-flight work finish, close clients.
import path from 'node:path';
import { trace } from '@opentelemetry/api';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Logger } from 'pino';
import { createDockerClient } from '../adapters/docker/docker-client.factory.js';
import { DockerodeRuntime } from '../adapters/docker/docker-runtime.adapter.js';
import { FsStateDirectories } from '../adapters/filesystem/state-directories.adapter.js';
import { LobbyHttpClient } from '../adapters/lobby/lobby-http.client.js';
import { ContainerIntentsRegistry } from '../adapters/memory/container-intents.registry.js';
import { createRtmDatabase } from '../adapters/postgres/database.js';
import { PostgresHealthSnapshotStore } from '../adapters/postgres/health-snapshot.store.js';
import { runMigrations } from '../adapters/postgres/migrator.js';
import { PostgresOperationLogStore } from '../adapters/postgres/operation-log.store.js';
import { PostgresHealthCheck } from '../adapters/postgres/postgres-health.check.js';
import { PostgresRuntimeRecordStore } from '../adapters/postgres/runtime-record.store.js';
import { RedisGameLeases } from '../adapters/redis/game-lease.adapter.js';
import { RedisHealthEventPublisher } from '../adapters/redis/health-event.publisher.js';
import { RedisJobResultPublisher } from '../adapters/redis/job-result.publisher.js';
import { RedisNotificationIntentPublisher } from '../adapters/redis/notification-intent.publisher.js';
import { RedisHealthCheck } from '../adapters/redis/redis-health.check.js';
import { RedisStreamOffsetStore } from '../adapters/redis/stream-offset.store.js';
import { RedisStreamReader } from '../adapters/redis/stream-reader.adapter.js';
import { PrometheusMetrics } from '../adapters/telemetry/prometheus.metrics.js';
import { RTM_TRACER_NAME, startTracing } from '../adapters/telemetry/tracing.js';
import { buildInternalHttpServer } from '../api/internal-http.server.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { ReadinessCheck } from '../ports/readiness-check.js';
import { RecordHealthEventService } from '../services/health/record-health-event.service.js';
import { createLifecycleServices } from '../services/lifecycle-services.js';
import type { BackgroundWorker } from '../workers/background-worker.js';
import { ContainerCleanupWorker } from '../workers/container-cleanup/container-cleanup.worker.js';
import { DockerEventsWorker } from '../workers/docker-events/docker-events.worker.js';
import { DockerInspectWorker } from '../workers/docker-inspect/docker-inspect.worker.js';
import { HealthProbeWorker } from '../workers/health-probe/health-probe.worker.js';
import { ReconcilerWorker } from '../workers/reconciler/reconciler.worker.js';
import { StartJobsConsumer } from '../workers/start-jobs/start-jobs.consumer.js';
import { StopJobsConsumer } from '../workers/stop-jobs/stop-jobs.consumer.js';
import type { RtmConfig } from './config.js';
import { lifecycleSettingsFromConfig } from './lifecycle-settings.js';
import { projectRoot } from './project-root.js';
import { evaluateReadiness } from './readiness.js';

export interface RunningRtm {
  /** `http://host:port` the internal listener is bound to. */
  readonly address: string;
  /** Resolves once the startup reconcile has run and workers/consumers are started. */
  readonly workersStarted: Promise<void>;
  stop(): Promise<void>;
}

export interface RtmOverrides {
  clock?: Clock;
}

const STARTUP_RECONCILE_BACKOFF_MAX_MS = 10_000;

export async function startRtm(config: RtmConfig, logger: Logger, overrides: RtmOverrides = {}): Promise<RunningRtm> {
  const clock = overrides.clock ?? systemClock;
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((err: unknown) => logger.warn({ err }, 'close failed'));
  };

  try {
    // PostgreSQL first: migrations must be applied before any listener opens.
    const pool = new pg.Pool({ connectionString: config.postgres.url, max: config.postgres.poolMax, connectionTimeoutMillis: 5_000 });
    pool.on('error', (err) => logger.warn({ err }, 'idle PostgreSQL client error'));
    const db = createRtmDatabase(pool);
    closers.push(() => db.destroy());
    const migrations = await runMigrations(pool, path.join(projectRoot(), 'migrations'));
    logger.info({ applied: migrations.applied, already_applied: migrations.alreadyApplied.length }, 'migrations applied');

    const tracing = startTracing({ otlpEndpoint: config.telemetry.otlpEndpoint, serviceName: config.telemetry.serviceName }, logger);
    closers.push(() => tracing.shutdown());
    const tracer = trace.getTracer(RTM_TRACER_NAME);

    // Redis: one command connection, one dedicated connection per blocking consumer.
    const redisOptions = { maxRetriesPerRequest: 2, connectTimeout: 5_000, lazyConnect: false };
    const redis = new Redis(config.redis.url, redisOptions);
    redis.on('error', (err) => logger.debug({ err: err.message }, 'redis connection error'));
    closers.push(async () => void redis.disconnect());
    const blockingConnection = (name: string) => {
      const conn = redis.duplicate({ connectionName: `rtmanager-${name}` });
      conn.on('error', (err) => logger.debug({ err: err.message, connection: name }, 'redis connection error'));
      closers.push(async () => void conn.disconnect());
      return conn;
    };

    const docker = new DockerodeRuntime(createDockerClient(config.docker.host), {
      apiTimeoutMs: config.docker.apiTimeoutMs,
      pullTimeoutMs: config.docker.pullTimeoutMs,
      logger,
    });

    const records = new PostgresRuntimeRecordStore(db);
    const operationLog = new PostgresOperationLogStore(db);
    const snapshots = new PostgresHealthSnapshotStore(db);
    const metrics = new PrometheusMetrics(() => records.countByStatus(), logger);
    const leases = new RedisGameLeases(redis, { keyPrefix: config.redis.keyPrefix, ttlMs: config.coordination.leaseTtlMs }, logger);
    const healthEvents = new RecordHealthEventService({ snapshots, stream: new RedisHealthEventPublisher(redis, config.streams.healthEvents), metrics, logger });
    closers.push(() => healthEvents.stop());
    const notificationIntents = new RedisNotificationIntentPublisher(redis, config.streams.notificationIntents);
    const jobResults = new RedisJobResultPublisher(redis, config.streams.jobResults);
    const offsets = new RedisStreamOffsetStore(redis, { keyPrefix: config.redis.keyPrefix });
    const stateDirectories = new FsStateDirectories({
      root: config.container.stateRoot,
      mode: config.container.stateDirMode,
      uid: config.container.stateDirUid,
      gid: config.container.stateDirGid,
    });
    const lobby = config.lobby.baseUrl ? new LobbyHttpClient({ baseUrl: config.lobby.baseUrl, timeoutMs: config.lobby.timeoutMs }) : null;
    const containerIntents = new ContainerIntentsRegistry();

    const common = { records, operationLog, leases, metrics, clock, logger };
    const { start, stop, restart, patch, cleanup } = createLifecycleServices(
      { ...common, docker, stateDirectories, healthEvents, notificationIntents, containerIntents, lobby },
      lifecycleSettingsFromConfig(config),
    );

    const reconciler = new ReconcilerWorker({
      ...common,
      docker,
      health: healthEvents,
      stateDirectories,
      settings: { intervalMs: config.reconcile.intervalMs, graceMs: config.reconcile.graceMs, enginePort: config.container.enginePort },
    });
    const consumerSettings = {
      blockMs: config.streams.blockMs,
      batchSize: config.streams.batchSize,
      concurrency: config.streams.jobConcurrency,
      shutdownTimeoutMs: config.lifecycle.shutdownTimeoutMs,
      // Outlast a lease left behind by a crashed holder (it expires after one TTL).
      transientRetry: { windowMs: config.coordination.leaseTtlMs + 10_000, initialDelayMs: 250, maxDelayMs: 2_000 },
    };
    const consumerDeps = (name: string) => ({
      reader: new RedisStreamReader(blockingConnection(name), logger),
      offsets,
      results: jobResults,
      metrics,
      clock,
      logger,
      tracer,
    });
    const consumers: BackgroundWorker[] = [
      new StartJobsConsumer(consumerDeps('start-jobs'), start, { ...consumerSettings, stream: config.streams.startJobs }),
      new StopJobsConsumer(consumerDeps('stop-jobs'), stop, { ...consumerSettings, stream: config.streams.stopJobs }),
    ];
    const workers: BackgroundWorker[] = [
      reconciler,
      new DockerEventsWorker({
        ...common,
        docker,
        health: healthEvents,
        intents: containerIntents,
        settings: { reconnectMaxMs: config.health.eventsReconnectMaxMs },
      }),
      new HealthProbeWorker({
        records,
        docker,
        health: healthEvents,
        clock,
        logger,
        settings: {
          intervalMs: config.health.probeIntervalMs,
          timeoutMs: config.health.probeTimeoutMs,
          failuresThreshold: config.health.probeFailuresThreshold,
          startPeriodMs: config.health.probeStartPeriodMs,
          target: config.health.probeTarget,
          concurrency: config.health.probeConcurrency,
          network: config.docker.network,
          enginePort: config.container.enginePort,
        },
      }),
      new DockerInspectWorker({ records, docker, health: healthEvents, clock, logger, settings: { intervalMs: config.health.inspectIntervalMs } }),
      new ContainerCleanupWorker({
        records,
        cleanup,
        clock,
        logger,
        settings: { intervalMs: config.cleanup.intervalMs, retentionMs: config.cleanup.retentionMs },
      }),
    ];

    const postgresCheck = new PostgresHealthCheck(db);
    const checks: ReadinessCheck[] = [
      { name: 'postgres', check: () => postgresCheck.check() },
      new RedisHealthCheck(redis),
      { name: 'docker', check: () => docker.ping() },
      {
        name: 'network',
        check: async () => {
          if (!(await docker.networkExists(config.docker.network)))
            throw new Error(`docker network ${config.docker.network} does not exist (RTMANAGER_DOCKER_NETWORK)`);
        },
      },
    ];
    let startupReconcile: 'pending' | 'done' = 'pending';
    let running: BackgroundWorker[] = [];
    const componentProblems = () => {
      const problems: Array<{ name: string; problem: string }> = [];
      if (startupReconcile === 'pending') problems.push({ name: 'startup_reconcile', problem: 'startup reconcile has not completed yet' });
      for (const w of running) {
        const p = w.problem?.();
        if (p) problems.push({ name: w.name, problem: p });
      }
      return problems;
    };

    const server = buildInternalHttpServer({
      logger,
      services: { start, stop, restart, patch, cleanup },
      records,
      operations: operationLog,
      snapshots,
      apiTokens: config.auth.internalApiTokens,
      readiness: () => evaluateReadiness(checks, componentProblems, 2_000),
      metrics,
      tracer,
    });
    await server.listen({ host: config.listener.host, port: config.listener.port });
    closers.push(() => server.close());
    const bound = server.server.address();
    const address =
      bound && typeof bound === 'object' ? `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}` : String(bound);
    logger.info({ address }, 'internal listener open');

    // Startup reconcile blocks workers and consumers (CONTRACT §8), not the listener:
    // /readyz says "not ready" until it has completed.
    const shutdownSignal = new AbortController();
    const workersStarted = (async () => {
      let delay = 500;
      while (!shutdownSignal.signal.aborted) {
        try {
          const report = await reconciler.reconcileOnce();
          logger.info({ report }, 'startup reconcile done');
          break;
        } catch (err) {
          logger.warn({ err, retry_in_ms: delay }, 'startup reconcile failed; retrying');
          await new Promise((r) => setTimeout(r, delay).unref());
          delay = Math.min(delay * 2, STARTUP_RECONCILE_BACKOFF_MAX_MS);
        }
      }
      if (shutdownSignal.signal.aborted) return;
      startupReconcile = 'done';
      running = [...workers, ...consumers];
      for (const w of running) w.start();
      logger.info({ workers: running.map((w) => w.name) }, 'workers and consumers started');
    })();

    let stopped: Promise<void> | null = null;
    return {
      address,
      workersStarted,
      stop: () => {
        stopped ??= (async () => {
          shutdownSignal.abort();
          // Stop taking work first (consumers, REST), let in-flight work finish, then the rest.
          await Promise.all([...consumers.filter((c) => running.includes(c)).map((c) => c.stop()), server.close()]);
          await Promise.all(workers.filter((w) => running.includes(w)).map((w) => w.stop()));
          await closeAll();
        })();
        return stopped;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
