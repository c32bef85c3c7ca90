// The five lifecycle services on the real parts: Docker (dockerode adapter), a fresh
// PostgreSQL database, the Redis lease adapter and publishers under a private key prefix,
// and a temporary state root. `close()` removes every container of the games it handed
// out, the database, the keys and the temporary folder.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createDockerClient, DockerodeRuntime } from '../../../src/adapters/docker/docker-runtime.adapter.js';
import { FsStateDirectories } from '../../../src/adapters/filesystem/state-directories.adapter.js';
import { ContainerIntentsRegistry } from '../../../src/adapters/memory/container-intents.registry.js';
import { createRtmDatabase } from '../../../src/adapters/postgres/database.js';
import { PostgresHealthSnapshotStore } from '../../../src/adapters/postgres/health-snapshot.store.js';
import { PostgresOperationLogStore } from '../../../src/adapters/postgres/operation-log.store.js';
import { PostgresPendingOperationStore } from '../../../src/adapters/postgres/pending-operation.store.js';
import { PostgresRuntimeRecordStore } from '../../../src/adapters/postgres/runtime-record.store.js';
import { RedisGameLeases } from '../../../src/adapters/redis/game-lease.adapter.js';
import { RedisHealthEventPublisher } from '../../../src/adapters/redis/health-event.publisher.js';
import { RedisNotificationIntentPublisher } from '../../../src/adapters/redis/notification-intent.publisher.js';
import type { ConfiguredCeilings, EngineHardening } from '../../../src/domain/container-spec.js';
import { containerNameFor } from '../../../src/domain/runtime-record.js';
import { systemClock } from '../../../src/ports/clock.js';
import type { DockerRuntime } from '../../../src/ports/docker-runtime.js';
import { noopMetrics } from '../../../src/ports/metrics.js';
import { RecordHealthEventService } from '../../../src/services/health/record-health-event.service.js';
import { createLifecycleServices, type LifecycleServices, type LifecycleSettings } from '../../../src/services/service-graph.js';
import {
  createTestDatabase,
  type TestDatabase,
  deleteKeysWithPrefix,
  testGameId,
  testRedisPrefix,
  TEST_DOCKER_HOST,
  TEST_DOCKER_NETWORK,
  TEST_REDIS_URL,
  TEST_CEILINGS,
  TEST_HARDENING,
} from '../../support/test-env.js';

/** The test engine runs as this uid (engine/Dockerfile); its state dir is chowned to it. */
export const ENGINE_UID = 10001;

/** The lifecycle settings the real-parts tests run with. */
export const TEST_LIFECYCLE_SETTINGS: LifecycleSettings = {
  start: {
    pullPolicy: 'if_not_present',
    imageAllowlist: [],
    containerDefaults: {
      network: TEST_DOCKER_NETWORK,
      enginePort: 8080,
      limits: { cpus: 0.5, memoryBytes: 256 * 1024 ** 2, pidsLimit: 128 },
      ceilings: TEST_CEILINGS,
      hardening: TEST_HARDENING,
      logDriver: 'json-file',
      logOptions: { 'max-size': '1m', 'max-file': '2' },
    },
  },
  stop: { stopTimeoutSeconds: 5 },
};

export interface RealLifecycleOptions {
  ceilings?: Partial<ConfiguredCeilings>;
  hardening?: Partial<EngineHardening>;
  /** Another engine backend (the swarm suite) and its game network; default: the test daemon. */
  engine?: { docker: DockerRuntime; network: string; replaceRunningInPlace?: boolean };
  /** Another fixture's database and state root (an RTM switched to another backend); its close() owns them. */
  sharing?: { database: TestDatabase; stateRoot: string };
}

export async function createRealLifecycle(opts: RealLifecycleOptions = {}) {
  const logger = pino({ level: 'silent' });
  const database = opts.sharing?.database ?? (await createTestDatabase());
  const db = createRtmDatabase(database.pool);
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = testRedisPrefix();
  const stateRoot = opts.sharing?.stateRoot ?? (await mkdtemp(path.join(os.tmpdir(), 'rtm-services-state-')));
  await chmod(stateRoot, 0o755);

  const docker = opts.engine?.docker ?? new DockerodeRuntime(createDockerClient(TEST_DOCKER_HOST), { apiTimeoutMs: 30_000, pullTimeoutMs: 30_000, logger });
  const records = new PostgresRuntimeRecordStore(db);
  const operationLog = new PostgresOperationLogStore(db);
  const snapshots = new PostgresHealthSnapshotStore(db);
  const healthStream = `${prefix}runtime:health_events`;
  const intentStream = `${prefix}notification:intents`;
  const stateDirectories = new FsStateDirectories({ root: stateRoot, mode: 0o750, uid: ENGINE_UID, gid: ENGINE_UID });
  const services: LifecycleServices = createLifecycleServices(
    {
      docker,
      records,
      operationLog,
      pendingOperations: new PostgresPendingOperationStore(db),
      leases: new RedisGameLeases(redis, { keyPrefix: prefix, ttlMs: 30_000 }, logger),
      stateDirectories,
      healthEvents: new RecordHealthEventService({ snapshots, stream: new RedisHealthEventPublisher(redis, healthStream), metrics: noopMetrics, logger }),
      notificationIntents: new RedisNotificationIntentPublisher(redis, intentStream),
      containerIntents: new ContainerIntentsRegistry(),
      lobby: null,
      metrics: noopMetrics,
      clock: systemClock,
      logger,
    },
    {
      ...TEST_LIFECYCLE_SETTINGS,
      replaceRunningInPlace: opts.engine?.replaceRunningInPlace === true,
      start: {
        ...TEST_LIFECYCLE_SETTINGS.start,
        containerDefaults: {
          ...TEST_LIFECYCLE_SETTINGS.start.containerDefaults,
          network: opts.engine?.network ?? TEST_LIFECYCLE_SETTINGS.start.containerDefaults.network,
          ceilings: { ...TEST_CEILINGS, ...opts.ceilings },
          hardening: { ...TEST_HARDENING, ...opts.hardening },
        },
      },
    },
  );

  const gameIds = new Set<string>();
  return {
    ...services,
    docker,
    database,
    records,
    operationLog,
    redis,
    redisPrefix: prefix,
    stateRoot,
    stateDirectories,
    healthStream,
    intentStream,

    /** A unique game id whose container is removed by close(). */
    gameId(label = 'svc'): string {
      const id = testGameId(label);
      gameIds.add(id);
      return id;
    },

    async intents(): Promise<Array<Record<string, string>>> {
      const entries = await redis.xrange(intentStream, '-', '+');
      return entries.map(([, fields]) => Object.fromEntries(fieldPairs(fields)));
    },

    async healthEvents(): Promise<Array<Record<string, string>>> {
      const entries = await redis.xrange(healthStream, '-', '+');
      return entries.map(([, fields]) => Object.fromEntries(fieldPairs(fields)));
    },

    async close(): Promise<void> {
      for (const id of gameIds) await docker.removeContainer(containerNameFor(id), { force: true }).catch(() => undefined);
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
      if (opts.sharing !== undefined) return;
      await database.drop();
      await rm(stateRoot, { recursive: true, force: true });
    },
  };
}

function fieldPairs(fields: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < fields.length; i += 2) pairs.push([fields[i] as string, fields[i + 1] as string]);
  return pairs;
}

export type RealLifecycle = Awaited<ReturnType<typeof createRealLifecycle>>;

/** GET /healthz of the engine from the host, through the container's IP on the game network. */
export async function engineHealthz(lifecycle: RealLifecycle, containerId: string): Promise<{ status: number; body: unknown } | undefined> {
  const info = await lifecycle.docker.inspectContainer(containerId);
  const ip = info?.networkIps[TEST_DOCKER_NETWORK];
  if (!ip) return undefined;
  const res = await fetch(`http://${ip}:8080/healthz`, { signal: AbortSignal.timeout(2000) });
  return { status: res.status, body: await res.json().catch(() => null) };
}
