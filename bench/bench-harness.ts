// The parts the benchmark measures, wired as the composition root (src/app/rtm.ts) wires
// them — real Docker, a fresh PostgreSQL database, Redis under a private key prefix, a
// temporary state root, the internal REST listener on a free port — with production
// defaults from loadConfig. Every port is timed in place (port-timings.ts). Everything
// created is registered for `close()`, which also runs when setup fails half-way.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type Dockerode from 'dockerode';
import { Redis } from 'ioredis';
import pg from 'pg';
import pino, { type Logger } from 'pino';
import { createDockerClient } from '../src/adapters/docker/docker-client.factory.js';
import { DockerodeRuntime } from '../src/adapters/docker/docker-runtime.adapter.js';
import { FsStateDirectories } from '../src/adapters/filesystem/state-directories.adapter.js';
import { ContainerIntentsRegistry } from '../src/adapters/memory/container-intents.registry.js';
import { createRtmDatabase } from '../src/adapters/postgres/database.js';
import { PostgresHealthSnapshotStore } from '../src/adapters/postgres/health-snapshot.store.js';
import { runMigrations } from '../src/adapters/postgres/migrator.js';
import { PostgresOperationLogStore } from '../src/adapters/postgres/operation-log.store.js';
import { PostgresPendingOperationStore } from '../src/adapters/postgres/pending-operation.store.js';
import { PostgresRuntimeRecordStore } from '../src/adapters/postgres/runtime-record.store.js';
import { PostgresRuntimeReadStore } from '../src/adapters/postgres/runtime-read.store.js';
import { RedisGameLeases } from '../src/adapters/redis/game-lease.adapter.js';
import { RedisHealthEventPublisher } from '../src/adapters/redis/health-event.publisher.js';
import { RedisNotificationIntentPublisher } from '../src/adapters/redis/notification-intent.publisher.js';
import { buildInternalHttpServer } from '../src/api/internal-http.server.js';
import { runtimeEventsFeed } from '../src/app/composition-root.js';
import { loadConfig, type RtmConfig } from '../src/app/config.js';
import { lifecycleSettingsFromConfig } from '../src/app/composition-root.js';
import { projectRoot } from '../src/app/project-root.js';
import { effectiveCeilings, resourceLimitsFromLabels, type ResourceLimits } from '../src/domain/container-spec.js';
import { containerNameFor } from '../src/domain/runtime-record.js';
import { systemClock } from '../src/ports/clock.js';
import { noopMetrics } from '../src/ports/metrics.js';
import { RecordHealthEventService } from '../src/services/health/record-health-event.service.js';
import { RuntimeLogsService } from '../src/services/observe/runtime-logs.service.js';
import { RuntimeStatsService } from '../src/services/observe/runtime-stats.service.js';
import { createLifecycleServices, type LifecycleServices, type LifecycleSettings } from '../src/services/service-graph.js';
import { DOCKER_HOST, DOCKER_NETWORK, ENGINE_UID, POSTGRES_URL, REDIS_URL, adminQuery } from './bench-servers.js';
import { PortTimings } from './port-timings.js';

export const BENCH_IMAGE = process.env.RTM_BENCH_IMAGE ?? 'galaxy/game-test:1.0.0';

export interface BenchHarness {
  readonly runId: string;
  readonly config: RtmConfig;
  readonly settings: LifecycleSettings;
  /** The one dockerode client: the raw baseline calls it directly, RTM through its adapter. */
  readonly dockerode: Dockerode;
  readonly services: LifecycleServices;
  /** The same state directories adapter RTM uses (the raw baseline prepares its dirs with it, untimed). */
  readonly stateDirectories: FsStateDirectories;
  readonly timings: PortTimings;
  /** Limits from the image's labels, as RTM computes them at start. */
  readonly imageLimits: ResourceLimits;
  /** `http://127.0.0.1:port` of the internal REST listener. */
  readonly restAddress: string;
  /** A fresh game id `bench-{runId}-{kind}-{n}`; its container is removed by close(). */
  gameId(kind: string, n: number): string;
  close(): Promise<void>;
}

export async function createBenchHarness(log: (line: string) => void): Promise<BenchHarness> {
  const runId = randomBytes(3).toString('hex');
  const closers: Array<{ what: string; close: () => Promise<void> }> = [];
  const gameIds: string[] = [];
  let dockerode: Dockerode | null = null;

  const close = async () => {
    // Containers first (by name: an interrupted create may have left one we never saw the id of).
    if (dockerode) await removeContainers(dockerode, gameIds.map(containerNameFor), log);
    for (const { what, close: c } of closers.reverse()) {
      await c().catch((err: unknown) => log(`cleanup: ${what} failed: ${err instanceof Error ? err.message : String(err)}`));
    }
    closers.length = 0;
  };

  try {
    const dbName = `rtm_bench_${runId}`;
    await adminQuery(`CREATE DATABASE ${dbName}`);
    closers.push({ what: `dropping database ${dbName}`, close: () => adminQuery(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`) });
    const dbUrl = new URL(POSTGRES_URL);
    dbUrl.pathname = `/${dbName}`;

    const stateRoot = await mkdtemp(path.join(os.tmpdir(), 'rtm-bench-state-'));
    await chmod(stateRoot, 0o755);
    closers.push({ what: `removing ${stateRoot}`, close: () => rm(stateRoot, { recursive: true, force: true }) });

    const redisPrefix = `bench:${runId}:`;
    const config = loadConfig({
      RTMANAGER_POSTGRES_URL: dbUrl.toString(),
      RTMANAGER_REDIS_URL: REDIS_URL,
      RTMANAGER_REDIS_KEY_PREFIX: redisPrefix,
      RTMANAGER_DOCKER_HOST: DOCKER_HOST,
      RTMANAGER_DOCKER_NETWORK: DOCKER_NETWORK,
      RTMANAGER_GAME_STATE_ROOT: stateRoot,
      RTMANAGER_GAME_STATE_DIR_UID: String(ENGINE_UID),
      RTMANAGER_GAME_STATE_DIR_GID: String(ENGINE_UID),
    });
    const settings = lifecycleSettingsFromConfig(config);

    // Production logs one JSON line per operation at info: keep that cost, drop the output.
    const logger: Logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));

    const pool = new pg.Pool({ connectionString: config.postgres.url, max: config.postgres.poolMax, connectionTimeoutMillis: 5_000 });
    // DROP DATABASE ... WITH (FORCE) terminates idle clients: that must not crash the run.
    pool.on('error', () => undefined);
    const db = createRtmDatabase(pool);
    closers.push({ what: 'closing the PostgreSQL pool', close: () => db.destroy() });
    await runMigrations(pool, path.join(projectRoot(), 'migrations'));

    const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 2, connectTimeout: 5_000 });
    redis.on('error', () => undefined);
    closers.push({
      what: `deleting Redis keys ${redisPrefix}*`,
      close: async () => {
        await deleteKeys(redis, `${redisPrefix}*`);
        redis.disconnect();
      },
    });

    dockerode = createDockerClient(config.docker.host);
    const client = dockerode;
    const image = await client.getImage(BENCH_IMAGE).inspect().catch(() => null);
    if (image === null) throw new Error(`image ${BENCH_IMAGE} is missing: run scripts/bootstrap.sh (or scripts/build-engine-image.sh)`);
    const host = await new DockerodeRuntime(client, { apiTimeoutMs: 10_000, pullTimeoutMs: 10_000, logger: pino({ level: 'silent' }) }).hostResources();
    const ceilings = effectiveCeilings(config.container.ceilings, host);
    const parsedLimits = resourceLimitsFromLabels(image.Config?.Labels ?? {}, config.container.defaultLimits, ceilings);
    if (!parsedLimits.ok) throw new Error(`image ${BENCH_IMAGE} has an invalid label ${parsedLimits.label}`);
    await client.getNetwork(config.docker.network).inspect().catch(() => {
      throw new Error(`docker network ${config.docker.network} does not exist: run scripts/bootstrap.sh`);
    });

    const timings = new PortTimings();
    const stateDirectories = new FsStateDirectories({
      root: config.container.stateRoot,
      mode: config.container.stateDirMode,
      uid: config.container.stateDirUid,
      gid: config.container.stateDirGid,
    });
    const docker = new DockerodeRuntime(client, { apiTimeoutMs: config.docker.apiTimeoutMs, pullTimeoutMs: config.docker.pullTimeoutMs, logger });
    const records = new PostgresRuntimeRecordStore(db);
    const operationLog = new PostgresOperationLogStore(db);
    const snapshots = new PostgresHealthSnapshotStore(db);
    const leases = new RedisGameLeases(redis, { keyPrefix: config.redis.keyPrefix, ttlMs: config.coordination.leaseTtlMs }, logger);
    const timedSnapshots = timings.wrap('snapshots', snapshots);
    const services = createLifecycleServices(
      {
        docker: timings.wrap('docker', docker),
        records: timings.wrap('records', records),
        operationLog: timings.wrap('operationLog', operationLog),
        pendingOperations: new PostgresPendingOperationStore(db),
        leases: timings.wrap('leases', leases, (_method, lease) =>
          lease !== null && typeof lease === 'object' ? timings.wrap('lease', lease) : lease,
        ),
        stateDirectories: timings.wrap('stateDirectories', stateDirectories),
        healthEvents: timings.wrap(
          'healthEvents',
          new RecordHealthEventService({
            snapshots: timedSnapshots,
            stream: new RedisHealthEventPublisher(redis, config.streams.healthEvents),
            metrics: noopMetrics,
            logger,
          }),
        ),
        notificationIntents: new RedisNotificationIntentPublisher(redis, config.streams.notificationIntents),
        containerIntents: new ContainerIntentsRegistry(),
        lobby: null,
        metrics: noopMetrics,
        clock: systemClock,
        logger,
      },
      settings,
    );

    const server = buildInternalHttpServer({
      logger,
      services,
      engineOutput: {
        logs: new RuntimeLogsService({ docker, records, logDriver: config.container.logDriver }),
        stats: new RuntimeStatsService({ docker, records, clock: systemClock }),
      },
      // Timed too: the REST rows' round trips are counted from these (lifecycle.scenario.ts).
      reads: timings.wrap('reads', new PostgresRuntimeReadStore(db)),
      operations: operationLog,
      snapshots: timedSnapshots,
      apiTokens: [],
      readiness: async () => ({ ready: true, checks: {} }),
      diagnostics: async () => {
        throw new Error('diagnostics are not part of the benchmark');
      },
      metrics: { render: async () => ({ contentType: 'text/plain', body: '' }) },
      events: runtimeEventsFeed(redis, config, logger),
    });
    await server.listen({ host: '127.0.0.1', port: 0 });
    closers.push({ what: 'closing the REST listener', close: () => server.close() });
    const bound = server.server.address();
    if (bound === null || typeof bound !== 'object') throw new Error('the REST listener has no TCP address');

    return {
      runId,
      config,
      settings,
      dockerode: client,
      services,
      stateDirectories,
      timings,
      imageLimits: parsedLimits.limits,
      restAddress: `http://127.0.0.1:${bound.port}`,
      gameId(kind, n) {
        const id = `bench-${runId}-${kind}-${n}`;
        gameIds.push(id);
        return id;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** Force-removes the bench's own containers, by exact name; absent ones are fine. */
async function removeContainers(dockerode: Dockerode, names: readonly string[], log: (line: string) => void): Promise<void> {
  for (const name of names) {
    try {
      await dockerode.getContainer(name).remove({ force: true, v: true });
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status !== 404) log(`cleanup: removing container ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
