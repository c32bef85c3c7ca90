import { DependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';
import { afterEach, describe, expect, it } from 'vitest';
import { GAME_ID_LABEL, IMAGE_REF_LABEL, OWNER_LABEL } from '../../../src/domain/container-spec.js';
import { DockerError } from '../../../src/ports/docker-runtime.js';
import { ReconcilerWorker } from '../../../src/workers/reconciler/reconciler.worker.js';
import { eventually } from '../../support/test-env.js';
import { WORLD_GRACE_MS, addGame, createWorld, expectPublishedEventsMatchSchema, ownerLabels, recordFor, type World } from '../runtime-fixtures.js';

const GRACE_MS = WORLD_GRACE_MS;

function setup(intervalMs = 60_000) {
  const world = createWorld();
  const reconciler = new ReconcilerWorker({ ...world, settings: { intervalMs } });
  return { world, reconciler };
}

/** The reconciler never stops, kills or removes anything. */
function expectNoContainerTouched(world: World): void {
  expect(world.docker.callsOf('stopContainer')).toEqual([]);
  expect(world.docker.callsOf('removeContainer')).toEqual([]);
  expect(world.docker.callsOf('startContainer')).toEqual([]);
}

describe('ReconcilerWorker.reconcileOnce', () => {
  afterEach(expectPublishedEventsMatchSchema);

  it('adopts an owned running container that has no record, never touching it', async () => {
    const { world, reconciler } = setup();
    const c = await addGame(world, 'g1', { status: null });
    c.labels[IMAGE_REF_LABEL] = 'galaxy/game-test:1.0.1';
    const report = await reconciler.reconcileOnce();
    expect(report).toMatchObject({ adopted: ['g1'], disposed: [], markedStopped: [], skippedBusy: [], failed: [] });
    const record = await world.records.get('g1');
    expect(record).toMatchObject({
      gameId: 'g1',
      status: 'running',
      currentContainerId: c.id,
      currentImageRef: 'galaxy/game-test:1.0.1',
      engineEndpoint: 'http://galaxy-game-g1:8080',
      statePath: world.stateDirectories.pathFor('g1'),
      lastOpAt: world.clock.now(),
    });
    const ops = world.operationLog.forGame('g1');
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ opKind: 'reconcile_adopt', opSource: 'auto_reconcile', outcome: 'success', containerId: c.id, imageRef: 'galaxy/game-test:1.0.1' });
    expect(world.publisher.published).toEqual([]);
    expect(world.docker.containers.get(c.id)?.state).toBe('running');
    expectNoContainerTouched(world);
    expect(world.leases.held.size).toBe(0);
  });

  it('reconciles several games at once (bounded), each under its own lease; the report is sorted', async () => {
    const world = createWorld();
    const reconciler = new ReconcilerWorker({ ...world, settings: { intervalMs: 60_000, concurrency: 3 } });
    const ids = Array.from({ length: 10 }, (_, i) => `g${String(9 - i)}`);
    for (const id of ids) await addGame(world, id, { status: null });
    let held = 0;
    let maxHeld = 0;
    const acquire = world.leases.tryAcquire.bind(world.leases);
    world.leases.tryAcquire = async (gameId: string) => {
      const lease = await acquire(gameId);
      if (!lease) return lease;
      maxHeld = Math.max(maxHeld, ++held);
      await new Promise((r) => setImmediate(r));
      return { ...lease, release: async () => (held--, lease.release()) };
    };
    const report = await reconciler.reconcileOnce();
    expect(report.adopted).toEqual([...ids].sort());
    expect(maxHeld).toBe(3);
    expect(world.leases.held.size).toBe(0);
  });

  it('adopts over a stopped or removed record (keeping created_at) and over a running record pointing elsewhere', async () => {
    const { world, reconciler } = setup();
    const created = new Date('2025-06-01T00:00:00Z');
    const stopped = await addGame(world, 'g-stopped', { status: null });
    await world.records.upsert({ ...recordFor('g-stopped', 'old-container', 'stopped'), createdAt: created });
    const removed = await addGame(world, 'g-removed', { status: null });
    await world.records.upsert(recordFor('g-removed', 'old-container-2', 'removed'));
    // A running record whose own container is gone while another owned engine of the game
    // runs (an operation that crashed after creating it): the running one becomes current.
    const replacement = await addGame(world, 'g-moved', { status: null });
    await world.records.upsert(recordFor('g-moved', 'vanished-container', 'running'));

    const report = await reconciler.reconcileOnce();
    expect(report.adopted).toEqual(['g-moved', 'g-removed', 'g-stopped']);
    expect(report.disposed).toEqual([]);
    expect(await world.records.get('g-stopped')).toMatchObject({ status: 'running', currentContainerId: stopped.id, createdAt: created });
    expect(await world.records.get('g-removed')).toMatchObject({ status: 'running', currentContainerId: removed.id });
    expect(await world.records.get('g-moved')).toMatchObject({ status: 'running', currentContainerId: replacement.id });
    expect(world.operationLog.forGame('g-moved')[0]?.details).toEqual({ previous_status: 'running', previous_container_id: 'vanished-container' });
    expect(world.publisher.published).toEqual([]);
    expectNoContainerTouched(world);
  });

  it('disposes a running record whose container is gone: removed, container_disappeared, reconcile_dispose', async () => {
    const { world, reconciler } = setup();
    await world.records.upsert(recordFor('g1', 'gone-container', 'running'));
    const report = await reconciler.reconcileOnce();
    expect(report.disposed).toEqual(['g1']);
    expect(await world.records.get('g1')).toMatchObject({ status: 'removed', removedAt: world.clock.now() });
    expect(world.publisher.published).toHaveLength(1);
    expect(world.publisher.published[0]).toMatchObject({ gameId: 'g1', containerId: 'gone-container', eventType: 'container_disappeared', details: { source: 'reconcile' } });
    expect(world.operationLog.forGame('g1')[0]).toMatchObject({ opKind: 'reconcile_dispose', opSource: 'auto_reconcile', outcome: 'success', containerId: 'gone-container' });
    // Idempotent: a second pass finds nothing to do.
    const again = await reconciler.reconcileOnce();
    expect(again).toMatchObject({ adopted: [], disposed: [], markedStopped: [] });
    expect(world.publisher.published).toHaveLength(1);
  });

  it('marks stopped a running record whose container exists but is not running', async () => {
    const { world, reconciler } = setup();
    const exited = await addGame(world, 'g-exited', { state: 'exited' });
    exited.exitCode = 3;
    await addGame(world, 'g-dead', { state: 'dead' });
    const report = await reconciler.reconcileOnce();
    expect(report.markedStopped).toEqual(['g-dead', 'g-exited']);
    expect(await world.records.get('g-exited')).toMatchObject({ status: 'stopped', currentContainerId: exited.id, stoppedAt: world.clock.now() });
    expect(world.operationLog.forGame('g-exited')[0]).toMatchObject({
      opKind: 'reconcile_mark_stopped',
      opSource: 'auto_reconcile',
      outcome: 'success',
      containerId: exited.id,
      details: { docker_status: 'exited', exit_code: 3, oom_killed: false },
    });
    expect(world.publisher.published).toEqual([]);
    expectNoContainerTouched(world);
  });

  it('leaves paused and restarting containers of running records alone (the inspect worker reports them)', async () => {
    const { world, reconciler } = setup();
    await addGame(world, 'g-paused', { state: 'paused' });
    await addGame(world, 'g-restarting', { state: 'restarting' });
    const report = await reconciler.reconcileOnce();
    expect(report).toMatchObject({ adopted: [], disposed: [], markedStopped: [], failed: [] });
    expect((await world.records.get('g-paused'))?.status).toBe('running');
  });

  it('does nothing for a consistent world', async () => {
    const { world, reconciler } = setup();
    await addGame(world, 'g1');
    await addGame(world, 'g2', { state: 'exited', status: 'stopped' });
    const report = await reconciler.reconcileOnce();
    expect(report).toMatchObject({ adopted: [], disposed: [], markedStopped: [], skippedBusy: [], skippedGrace: [], failed: [] });
    expect(world.operationLog.entries).toEqual([]);
  });

  it('grace: a container younger than the grace period is not drift yet', async () => {
    const { world, reconciler } = setup();
    const young = await addGame(world, 'g-new', { status: null, createdAt: new Date(world.clock.now().getTime() - 5_000) });
    await addGame(world, 'g-new-exited', { state: 'exited', createdAt: new Date(world.clock.now().getTime() - 5_000) });
    const first = await reconciler.reconcileOnce();
    expect(first.skippedGrace).toEqual(['g-new', 'g-new-exited']);
    expect(first.adopted).toEqual([]);
    expect(await world.records.get('g-new')).toBeNull();
    world.clock.advance(GRACE_MS);
    const second = await reconciler.reconcileOnce();
    expect(second.adopted).toEqual(['g-new']);
    expect(second.markedStopped).toEqual(['g-new-exited']);
    expect((await world.records.get('g-new'))?.currentContainerId).toBe(young.id);
  });

  it('never adopts or touches a container that is not owned, even with a game label and the game’s name', async () => {
    const { world, reconciler } = setup();
    const foreign = world.docker.addContainer({ name: 'galaxy-game-g1', labels: { [GAME_ID_LABEL]: 'g1' }, createdAt: new Date(0) });
    const wrongOwner = world.docker.addContainer({ name: 'x', labels: { [OWNER_LABEL]: 'someone-else', [GAME_ID_LABEL]: 'g2' }, createdAt: new Date(0) });
    const badId = world.docker.addContainer({ name: 'y', labels: ownerLabels('Not_A_Valid_Id'), createdAt: new Date(0) });
    const report = await reconciler.reconcileOnce();
    expect(report).toMatchObject({ adopted: [], disposed: [], markedStopped: [], failed: [] });
    expect(world.records.rows.size).toBe(0);
    expect(world.docker.callsOf('inspectContainer')).toEqual([]);
    for (const c of [foreign, wrongOwner, badId]) expect(world.docker.containers.get(c.id)?.state).toBe('running');
    expectNoContainerTouched(world);
  });

  it('a listing that lies about ownership is re-checked on the fresh inspect', async () => {
    const { world, reconciler } = setup();
    const c = world.docker.addContainer({ name: 'galaxy-game-g1', labels: { [GAME_ID_LABEL]: 'g1' }, createdAt: new Date(0) });
    const list = world.docker.listOwnedContainers.bind(world.docker);
    world.docker.listOwnedContainers = async () => [...(await list()), { id: c.id, name: c.name, labels: ownerLabels('g1'), state: 'running', createdAt: c.createdAt }];
    const report = await reconciler.reconcileOnce();
    expect(report.adopted).toEqual([]);
    expect(world.records.rows.size).toBe(0);
  });

  it('skips a game whose lease is held (an operation in flight) and reconciles it next pass', async () => {
    const { world, reconciler } = setup();
    await world.records.upsert(recordFor('g1', 'gone-container', 'running'));
    await addGame(world, 'g2', { status: null });
    world.leases.foreign.add('g1');
    world.leases.foreign.add('g2');
    const report = await reconciler.reconcileOnce();
    expect(report.skippedBusy).toEqual(['g1', 'g2']);
    expect((await world.records.get('g1'))?.status).toBe('running');
    expect(await world.records.get('g2')).toBeNull();
    expect(world.publisher.published).toEqual([]);
    world.leases.foreign.clear();
    const next = await reconciler.reconcileOnce();
    expect(next.disposed).toEqual(['g1']);
    expect(next.adopted).toEqual(['g2']);
  });

  it('re-reads the record under the lease: a change made before the lease was taken wins', async () => {
    const { world, reconciler } = setup();
    const c = await addGame(world, 'g1', { state: 'exited' });
    const acquire = world.leases.tryAcquire.bind(world.leases);
    world.leases.tryAcquire = async (gameId) => {
      // A stop finished between the listing and the lease.
      await world.records.updateStatus({ gameId, expectedContainerId: c.id, to: 'stopped', at: new Date() });
      return acquire(gameId);
    };
    const report = await reconciler.reconcileOnce();
    expect(report).toMatchObject({ disposed: [], markedStopped: [], failed: [] });
    expect((await world.records.get('g1'))?.status).toBe('stopped');
    expect(world.operationLog.entries).toEqual([]);
    expect(world.publisher.published).toEqual([]);
  });

  it('one game failing does not stop the pass; a Docker error is never taken as "container gone"', async () => {
    const { world, reconciler } = setup();
    await world.records.upsert(recordFor('g1', 'container-1', 'running'));
    await world.records.upsert(recordFor('g2', 'gone-container', 'running'));
    world.docker.failOn.inspectContainer = new DependencyUnavailable('docker', 'timeout');
    const report = await reconciler.reconcileOnce();
    expect(report.failed).toEqual(['g1']);
    expect(report.disposed).toEqual(['g2']);
    expect((await world.records.get('g1'))?.status).toBe('running');
    expect(world.leases.held.size).toBe(0);
  });

  it('a failed write leaves a failure row in the operation log', async () => {
    const { world, reconciler } = setup();
    await addGame(world, 'g1', { state: 'exited' });
    world.records.updateStatus = async () => {
      throw new Error('connection terminated');
    };
    const report = await reconciler.reconcileOnce();
    expect(report.failed).toEqual(['g1']);
    // One recorder for every operation (issue 8): the reconcile row's message is the pipeline's.
    expect(world.operationLog.forGame('g1')[0]).toMatchObject({ opKind: 'reconcile_mark_stopped', outcome: 'failure', errorCode: 'internal_error' });
    expect(world.operationLog.forGame('g1')[0]?.errorMessage).toMatch(/connection terminated/);
  });

  it('throws when Docker cannot be listed at all (nothing is decided blind)', async () => {
    const { world, reconciler } = setup();
    await world.records.upsert(recordFor('g1', 'gone-container', 'running'));
    world.docker.down = true;
    await expect(reconciler.reconcileOnce()).rejects.toThrow(/down/);
    expect((await world.records.get('g1'))?.status).toBe('running');
  });

  it('runs periodically after start() (the startup pass is the composition root’s) and stops cleanly', async () => {
    const { world, reconciler } = setup(10);
    await world.records.upsert(recordFor('g1', 'gone-container', 'running'));
    reconciler.start();
    await eventually(() => (world.publisher.published.length === 1 ? true : undefined));
    await reconciler.stop();
    expect((await world.records.get('g1'))?.status).toBe('removed');
  });
});
