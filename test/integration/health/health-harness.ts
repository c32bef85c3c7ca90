// Real parts for the health / reconcile / cleanup end-to-end suites: a fresh PostgreSQL
// database, a Redis key prefix, the real Docker daemon and the test engine image, wired
// like the composition root does. Other suites run engines on the same daemon at the same
// time, so the Docker view handed to the workers lists only this file's games, and every
// assertion is about this file's game ids.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { expect } from 'vitest';
import { validateRuntimeHealthEvent } from '../../../generated/validators/index.js';
import { createDockerClient, DockerodeRuntime } from '../../../src/adapters/docker/docker-runtime.adapter.js';
import { FsStateDirectories } from '../../../src/adapters/filesystem/state-directories.adapter.js';
import { ContainerIntentsRegistry } from '../../../src/adapters/memory/container-intents.registry.js';
import { createRtmDatabase } from '../../../src/adapters/postgres/database.js';
import { PostgresHealthSnapshotStore } from '../../../src/adapters/postgres/health-snapshot.store.js';
import { PostgresOperationLogStore } from '../../../src/adapters/postgres/operation-log.store.js';
import { createReconcileServices, type ReconcileServices } from '../../../src/services/service-graph.js';
import { PostgresPendingOperationStore } from '../../../src/adapters/postgres/pending-operation.store.js';
import { PostgresRuntimeRecordStore } from '../../../src/adapters/postgres/runtime-record.store.js';
import { RedisGameLeases } from '../../../src/adapters/redis/game-lease.adapter.js';
import { RedisHealthEventPublisher } from '../../../src/adapters/redis/health-event.publisher.js';
import { GAME_ID_LABEL, IMAGE_REF_LABEL, OWNER_LABEL, OWNER_VALUE } from '../../../src/domain/container-spec.js';
import type { HealthEventType } from '../../../src/domain/health.js';
import { containerNameFor, type RuntimeRecord } from '../../../src/domain/runtime-record.js';
import { systemClock } from '../../../src/ports/clock.js';
import type { ContainerSummary, DockerEvent, DockerEventsQuery, DockerRuntime } from '../../../src/ports/docker-runtime.js';
import { noopMetrics } from '../../../src/ports/metrics.js';
import type { NotificationIntent, NotificationIntentPublisher } from '../../../src/ports/publishers.js';
import { RecordHealthEventService } from '../../../src/services/health/record-health-event.service.js';
import { createLifecycleServices, type LifecycleServices } from '../../../src/services/service-graph.js';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  ENGINE_IMAGE,
  eventually,
  TEST_DOCKER_HOST,
  TEST_DOCKER_NETWORK,
  TEST_REDIS_URL,
  testGameId,
  testRedisPrefix,
  type TestDatabase,
  TEST_CEILINGS,
  TEST_HARDENING,
} from '../../support/test-env.js';

export const TEST_LIMITS = { cpus: 0.5, memoryBytes: 128 * 1024 * 1024, pidsLimit: 64 };

/** One decoded entry of runtime:health_events. */
export interface StreamHealthEvent {
  id: string;
  game_id: string;
  container_id: string;
  event_type: HealthEventType;
  occurred_at_ms: number;
  details: Record<string, unknown>;
}

/** A DockerRuntime event stream the test can cut, with what each connection delivered. */
export interface EventsConnection {
  since: number | undefined;
  delivered: DockerEvent[];
  cut(): void;
}

/**
 * The real adapter, seen through this file's games only (listOwnedContainers), and with
 * an events stream the test can drop to play a broken connection.
 */
export class ScopedDockerRuntime implements DockerRuntime {
  readonly connections: EventsConnection[] = [];

  constructor(
    private readonly real: DockerRuntime,
    private readonly games: ReadonlySet<string>,
  ) {}

  ping = () => this.real.ping();
  hostResources = () => this.real.hostResources();
  networkExists = (name: string) => this.real.networkExists(name);
  inspectImage = (ref: string) => this.real.inspectImage(ref);
  pullImage = (ref: string) => this.real.pullImage(ref);
  createContainer: DockerRuntime['createContainer'] = (spec) => this.real.createContainer(spec);
  replaceContainer: DockerRuntime['replaceContainer'] = (id, spec) => this.real.replaceContainer(id, spec);
  startContainer = (id: string) => this.real.startContainer(id);
  inspectContainer = (id: string) => this.real.inspectContainer(id);
  stopContainer = (id: string, timeoutSeconds: number) => this.real.stopContainer(id, timeoutSeconds);
  removeContainer: DockerRuntime['removeContainer'] = (id, opts) => this.real.removeContainer(id, opts);
  containerLogs: DockerRuntime['containerLogs'] = (id, query) => this.real.containerLogs(id, query);
  containerStats: DockerRuntime['containerStats'] = (id, opts) => this.real.containerStats(id, opts);
  updateContainer: DockerRuntime['updateContainer'] = (id, update) => this.real.updateContainer(id, update);

  async listOwnedContainers(): Promise<ContainerSummary[]> {
    return (await this.real.listOwnedContainers()).filter((c) => this.games.has(c.labels[GAME_ID_LABEL] ?? ''));
  }

  events(query: DockerEventsQuery): AsyncIterable<DockerEvent> {
    const local = new AbortController();
    const signal = AbortSignal.any([query.signal, local.signal]);
    const connection: EventsConnection = { since: query.since, delivered: [], cut: () => local.abort() };
    this.connections.push(connection);
    const real = this.real;
    return (async function* () {
      for await (const e of real.events({ ...(query.since === undefined ? {} : { since: query.since }), signal })) {
        connection.delivered.push(e);
        yield e;
      }
    })();
  }
}

class DiscardingIntentPublisher implements NotificationIntentPublisher {
  readonly published: NotificationIntent[] = [];
  async publish(intent: NotificationIntent): Promise<string> {
    this.published.push(intent);
    return `0-${this.published.length}`;
  }
}

export interface HealthHarness {
  db: TestDatabase;
  redis: Redis;
  stream: string;
  stateRoot: string;
  docker: ScopedDockerRuntime;
  records: PostgresRuntimeRecordStore;
  operationLog: PostgresOperationLogStore;
  pendingOperations: PostgresPendingOperationStore;
  snapshots: PostgresHealthSnapshotStore;
  publisher: RedisHealthEventPublisher;
  /** The health service the workers and operations record through (snapshot + stream). */
  health: RecordHealthEventService;
  leases: RedisGameLeases;
  intents: ContainerIntentsRegistry;
  stateDirectories: FsStateDirectories;
  services: LifecycleServices;
  /** The reconcile services over the harness's parts (the events worker's removal uses `vanished`). */
  reconcileServices(graceMs: number): ReconcileServices;
  vanished: ReconcileServices['vanished'];
  /** The per-game sync the events worker asks for after an exit. */
  sync: ReconcileServices['sync'];
  metrics: typeof noopMetrics;
  clock: typeof systemClock;
  logger: pino.Logger;
  /** A new game id of this file (scoped Docker view, cleanup). */
  newGameId(label: string): string;
  /** Start an engine through the real start operation; waits until /healthz answers. */
  startEngine(gameId: string, image?: string): Promise<RuntimeRecord>;
  /** `http://<container ip>:8080` of the game's engine. */
  engineUrl(gameId: string): Promise<string>;
  /** POST to one of the engine's /control switches. */
  control(gameId: string, pathAndQuery: string): Promise<void>;
  /** `docker run` of an engine by hand (RTM not involved); returns the container id. */
  runByHand(gameId: string, opts?: { owned?: boolean; image?: string }): string;
  healthEvents(gameId: string): Promise<StreamHealthEvent[]>;
  waitForEvent(gameId: string, type: HealthEventType, opts?: { timeoutMs?: number; match?: (e: StreamHealthEvent) => boolean }): Promise<StreamHealthEvent>;
  close(): Promise<void>;
}

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** `engine`: another engine backend and its game network (the swarm suite); default: the test daemon. */
export async function createHealthHarness(opts: { logLevel?: pino.Level; engine?: { docker: DockerRuntime; network: string } } = {}): Promise<HealthHarness> {
  const db = await createTestDatabase();
  const kysely = createRtmDatabase(db.pool);
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  const prefix = testRedisPrefix();
  const stream = `${prefix}runtime:health_events`;
  const stateRoot = await mkdtemp(path.join(os.tmpdir(), 'rtm-health-state-'));
  const logger = pino({ level: opts.logLevel ?? 'silent' });
  const games = new Set<string>();
  const real = opts.engine?.docker ?? new DockerodeRuntime(createDockerClient(TEST_DOCKER_HOST), { apiTimeoutMs: 15_000, pullTimeoutMs: 30_000, logger });
  const scoped = new ScopedDockerRuntime(real, games);
  const records = new PostgresRuntimeRecordStore(kysely);
  const operationLog = new PostgresOperationLogStore(kysely);
  const pendingOperations = new PostgresPendingOperationStore(kysely);
  const snapshots = new PostgresHealthSnapshotStore(kysely);
  const publisher = new RedisHealthEventPublisher(redis, stream);
  const health = new RecordHealthEventService({ snapshots, stream: publisher, metrics: noopMetrics, logger });
  const leases = new RedisGameLeases(redis, { keyPrefix: prefix, ttlMs: 15_000 }, logger);
  const intents = new ContainerIntentsRegistry();
  // World-writable: the engine runs as a non-root uid.
  const stateDirectories = new FsStateDirectories({ root: stateRoot, mode: 0o777, uid: null, gid: null });
  const services = createLifecycleServices(
    {
      docker: scoped,
      records,
      operationLog,
      pendingOperations,
      leases,
      stateDirectories,
      healthEvents: health,
      notificationIntents: new DiscardingIntentPublisher(),
      containerIntents: intents,
      lobby: null,
      metrics: noopMetrics,
      clock: systemClock,
      logger,
    },
    {
      start: {
        pullPolicy: 'never',
        imageAllowlist: [],
        containerDefaults: { network: opts.engine?.network ?? TEST_DOCKER_NETWORK, enginePort: 8080, limits: TEST_LIMITS, ceilings: TEST_CEILINGS, hardening: TEST_HARDENING, logDriver: 'json-file', logOptions: { 'max-size': '1m', 'max-file': '2' } },
      },
      stop: { stopTimeoutSeconds: 5 },
    },
  );

  const engineUrl = async (gameId: string): Promise<string> => {
    const info = await real.inspectContainer(containerNameFor(gameId));
    const ip = info?.networkIps[TEST_DOCKER_NETWORK];
    if (!ip) throw new Error(`engine of ${gameId} has no address on ${TEST_DOCKER_NETWORK}`);
    return `http://${ip}:8080`;
  };

  const healthEvents = async (gameId: string): Promise<StreamHealthEvent[]> => {
    const entries = await redis.xrange(stream, '-', '+');
    const out: StreamHealthEvent[] = [];
    for (const [id, flat] of entries) {
      const fields: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
      // Every entry on the wire must match the AsyncAPI contract.
      expect(validateRuntimeHealthEvent(fields), JSON.stringify(validateRuntimeHealthEvent.errors)).toBe(true);
      if (fields.game_id !== gameId) continue;
      out.push({
        id,
        game_id: fields.game_id,
        container_id: fields.container_id as string,
        event_type: fields.event_type as HealthEventType,
        occurred_at_ms: Number(fields.occurred_at_ms),
        details: JSON.parse(fields.details as string) as Record<string, unknown>,
      });
    }
    return out;
  };

  const reconcileServices = (graceMs: number): ReconcileServices =>
    createReconcileServices({
      docker: scoped,
      records,
      operationLog,
      pendingOperations,
      health,
      intents,
      leases,
      stateDirectories,
      metrics: noopMetrics,
      clock: systemClock,
      logger,
      settings: { graceMs, enginePort: 8080 },
    });

  const harness: HealthHarness = {
    db,
    redis,
    stream,
    stateRoot,
    docker: scoped,
    records,
    operationLog,
    pendingOperations,
    reconcileServices,
    ...(({ vanished, sync }) => ({ vanished, sync }))(reconcileServices(30_000)),
    snapshots,
    publisher,
    health,
    leases,
    intents,
    stateDirectories,
    services,
    metrics: noopMetrics,
    clock: systemClock,
    logger,
    newGameId(label) {
      const id = testGameId(label);
      games.add(id);
      return id;
    },
    async startEngine(gameId, image = ENGINE_IMAGE) {
      const result = await services.start.execute({ gameId, imageRef: image, opSource: 'admin_rest' });
      if (result.outcome !== 'success' || !result.record) throw new Error(`start of ${gameId} failed: ${result.errorCode} ${result.errorMessage}`);
      const url = await engineUrl(gameId);
      await eventually(async () => ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) })).ok ? true : undefined), {
        message: `engine of ${gameId} never answered /healthz`,
      });
      return result.record;
    },
    engineUrl,
    async control(gameId, pathAndQuery) {
      const res = await fetch(`${await engineUrl(gameId)}${pathAndQuery}`, { method: 'POST', signal: AbortSignal.timeout(2_000) });
      if (res.status >= 300) throw new Error(`control ${pathAndQuery} answered ${res.status}`);
    },
    runByHand(gameId, { owned = true, image = ENGINE_IMAGE } = {}) {
      const labels = [`${GAME_ID_LABEL}=${gameId}`, `${IMAGE_REF_LABEL}=${image}`, ...(owned ? [`${OWNER_LABEL}=${OWNER_VALUE}`] : [])];
      return docker('run', '-d', '--init', '--name', containerNameFor(gameId), '--hostname', containerNameFor(gameId), '--network', TEST_DOCKER_NETWORK, ...labels.flatMap((l) => ['--label', l]), image);
    },
    healthEvents,
    async waitForEvent(gameId, type, { timeoutMs = 20_000, match = () => true } = {}) {
      return eventually(async () => (await healthEvents(gameId)).find((e) => e.event_type === type && match(e)), {
        timeoutMs,
        message: `no ${type} event for ${gameId}`,
      });
    },
    async close() {
      await health.stop();
      for (const gameId of games) await real.removeContainer(containerNameFor(gameId), { force: true }).catch(() => undefined);
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
      await db.drop(); // ends the pool Kysely runs on

      await rm(stateRoot, { recursive: true, force: true });
    },
  };
  return harness;
}

