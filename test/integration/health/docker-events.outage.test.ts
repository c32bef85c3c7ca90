// Issue 9 item 3: no health event is lost to a store outage. A private PostgreSQL and a
// private Redis (own servers on free ports; the shared ones are never touched) are stopped
// by the test while a real engine is killed; once the store is back, `container_exited` is
// on runtime:health_events exactly once. Every server is brought back / stopped in afterAll.
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient, DockerodeRuntime } from '../../../src/adapters/docker/docker-runtime.adapter.js';
import { ContainerIntentsRegistry } from '../../../src/adapters/memory/container-intents.registry.js';
import { createRtmDatabase } from '../../../src/adapters/postgres/database.js';
import { PostgresHealthSnapshotStore } from '../../../src/adapters/postgres/health-snapshot.store.js';
import { runMigrations } from '../../../src/adapters/postgres/migrator.js';
import { PostgresOperationLogStore } from '../../../src/adapters/postgres/operation-log.store.js';
import { PostgresPendingOperationStore } from '../../../src/adapters/postgres/pending-operation.store.js';
import { createReconcileServices } from '../../../src/services/service-graph.js';
import { PostgresRuntimeRecordStore } from '../../../src/adapters/postgres/runtime-record.store.js';
import { RedisGameLeases } from '../../../src/adapters/redis/game-lease.adapter.js';
import { RedisHealthEventPublisher } from '../../../src/adapters/redis/health-event.publisher.js';
import { projectRoot } from '../../../src/app/project-root.js';
import { GAME_ID_LABEL, IMAGE_REF_LABEL, OWNER_LABEL, OWNER_VALUE } from '../../../src/domain/container-spec.js';
import { containerNameFor, engineEndpointFor } from '../../../src/domain/runtime-record.js';
import { systemClock } from '../../../src/ports/clock.js';
import { RecordHealthEventService } from '../../../src/services/health/record-health-event.service.js';
import { DockerEventsWorker } from '../../../src/workers/docker-events/docker-events.worker.js';
import { FakeMetrics } from '../../fakes/misc.fake.js';
import { startPrivatePostgres, type PrivatePostgres } from '../../support/private-postgres.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/private-redis.js';
import { ENGINE_IMAGE, eventually, TEST_DOCKER_HOST, TEST_DOCKER_NETWORK, testGameId } from '../../support/test-env.js';
import { docker, ScopedDockerRuntime } from './health-harness.js';
import { capturingLogger } from '../../adapters/redis/redis-test-support.js';

const STREAM = 'runtime:health_events';

let pgServer: PrivatePostgres;
let redisServer: PrivateRedis;
let pool: pg.Pool;
let redis: Redis;
let reader: Redis;
let worker: DockerEventsWorker;
let health: RecordHealthEventService;
let records: PostgresRuntimeRecordStore;
const { logger: capturing, lines: logs } = capturingLogger();
const games = new Set<string>();
const metrics = new FakeMetrics();


async function waitForLog(msg: string, after: number): Promise<Record<string, unknown>> {
  return eventually(() => logs.find((l) => l.msg === msg && (l.time as number) >= after), { timeoutMs: 30_000, intervalMs: 50, message: `no log "${msg}"` });
}

/** container_exited entries of `gameId` on the private Redis, with their entry time. */
async function exitedEntries(gameId: string): Promise<Array<{ atMs: number; exitCode: unknown }>> {
  const out = [];
  for (const [id, flat] of await reader.xrange(STREAM, '-', '+')) {
    const f: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) f[flat[i] as string] = flat[i + 1] as string;
    if (f.game_id === gameId && f.event_type === 'container_exited') out.push({ atMs: Number(id.split('-')[0]), exitCode: (JSON.parse(f.details as string) as { exit_code: unknown }).exit_code });
  }
  return out;
}

/** A running owned engine and its `running` record, as a start would leave them. */
async function runningEngine(label: string): Promise<{ gameId: string; containerId: string }> {
  const gameId = testGameId(label);
  games.add(gameId);
  const labels = [`${GAME_ID_LABEL}=${gameId}`, `${IMAGE_REF_LABEL}=${ENGINE_IMAGE}`, `${OWNER_LABEL}=${OWNER_VALUE}`];
  const containerId = docker('run', '-d', '--init', '--name', containerNameFor(gameId), '--network', TEST_DOCKER_NETWORK, ...labels.flatMap((l) => ['--label', l]), ENGINE_IMAGE);
  const now = new Date();
  await records.upsert({
    gameId, status: 'running', currentContainerId: containerId, currentImageRef: ENGINE_IMAGE, engineEndpoint: engineEndpointFor(gameId, 8080),
    statePath: `/tmp/${gameId}`, createdAt: now, startedAt: now, stoppedAt: null, removedAt: null, lastOpAt: now, limits: null,
  });
  return { gameId, containerId };
}

/** Waits until the listener has nothing left to do: no queued write, the last resync complete. */
async function settled(after: number): Promise<void> {
  await eventually(() => (health.pendingCount === 0 ? true : undefined), { timeoutMs: 30_000, intervalMs: 50 });
  await eventually(() => logs.find((l) => l.msg === 'resynced running records' && l.complete === true && (l.time as number) >= after) ?? (logs.some((l) => l.msg === 'resync requested' && (l.time as number) >= after) ? undefined : true), {
    timeoutMs: 30_000,
    intervalMs: 50,
  });
}

function timeline(name: string, t: Record<string, number>): void {
  const t0 = t.fault as number;
  const rel = Object.entries(t).map(([k, v]) => `${k} +${((v - t0) / 1000).toFixed(2)}s`);
  process.stdout.write(`[outage timeline] ${name}: ${rel.join(', ')}\n`);
}

beforeAll(async () => {
  [pgServer, redisServer] = await Promise.all([startPrivatePostgres(), startPrivateRedis({ persistence: 'none' })]);
  pool = new pg.Pool({ connectionString: await pgServer.createDatabase('rtm_outage'), connectionTimeoutMillis: 2_000, max: 4 });
  pool.on('error', () => undefined); // idle clients cut by the stopped server
  const db = createRtmDatabase(pool); // before any client connects: it guards checked-out clients
  await runMigrations(pool, path.join(projectRoot(), 'migrations'));
  redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  reader = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
  reader.on('error', () => undefined);
  const logger = capturing;
  records = new PostgresRuntimeRecordStore(db);
  health = new RecordHealthEventService({
    snapshots: new PostgresHealthSnapshotStore(db),
    stream: new RedisHealthEventPublisher(redis, STREAM),
    metrics,
    logger,
    settings: { bufferCapacity: 100, retry: { initialMs: 200, maxMs: 1_000 } },
  });
  const real = new DockerodeRuntime(createDockerClient(TEST_DOCKER_HOST), { apiTimeoutMs: 15_000, pullTimeoutMs: 30_000, logger });
  const docker = new ScopedDockerRuntime(real, games);
  const intents = new ContainerIntentsRegistry();
  // The listener's removal of a vanished runtime is a service (services/reconcile/).
  const { vanished, sync } = createReconcileServices({
    docker,
    records,
    operationLog: new PostgresOperationLogStore(db),
    pendingOperations: new PostgresPendingOperationStore(db),
    health,
    intents,
    leases: new RedisGameLeases(redis, { keyPrefix: 'outage:', ttlMs: 15_000 }, logger),
    stateDirectories: { pathFor: (gameId) => `/unused-by-the-removal/${gameId}` },
    metrics,
    clock: systemClock,
    logger,
    settings: { graceMs: 30_000, enginePort: 8080 },
  });
  worker = new DockerEventsWorker({
    docker,
    records,
    health,
    intents,
    vanished,
    sync,
    clock: systemClock,
    logger,
    settings: { reconnectMaxMs: 2_000, resyncRetryMaxMs: 1_000 },
  });
  worker.start();
  await eventually(() => (worker.connectionCount > 0 ? true : undefined));
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await health?.stop();
  for (const gameId of games) {
    try {
      docker('rm', '-f', containerNameFor(gameId));
    } catch {
      // already gone
    }
  }
  redis?.disconnect();
  reader?.disconnect();
  await pool?.end().catch(() => undefined);
  await Promise.all([pgServer?.dispose(), redisServer?.dispose()]);
});

/** What a failed resync pass logs: the kept events first (the die it could not handle), then the running records. */
const RESYNC_RETRY_LOGS = ['resync could not handle the events left over from an outage; retrying', 'resync could not list the running records; retrying'];

describe('health events survive store outages', () => {
  it('an engine killed while PostgreSQL is down gets its container_exited once PostgreSQL is back, exactly once', async () => {
    const { gameId, containerId } = await runningEngine('pgdown');
    const fault = Date.now();
    await pgServer.stop();
    const kill = Date.now();
    docker('kill', containerId);
    const firstError = (await waitForLog('could not handle docker event; resync scheduled', kill)).time as number;
    // The outage lasts while the resync's retries keep failing (two of them at least).
    await eventually(() => (logs.filter((l) => RESYNC_RETRY_LOGS.includes(String(l.msg)) && (l.time as number) >= firstError).length >= 2 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    expect(await exitedEntries(gameId)).toEqual([]);
    await pgServer.start();
    const recovery = Date.now();
    const [published] = await eventually(async () => ((await exitedEntries(gameId)).length > 0 ? exitedEntries(gameId) : undefined), { timeoutMs: 30_000, intervalMs: 100 });
    await settled(recovery);
    expect(await exitedEntries(gameId)).toEqual([{ atMs: published!.atMs, exitCode: 137 }]);
    // The snapshot and the stream entry are written side by side: the upsert of a PostgreSQL that
    // just came back may land after the entry (or be queued and flushed), so wait for it.
    const snapshots = new PostgresHealthSnapshotStore(createRtmDatabase(pool));
    const snapshot = await eventually(async () => ((await snapshots.get(gameId))?.eventType === 'container_exited' ? snapshots.get(gameId) : undefined), { timeoutMs: 30_000, intervalMs: 100 });
    expect(snapshot?.eventType).toBe('container_exited');
    timeline('PostgreSQL', { fault, kill, firstError, recovery, published: published!.atMs });
  }, 90_000);

  it('engines killed while Redis is down get their container_exited on the stream once Redis is back, in order, exactly once', async () => {
    const first = await runningEngine('redisdown1');
    const second = await runningEngine('redisdown2');
    const fault = Date.now();
    await redisServer.stop();
    const kill = Date.now();
    docker('kill', first.containerId);
    const firstError = (await waitForLog('health event queued until its store answers', kill)).time as number;
    docker('kill', second.containerId);
    await eventually(() => (health.pendingCount === 2 ? true : undefined), { timeoutMs: 30_000, intervalMs: 50, message: 'the second exit was not queued' });
    await redisServer.start();
    const recovery = Date.now();
    const [published] = await eventually(async () => ((await exitedEntries(second.gameId)).length > 0 ? exitedEntries(second.gameId) : undefined), { timeoutMs: 30_000, intervalMs: 100 });
    await settled(recovery);
    const [a] = await exitedEntries(first.gameId);
    expect(await exitedEntries(first.gameId)).toEqual([{ atMs: a!.atMs, exitCode: 137 }]);
    expect(await exitedEntries(second.gameId)).toEqual([{ atMs: published!.atMs, exitCode: 137 }]);
    const order = (await reader.xrange(STREAM, '-', '+')).map(([, f]) => f[f.indexOf('game_id') + 1]).filter((g) => g === first.gameId || g === second.gameId);
    expect(order).toEqual([first.gameId, second.gameId]);
    expect(metrics.droppedHealthEvents).toEqual([]);
    timeline('Redis', { fault, kill, firstError, recovery, published: published!.atMs });
  }, 90_000);
});
