import { afterEach, describe, expect, it } from 'vitest';
import { DependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';
import { DockerInspectWorker } from '../../../src/workers/docker-inspect/docker-inspect.worker.js';
import { eventually } from '../../support/test-env.js';
import { addGame, createWorld, expectPublishedEventsMatchSchema } from '../runtime-fixtures.js';

function setup(intervalMs = 1000) {
  const world = createWorld();
  const worker = new DockerInspectWorker({ ...world, settings: { intervalMs } });
  return { world, worker };
}

describe('DockerInspectWorker', () => {
  afterEach(expectPublishedEventsMatchSchema);

  it('reports RestartCount growth since the last look, not the baseline', async () => {
    const { world, worker } = setup();
    const c = await addGame(world, 'g1');
    c.restartCount = 2; // restarts before RTM first looked are not news
    await worker.inspectRound();
    expect(world.publisher.published).toEqual([]);
    c.restartCount = 3;
    await worker.inspectRound();
    await worker.inspectRound();
    expect(world.publisher.published).toHaveLength(1);
    expect(world.publisher.published[0]).toMatchObject({
      gameId: 'g1',
      containerId: c.id,
      eventType: 'inspect_unhealthy',
      details: { reason: 'restart_count_grew', restart_count: 3, previous_restart_count: 2 },
    });
    c.restartCount = 5;
    await worker.inspectRound();
    expect(world.publisher.published[1]?.details).toMatchObject({ reason: 'restart_count_grew', restart_count: 5, previous_restart_count: 3 });
    expect((await world.snapshots.get('g1'))?.eventType).toBe('inspect_unhealthy');
  });

  it('reports a status contradicting the record once per container and status', async () => {
    const { world, worker } = setup();
    const c = await addGame(world, 'g1');
    await worker.inspectRound();
    c.state = 'paused';
    await worker.inspectRound();
    await worker.inspectRound();
    c.state = 'restarting';
    await worker.inspectRound();
    await worker.inspectRound();
    c.state = 'running';
    await worker.inspectRound();
    c.state = 'paused';
    await worker.inspectRound();
    expect(world.publisher.published.map((e) => e.details)).toEqual([
      { reason: 'status_mismatch', docker_status: 'paused', record_status: 'running' },
      { reason: 'status_mismatch', docker_status: 'restarting', record_status: 'running' },
      { reason: 'status_mismatch', docker_status: 'paused', record_status: 'running' },
    ]);
  });

  it('swarm: node_down once while the node of the task is down (its stale status is not judged), again after it recovered', async () => {
    const { world, worker } = setup();
    const c = await addGame(world, 'g1');
    c.node = { id: 'n2', hostname: 'worker-2', state: 'ready' };
    await worker.inspectRound();
    c.node = { id: 'n2', hostname: 'worker-2', state: 'down' };
    await worker.inspectRound();
    await worker.inspectRound();
    c.node = { id: 'n2', hostname: 'worker-2', state: 'ready' };
    await worker.inspectRound();
    c.node = { id: 'n2', hostname: 'worker-2', state: 'unknown' };
    c.state = 'exited';
    await worker.inspectRound();
    expect(world.publisher.published.map((e) => e.details)).toEqual([
      { reason: 'node_down', node_id: 'n2', node_hostname: 'worker-2', node_state: 'down', docker_status: 'running' },
      { reason: 'node_down', node_id: 'n2', node_hostname: 'worker-2', node_state: 'unknown', docker_status: 'exited' },
    ]);
    expect(world.publisher.published[0]).toMatchObject({ gameId: 'g1', containerId: c.id, eventType: 'inspect_unhealthy' });
  });

  it.each(['exited', 'dead'] as const)('an %s container is a death, not a contradiction: no inspect_unhealthy; the game is synced and its record reads stopped', async (state) => {
    const { world, worker } = setup();
    const c = await addGame(world, 'g1');
    await worker.inspectRound();
    c.state = state;
    await worker.inspectRound();
    await eventually(async () => ((await world.records.get('g1'))?.status === 'stopped' ? true : undefined), { timeoutMs: 2_000 });
    await worker.inspectRound();
    expect(world.publisher.published).toEqual([]);
    expect(world.operationLog.entries.map((r) => [r.opKind, r.opSource, r.outcome])).toEqual([['reconcile_mark_stopped', 'auto_reconcile', 'success']]);
  });

  it('leaves a missing container to the events listener and the reconciler', async () => {
    const { world, worker } = setup();
    const c = await addGame(world, 'g1');
    world.docker.containers.delete(c.id);
    await worker.inspectRound();
    expect(world.publisher.published).toEqual([]);
  });

  it('only looks at running records', async () => {
    const { world, worker } = setup();
    await addGame(world, 'g1', { state: 'exited', status: 'stopped' });
    await worker.inspectRound();
    expect(world.docker.callsOf('inspectContainer')).toEqual([]);
    expect(world.publisher.published).toEqual([]);
  });

  it('a failing inspect of one container does not stop the round', async () => {
    const { world, worker } = setup();
    await addGame(world, 'g1');
    const b = await addGame(world, 'g2');
    await worker.inspectRound();
    world.docker.failOn.inspectContainer = new DependencyUnavailable('docker', 'timeout');
    b.state = 'paused';
    await worker.inspectRound();
    expect(world.publisher.published.map((e) => [e.gameId, e.details.docker_status])).toEqual([['g2', 'paused']]);
  });

  it('runs on its own timer and stops cleanly', async () => {
    const { world, worker } = setup(5);
    const c = await addGame(world, 'g1');
    worker.start();
    await eventually(() => (world.docker.callsOf('inspectContainer').length >= 1 ? true : undefined));
    c.restartCount = 1;
    await eventually(() => (world.publisher.published.length === 1 ? true : undefined));
    await worker.stop();
  });
});
