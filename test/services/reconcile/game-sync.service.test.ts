// "Sync this game now": one game's reconcile from a fresh listing, in the game's turn; who
// noticed a vanished container; a listing that fails writes nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { DependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';
import { addGame, createWorld, expectPublishedEventsMatchSchema } from '../../workers/runtime-fixtures.js';

describe('GameSyncService', () => {
  afterEach(expectPublishedEventsMatchSchema);

  it('after a die: an ended container is marked stopped at once (no grace), and only this game is looked at', async () => {
    const world = createWorld();
    const c = await addGame(world, 'g1', { createdAt: world.clock.now() });
    await addGame(world, 'g2', { status: null }); // another game's unrecorded engine: not this sync's business
    c.state = 'exited';
    const outcome = await world.sync.sync('g1', 'docker_die');
    expect(outcome).toEqual({ actions: ['markedStopped'], skipped: null, failed: false });
    expect((await world.records.get('g1'))?.status).toBe('stopped');
    expect(await world.records.get('g2')).toBeNull();
    expect(world.operationLog.entries.map((e) => [e.gameId, e.opKind, e.opSource])).toEqual([['g1', 'reconcile_mark_stopped', 'auto_reconcile']]);
  });

  it('a container found gone by a sync a Docker event asked for is a docker_event disappearance; by a watcher’s verdict, a reconcile one', async () => {
    const world = createWorld();
    const a = await addGame(world, 'g1');
    const b = await addGame(world, 'g2');
    world.docker.containers.delete(a.id);
    world.docker.containers.delete(b.id);
    await world.sync.sync('g1', 'docker_die');
    await world.sync.sync('g2', 'probe_failed');
    expect(world.publisher.ofType('container_disappeared').map((e) => [e.gameId, e.details.source])).toEqual([
      ['g1', 'docker_event'],
      ['g2', 'reconcile'],
    ]);
    expect(world.operationLog.entries.map((e) => [e.gameId, e.opKind, e.details.source])).toEqual([
      ['g1', 'reconcile_dispose', 'docker_event'],
      ['g2', 'reconcile_dispose', 'reconcile'],
    ]);
  });

  it('Docker cannot be listed: failed, nothing written (the periodic pass catches up)', async () => {
    const world = createWorld();
    const c = await addGame(world, 'g1');
    c.state = 'exited';
    world.docker.failOn.listOwnedContainers = new DependencyUnavailable('docker', 'daemon down');
    expect(await world.sync.sync('g1', 'docker_die')).toEqual({ actions: [], skipped: null, failed: true });
    expect((await world.records.get('g1'))?.status).toBe('running');
    expect(world.operationLog.entries).toEqual([]);
    expect(world.leases.held.size).toBe(0);
  });
});
