// Shared setup for the health / reconcile / cleanup worker unit tests: one in-memory world
// of fakes, and a way to put a game in it with a running engine and a `running` record.
import pino from 'pino';
import { expect } from 'vitest';
import { HEALTH_EVENT_DETAILS_VALIDATORS, validateRuntimeHealthEvent } from '../../generated/validators/index.js';
import { healthEventFields } from '../../src/adapters/redis/health-event.publisher.js';
import type { HealthEvent } from '../../src/domain/health.js';
import { ContainerIntentsRegistry } from '../../src/adapters/memory/container-intents.registry.js';
import { GAME_ID_LABEL, IMAGE_REF_LABEL, OWNER_LABEL, OWNER_VALUE } from '../../src/domain/container-spec.js';
import { containerNameFor, engineEndpointFor, type RuntimeRecord, type RuntimeStatus } from '../../src/domain/runtime-record.js';
import { noopMetrics } from '../../src/ports/metrics.js';
import { RecordHealthEventService } from '../../src/services/health/record-health-event.service.js';
import { FakeGameLeases } from '../fakes/coordination.fake.js';
import { FakeDockerRuntime, type FakeContainer } from '../fakes/docker-runtime.fake.js';
import { FakeStateDirectories, ManualClock } from '../fakes/misc.fake.js';
import { FakeHealthEventPublisher } from '../fakes/publishers.fake.js';
import { createReconcileServices } from '../../src/services/service-graph.js';
import { FakeHealthSnapshotStore, FakeOperationLogStore, FakePendingOperationStore, FakeRuntimeRecordStore } from '../fakes/stores.fake.js';

export const IMAGE = 'galaxy/game-test:1.0.0';
export const silentLogger = pino({ level: 'silent' });

export function ownerLabels(gameId: string, imageRef = IMAGE): Record<string, string> {
  return { [OWNER_LABEL]: OWNER_VALUE, [GAME_ID_LABEL]: gameId, [IMAGE_REF_LABEL]: imageRef };
}

/** Problems of an event against api/runtime-health-asyncapi.yaml (stream entry and decoded details); [] when valid. */
export function schemaProblems(event: HealthEvent): string[] {
  const fields = healthEventFields(event);
  const entry: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) entry[fields[i] as string] = fields[i + 1] as string;
  const problems: string[] = [];
  if (!validateRuntimeHealthEvent(entry)) problems.push(`entry: ${JSON.stringify(validateRuntimeHealthEvent.errors)}`);
  const details = HEALTH_EVENT_DETAILS_VALIDATORS[event.eventType];
  if (!details(event.details)) problems.push(`${event.eventType} details ${JSON.stringify(event.details)}: ${JSON.stringify(details.errors)}`);
  return problems;
}

const worldsOfThisTest: World[] = [];

/** For afterEach: every event published in the worlds of the test matches the AsyncAPI contract. */
export function expectPublishedEventsMatchSchema(): void {
  const worlds = worldsOfThisTest.splice(0);
  expect(worlds.flatMap((w) => w.publisher.published.flatMap(schemaProblems))).toEqual([]);
}

export function createWorld(clock = new ManualClock()) {
  const world = buildWorld(clock);
  worldsOfThisTest.push(world);
  return world;
}

/** The reconcile grace of the worlds' services. */
export const WORLD_GRACE_MS = 30_000;

function buildWorld(clock: ManualClock) {
  const snapshots = new FakeHealthSnapshotStore();
  const publisher = new FakeHealthEventPublisher();
  const parts = {
    clock,
    docker: new FakeDockerRuntime(),
    records: new FakeRuntimeRecordStore(),
    operationLog: new FakeOperationLogStore(),
    pendingOperations: new FakePendingOperationStore(),
    snapshots,
    publisher,
    health: new RecordHealthEventService({ snapshots, stream: publisher, metrics: noopMetrics, logger: silentLogger }),
    leases: new FakeGameLeases(),
    intents: new ContainerIntentsRegistry(),
    stateDirectories: new FakeStateDirectories(),
    metrics: noopMetrics,
    logger: silentLogger,
  };
  const reconcile = createReconcileServices({ ...parts, settings: { graceMs: WORLD_GRACE_MS, enginePort: 8080 } });
  return { ...parts, reconcile: reconcile.game, vanished: reconcile.vanished, sync: reconcile.sync };
}
export type World = ReturnType<typeof buildWorld>;

export function recordFor(gameId: string, containerId: string | null, status: RuntimeStatus = 'running', at = new Date('2026-01-01T00:00:00Z')): RuntimeRecord {
  return {
    gameId,
    status,
    currentContainerId: containerId,
    currentImageRef: IMAGE,
    engineEndpoint: engineEndpointFor(gameId, 8080),
    statePath: `/srv/galaxy-state/${gameId}`,
    createdAt: at,
    startedAt: at,
    stoppedAt: status === 'stopped' ? at : null,
    removedAt: status === 'removed' ? at : null,
    lastOpAt: at,
    limits: null,
  };
}

/** An owned engine container (running unless told otherwise) and, unless `record: null`, its record. */
export async function addGame(
  world: World,
  gameId: string,
  opts: { state?: FakeContainer['state']; status?: RuntimeStatus | null; createdAt?: Date } = {},
): Promise<FakeContainer> {
  const container = world.docker.addContainer({
    name: containerNameFor(gameId),
    image: IMAGE,
    labels: ownerLabels(gameId),
    state: opts.state ?? 'running',
    createdAt: opts.createdAt ?? new Date(world.clock.now().getTime() - 3_600_000),
  });
  const status = opts.status === undefined ? 'running' : opts.status;
  if (status !== null) await world.records.upsert(recordFor(gameId, container.id, status));
  return container;
}
