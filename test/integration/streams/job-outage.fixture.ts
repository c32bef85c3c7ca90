// A start-jobs consumer on real parts for outage tests: the real start service over a given
// PostgreSQL pool and Docker host, real Redis (private key prefix) with a short lease TTL,
// the real stream adapters, and a metrics stand-in counting retries.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type pg from 'pg';
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
import { RedisJobResultPublisher } from '../../../src/adapters/redis/job-result.publisher.js';
import { RedisNotificationIntentPublisher } from '../../../src/adapters/redis/notification-intent.publisher.js';
import { RedisStreamOffsetStore } from '../../../src/adapters/redis/stream-offset.store.js';
import { RedisStreamReader } from '../../../src/adapters/redis/stream-reader.adapter.js';
import { containerNameFor } from '../../../src/domain/runtime-record.js';
import { systemClock } from '../../../src/ports/clock.js';
import { noopMetrics, type Metrics } from '../../../src/ports/metrics.js';
import { RecordHealthEventService } from '../../../src/services/health/record-health-event.service.js';
import { createLifecycleServices } from '../../../src/services/service-graph.js';
import { startJobs } from '../../../src/workers/job-consumer/lobby-jobs.js';
import { StreamJobConsumer } from '../../../src/workers/job-consumer/stream-job-consumer.js';
import { deleteKeysWithPrefix, TEST_REDIS_URL, testRedisPrefix } from '../../support/test-env.js';
import { ENGINE_UID, TEST_LIFECYCLE_SETTINGS } from '../services/real-lifecycle.fixture.js';

export const OUTAGE_LEASE_TTL_MS = 1_000;

export async function createOutageConsumer(opts: { pool: pg.Pool; dockerHost: string; maxAgeMs?: number }) {
  const logger = pino({ level: 'silent' });
  const prefix = testRedisPrefix();
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  const readerConnection = redis.duplicate();
  const stateRoot = await mkdtemp(path.join(os.tmpdir(), 'rtm-outage-state-'));
  await chmod(stateRoot, 0o755);
  const db = createRtmDatabase(opts.pool);
  const docker = new DockerodeRuntime(createDockerClient(opts.dockerHost), {
    apiTimeoutMs: 10_000,
    pullTimeoutMs: 30_000,
    logger,
  });
  const retries: Array<'start' | 'stop'> = [];
  const metrics: Metrics = { ...noopMetrics, jobRetried: (kind) => void retries.push(kind) };
  const operationLog = new PostgresOperationLogStore(db);
  const { start } = createLifecycleServices(
    {
      docker,
      records: new PostgresRuntimeRecordStore(db),
      operationLog,
      pendingOperations: new PostgresPendingOperationStore(db),
      leases: new RedisGameLeases(redis, { keyPrefix: prefix, ttlMs: OUTAGE_LEASE_TTL_MS }, logger),
      stateDirectories: new FsStateDirectories({ root: stateRoot, mode: 0o750, uid: ENGINE_UID, gid: ENGINE_UID }),
      healthEvents: new RecordHealthEventService({
        snapshots: new PostgresHealthSnapshotStore(db),
        stream: new RedisHealthEventPublisher(redis, `${prefix}runtime:health_events`),
        metrics,
        logger,
      }),
      notificationIntents: new RedisNotificationIntentPublisher(redis, `${prefix}notification:intents`),
      containerIntents: new ContainerIntentsRegistry(),
      lobby: null,
      metrics,
      clock: systemClock,
      logger,
    },
    TEST_LIFECYCLE_SETTINGS,
  );
  const streams = { start: `${prefix}runtime:start_jobs`, results: `${prefix}runtime:job_results` };
  const consumer = new StreamJobConsumer(
    {
      reader: new RedisStreamReader(readerConnection, logger),
      offsets: new RedisStreamOffsetStore(redis, { keyPrefix: prefix }),
      results: new RedisJobResultPublisher(redis, streams.results),
      metrics,
      clock: systemClock,
      logger,
    },
    startJobs(start),
    { stream: streams.start, blockMs: 200, batchSize: 16, concurrency: 4, shutdownTimeoutMs: 5_000, backoff: { initialMs: 100, maxMs: 500 }, maxAgeMs: opts.maxAgeMs ?? null },
  );
  const gameIds = new Set<string>();
  return {
    consumer,
    retries,
    operationLog,
    async addStartJob(gameId: string, imageRef: string): Promise<string> {
      gameIds.add(gameId);
      return (await redis.xadd(streams.start, '*', 'game_id', gameId, 'image_ref', imageRef, 'requested_at_ms', String(Date.now()))) as string;
    },
    async results(): Promise<Array<Record<string, string>>> {
      const raw = await redis.xrange(streams.results, '-', '+');
      return raw.map(([, flat]) => {
        const fields: Record<string, string> = {};
        for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
        return fields;
      });
    },
    offset(): Promise<string | null> {
      return redis.hget(`${prefix}rtmanager:stream_offsets`, 'start_jobs');
    },
    /** Stops the consumer and removes what it made; `cleanupDocker` talks to the real daemon. */
    async close(cleanupDocker: DockerodeRuntime): Promise<void> {
      await consumer.stop();
      for (const id of gameIds) await cleanupDocker.removeContainer(containerNameFor(id), { force: true }).catch(() => undefined);
      await deleteKeysWithPrefix(redis, prefix);
      readerConnection.disconnect();
      redis.disconnect();
      await rm(stateRoot, { recursive: true, force: true });
    },
  };
}
