// The clients RTM opens at startup: PostgreSQL (migrations applied before anything else),
// tracing, Redis (one command connection plus one dedicated connection per blocking
// consumer) and Docker. Every one is registered with the closers.
import path from 'node:path';
import { trace, type Tracer } from '@opentelemetry/api';
import type Dockerode from 'dockerode';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { Logger } from 'pino';
import type { RtmDatabase } from '../adapters/postgres/database.js';
import { createDockerClient } from '../adapters/docker/docker-client.factory.js';
import { DockerodeRuntime } from '../adapters/docker/docker-runtime.adapter.js';
import { SwarmHardeningGate } from '../adapters/docker/swarm/swarm-hardening.gate.js';
import { SwarmRuntime } from '../adapters/docker/swarm/swarm-runtime.adapter.js';
import { stateRootKind } from '../adapters/filesystem/shared-filesystem.check.js';
import { createRtmDatabase } from '../adapters/postgres/database.js';
import { runMigrations } from '../adapters/postgres/migrator.js';
import type { PostgresPoolCounts } from '../adapters/telemetry/prometheus.metrics.js';
import { RTM_TRACER_NAME, startTracing } from '../adapters/telemetry/tracing.js';
import type { DockerRuntime } from '../ports/docker-runtime.js';
import type { BuildInfo } from './build-info.js';
import type { Closers } from './closers.js';
import type { RtmConfig } from './config.js';
import { projectRoot } from './project-root.js';
import { checkSwarmHardeningAtStartup } from './swarm-hardening.js';

export interface Infrastructure {
  db: RtmDatabase;
  /** The pool's live counts (the rtmanager_postgres_pool_* gauges). */
  postgresPool: PostgresPoolCounts;
  redis: Redis;
  /** A Redis connection of its own, for one blocking reader (one per name). */
  blockingConnection(name: string): Redis;
  docker: DockerRuntime;
  /** A raw client of the configured daemon, for the diagnostics' version call. */
  dockerClient: Dockerode;
  /** Swarm mode: the hardening rows the nodes can express, by their engine versions (null otherwise). */
  swarmHardening: SwarmHardeningGate | null;
  /** Only when tracing is configured: without it every request would open a no-op span. */
  tracer: Tracer | undefined;
}

/** `dockerOverride`: tests only (a Docker port in place of the daemon, e.g. the REST property tests). */
export async function openInfrastructure(
  config: RtmConfig,
  logger: Logger,
  closers: Closers,
  build: Pick<BuildInfo, 'version'>,
  dockerOverride?: DockerRuntime,
): Promise<Infrastructure> {
  // PostgreSQL first: migrations must be applied before any listener opens.
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: config.postgres.poolMax, connectionTimeoutMillis: 5_000 });
  pool.on('error', (err) => logger.warn({ err }, 'idle PostgreSQL client error'));
  const db = createRtmDatabase(pool, (err) => logger.warn({ err }, 'PostgreSQL client error'));
  closers.add(() => db.destroy());
  const migrations = await runMigrations(pool, path.join(projectRoot(), 'migrations'));
  logger.info({ applied: migrations.applied, already_applied: migrations.alreadyApplied.length }, 'migrations applied');

  const { otlpEndpoint, serviceName, resourceAttributes } = config.telemetry;
  const tracing = startTracing(
    { otlpEndpoint, serviceName, serviceVersion: build.version, instanceId: config.coordination.instanceId, extraResourceAttributes: resourceAttributes },
    logger,
  );
  closers.add(() => tracing.shutdown());

  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 2, connectTimeout: 5_000, lazyConnect: false });
  redis.on('error', (err) => logger.debug({ err: err.message }, 'redis connection error'));
  closers.add(async () => void redis.disconnect());
  // One per name for the process's life: a trigger group started again reuses it.
  const blocking = new Map<string, Redis>();
  const blockingConnection = (name: string): Redis => {
    const open = blocking.get(name);
    if (open) return open;
    const conn = redis.duplicate({ connectionName: `rtmanager-${name}` });
    conn.on('error', (err) => logger.debug({ err: err.message, connection: name }, 'redis connection error'));
    closers.add(async () => void conn.disconnect());
    blocking.set(name, conn);
    return conn;
  };

  const dockerClient = createDockerClient(config.docker.host, config.docker.tls);
  const swarm = config.docker.engineBackend === 'swarm' && dockerOverride === undefined;
  const swarmHardening = swarm ? new SwarmHardeningGate(dockerClient, { apiTimeoutMs: config.docker.apiTimeoutMs, waived: config.docker.swarmHardeningWaiver }) : null;
  // Refused here (before any listener) when the nodes cannot express a row nobody waived.
  if (swarmHardening !== null) await checkSwarmHardeningAtStartup(swarmHardening, logger);
  const docker = dockerOverride ?? (swarmHardening ? swarmRuntime(dockerClient, config, logger, swarmHardening) : new DockerodeRuntime(dockerClient, timeoutsOf(config, logger)));
  if (config.docker.engineBackend === 'swarm') await checkSwarmStateRoot(config.container.stateRoot, logger);
  const tracer = config.telemetry.otlpEndpoint !== null ? trace.getTracer(RTM_TRACER_NAME) : undefined;
  return { db, postgresPool: pool, redis, blockingConnection, docker, dockerClient, swarmHardening, tracer };
}

function timeoutsOf(config: RtmConfig, logger: Logger) {
  return { apiTimeoutMs: config.docker.apiTimeoutMs, pullTimeoutMs: config.docker.pullTimeoutMs, logger };
}

/** The Docker port of RTMANAGER_ENGINE_BACKEND=swarm. */
function swarmRuntime(dockerClient: Dockerode, config: RtmConfig, logger: Logger, hardening: SwarmHardeningGate): DockerRuntime {
  return new SwarmRuntime(dockerClient, {
    ...timeoutsOf(config, logger),
    // A task may wait for its node to pull the image before it runs.
    startTimeoutMs: config.docker.pullTimeoutMs,
    stopGraceSeconds: config.container.stopTimeoutSeconds,
    taskPollMs: SWARM_TASK_POLL_MS,
    // Each spec carries what the nodes can express; refused while a row they cannot is not waived.
    expressibleHardening: () => hardening.expressible(),
  });
}

/**
 * Warns when the state root is not a network filesystem: fine while every game runs on the node
 * that holds it, but a task placed elsewhere would start on an empty state directory.
 */
async function checkSwarmStateRoot(root: string, logger: Logger): Promise<void> {
  const kind = await stateRootKind(root).catch((err: unknown) => ({ shared: false, filesystem: `unreadable (${err instanceof Error ? err.message : String(err)})` }));
  if (kind.shared) logger.info({ state_root: root, filesystem: kind.filesystem }, 'swarm: the state root is a network filesystem');
  else
    logger.warn(
      { state_root: root, filesystem: kind.filesystem },
      'swarm: RTMANAGER_GAME_STATE_ROOT is not a network filesystem; every node must mount the same filesystem at this path, or a game placed on another node starts with an empty state directory (docs/swarm.md)',
    );
}

/** The docker CLI's own interval for task state; one poll covers every game. */
const SWARM_TASK_POLL_MS = 200;
