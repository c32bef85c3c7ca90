// The waits on a service's tasks (pure logic over a stub of the manager): a task on a node that is
// down holds no wait once the manager wants it ended; one still wanted running does.
import { describe, expect, it } from 'vitest';
import type { SwarmApiClient } from '../../../../src/adapters/docker/swarm/swarm-api.client.js';
import { SwarmTaskWaits } from '../../../../src/adapters/docker/swarm/swarm-task-waits.poller.js';
import type { SwarmNode, SwarmService, SwarmTask } from '../../../../src/adapters/docker/swarm/swarm-task.mapper.js';

const service: SwarmService = { ID: 's', Version: { Index: 1 }, Spec: { Name: 'galaxy-game-g1' } };
const task = (id: string, node: string, desired: string, state: string): SwarmTask => ({ ID: id, ServiceID: 's', NodeID: node, DesiredState: desired, Status: { State: state } });

/** One read per wait: answered, or the timeout's error. */
function waitsOver(tasks: SwarmTask[], nodes: SwarmNode[]): SwarmTaskWaits {
  const api = {
    tasks: async () => tasks,
    nodes: async () => nodes,
    pollUntil: async <T>(_t: number, _i: number, read: () => Promise<T | null>, onTimeout: () => Error) => {
      const v = await read();
      if (v === null) throw onTimeout();
      return v;
    },
  } as unknown as SwarmApiClient;
  return new SwarmTaskWaits(api, 1);
}

const up: SwarmNode = { ID: 'up', Status: { State: 'ready' } };
const down: SwarmNode = { ID: 'down', Status: { State: 'down' } };

describe('SwarmTaskWaits', () => {
  it('settled: every task ended; or the ones left are meant to end on a node that is down', async () => {
    await expect(waitsOver([task('a', 'up', 'shutdown', 'shutdown')], [up]).settled(service, 1)).resolves.toBe(true);
    await expect(waitsOver([task('a', 'down', 'shutdown', 'running')], [up, down]).settled(service, 1)).resolves.toBe(true);
    await expect(waitsOver([task('a', 'up', 'shutdown', 'running')], [up, down]).settled(service, 1)).rejects.toThrow(/did not stop in time/);
    await expect(waitsOver([task('a', 'down', 'running', 'running')], [up, down]).settled(service, 1)).rejects.toThrow(/did not stop in time/);
  });

  it('gone: no task left, or the ones left sit on a node that is down (or no longer known)', async () => {
    await expect(waitsOver([], [up]).gone(service, 1)).resolves.toBe(true);
    await expect(waitsOver([task('a', 'down', 'remove', 'running'), task('b', 'vanished', 'remove', 'running')], [up, down]).gone(service, 1)).resolves.toBe(true);
    await expect(waitsOver([task('a', 'up', 'remove', 'running')], [up]).gone(service, 1)).rejects.toThrow(/not removed in time/);
  });
});
