// The crash repairs and the startup rule of the reconcile service (issue 9 items 2 and 5),
// on the in-memory world: each post-crash state is built directly, then one pass repairs it.
import { afterEach, describe, expect, it } from 'vitest';
import { containerNameFor } from '../../../src/domain/runtime-record.js';
import { ReconcilerWorker } from '../../../src/workers/reconciler/reconciler.worker.js';
import { WORLD_GRACE_MS, addGame, createWorld, expectPublishedEventsMatchSchema, ownerLabels, recordFor, type World } from '../../workers/runtime-fixtures.js';

function setup() {
  const world = createWorld();
  const reconciler = new ReconcilerWorker({ ...world, settings: { intervalMs: 60_000 } });
  return { world, reconciler };
}

/** An owned container a start created and never started (SIGKILL between create and start). */
function halfMade(world: World, gameId: string, ageMs: number) {
  return world.docker.addContainer({
    name: containerNameFor(gameId),
    labels: ownerLabels(gameId),
    state: 'created',
    startedAt: null,
    createdAt: new Date(world.clock.now().getTime() - ageMs),
  });
}

describe('reconcile: crash repairs', () => {
  afterEach(expectPublishedEventsMatchSchema);

  it('restart killed at the new container’s create: the half-made container is removed and the stopped record corrected', async () => {
    const { world, reconciler } = setup();
    await world.records.upsert(recordFor('g1', 'destroyed-old-container', 'stopped'));
    const made = halfMade(world, 'g1', 60 * 60_000);
    const report = await reconciler.reconcileOnce();
    expect(report).toMatchObject({ removedHalfMade: ['g1'], disposed: ['g1'], adopted: [], failed: [] });
    expect(world.docker.containers.has(made.id)).toBe(false);
    expect(world.docker.callsOf('removeContainer').map((args) => args[0])).toEqual([made.id]);
    expect(world.intents.isExpected(made.id, 'remove')).toBe(true);
    expect(await world.records.get('g1')).toMatchObject({ status: 'removed', currentContainerId: 'destroyed-old-container' });
    expect(world.operationLog.forGame('g1').map((r) => [r.opKind, r.outcome, r.containerId, r.details])).toEqual([
      ['reconcile_dispose', 'success', made.id, { kind: 'never_started_container', record_status: 'stopped', record_container_id: 'destroyed-old-container' }],
      ['reconcile_dispose', 'success', 'destroyed-old-container', { source: 'reconcile', previous_status: 'stopped' }],
    ]);
    // A stopped game's container going away is not a disappearance of a running engine.
    expect(world.publisher.published).toEqual([]);
    expect((await reconciler.reconcileOnce()).disposed).toEqual([]);
  });

  it('restart killed at the old container’s destroy: the stopped record naming a vanished container becomes removed', async () => {
    const { world, reconciler } = setup();
    await world.records.upsert(recordFor('g1', 'vanished', 'stopped'));
    const report = await reconciler.reconcileOnce();
    expect(report.disposed).toEqual(['g1']);
    expect((await world.records.get('g1'))?.status).toBe('removed');
  });

  it('killed after the new container started: the running engine is adopted over the stopped record', async () => {
    const { world, reconciler } = setup();
    await world.records.upsert(recordFor('g1', 'vanished', 'stopped'));
    const fresh = await addGame(world, 'g1', { status: null, createdAt: new Date(world.clock.now().getTime() - 1_000) });
    const report = await reconciler.reconcileOnce({ startup: true });
    expect(report).toMatchObject({ adopted: ['g1'], disposed: [], removedHalfMade: [] });
    expect(await world.records.get('g1')).toMatchObject({ status: 'running', currentContainerId: fresh.id });
  });

  it('an in-place restart cut short after its update (Swarm): the record’s engine exited, another runs; it is adopted, not marked stopped', async () => {
    const { world, reconciler } = setup();
    const old = world.docker.addContainer({ name: 'galaxy-game-g1.1.old', labels: ownerLabels('g1'), state: 'exited', createdAt: new Date(world.clock.now().getTime() - 7_200_000) });
    await world.records.upsert(recordFor('g1', old.id, 'running'));
    const young = world.docker.addContainer({ name: containerNameFor('g1'), labels: ownerLabels('g1'), state: 'running', createdAt: new Date(world.clock.now().getTime() - 1_000) });
    // Younger than the grace: left for the next pass (the update may still be settling).
    expect(await reconciler.reconcileOnce()).toMatchObject({ skippedGrace: ['g1'], markedStopped: [], adopted: [] });
    world.clock.advance(WORLD_GRACE_MS);
    expect(await reconciler.reconcileOnce()).toMatchObject({ adopted: ['g1'], markedStopped: [] });
    expect(await world.records.get('g1')).toMatchObject({ status: 'running', currentContainerId: young.id });
    expect(world.docker.containers.get(old.id)?.state).toBe('exited');
  });

  it('never-started containers younger than the grace are left alone outside startup, removed at startup', async () => {
    const { world, reconciler } = setup();
    const made = halfMade(world, 'g1', 1_000);
    const periodic = await reconciler.reconcileOnce();
    expect(periodic).toMatchObject({ removedHalfMade: [], skippedGrace: ['g1'] });
    expect(world.docker.containers.has(made.id)).toBe(true);
    const startup = await reconciler.reconcileOnce({ startup: true });
    expect(startup.removedHalfMade).toEqual(['g1']);
    expect(world.docker.containers.has(made.id)).toBe(false);
  });

  it('the record’s own created container and a container that once ran are never removed as half-made', async () => {
    const { world, reconciler } = setup();
    const own = halfMade(world, 'g1', 60 * 60_000);
    await world.records.upsert(recordFor('g1', own.id, 'stopped'));
    const ran = world.docker.addContainer({ name: 'other', labels: ownerLabels('g2'), state: 'created', startedAt: new Date(0), createdAt: new Date(0) });
    const report = await reconciler.reconcileOnce({ startup: true });
    expect(report.removedHalfMade).toEqual([]);
    expect(world.docker.containers.has(own.id)).toBe(true);
    expect(world.docker.containers.has(ran.id)).toBe(true);
  });

  it('an interrupted restart is closed with its outer row (same correlation id), once, after the repair', async () => {
    const { world, reconciler } = setup();
    await world.records.upsert(recordFor('g1', 'vanished', 'stopped'));
    const startedAt = new Date(world.clock.now().getTime() - 5_000);
    await world.pendingOperations.begin({ gameId: 'g1', opKind: 'restart', opSource: 'gm_rest', correlationId: 'corr-1', imageRef: 'galaxy/game-test:1.0.0', startedAt });
    const report = await reconciler.reconcileOnce({ startup: true });
    expect(report).toMatchObject({ disposed: ['g1'], closedInterrupted: ['g1'] });
    const rows = world.operationLog.forGame('g1');
    expect(rows.map((r) => r.opKind)).toEqual(['reconcile_dispose', 'restart']);
    expect(rows[1]).toMatchObject({
      opSource: 'gm_rest',
      outcome: 'failure',
      errorCode: 'internal_error',
      correlationId: 'corr-1',
      startedAt,
      details: { interrupted: true, closed_by: 'reconcile', final_status: 'removed' },
    });
    expect(world.pendingOperations.rows.size).toBe(0);
    expect((await reconciler.reconcileOnce()).closedInterrupted).toEqual([]);
  });

  it('a marker left by a crash after the operation wrote its own row is cleared without a second row', async () => {
    const { world, reconciler } = setup();
    await addGame(world, 'g1', { status: 'running' });
    const startedAt = new Date(world.clock.now().getTime() - 5_000);
    await world.pendingOperations.begin({ gameId: 'g1', opKind: 'patch', opSource: 'admin_rest', correlationId: 'corr-2', imageRef: 'galaxy/game-test:1.0.1', startedAt });
    await world.operationLog.append({
      gameId: 'g1',
      opKind: 'patch',
      opSource: 'admin_rest',
      outcome: 'success',
      errorCode: null,
      errorMessage: null,
      imageRef: 'galaxy/game-test:1.0.1',
      containerId: null,
      correlationId: 'corr-2',
      details: {},
      startedAt,
      finishedAt: world.clock.now(),
    });
    const report = await reconciler.reconcileOnce({ startup: true });
    expect(report.closedInterrupted).toEqual(['g1']);
    expect(world.operationLog.forGame('g1').map((r) => [r.opKind, r.outcome])).toEqual([['patch', 'success']]);
    expect(world.pendingOperations.rows.size).toBe(0);
  });

  it('a pending marker whose lease is held belongs to an operation in flight: left alone', async () => {
    const { world, reconciler } = setup();
    await addGame(world, 'g1', { status: 'running' });
    await world.pendingOperations.begin({ gameId: 'g1', opKind: 'patch', opSource: 'admin_rest', correlationId: 'c', imageRef: null, startedAt: world.clock.now() });
    world.leases.foreign.add('g1');
    expect(await reconciler.reconcileOnce()).toMatchObject({ skippedBusy: ['g1'], closedInterrupted: [] });
    expect(world.operationLog.entries).toEqual([]);
    expect(world.pendingOperations.rows.size).toBe(1);
  });
});

describe('reconcile: startup adoption regardless of age (issue 9 item 5)', () => {
  it('an owned engine started just before RTM is adopted by the startup pass, not by a periodic one', async () => {
    const { world, reconciler } = setup();
    const young = await addGame(world, 'g1', { status: null, createdAt: new Date(world.clock.now().getTime() - 1_000) });
    expect((await reconciler.reconcileOnce()).skippedGrace).toEqual(['g1']);
    const startup = await reconciler.reconcileOnce({ startup: true });
    expect(startup.adopted).toEqual(['g1']);
    expect((await world.records.get('g1'))?.currentContainerId).toBe(young.id);
    expect(WORLD_GRACE_MS).toBeGreaterThan(1_000);
  });

  it('the lease still guards at startup: a game another instance is starting is skipped', async () => {
    const { world, reconciler } = setup();
    await addGame(world, 'g1', { status: null, createdAt: world.clock.now() });
    world.leases.foreign.add('g1');
    expect(await reconciler.reconcileOnce({ startup: true })).toMatchObject({ adopted: [], skippedBusy: ['g1'] });
  });
});
